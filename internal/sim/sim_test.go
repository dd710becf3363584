package sim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/konform/konform/fixtures"
	"github.com/konform/konform/internal/sim"
)

func newSim(t *testing.T, faults ...sim.Fault) *sim.Simulator {
	t.Helper()
	s, err := sim.New(sim.Options{Fixtures: fixtures.FS, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends one request to the handler and decodes a JSON answer.
func do(t *testing.T, h http.Handler, method, path, body string, header map[string]string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, "https://nll.test"+sim.DefaultBasePath+"/"+path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var doc map[string]any
	if rec.Body.Len() > 0 {
		_ = json.Unmarshal(rec.Body.Bytes(), &doc)
	}
	return rec, doc
}

func issue(doc map[string]any) (string, string) {
	issues, _ := doc["issue"].([]any)
	if len(issues) == 0 {
		return "", ""
	}
	i := issues[0].(map[string]any)
	return i["severity"].(string), i["code"].(string)
}

const mr = `{"resourceType":"MedicationRequest","status":"active","intent":"order",
 "subject":{"reference":"Patient/3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01"}}`

var fhirJSON = map[string]string{"Content-Type": "application/fhir+json"}

func TestErrorsAreOperationOutcomes(t *testing.T) {
	s := newSim(t)
	cases := []struct {
		method, path, body string
		header             map[string]string
		status             int
		code               string
	}{
		{"GET", "Patient/unknown", "", nil, 404, "not-found"},
		{"GET", "Observation", "", nil, 404, "not-supported"},
		{"GET", "Patient?name=x", "", nil, 400, "not-supported"},
		{"DELETE", "Patient/x", "", nil, 405, "not-supported"},
		{"POST", "MedicationRequest", "{", fhirJSON, 400, "invalid"},
		{"POST", "MedicationRequest", `{"resourceType":"Patient"}`, fhirJSON, 400, "invalid"},
		{"POST", "MedicationRequest", mr, map[string]string{"Content-Type": "text/plain"}, 415, "not-supported"},
		{"POST", "MedicationRequest", strings.Replace(mr, "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01", "none", 1), fhirJSON, 422, "processing"},
	}
	for _, c := range cases {
		rec, doc := do(t, s, c.method, c.path, c.body, c.header)
		sev, code := issue(doc)
		if rec.Code != c.status || doc["resourceType"] != "OperationOutcome" || sev != "error" || code != c.code {
			t.Errorf("%s %s: %d %s %s/%s, want %d error/%s", c.method, c.path, rec.Code, doc["resourceType"], sev, code, c.status, c.code)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
	}
}

func TestRequestIDIsEchoedOrMade(t *testing.T) {
	s := newSim(t)
	rec, _ := do(t, s, "GET", "$ping", "", map[string]string{"X-Request-ID": "abc-123"})
	if got := rec.Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed %q", got)
	}
	rec, _ = do(t, s, "GET", "$ping", "", nil)
	if rec.Header().Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID made")
	}
}

func TestSearchReturnsASearchsetBundle(t *testing.T) {
	s := newSim(t)
	_, doc := do(t, s, "GET", "Patient?identifier=http://electronichealth.se/identifier/personnummer|189001019802", "", nil)
	if doc["type"] != "searchset" || doc["total"] != float64(1) || len(doc["entry"].([]any)) != 1 {
		t.Errorf("search by personnummer: %v", doc)
	}
	_, doc = do(t, s, "GET", "Patient?identifier=http://other|189001019802", "", nil)
	if doc["resourceType"] != "Bundle" || doc["total"] != float64(0) || doc["entry"] != nil {
		t.Errorf("search with another system should be empty: %v", doc)
	}
}

func TestCreateHonoursPrefer(t *testing.T) {
	s := newSim(t)
	rec, doc := do(t, s, "POST", "MedicationRequest", mr, fhirJSON)
	loc := rec.Header().Get("Location")
	if rec.Code != 201 || rec.Body.Len() != 0 || !strings.Contains(loc, "/MedicationRequest/") || !strings.HasSuffix(loc, "/_history/1") {
		t.Fatalf("minimal create: %d %q body %q", rec.Code, loc, rec.Body.String())
	}
	if rec.Header().Get("ETag") != `W/"1"` {
		t.Errorf("ETag %q", rec.Header().Get("ETag"))
	}
	rec, doc = do(t, s, "POST", "MedicationRequest", mr, map[string]string{"Content-Type": "application/fhir+json", "Prefer": "return=representation"})
	meta, _ := doc["meta"].(map[string]any)
	if rec.Code != 201 || doc["id"] == nil || meta["versionId"] != "1" {
		t.Errorf("representation: %d %v", rec.Code, doc)
	}
	id := doc["id"].(string)
	_, read := do(t, s, "GET", "MedicationRequest/"+id, "", nil)
	if read["id"] != id {
		t.Errorf("read back %v", read)
	}
	_, search := do(t, s, "GET", "MedicationRequest?patient=3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01", "", nil)
	if search["total"] != float64(2) {
		t.Errorf("search by patient: total %v, want 2", search["total"])
	}
	rec, doc = do(t, s, "POST", "MedicationRequest", mr, map[string]string{"Content-Type": "application/fhir+json", "Prefer": "return=OperationOutcome"})
	if sev, _ := issue(doc); rec.Code != 201 || sev != "information" {
		t.Errorf("OperationOutcome: %d %v", rec.Code, doc)
	}
}

func TestFaultsChangeTheAnswer(t *testing.T) {
	s := newSim(t,
		sim.Fault{Path: "Patient", Status: 503, RetryAfter: 7, DropHeader: "X-Request-ID"},
		sim.Fault{Method: "GET", Path: "$ping", Remove: "parameter", ResourceType: "Bundle"},
	)
	rec, _ := do(t, s, "GET", "Patient/3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01", "", nil)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "7" || rec.Header().Get("X-Request-ID") != "" {
		t.Errorf("status fault: %d %v", rec.Code, rec.Header())
	}
	_, doc := do(t, s, "GET", "$ping", "", nil)
	if doc["resourceType"] != "Bundle" || doc["parameter"] != nil {
		t.Errorf("body fault: %v", doc)
	}
	rec, _ = do(t, s, "POST", "$ping", "", nil)
	if rec.Code != 200 {
		t.Errorf("a GET fault hit a POST: %d", rec.Code)
	}
	if err := s.SetFaults([]sim.Fault{{HTML: true}}); err != nil {
		t.Fatal(err)
	}
	rec, _ = do(t, s, "GET", "$ping", "", nil)
	if rec.Code != 503 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("HTML fault: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if err := s.SetFaults([]sim.Fault{{Status: 42}}); err == nil {
		t.Error("a status of 42 was accepted")
	}
}
