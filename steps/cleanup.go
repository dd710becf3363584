package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/konform/konform/internal/fhirclient"
)

// ref names a resource a scenario created.
type ref struct{ typ, id string }

func (r ref) String() string { return r.typ + "/" + r.id }

// cleaned are the types of resource the cleanup ends, in the order it ends them: data locks and
// dose bases (Basic) first, since a lock hides the rest, then consents, dispenses (before the
// prescriptions they belong to) and prescriptions.
var cleaned = []string{"Basic", "Consent", "MedicationDispense", "MedicationRequest"}

// locationRef reads the resource a Location names: [base]/Type/id, optionally /_history/n,
// absolute, an absolute path or relative to the base.
func locationRef(location string) (ref, bool) {
	path, _, _ := strings.Cut(location, "/_history/")
	segments := strings.Split(strings.Trim(path, "/"), "/")
	if len(segments) < 2 || segments[len(segments)-1] == "" {
		return ref{}, false
	}
	r := ref{typ: segments[len(segments)-2], id: segments[len(segments)-1]}
	for _, typ := range cleaned {
		if r.typ == typ {
			return r, true
		}
	}
	return ref{}, false
}

// createdRefs lists what an answer created: its Location, or the locations of a
// transaction-response's entries.
func createdRefs(status int, header http.Header, body []byte) []ref {
	if status != http.StatusCreated && status != http.StatusOK {
		return nil
	}
	locations := []string{header.Get("Location")}
	if doc, err := parseJSON(body); err == nil && doc["type"] == "transaction-response" {
		for _, e := range asList(doc["entry"]) {
			locations = append(locations, firstString(e, "response", "location"))
		}
	}
	var out []ref
	for _, loc := range locations {
		if r, ok := locationRef(loc); ok {
			out = append(out, r)
		}
	}
	return out
}

// noteCreated remembers what the last answer created, for the cleanup.
func (w *World) noteCreated() {
	if w.lastErr != nil || w.last == nil || w.last.Response == nil {
		return
	}
	resp := w.last.Response
	for _, r := range createdRefs(resp.Status, resp.Header, resp.Body) {
		w.remember(r)
	}
}

func (w *World) remember(r ref) {
	for _, m := range w.made {
		if m == r {
			return
		}
	}
	w.made = append(w.made, r)
}

// sutCreated lists what the system under test created in the scenario: its POSTs of a resource
// answered 201, and its transactions (POST to the base) answered 200.
func (w *World) sutCreated() []ref {
	if w.env.SUT == nil {
		return nil
	}
	var out []ref
	for _, c := range w.env.SUT.Calls() {
		if c.Method != http.MethodPost || c.RespHeader == nil || (c.Path != "" && strings.Contains(c.Path, "$")) {
			continue
		}
		out = append(out, createdRefs(c.Status, c.RespHeader, c.RespBody)...)
	}
	return out
}

// Cleanup ends what the scenario and the system under test created, with the run's own
// certificate and user and the scenario's headers and token claims reset, so that test data does
// not pile up in a shared test environment and the next scenario finds the patient as it was: a
// data lock or dose basis is deleted, a consent revoked (status inactive), a dispense nullified by
// the pharmacy (status entered-in-error), and a prescription cancelled (makulerad) with $end. It
// runs after every scenario, also a failed one; what is already ended is left as it is. Then the
// patient the scenario leased from the pool goes back to it, or out of it when something could
// not be ended. The exchanges join the scenario's evidence. It returns what could not be cleaned
// up: a problem of the cleanup, not of the case.
func (w *World) Cleanup(ctx context.Context) (problems []string) {
	defer func() { w.releasePatient(len(problems) == 0) }()
	w.ctx, w.identity, w.omit, w.claims = ctx, RunIdentity, map[string]bool{}, nil
	for _, r := range w.sutCreated() {
		w.remember(r)
	}
	for _, typ := range cleaned {
		for _, r := range w.made {
			if r.typ != typ {
				continue
			}
			if problem := w.end(r); problem != "" {
				problems = append(problems, r.String()+": "+problem)
			}
		}
	}
	return problems
}

// end ends one created resource and returns what went wrong, "" when nothing did.
func (w *World) end(r ref) string {
	// A prescriber with the patient's consent to locked data, so that nothing the scenario
	// locked is hidden from the cleanup; dispenses are the pharmacy's.
	w.role, w.header = DefaultRole, http.Header{"X-Purpose": {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"}}
	switch r.typ {
	case "Basic":
		resp, problem := w.cleanupCall(fhirclient.Request{Method: http.MethodDelete, Path: r.String()})
		if problem == "" && !ok2xx(resp.Status) && resp.Status != http.StatusNotFound && resp.Status != http.StatusGone {
			problem = fmt.Sprintf("DELETE answered %d%s", resp.Status, unsupported(resp.Status, "NLL may not let a client delete a data lock or dose basis"))
		}
		return problem
	case "Consent":
		return w.changeStatus(r, "inactive", "rejected", "entered-in-error")
	case "MedicationDispense":
		w.role, w.header = Pharmacist, http.Header{"X-Purpose": {"EXPEDIERING"}, "X-Access": {"UTAN_KRAV_SAMTYCKE"}}
		return w.changeStatus(r, "entered-in-error")
	}
	body, _ := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "entry", "part": []any{ // NLLEnd: each entry carries its parts
			map[string]any{"name": "resource", "valueReference": map[string]any{"reference": r.String()}},
			map[string]any{"name": "reason", "valueCodeableConcept": map[string]any{"text": "Testdata från konform, körning " + w.env.RunID}},
			map[string]any{"name": "activity", "valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"code": "makulera"}}}},
		}},
	}})
	resp, problem := w.cleanupCall(fhirclient.Request{Method: http.MethodPost, Path: "MedicationRequest/$end", Body: body})
	if problem == "" && resp.Status != http.StatusOK && resp.Status != http.StatusUnprocessableEntity { // 422: already ended
		problem = fmt.Sprintf("$end answered %d", resp.Status)
	}
	return problem
}

// changeStatus reads a resource and PUTs it back with the status to, unless it is gone or already
// has that status or one of ended.
func (w *World) changeStatus(r ref, to string, ended ...string) string {
	resp, problem := w.cleanupCall(fhirclient.Request{Method: http.MethodGet, Path: r.String()})
	switch {
	case problem != "":
		return problem
	case resp.Status == http.StatusNotFound || resp.Status == http.StatusGone:
		return ""
	case resp.Status != http.StatusOK:
		return fmt.Sprintf("cannot read it to set status %s: GET answered %d", to, resp.Status)
	}
	doc, err := parseJSON(resp.Body)
	if err != nil {
		return fmt.Sprintf("cannot read it to set status %s: %v", to, err)
	}
	status, _ := doc["status"].(string)
	if status == to || contains(ended, status) {
		return ""
	}
	doc["status"] = to
	body, _ := json.Marshal(doc)
	resp, problem = w.cleanupCall(fhirclient.Request{Method: http.MethodPut, Path: r.String(), Body: body})
	if problem == "" && !ok2xx(resp.Status) {
		problem = fmt.Sprintf("PUT with status %s answered %d%s", to, resp.Status, unsupported(resp.Status, "NLL may end it another way"))
	}
	return problem
}

// unsupported adds a hint to a refused cleanup when the answer says NLL does not end things so
// (405, 501, or an update it does not allow, 422): the way konform ends them is its guess.
func unsupported(status int, why string) string {
	switch status {
	case http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusUnprocessableEntity:
		return "; " + why + ": end it by hand (docs/ext.md)"
	}
	return ""
}

// cleanupCall sends one request of the cleanup and returns the answer, or why there is none.
func (w *World) cleanupCall(req fhirclient.Request) (*fhirclient.Message, string) {
	if err := w.send(req); err != nil {
		return nil, err.Error()
	}
	if w.lastErr != nil {
		return nil, w.lastErr.Error()
	}
	return w.last.Response, ""
}

func ok2xx(status int) bool { return status >= 200 && status < 300 }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CleanupRun finds the prescriptions an earlier run left behind (identifier urn:konform:run|runID,
// status active or on hold) and cancels them, for `konform cleanup --run ID` after an aborted run.
// It returns how many it found, the exchanges it made and what it could not clean up.
func CleanupRun(ctx context.Context, env *Env, runID string) (int, []*fhirclient.Exchange, []string) {
	w := NewWorld(ctx, env)
	w.header = http.Header{"X-Purpose": {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"}}
	q := url.Values{"identifier": {RunIdentifierSystem + "|" + runID}, "_count": {"1000"}}
	if err := w.send(fhirclient.Request{Method: http.MethodGet, Path: "MedicationRequest", Query: q}); err != nil {
		return 0, w.Exchanges, []string{err.Error()}
	}
	resp, err := w.response()
	if err != nil {
		return 0, w.Exchanges, []string{err.Error()}
	}
	doc, err := parseJSON(resp.Body)
	if err != nil || resp.Status != http.StatusOK {
		return 0, w.Exchanges, []string{fmt.Sprintf("the search for the run's prescriptions answered %d", resp.Status)}
	}
	for _, e := range asList(doc["entry"]) {
		status := firstString(e, "resource", "status")
		if id := firstString(e, "resource", "id"); id != "" && (status == "active" || status == "on-hold") {
			w.remember(ref{typ: "MedicationRequest", id: id})
		}
	}
	found := len(w.made)
	problems := w.Cleanup(ctx)
	return found, w.Exchanges, problems
}
