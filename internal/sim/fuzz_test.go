package sim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// FuzzParseFault: any --fault value parses into a fault that does something, or is refused; a
// parsed fault prints back to itself.
func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"path=Patient,status=503,retryAfter=30", "method=GET,latency=2s", "path=$ping,after=1,remove=parameter", "html", "path", "status=x", ",,=", "remove=a.b.c,truncate=false"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		fault, err := sim.ParseFault(spec)
		if err != nil {
			return
		}
		again, err := sim.ParseFault(fault.String())
		if err != nil || again != fault {
			t.Fatalf("%q parsed to %+v, which prints as %q and parses back to %+v (%v)", spec, fault, fault.String(), again, err)
		}
	})
}

// FuzzRequest: whatever a client sends in NLL's headers (token, x-org-info, x-provenance,
// x-purpose) and body, the simulator answers with an HTTP status and a JSON body, never a panic.
func FuzzRequest(f *testing.F) {
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		f.Fatal(err)
	}
	token := s.Token(sim.PrescriberClaims(time.Now()))
	f.Add("POST", "MedicationRequest", "Bearer "+token, `{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`, "eyJhY3Rpdml0eSI6e319", "VARD", `{"resourceType":"MedicationRequest"}`)
	f.Add("GET", "Patient?identifier=189001019802", "Bearer "+token, `{"orgenhetsId":1}`, "", "EXPEDIERING", "")
	f.Add("POST", "", "Bearer a.b.c", "{", "!!!", "", `{"resourceType":"Bundle","type":"transaction","entry":[{}]}`)
	f.Add("PUT", "MedicationRequest/x", "Bearer eyJhbGciOiJub25lIn0.eyJleHAiOjF9.", "null", "bnVsbA==", "VARD", "[]")
	pharmacist, private := s.Token(sim.PharmacistClaims(time.Now())), s.Token(sim.RoleClaims(sim.RolePrivate, time.Now()))
	f.Add("POST", "$verify", "Bearer "+pharmacist, `{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}`, "", "EXPEDIERING",
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationDispense","quantity":{"value":0}}},{"resource":{}}]}`)
	f.Add("GET", "RelatedPerson?patient=x", "Bearer "+private, `{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}`, "", "", "")
	f.Fuzz(func(t *testing.T, method, path, auth, orgInfo, provenance, purpose, body string) {
		req, err := http.NewRequest(method, "https://nll.test"+s.BasePath()+"/"+path, strings.NewReader(body))
		if err != nil || !validMethod(method) {
			return // not a request a client can send
		}
		for k, v := range map[string]string{"Authorization": auth, "X-Org-Info": orgInfo, "X-Provenance": provenance, "X-Purpose": purpose,
			"X-Access": "TILLFALLIGT_SAMTYCKE", "Content-Type": "application/fhir+json"} {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code < 100 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Body.Len() > 0 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: %d with a body that is not JSON: %.200s", method, path, w.Code, w.Body.String())
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead:
		return true
	}
	return false
}
