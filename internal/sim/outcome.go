package sim

import (
	"encoding/json"
	"net/http"
)

// DetectedIssueURL is the extension that carries an automatic check's (AFF) finding on an
// OperationOutcome issue. NLL names the extension nllDetectedIssue; its exact URL and content are
// not public, so the simulator uses this URL and a CodeableConcept of its own rule codes.
const DetectedIssueURL = "http://electronichealth.se/fhir/StructureDefinition/nllDetectedIssue"

// RuleSystem is the code system of the simulator's AFF rule codes (see docs/simulator.md).
const RuleSystem = "urn:konform:sim:aff"

// apiError is an answer with an OperationOutcome of one error.
type apiError struct {
	status      int
	code        string // IssueType
	diagnostics string
	expression  string
	rule        *rule  // set for AFF rejections
	header      string // set for a problem with a message header: its name
	entry       bool   // set for a transaction's failing entry
}

func (e *apiError) Error() string { return e.diagnostics }

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "not-found", diagnostics: what + " is not known"}
}

func invalid(diag string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "invalid", diagnostics: diag}
}

// issue is one OperationOutcome issue.
type issue struct {
	severity, code, diagnostics, expression string
	rule                                    *rule
}

func (i issue) json() map[string]any {
	out := map[string]any{"severity": i.severity, "code": i.code}
	if i.diagnostics != "" {
		out["diagnostics"] = i.diagnostics
	}
	if i.expression != "" {
		out["expression"] = []any{i.expression}
	}
	if i.rule != nil {
		out["extension"] = []any{map[string]any{
			"url": DetectedIssueURL,
			"valueCodeableConcept": map[string]any{
				"coding": []any{map[string]any{"system": RuleSystem, "code": i.rule.code, "display": i.rule.text}},
			},
		}}
	}
	return out
}

func outcome(issues ...issue) resource {
	list := make([]any, 0, len(issues))
	for _, i := range issues {
		list = append(list, i.json())
	}
	return resource{"resourceType": "OperationOutcome", "issue": list}
}

func (e *apiError) outcome() resource {
	return outcome(issue{severity: "error", code: e.code, diagnostics: e.diagnostics, expression: e.expression, rule: e.rule})
}

// writeError answers with e's OperationOutcome, told as the policy says: the status of its kind
// of problem, a specific or a generic issue code, and named or plain diagnostics.
func (s *Simulator) writeError(w http.ResponseWriter, e *apiError) {
	out := *e
	switch {
	case e.status == http.StatusUnauthorized:
		out.status = s.policy.AuthStatus
	case e.status == http.StatusForbidden:
		out.status = s.policy.ForbiddenStatus
	case e.status == http.StatusBadRequest && e.header != "":
		out.status = s.policy.HeaderStatus
	}
	if e.header != "" && !s.policy.NamedDiagnostics {
		out.diagnostics = "Anropet avvisades: meddelandehuvudet " + e.header + " saknas eller har ett otillåtet värde"
		out.expression = ""
	}
	if s.policy.GenericIssueCodes {
		out.code = "processing"
	}
	if out.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="NLL"`)
	}
	undocumented := e.rule == nil && !e.entry // NLL documents the OperationOutcome of these two only
	if e.status == http.StatusUnauthorized && s.policy.BareAuthRefusal || undocumented && s.policy.BareErrors {
		w.WriteHeader(out.status)
		return
	}
	body := out.outcome()
	if out.status == http.StatusNotFound && s.broken("not-found-not-error") {
		body = outcome(issue{severity: "information", code: "informational", diagnostics: out.diagnostics})
	}
	writeJSON(w, out.status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(outcome(issue{severity: "fatal", code: "exception", diagnostics: "cannot encode the answer"}))
	}
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeOutcome answers with an OperationOutcome of one error.
func (s *Simulator) writeOutcome(w http.ResponseWriter, status int, code, diagnostics string) {
	s.writeError(w, &apiError{status: status, code: code, diagnostics: diagnostics})
}
