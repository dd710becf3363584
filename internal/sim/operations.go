package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	if typ == "" && got == "Bundle" {
		s.verifyDispatch(w, c, res)
		return
	}
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
		if !s.dispenses(c) {
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
	s.writeVerified(w, aerr != nil || len(wr.warnings) > 0, issues)
}

// writeVerified answers $verify (NLLVerify): detectedIssues and the issues as an OperationOutcome.
func (s *Simulator) writeVerified(w http.ResponseWriter, detected bool, issues []issue) {
	if len(issues) == 0 {
		issues = []issue{{severity: "information", code: "informational", diagnostics: "no issues detected"}}
	}
	writeJSON(w, http.StatusOK, resource{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "detectedIssues", "valueBoolean": detected && !s.broken("verify-always-clean")},
		map[string]any{"name": "issues", "resource": outcome(issues...)},
	}})
}

// verifyDispatch answers $verify at the base for an NLLDispatch Bundle (expediering av flera:
// several dispenses handed over at once). Each MedicationDispense entry is checked as $verify
// checks one; its issues point at its entry (Bundle.entry[n].resource…), and each entry that
// passes counts as verified for its registration. NLLVerify names NLLDispatch as its input; the
// Bundle's type and the issues' paths are the simulator's (docs/simulator.md, OP-VERIFY-DISPATCH).
func (s *Simulator) verifyDispatch(w http.ResponseWriter, c *caller, bundle resource) {
	entries := list(bundle, "entry")
	switch {
	case len(entries) == 0:
		s.writeError(w, invalid("an NLLDispatch Bundle needs at least one entry"))
		return
	case !s.dispenses(c):
		s.writeError(w, &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "only a pharmacy (APOTEKSID in the token) verifies dispenses"})
		return
	}
	for i, e := range entries {
		if got := stringAt(object(e, "resource"), "resourceType"); got != "MedicationDispense" {
			s.writeError(w, &apiError{status: http.StatusBadRequest, code: "invalid", diagnostics: fmt.Sprintf("an NLLDispatch holds MedicationDispenses; got %q", got),
				expression: fmt.Sprintf("Bundle.entry[%d].resource", i)})
			return
		}
	}
	var issues []issue
	detected := false
	s.writeMu.Lock()
	for i, e := range entries {
		if i > 0 && s.broken("dispatch-first-only") {
			break
		}
		at := func(expr string) string {
			if s.broken("dispatch-expression-unscoped") {
				return expr
			}
			entry := fmt.Sprintf("Bundle.entry[%d].resource", i)
			if rest, ok := strings.CutPrefix(expr, "MedicationDispense"); ok {
				return entry + rest
			}
			return entry
		}
		wr := &write{method: http.MethodPost, typ: "MedicationDispense", res: object(e, "resource")}
		if aerr := s.checkDispense(wr); aerr != nil && aerr.rule == nil {
			// Not an AFF finding: the single $verify refuses such a dispense outright, and so
			// the whole dispatch is refused, pointing at the entry (as a transaction is).
			s.writeMu.Unlock()
			aerr.expression = at(aerr.expression)
			s.writeError(w, aerr)
			return
		} else if aerr != nil {
			detected = true
			issues = append(issues, issue{severity: "error", code: aerr.code, diagnostics: aerr.diagnostics, expression: at(aerr.expression), rule: aerr.rule})
			continue
		}
		s.verified[dispenseKey(wr.res)] = s.now()
		for _, warning := range wr.warnings {
			detected = true
			warning.expression = at(warning.expression)
			issues = append(issues, warning)
		}
	}
	s.writeMu.Unlock()
	s.writeVerified(w, detected, issues)
}

// endActivities maps $end's activity codes to the status they give. NLL's codes are not public.
var endActivities = map[string]string{"makulera": "cancelled", "avsluta": "completed"}

// UsageEndDateURL is the extension of a prescription that holds its last day of use (sista
// doseringsdag), which $end's nllUsageEndDate replaces or deletes. Its place on the resource is
// not public; this is the simulator's.
const UsageEndDateURL = nllBase + "nllUsageEndDate"

// endEntry is one entry of $end: the prescription, why, what, and its last day of use.
type endEntry struct {
	id               string
	reason, activity map[string]any
	status           string // the status the activity gives
	usageEnd         string // "replace" or "delete"; "" leaves it
	usageEndDate     string // the new date, with replace
}

// end answers MedicationRequest/$end (NLLEnd): cancel (makulera) or end (avsluta) prescriptions of
// one patient, without version checks. Each entry parameter carries its parts (SIMP NLLEnd):
// resource (valueReference MedicationRequest/<id>, a _history ignored) or a NEF-id, reason
// (valueCodeableConcept), activity (valueCodeableConcept) and optionally nllUsageEndDate (parts
// operationType replace or delete, and date).
func (s *Simulator) end(w http.ResponseWriter, r *http.Request) {
	c, body, ok := s.authorizedBody(w, r, needCheck)
	if !ok {
		return
	}
	if aerr := s.mayWrite(c, "MedicationRequest", nil); aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if body["resourceType"] != "Parameters" {
		s.writeError(w, invalid("$end takes Parameters"))
		return
	}
	if s.broken("end-flat-accepted") {
		body = nestEnd(body)
	}
	var entries []endEntry
	for i, p := range list(body, "parameter") {
		if name := stringAt(p, "name"); name != "entry" {
			s.writeError(w, invalid(fmt.Sprintf("$end takes entry parameters with their parts (resource, reason, activity); got %q", name)))
			return
		}
		e, aerr := s.readEndEntry(c, p.(map[string]any), fmt.Sprintf("Parameters.parameter[%d]", i))
		if aerr != nil {
			s.writeError(w, aerr)
			return
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		s.writeError(w, invalid("$end needs at least one entry"))
		return
	}
	s.writeMu.Lock()
	writes, aerr := s.prepareEnd(c, entries)
	var ended []any
	if aerr == nil {
		for i, wr := range writes {
			c.provenance = map[string]any{"activity": entries[i].activity, "reason": entries[i].reason}
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
			diagnostics: fmt.Sprintf("%d förskrivning(ar) avslutade eller makulerade", len(ended))}))
		return
	}
	writeJSON(w, http.StatusOK, resource{"resourceType": "Parameters",
		"parameter": append([]any{map[string]any{"name": "result", "valueBoolean": true}}, ended...)})
}

// readEndEntry reads one entry of $end and checks it; where names it in an error.
func (s *Simulator) readEndEntry(c *caller, p map[string]any, where string) (endEntry, *apiError) {
	var e endEntry
	if p["part"] == nil {
		return e, &apiError{status: http.StatusBadRequest, code: "invalid", expression: where,
			diagnostics: "$end's entry carries its parts: resource (valueReference), reason and activity (valueCodeableConcept) (NLLEnd)"}
	}
	nef := false
	for _, part := range list(p, "part") {
		switch stringAt(part, "name") {
		case "resource":
			e.id = referenceID(stringAt(part, "valueReference", "reference"), "MedicationRequest")
		case "PrescriptionSetId", "RowId", "ProductRowId":
			nef = true
		case "reason":
			e.reason = object(part, "valueCodeableConcept")
		case "activity":
			e.activity = object(part, "valueCodeableConcept")
		case "nllUsageEndDate":
			for _, u := range list(part, "part") {
				switch stringAt(u, "name") {
				case "operationType":
					e.usageEnd = stringAt(u, "valueCode")
				case "date":
					e.usageEndDate = stringAt(u, "valueDate")
				}
			}
			if e.usageEnd == "" {
				e.usageEnd = "missing"
			}
		}
	}
	e.status = endActivities[stringAt(e.activity, "coding", "code")]
	if e.status != "" && s.broken("end-activity-ignored") {
		e.status = "cancelled"
	}
	date := e.usageEndDate
	if len(date) > 10 {
		date = ""
	}
	switch {
	case nef && e.id == "":
		return e, &apiError{status: http.StatusBadRequest, code: "not-supported", expression: where,
			diagnostics: "the simulator does not resolve NEF-ids (PrescriptionSetId, RowId, ProductRowId); name the prescription with resource"}
	case e.id == "":
		return e, &apiError{status: http.StatusBadRequest, code: "required", expression: where, diagnostics: "the entry needs resource (valueReference MedicationRequest/<id>) or a NEF-id"}
	case e.reason == nil:
		return e, &apiError{status: http.StatusBadRequest, code: "required", expression: where, diagnostics: "the entry needs a reason (valueCodeableConcept)"}
	case e.status == "":
		return e, &apiError{status: http.StatusBadRequest, code: "invalid", expression: where, diagnostics: "the entry needs an activity (valueCodeableConcept) with code makulera or avsluta"}
	case e.usageEnd != "" && e.usageEnd != "replace" && e.usageEnd != "delete":
		return e, &apiError{status: http.StatusBadRequest, code: "invalid", expression: where, diagnostics: "nllUsageEndDate's operationType is replace or delete"}
	case e.usageEnd == "replace" && !validDate(date):
		return e, &apiError{status: http.StatusBadRequest, code: "invalid", expression: where, diagnostics: "nllUsageEndDate replace needs a date (YYYY-MM-DD)"}
	case c.role == RolePharmacist && e.status != "completed" && !s.broken("end-no-role-rule"):
		// A pharmacy may end (avsluta) a prescription, as with PUT, but not cancel it.
		return e, &apiError{status: http.StatusForbidden, code: "forbidden", expression: where, diagnostics: "a pharmacist may only end (avsluta) a prescription, not cancel (makulera) it"}
	}
	return e, nil
}

// nestEnd turns the flat form of $end's Parameters (entry valueReference, with reason and
// activity beside the entries), which NLL does not document, into entries with parts: the defect
// end-flat-accepted.
func nestEnd(body resource) resource {
	var refs, rest []any
	for _, p := range list(body, "parameter") {
		if stringAt(p, "name") == "entry" && object(p, "valueReference") != nil {
			refs = append(refs, p)
		} else {
			rest = append(rest, p)
		}
	}
	if len(refs) == 0 {
		return body
	}
	parts := []any{}
	for _, p := range rest {
		switch stringAt(p, "name") {
		case "reason":
			parts = append(parts, map[string]any{"name": "reason", "valueCodeableConcept": object(p, "valueCodeableConcept")})
		case "activity":
			a := object(p, "valueCodeableConcept")
			if c := object(p, "valueCoding"); c != nil {
				a = map[string]any{"coding": []any{c}}
			}
			parts = append(parts, map[string]any{"name": "activity", "valueCodeableConcept": a})
		}
	}
	var entries []any
	for _, r := range refs {
		entries = append(entries, map[string]any{"name": "entry",
			"part": append([]any{map[string]any{"name": "resource", "valueReference": object(r, "valueReference")}}, parts...)})
	}
	return resource{"resourceType": "Parameters", "parameter": entries}
}

// validDate reports whether d is a date, YYYY-MM-DD.
func validDate(d string) bool {
	_, err := time.Parse("2006-01-02", d)
	return err == nil
}

func (s *Simulator) prepareEnd(c *caller, entries []endEntry) ([]*write, *apiError) {
	var writes []*write
	patient := ""
	for i, e := range entries {
		mr, ok := s.store.read("MedicationRequest", e.id)
		if !ok || !s.visible(c, "MedicationRequest", mr) {
			return nil, notFound("MedicationRequest/" + e.id)
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
		next["status"] = e.status
		switch {
		case e.usageEnd == "replace" && !s.broken("usage-end-date-ignored"):
			setExtension(next, map[string]any{"url": UsageEndDateURL, "valueDate": e.usageEndDate})
		case e.usageEnd == "delete" && !s.broken("usage-end-date-ignored"):
			removeExtension(next, UsageEndDateURL)
		}
		writes = append(writes, &write{method: "PUT", typ: "MedicationRequest", id: e.id, res: next, patient: p})
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
	var first *stored
	for _, p := range plan {
		var done stored
		switch {
		case p.done != nil:
			done = *p.done
		case first != nil && s.broken("transaction-first-only"):
			done = *first
		default:
			done = s.commit(p.caller, p.wr)
			first = &done
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
	aerr.entry = true
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
	// The extension's URL and value type are not published: any URL ending so, with the
	// provenance as a string or base64Binary, is read (as konform's checks of a system read it).
	v := ""
	for _, x := range list(request, "extension") {
		if strings.HasSuffix(stringAt(x, "url"), "nllProvenanceDetails") {
			v = stringAt(x, "valueString") + stringAt(x, "valueBase64Binary")
		}
	}
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
