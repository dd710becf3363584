package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// verify answers $verify (NLLVerify): the AFF checks of a prescription or dispense, without
// saving. The body is the resource, or Parameters with it in a "resource" part. A dispense that
// passes may then be registered (NLL requires $verify before every dispense).
func (s *Simulator) verify(w http.ResponseWriter, r *http.Request, typ string) {
	c, res, ok := s.authorizedBody(w, r, needCheck)
	if !ok {
		return
	}
	if res["resourceType"] == "Parameters" {
		for _, p := range list(res, "parameter") {
			if stringAt(p, "name") == "resource" {
				res = object(p, "resource")
			}
		}
	}
	got, _ := res["resourceType"].(string)
	if typ == "" {
		typ = got
	}
	if got != typ || (typ != "MedicationRequest" && typ != "MedicationDispense") {
		s.writeError(w, invalid(fmt.Sprintf("$verify checks a MedicationRequest or MedicationDispense; got %q", got)))
		return
	}
	wr := &write{method: http.MethodPost, typ: typ, res: res}
	var aerr *apiError
	s.writeMu.Lock()
	if typ == "MedicationDispense" {
		if c.role != RolePharmacist {
			aerr = &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "only a pharmacy (APOTEKSID in the token) verifies dispenses"}
		} else if aerr = s.checkDispense(wr); aerr == nil {
			s.verified[dispenseKey(res)] = s.now()
		}
	} else {
		aerr = s.createPrescription(c, wr)
		if aerr == nil && s.broken("verify-saves") {
			wr.id = uuid.NewString()
			wr.res["id"], wr.patient = wr.id, subjectPatient(wr.res)
			s.commit(c, wr)
		}
	}
	s.writeMu.Unlock()
	issues := wr.warnings
	if aerr != nil {
		if aerr.rule == nil { // not an AFF finding: the request itself is wrong
			s.writeError(w, aerr)
			return
		}
		issues = append([]issue{{severity: "error", code: aerr.code, diagnostics: aerr.diagnostics, expression: aerr.expression, rule: aerr.rule}}, issues...)
	}
	if len(issues) == 0 {
		issues = []issue{{severity: "information", code: "informational", diagnostics: "no issues detected"}}
	}
	writeJSON(w, http.StatusOK, resource{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "detectedIssues", "valueBoolean": (aerr != nil || len(wr.warnings) > 0) && !s.broken("verify-always-clean")},
		map[string]any{"name": "issues", "resource": outcome(issues...)},
	}})
}

// endActivities maps $end's activity codes to the status they give. NLL's codes are not public.
var endActivities = map[string]string{"makulera": "cancelled", "avsluta": "completed"}

// end answers MedicationRequest/$end (NLLEnd): cancel (makulera) or end (avsluta) prescriptions of
// one patient, without version checks. Parameters: entry (valueReference, 1..*), reason
// (valueCodeableConcept, 1..1), activity (valueCoding or valueCodeableConcept, 1..1).
func (s *Simulator) end(w http.ResponseWriter, r *http.Request) {
	c, body, ok := s.authorizedBody(w, r, needCheck)
	if !ok {
		return
	}
	if body["resourceType"] != "Parameters" {
		s.writeError(w, invalid("$end takes Parameters"))
		return
	}
	var ids []string
	var reason, activity map[string]any
	for _, p := range list(body, "parameter") {
		switch stringAt(p, "name") {
		case "entry":
			ids = append(ids, referenceID(stringAt(p, "valueReference", "reference"), "MedicationRequest"))
		case "reason":
			reason = object(p, "valueCodeableConcept")
		case "activity":
			if activity = object(p, "valueCoding"); activity == nil {
				activity = object(p, "valueCodeableConcept", "coding")
			}
		}
	}
	status := endActivities[stringAt(activity, "code")]
	if status != "" && s.broken("end-activity-ignored") {
		status = "cancelled"
	}
	var aerr *apiError
	switch {
	case len(ids) == 0:
		aerr = invalid("$end needs at least one entry (valueReference MedicationRequest/<id>)")
	case reason == nil:
		aerr = invalid("$end needs a reason (valueCodeableConcept)")
	case status == "":
		aerr = invalid("$end needs an activity with code makulera or avsluta")
	case c.role == RolePharmacist && status != "completed" && !s.broken("end-no-role-rule"):
		// A pharmacy may end (avsluta) a prescription, as with PUT, but not cancel it.
		aerr = &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "a pharmacist may only end (avsluta) a prescription, not cancel (makulera) it"}
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	c.provenance = map[string]any{"activity": map[string]any{"coding": []any{activity}}, "reason": reason}
	s.writeMu.Lock()
	writes, aerr := s.prepareEnd(c, ids, status)
	var ended []any
	if aerr == nil {
		for _, wr := range writes {
			done := s.commit(c, wr)
			ended = append(ended, map[string]any{"name": "ended", "valueReference": map[string]any{
				"reference": "MedicationRequest/" + done.id + "/_history/" + strconv.Itoa(done.version)}})
		}
	}
	s.writeMu.Unlock()
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if !s.policy.EndParameters {
		writeJSON(w, http.StatusOK, outcome(issue{severity: "information", code: "informational",
			diagnostics: fmt.Sprintf("%d förskrivning(ar) ändrade till %s", len(ended), status)}))
		return
	}
	writeJSON(w, http.StatusOK, resource{"resourceType": "Parameters",
		"parameter": append([]any{map[string]any{"name": "result", "valueBoolean": true}}, ended...)})
}

func (s *Simulator) prepareEnd(c *caller, ids []string, status string) ([]*write, *apiError) {
	var writes []*write
	patient := ""
	for i, id := range ids {
		mr, ok := s.store.read("MedicationRequest", id)
		if !ok || !s.visible(c, "MedicationRequest", mr) {
			return nil, notFound("MedicationRequest/" + id)
		}
		p := subjectPatient(mr)
		if i > 0 && p != patient && s.applies(ruleOnePatient) {
			return nil, reject(ruleOnePatient, "Parameters.parameter[entry]")
		}
		patient = p
		if mr["status"] != "active" && mr["status"] != "on-hold" {
			return nil, reject(ruleStatus, "MedicationRequest.status")
		}
		next := deepCopy(mr).(map[string]any)
		next["status"] = status
		writes = append(writes, &write{method: "PUT", typ: "MedicationRequest", id: id, res: next, patient: p})
	}
	return writes, nil
}

// ProvenanceDetailsURL is the extension on Bundle.entry.request that carries an entry's activity
// and reason in a transaction, instead of X-Provenance. Its value here is the same base64-encoded
// JSON as the header (the real format is not public).
const ProvenanceDetailsURL = nllBase + "nllProvenanceDetails"

// transaction answers POST [base]/ with a transaction Bundle: every entry is checked first, and
// one failing entry rejects the whole Bundle with an OperationOutcome that names it.
func (s *Simulator) transaction(w http.ResponseWriter, r *http.Request) {
	c, body, ok := s.authorizedBody(w, r, needCheck)
	if !ok {
		return
	}
	if body["resourceType"] != "Bundle" || body["type"] != "transaction" {
		s.writeError(w, invalid("POST [base]/ takes a Bundle of type transaction"))
		return
	}
	entries := list(body, "entry")
	if len(entries) == 0 {
		s.writeError(w, invalid("the transaction has no entries"))
		return
	}
	type pending struct {
		wr     *write
		caller *caller
		done   *stored // set when the defect transaction-partial stored it at once
	}
	var plan []pending
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for i, x := range entries {
		where := fmt.Sprintf("Bundle.entry[%d]", i)
		ec, aerr := s.entryCaller(c, r, object(x, "request"))
		if aerr == nil {
			var wr *write
			wr, aerr = entryWrite(x)
			if aerr == nil {
				aerr = s.prepare(ec, wr)
				plan = append(plan, pending{wr: wr, caller: ec})
			}
		}
		if aerr == nil && s.broken("transaction-partial") {
			done := s.commit(ec, plan[len(plan)-1].wr)
			plan[len(plan)-1].done = &done
		}
		if aerr != nil {
			s.pointAtEntry(aerr, where, x)
			s.writeError(w, aerr)
			return
		}
	}
	out := make([]any, 0, len(plan))
	for _, p := range plan {
		var done stored
		if p.done != nil {
			done = *p.done
		} else {
			done = s.commit(p.caller, p.wr)
		}
		status, location := map[string]string{"POST": "201 Created", "PUT": "200 OK"}[p.wr.method], fmt.Sprintf("%s/%s/_history/%d", done.typ, done.id, done.version)
		if !s.policy.ReasonPhrase {
			status, _, _ = strings.Cut(status, " ")
		}
		if !s.policy.AbsoluteLocations { // Location is an absolute path, so response.location is absolute
			location = s.fullURL(r, location)
		}
		resp := map[string]any{
			"status":       status,
			"location":     location,
			"etag":         fmt.Sprintf(`W/"%d"`, done.version),
			"lastModified": stringAt(done.res, "meta", "lastUpdated"),
		}
		if len(done.warnings) > 0 {
			resp["outcome"] = outcome(done.warnings...)
		}
		entry := map[string]any{"response": resp}
		if preferReturn(r) == "representation" {
			entry["resource"] = done.res
		}
		out = append(out, entry)
	}
	s.writeBundle(w, "transaction-response", 0, nil, out)
}

// pointAtEntry makes a failing entry's problem name the entry: diagnostics starting with
// "Bundle.entry[i]: " (named diagnostics), or only the expression Bundle.entry[i].resource.… .
func (s *Simulator) pointAtEntry(aerr *apiError, where string, entry any) {
	if s.policy.NamedDiagnostics {
		aerr.diagnostics = where + ": " + aerr.diagnostics
		if aerr.expression == "" {
			aerr.expression = where
		}
		return
	}
	typ := stringAt(entry, "resource", "resourceType")
	if rest, ok := strings.CutPrefix(aerr.expression, typ); ok && typ != "" && (rest == "" || rest[0] == '.') {
		aerr.expression = where + ".resource" + rest
	} else {
		aerr.expression = where
	}
	aerr.header = "" // the entry's provenance, not the request's header, was wrong
}

// entryCaller gives an entry the provenance from its nllProvenanceDetails extension, else the
// X-Provenance header.
func (s *Simulator) entryCaller(c *caller, r *http.Request, request map[string]any) (*caller, *apiError) {
	ec := *c
	v := stringAt(extension(request, ProvenanceDetailsURL), "valueString")
	if v == "" {
		v = r.Header.Get("X-Provenance")
	}
	if aerr := s.readProvenance(&ec, v); aerr != nil {
		aerr.diagnostics = "provenance (nllProvenanceDetails or x-provenance) " + aerr.diagnostics
		return nil, aerr
	}
	return &ec, nil
}

func entryWrite(entry any) (*write, *apiError) {
	method := stringAt(entry, "request", "method")
	url := stringAt(entry, "request", "url")
	res := object(entry, "resource")
	if res == nil {
		return nil, invalid("the entry has no resource")
	}
	switch method {
	case http.MethodPost:
		return &write{method: method, typ: url, res: res}, nil
	case http.MethodPut:
		typ := stringAt(res, "resourceType")
		id := referenceID(url, typ)
		if id == "" {
			return nil, invalid("PUT needs request.url " + typ + "/<id>, got " + strconv.Quote(url))
		}
		return &write{method: method, typ: typ, id: id, res: res}, nil
	}
	return nil, invalid("request.method must be POST or PUT, got " + strconv.Quote(method))
}
