package sim_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

const (
	ingrid  = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01" // 189001019802
	gustav  = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e02" // 189002019819
	berta   = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e04" // 189002029800, deceased
	article = "20110119100011"
)

// user sends requests to a simulator's handler with a role's headers, as a well-behaved client.
type user struct {
	t      *testing.T
	s      *sim.Simulator
	header http.Header
}

func newSim(t *testing.T, faults ...sim.Fault) *sim.Simulator {
	t.Helper()
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func provenance(reason string) string {
	raw, _ := json.Marshal(map[string]any{"activity": map[string]any{"text": "test"}, "reason": []any{map[string]any{"text": reason}}})
	return base64.StdEncoding.EncodeToString(raw)
}

func prescriber(t *testing.T, s *sim.Simulator) *user {
	return &user{t: t, s: s, header: http.Header{
		"Authorization": {"Bearer " + s.Token(sim.PrescriberClaims(time.Now()))},
		"X-Org-Info":    {`{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`},
		"X-Purpose":     {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"},
		"X-Provenance": {provenance("test")},
		"Content-Type": {"application/fhir+json"},
	}}
}

func pharmacist(t *testing.T, s *sim.Simulator) *user {
	u := prescriber(t, s)
	u.header.Set("Authorization", "Bearer "+s.Token(sim.PharmacistClaims(time.Now())))
	u.header.Set("X-Org-Info", `{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}`)
	u.header.Set("X-Purpose", "EXPEDIERING")
	u.header.Set("X-Access", "UTAN_KRAV_SAMTYCKE")
	return u
}

// with returns a copy of u with headers changed; an empty value removes the header.
func (u *user) with(kv ...string) *user {
	c := &user{t: u.t, s: u.s, header: u.header.Clone()}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			c.header.Del(kv[i])
		} else {
			c.header.Set(kv[i], kv[i+1])
		}
	}
	return c
}

type answer struct {
	code   int
	header http.Header
	doc    map[string]any
	raw    string
}

func (u *user) do(method, path string, body any) answer {
	u.t.Helper()
	var text string
	switch b := body.(type) {
	case nil:
	case string:
		text = b
	default:
		data, _ := json.Marshal(b)
		text = string(data)
	}
	req := httptest.NewRequest(method, "https://nll.test"+u.s.BasePath()+"/"+path, strings.NewReader(text))
	for k, v := range u.header {
		req.Header[k] = v
	}
	if req.Header.Get("X-Request-ID") == "" && u.header["X-Request-Id"] == nil {
		req.Header.Set("X-Request-ID", uuid.NewString())
	}
	rec := httptest.NewRecorder()
	u.s.ServeHTTP(rec, req)
	a := answer{code: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &a.doc); err != nil && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/fhir+json") {
			u.t.Fatalf("%s %s: invalid JSON %q", method, path, a.raw)
		}
	}
	return a
}

func (a answer) issue() (severity, code, diagnostics, rule string) {
	issues, _ := a.doc["issue"].([]any)
	if len(issues) == 0 {
		return
	}
	i := issues[0].(map[string]any)
	severity, _ = i["severity"].(string)
	code, _ = i["code"].(string)
	diagnostics, _ = i["diagnostics"].(string)
	if ext, ok := i["extension"].([]any); ok {
		rule = ext[0].(map[string]any)["valueCodeableConcept"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"].(string)
	}
	return
}

// prescription is the body of a valid prescription for a patient, changed by edit.
func prescription(patient string, edit func(map[string]any)) map[string]any {
	mr := map[string]any{
		"resourceType": "MedicationRequest",
		"contained": []any{map[string]any{"resourceType": "Practitioner", "id": "p",
			"identifier": []any{map[string]any{"system": sim.ForskrivarkodSystem, "value": "9000027"}}}},
		"status": "active", "intent": "order",
		"medicationCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": sim.NPLPackIDSystem, "code": article}}},
		"subject":                   map[string]any{"reference": "Patient/" + patient},
		"authoredOn":                "2026-11-23",
		"requester":                 map[string]any{"reference": "#p"},
		"dosageInstruction":         []any{map[string]any{"sequence": 1, "text": "1 tablett dagligen"}},
		"dispenseRequest": map[string]any{"validityPeriod": map[string]any{"start": "2026-11-23"},
			"numberOfRepeatsAllowed": 0, "quantity": map[string]any{"value": 1}},
	}
	if edit != nil {
		edit(mr)
	}
	return mr
}

// create stores a prescription and returns it as stored.
func (u *user) create(mr map[string]any) map[string]any {
	u.t.Helper()
	a := u.with("Prefer", "return=representation").do("POST", "MedicationRequest", mr)
	if a.code != 201 {
		u.t.Fatalf("create: %d %s", a.code, a.raw)
	}
	return a.doc
}

func TestErrorsAreOperationOutcomes(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	cases := []struct {
		method, path string
		body         any
		u            *user
		status       int
		code         string
	}{
		{"GET", "Patient/unknown", nil, u, 404, "not-found"},
		{"GET", "Observation", nil, u, 404, "not-supported"},
		{"GET", "Patient?name=x", nil, u, 400, "not-supported"},
		{"GET", "MedicationRequest?_count=x", nil, u, 400, "invalid"},
		{"DELETE", "Patient/x", nil, u, 405, "not-supported"},
		{"POST", "MedicationRequest", "{", u, 400, "invalid"},
		{"POST", "MedicationRequest", `{"resourceType":"Patient"}`, u, 400, "invalid"},
		{"POST", "MedicationRequest", prescription(ingrid, nil), u.with("Content-Type", "text/plain"), 415, "not-supported"},
		{"POST", "Patient", `{"resourceType":"Patient"}`, u, 405, "not-supported"},
		{"PUT", "MedicationRequest/none", prescription(ingrid, func(m map[string]any) { m["id"] = "none" }), u, 404, "not-found"},
		{"GET", "MedicationRequest/x/_history/0", nil, u, 400, "invalid"},
	}
	for _, c := range cases {
		a := c.u.do(c.method, c.path, c.body)
		sev, code, _, _ := a.issue()
		if a.code != c.status || a.doc["resourceType"] != "OperationOutcome" || sev != "error" || code != c.code {
			t.Errorf("%s %s: %d %s/%s, want %d error/%s (%s)", c.method, c.path, a.code, sev, code, c.status, c.code, a.raw)
		}
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
	}
}

func TestHeaderRules(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	low := sim.PrescriberClaims(time.Now())
	low.LoA = 2
	expired := sim.PrescriberClaims(time.Now())
	expired.Expires = time.Now().Add(-time.Minute).Unix()
	read, write := "Patient/"+ingrid, "MedicationRequest"
	cases := []struct {
		name   string
		u      *user
		method string
		status int
		header string
	}{
		{"no token", u.with("Authorization", ""), "GET", 401, "authorization"},
		{"not bearer", u.with("Authorization", "Basic x"), "GET", 401, "authorization"},
		{"forged token", u.with("Authorization", "Bearer a.b.c"), "GET", 401, "authorization"},
		{"expired token", u.with("Authorization", "Bearer "+s.Token(expired)), "GET", 401, "authorization"},
		{"loa 2", u.with("Authorization", "Bearer "+s.Token(low)), "GET", 403, "authorization"},
		{"no org info", u.with("X-Org-Info", ""), "GET", 400, "x-org-info"},
		{"org info not JSON", u.with("X-Org-Info", "HSA"), "GET", 400, "x-org-info"},
		{"org info without id type", u.with("X-Org-Info", `{"orgenhetsId":"x"}`), "GET", 400, "x-org-info"},
		{"no purpose", u.with("X-Purpose", ""), "GET", 400, "x-purpose"},
		{"unknown purpose", u.with("X-Purpose", "NYFIKENHET"), "GET", 400, "x-purpose"},
		{"no access", u.with("X-Access", ""), "GET", 400, "x-access"},
		{"access of another purpose", u.with("X-Purpose", "EXPEDIERING"), "GET", 400, "x-access"},
		{"purpose of another role", pharmacist(t, s).with("X-Purpose", "VARD"), "GET", 403, "x-purpose"},
		{"no request id", u.with("X-Request-ID", ""), "GET", 400, "x-request-id"},
		{"request id not a UUID", u.with("X-Request-ID", "123"), "GET", 400, "x-request-id"},
		{"write without provenance", u.with("X-Provenance", ""), "POST", 400, "x-provenance"},
		{"provenance not base64", u.with("X-Provenance", "{}"), "POST", 400, "x-provenance"},
		{"provenance reason over 256", u.with("X-Provenance", provenance(strings.Repeat("x", 257))), "POST", 400, "x-provenance"},
	}
	for _, c := range cases {
		if c.name == "no request id" {
			c.u.header["X-Request-Id"] = []string{} // present but empty: do() adds none
		}
		path, body := read, any(nil)
		if c.method == "POST" {
			path, body = write, prescription(ingrid, nil)
		}
		a := c.u.do(c.method, path, body)
		_, _, diag, _ := a.issue()
		if a.code != c.status || !strings.HasPrefix(diag, c.header+" ") {
			t.Errorf("%s: %d %q, want %d naming %s", c.name, a.code, diag, c.status, c.header)
		}
		if a.code == 401 && a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	if a := u.do("GET", read, nil); a.code != 200 {
		t.Errorf("a well-formed read fails: %d %s", a.code, a.raw)
	}
	if a := u.with("X-Purpose", "", "X-Access", "").do("GET", "Medication?code="+article, nil); a.code != 200 || a.doc["total"] != float64(1) {
		t.Errorf("article search needs no purpose: %d %s", a.code, a.raw)
	}
}

func TestPingWithAndWithoutToken(t *testing.T) {
	s := newSim(t)
	param := func(a answer, name string) any {
		for _, p := range a.doc["parameter"].([]any) {
			if m := p.(map[string]any); m["name"] == name {
				return m["valueString"]
			}
		}
		return nil
	}
	bare := &user{t: t, s: s, header: http.Header{"X-Request-Id": {}}}
	if a := bare.do("GET", "$ping", nil); a.code != 200 || param(a, "result") != "OK" || param(a, "role") != nil {
		t.Errorf("ping without token: %d %s", a.code, a.raw)
	}
	if a := pharmacist(t, s).do("POST", "$ping", nil); a.code != 200 || param(a, "role") != sim.RolePharmacist {
		t.Errorf("ping with token: %d %s", a.code, a.raw)
	}
	if a := bare.with("Authorization", "Bearer x.y.z").do("GET", "$ping", nil); a.code != 401 {
		t.Errorf("ping with a bad token: %d", a.code)
	}
}

func TestPingDefectsChangeTheAnswer(t *testing.T) {
	showDefects(t, []defectCheck{
		{"ping-one-role", func(u *user) bool {
			return strings.Contains(pharmacist(u.t, u.s).do("GET", "$ping", nil).raw, sim.RolePrescriber)
		}},
		{"ping-time-no-role", func(u *user) bool {
			a := pharmacist(u.t, u.s).do("GET", "$ping", nil).raw
			return !strings.Contains(a, sim.RolePharmacist) && strings.Contains(a, `"OK 20`)
		}},
	})
}

func TestReadDefectsChangeTheAnswer(t *testing.T) {
	showDefects(t, []defectCheck{
		{"not-found-not-error", func(u *user) bool {
			a := u.do("GET", "MedicationRequest/00000000-0000-0000-0000-000000000000", nil)
			return a.code == 404 && !strings.Contains(a.raw, `"severity":"error"`)
		}},
	})
}

func TestCreateCompletesAndRecordsProvenance(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	a := u.do("POST", "MedicationRequest", prescription(ingrid, nil))
	loc := a.header.Get("Location")
	if a.code != 201 || a.raw != "" || !strings.HasSuffix(loc, "/_history/1") || a.header.Get("ETag") != `W/"1"` || a.header.Get("Last-Modified") == "" {
		t.Fatalf("minimal create: %d %q %v body %q", a.code, loc, a.header, a.raw)
	}
	id := strings.Split(strings.TrimPrefix(loc, "https://nll.test"+sim.DefaultBasePath+"/MedicationRequest/"), "/")[0]
	mr := u.do("GET", "MedicationRequest/"+id, nil).doc
	meta := mr["meta"].(map[string]any)
	period := mr["dispenseRequest"].(map[string]any)["validityPeriod"].(map[string]any)
	if mr["id"] != id || meta["versionId"] != "1" || meta["lastUpdated"] == nil || period["end"] != "2027-11-24" { // 366 days (Auto03)
		t.Errorf("completions (Auto01-03): %v", mr)
	}
	if !strings.Contains(fmt.Sprint(mr["extension"]), sim.ChainURL) {
		t.Errorf("no chain id (Auto05): %v", mr["extension"])
	}
	tel := u.create(prescription(gustav, func(m map[string]any) {
		m["extension"] = []any{map[string]any{"url": sim.TelephoneURL, "valueBoolean": true}}
	}))
	if end := tel["dispenseRequest"].(map[string]any)["validityPeriod"].(map[string]any)["end"]; end != "2026-12-07" {
		t.Errorf("telephone prescription valid until %v, want 2026-12-07", end)
	}
	prov := u.do("GET", "Provenance?target=MedicationRequest/"+id, nil)
	if prov.doc["total"] != float64(1) || !strings.Contains(prov.raw, `"recorded"`) || !strings.Contains(prov.raw, "9000027") {
		t.Errorf("provenance: %s", prov.raw)
	}
	oo := u.with("Prefer", "return=OperationOutcome").do("POST", "MedicationRequest", prescription(ingrid, nil))
	if sev, _, _, _ := oo.issue(); oo.code != 201 || sev != "information" || !strings.Contains(oo.raw, "SIM-VARN-01") {
		t.Errorf("return=OperationOutcome with the duplicate warning: %d %s", oo.code, oo.raw)
	}
	if a := u.do("GET", "MedicationRequest/"+id+"/_history/1", nil); a.code != 200 || a.doc["id"] != id {
		t.Errorf("vread: %d", a.code)
	}
}

func TestAFFRulesRejectWith422(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	cases := []struct {
		rule string
		edit func(map[string]any)
	}{
		{"SIM-AFF-01", func(m map[string]any) {
			m["contained"] = append(m["contained"].([]any), map[string]any{"resourceType": "Patient", "id": "pat",
				"identifier": []any{map[string]any{"system": sim.PersonnummerSystem, "value": "189001019803"}}})
			m["subject"] = map[string]any{"reference": "#pat"}
		}},
		{"SIM-AFF-02", func(m map[string]any) { delete(m, "dosageInstruction") }},
		{"SIM-AFF-03", func(m map[string]any) {
			m["dispenseRequest"].(map[string]any)["validityPeriod"] = map[string]any{"start": "2026-11-23", "end": "2026-11-01"}
		}},
		{"SIM-AFF-05", func(m map[string]any) { m["dispenseRequest"].(map[string]any)["quantity"] = map[string]any{"value": 0} }},
		{"SIM-AFF-06", func(m map[string]any) {
			m["medicationCodeableConcept"] = map[string]any{"coding": []any{map[string]any{"system": sim.NPLPackIDSystem, "code": "0"}}}
		}},
		{"SIM-AFF-07", func(m map[string]any) { delete(m["contained"].([]any)[0].(map[string]any), "identifier") }},
		{"SIM-AFF-09", func(m map[string]any) { m["subject"] = map[string]any{"reference": "Patient/none"} }},
		{"SIM-AFF-10", func(m map[string]any) { m["requester"] = map[string]any{"reference": "Practitioner/x"} }},
		{"SIM-AFF-11", func(m map[string]any) { m["subject"] = map[string]any{"reference": "Patient/" + berta} }},
		{"SIM-AFF-12", func(m map[string]any) { m["status"] = "cancelled" }},
		{"SIM-AFF-14", func(m map[string]any) {
			m["contained"] = append(m["contained"].([]any), map[string]any{"resourceType": "Patient", "id": "pat",
				"identifier": []any{map[string]any{"system": sim.PersonnummerSystem, "value": "189001019802"}}})
			m["subject"] = map[string]any{"reference": "#pat"}
		}},
	}
	for _, c := range cases {
		before := u.do("GET", "MedicationRequest?_count=0", nil).doc["total"]
		a := u.do("POST", "MedicationRequest", prescription(ingrid, c.edit))
		sev, code, diag, rule := a.issue()
		if a.code != 422 || sev != "error" || code != "business-rule" || rule != c.rule || !strings.HasPrefix(diag, c.rule) {
			t.Errorf("%s: %d %s/%s rule %q (%s)", c.rule, a.code, sev, code, rule, a.raw)
		}
		if after := u.do("GET", "MedicationRequest?_count=0", nil).doc["total"]; after != before {
			t.Errorf("%s: a rejected prescription was saved", c.rule)
		}
	}
	// FK001 and FK002: a personnummer with a valid check digit but no real birth date (a
	// thirteenth month, a 30 February, a samordningsnummer's day + 60), another century, the
	// birth number 000; a birth date that is no whole date, is older than 130 years, or is missing.
	for _, c := range []struct {
		rule    string
		patient map[string]any
	}{
		{"SIM-AFF-01", containedPatient("199013010013", "")},
		{"SIM-AFF-01", containedPatient("199002300011", "")},
		{"SIM-AFF-01", containedPatient("199001610014", "")},
		{"SIM-AFF-01", containedPatient("219001010017", "")},
		{"SIM-AFF-01", containedPatient("189001010009", "")},
		{"SIM-AFF-18", containedPatient("", "1880-01-01")},
		{"SIM-AFF-18", containedPatient("", "1990")},
		{"SIM-AFF-18", containedPatient("", "1990-02-30")},
		{"SIM-AFF-18", containedPatient("", "")},
	} {
		a := u.do("POST", "MedicationRequest", prescription(ingrid, func(m map[string]any) {
			m["contained"] = append(m["contained"].([]any), c.patient)
			m["subject"] = map[string]any{"reference": "#pat"}
		}))
		if _, _, _, rule := a.issue(); a.code != 422 || rule != c.rule {
			t.Errorf("%v: %d %s, want 422 %s", c.patient, a.code, rule, c.rule)
		}
	}
	noPnr := prescription(ingrid, func(m map[string]any) {
		m["contained"] = append(m["contained"].([]any), containedPatient("", "1990-01-01"))
		m["subject"] = map[string]any{"reference": "#pat"}
	})
	if a := u.do("POST", "MedicationRequest", noPnr); a.code != 422 || !strings.Contains(a.raw, "SIM-AFF-15") {
		t.Errorf("a contained patient without personnummer nor receiving pharmacy: %d %s", a.code, a.raw)
	}
	exts, _ := noPnr["extension"].([]any)
	noPnr["extension"] = append(exts, map[string]any{"url": sim.ReceivingPharmacyURL,
		"valueIdentifier": map[string]any{"system": sim.GLNSystem, "value": "7350045511999"}})
	if a := u.do("POST", "MedicationRequest", noPnr); a.code != 201 {
		t.Errorf("a contained patient without personnummer, with a receiving pharmacy, is allowed: %d %s", a.code, a.raw)
	}
	if a := pharmacist(t, s).do("POST", "MedicationRequest", prescription(ingrid, nil)); a.code != 403 {
		t.Errorf("a pharmacist prescribes: %d", a.code)
	}
}

// containedPatient is a contained Patient "pat" with a personnummer and a birth date, each left
// out when empty.
func containedPatient(pnr, birthDate string) map[string]any {
	p := map[string]any{"resourceType": "Patient", "id": "pat"}
	if pnr != "" {
		p["identifier"] = []any{map[string]any{"system": sim.PersonnummerSystem, "value": pnr}}
	}
	if birthDate != "" {
		p["birthDate"] = birthDate
	}
	return p
}

// TestFormatCheckDefectsChangeTheAnswer shows each format-check defect (FK001, FK002) letting
// through what the intact simulator refuses.
func TestFormatCheckDefectsChangeTheAnswer(t *testing.T) {
	accepted := func(u *user, patient map[string]any) bool {
		a := u.do("POST", "MedicationRequest", prescription(ingrid, func(m map[string]any) {
			m["contained"] = append(m["contained"].([]any), patient)
			m["subject"] = map[string]any{"reference": "#pat"}
			m["extension"] = []any{map[string]any{"url": sim.ReceivingPharmacyURL,
				"valueIdentifier": map[string]any{"system": sim.GLNSystem, "value": "7350045511999"}}}
		}))
		return a.code == 201
	}
	showDefects(t, []defectCheck{
		{"fk001-date-unchecked", func(u *user) bool { return accepted(u, containedPatient("199013010013", "")) }},
		{"fk002-age-unchecked", func(u *user) bool { return accepted(u, containedPatient("", "1880-01-01")) }},
		{"fk002-birthdate-optional", func(u *user) bool { return accepted(u, containedPatient("", "")) }},
	})
}

func TestUpdateChecksTheVersion(t *testing.T) {
	for _, status := range []int{409, 412} {
		policy := sim.DefaultPolicy()
		policy.VersionConflictStatus = status
		s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Policy: &policy})
		if err != nil {
			t.Fatal(err)
		}
		u := prescriber(t, s)
		mr := u.create(prescription(ingrid, nil))
		id := mr["id"].(string)
		mr["status"] = "on-hold"
		if a := u.with("Prefer", "return=representation").do("PUT", "MedicationRequest/"+id, mr); a.code != 200 ||
			a.doc["meta"].(map[string]any)["versionId"] != "2" || !strings.HasSuffix(a.header.Get("Location"), "/_history/2") {
			t.Fatalf("update: %d %s", a.code, a.raw)
		}
		mr["status"] = "active" // still based on version 1
		a := u.do("PUT", "MedicationRequest/"+id, mr)
		if _, code, diag, _ := a.issue(); a.code != status || code != "conflict" || !strings.Contains(diag, "current version is 2") {
			t.Errorf("stale update: %d %s", a.code, a.raw)
		}
		current := u.do("GET", "MedicationRequest/"+id, nil).doc
		current["status"] = "cancelled"
		if a := u.do("PUT", "MedicationRequest/"+id, current); a.code != 200 {
			t.Errorf("cancel: %d %s", a.code, a.raw)
		}
		current = u.do("GET", "MedicationRequest/"+id, nil).doc
		current["status"] = "active"
		if _, _, _, rule := u.do("PUT", "MedicationRequest/"+id, current).issue(); rule != "SIM-AFF-12" {
			t.Errorf("reactivating a cancelled prescription: rule %q", rule)
		}
	}
}

func TestDispenseNeedsVerifyFirst(t *testing.T) {
	s := newSim(t)
	doctor, pharmacy := prescriber(t, s), pharmacist(t, s)
	mr := doctor.create(prescription(ingrid, func(m map[string]any) {
		m["dispenseRequest"].(map[string]any)["numberOfRepeatsAllowed"] = 1
	}))
	md := map[string]any{"resourceType": "MedicationDispense", "status": "completed",
		"authorizingPrescription":   []any{map[string]any{"reference": "MedicationRequest/" + mr["id"].(string)}},
		"medicationCodeableConcept": mr["medicationCodeableConcept"], "quantity": map[string]any{"value": 1}}
	if _, _, _, rule := pharmacy.do("POST", "MedicationDispense", md).issue(); rule != "SIM-AFF-04" {
		t.Errorf("dispense without $verify: rule %q", rule)
	}
	if a := doctor.do("POST", "MedicationDispense/$verify", md); a.code != 403 {
		t.Errorf("a prescriber verifies a dispense: %d", a.code)
	}
	for i := 1; i <= 2; i++ {
		v := pharmacy.do("POST", "MedicationDispense/$verify", map[string]any{"resourceType": "Parameters",
			"parameter": []any{map[string]any{"name": "resource", "resource": md}}})
		if v.code != 200 || !strings.Contains(v.raw, `"detectedIssues","valueBoolean":false`) {
			t.Fatalf("verify %d: %d %s", i, v.code, v.raw)
		}
		if a := pharmacy.do("POST", "MedicationDispense", md); a.code != 201 {
			t.Fatalf("dispense %d after $verify: %d %s", i, a.code, a.raw)
		}
	}
	if got := doctor.do("GET", "MedicationRequest/"+mr["id"].(string), nil).doc["status"]; got != "completed" {
		t.Errorf("after 1 + 1 repeat dispensed the prescription is %v, want completed", got)
	}
	v := pharmacy.do("POST", "$verify", md)
	if v.code != 200 || !strings.Contains(v.raw, `"valueBoolean":true`) || !strings.Contains(v.raw, "SIM-AFF-08") {
		t.Errorf("verify of a completed prescription: %d %s", v.code, v.raw)
	}
	if a := doctor.do("POST", "MedicationDispense", md); a.code != 403 {
		t.Errorf("a prescriber dispenses: %d", a.code)
	}
}

func TestEndCancelsPrescriptionsOfOnePatient(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	a1, a2 := u.create(prescription(ingrid, nil)), u.create(prescription(ingrid, nil))
	other := u.create(prescription(gustav, nil))
	end := func(activity string, ids ...string) answer {
		var params []any
		for _, id := range ids {
			params = append(params, endEntry(id, activity))
		}
		return u.with("X-Provenance", "").do("POST", "MedicationRequest/$end", map[string]any{"resourceType": "Parameters", "parameter": params})
	}
	if _, _, _, rule := end("makulera", a1["id"].(string), other["id"].(string)).issue(); rule != "SIM-AFF-13" {
		t.Errorf("two patients: rule %q", rule)
	}
	if a := end("makulera", a1["id"].(string), a2["id"].(string)); a.code != 200 || !strings.Contains(a.raw, "_history/2") {
		t.Fatalf("$end: %d %s", a.code, a.raw)
	}
	if got := u.do("GET", "MedicationRequest/"+a2["id"].(string), nil).doc["status"]; got != "cancelled" {
		t.Errorf("status after makulera: %v", got)
	}
	if _, _, _, rule := end("avsluta", a1["id"].(string)).issue(); rule != "SIM-AFF-12" {
		t.Errorf("ending a cancelled prescription: rule %q", rule)
	}
	if a := end("glömma", other["id"].(string)); a.code != 400 {
		t.Errorf("unknown activity: %d", a.code)
	}
}

// endEntry is an entry of $end with its parts (NLLEnd): the prescription, a reason and the
// activity, and any further parts.
func endEntry(id, activity string, more ...any) map[string]any {
	return map[string]any{"name": "entry", "part": append([]any{
		map[string]any{"name": "resource", "valueReference": map[string]any{"reference": "MedicationRequest/" + id}},
		map[string]any{"name": "reason", "valueCodeableConcept": map[string]any{"text": "felregistrerad"}},
		map[string]any{"name": "activity", "valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"code": activity}}}},
	}, more...)}
}

func TestEndTakesTheDocumentedParts(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	do := func(params ...any) answer {
		return u.do("POST", "MedicationRequest/$end", map[string]any{"resourceType": "Parameters", "parameter": params})
	}
	usage := func(op, date string) map[string]any {
		parts := []any{map[string]any{"name": "operationType", "valueCode": op}}
		if date != "" {
			parts = append(parts, map[string]any{"name": "date", "valueDate": date})
		}
		return map[string]any{"name": "nllUsageEndDate", "part": parts}
	}
	a, b := u.create(prescription(ingrid, nil))["id"].(string), u.create(prescription(ingrid, nil))["id"].(string)
	// Each entry has its own activity: one cancelled, one ended with a last day of use.
	if r := do(endEntry(a, "makulera"), endEntry(b, "avsluta", usage("replace", "2026-12-31"))); r.code != 200 {
		t.Fatalf("$end: %d %s", r.code, r.raw)
	}
	if got := u.do("GET", "MedicationRequest/"+a, nil).doc["status"]; got != "cancelled" {
		t.Errorf("a: %v", got)
	}
	ended := u.do("GET", "MedicationRequest/"+b, nil)
	if ended.doc["status"] != "completed" || !strings.Contains(ended.raw, `"url":"`+sim.UsageEndDateURL+`","valueDate":"2026-12-31"`) {
		t.Errorf("b: %s", ended.raw)
	}
	// The Provenance of each entry has that entry's activity.
	prov := u.do("GET", "Provenance?target=MedicationRequest/"+b+"/_history/2", nil)
	if !strings.Contains(prov.raw, `"code":"avsluta"`) {
		t.Errorf("Provenance of b: %s", prov.raw)
	}
	c := u.create(prescription(ingrid, func(mr map[string]any) {
		mr["extension"] = []any{map[string]any{"url": sim.UsageEndDateURL, "valueDate": "2026-12-01"}}
	}))["id"].(string)
	if r := do(endEntry(c, "avsluta", usage("delete", ""))); r.code != 200 {
		t.Fatalf("$end delete: %d %s", r.code, r.raw)
	}
	if got := u.do("GET", "MedicationRequest/"+c, nil).raw; strings.Contains(got, sim.UsageEndDateURL) {
		t.Errorf("delete kept the last day of use: %s", got)
	}
	d := u.create(prescription(ingrid, nil))["id"].(string)
	flat := []any{
		map[string]any{"name": "entry", "valueReference": map[string]any{"reference": "MedicationRequest/" + d}},
		map[string]any{"name": "reason", "valueCodeableConcept": map[string]any{"text": "x"}},
		map[string]any{"name": "activity", "valueCoding": map[string]any{"code": "makulera"}},
	}
	nef := map[string]any{"name": "entry", "part": []any{
		map[string]any{"name": "PrescriptionSetId", "valueString": "1234"}, map[string]any{"name": "RowId", "valuePositiveInt": 1},
		map[string]any{"name": "ProductRowId", "valuePositiveInt": 1},
		map[string]any{"name": "reason", "valueCodeableConcept": map[string]any{"text": "x"}},
		map[string]any{"name": "activity", "valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"code": "makulera"}}}}}}
	for name, tc := range map[string]struct {
		a    answer
		code int
	}{
		"the flat form":         {do(flat...), 400},
		"a NEF-id":              {do(nef), 400},
		"replace without date":  {do(endEntry(d, "avsluta", usage("replace", ""))), 400},
		"an unknown operation":  {do(endEntry(d, "avsluta", usage("move", "2026-12-31"))), 400},
		"no entry":              {do(), 400},
		"an unknown activity":   {do(endEntry(d, "glömma")), 400},
		"a pharmacy cancelling": {pharmacist(t, s).do("POST", "MedicationRequest/$end", map[string]any{"resourceType": "Parameters", "parameter": []any{endEntry(d, "makulera")}}), 403},
	} {
		if tc.a.code != tc.code {
			t.Errorf("%s: %d %s, want %d", name, tc.a.code, tc.a.raw, tc.code)
		}
	}
	if got := u.do("GET", "MedicationRequest/"+d, nil).doc["status"]; got != "active" {
		t.Errorf("a refused $end changed d: %v", got)
	}
}

func TestTransactionIsAllOrNothing(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	entry := func(mr map[string]any) map[string]any {
		return map[string]any{"resource": mr, "request": map[string]any{"method": "POST", "url": "MedicationRequest",
			"extension": []any{map[string]any{"url": sim.ProvenanceDetailsURL, "valueString": provenance("parallell")}}}}
	}
	count := func() any { return u.do("GET", "MedicationRequest?patient="+gustav, nil).doc["total"] }
	bad := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		entry(prescription(gustav, nil)), entry(prescription(gustav, nil)),
		entry(prescription(gustav, func(m map[string]any) { delete(m, "dosageInstruction") }))}}
	a := u.with("X-Provenance", "").do("POST", "", bad)
	if _, _, diag, rule := a.issue(); a.code != 422 || rule != "SIM-AFF-02" || !strings.HasPrefix(diag, "Bundle.entry[2]: ") {
		t.Errorf("bad transaction: %d %s", a.code, a.raw)
	}
	if n := count(); n != float64(0) {
		t.Fatalf("a rejected transaction saved %v prescriptions", n)
	}
	bad["entry"] = bad["entry"].([]any)[:2]
	a = u.with("X-Provenance", "", "Prefer", "return=representation").do("POST", "", bad)
	if a.code != 200 || a.doc["type"] != "transaction-response" || len(a.doc["entry"].([]any)) != 2 || !strings.Contains(a.raw, `"201 Created"`) {
		t.Fatalf("transaction: %d %s", a.code, a.raw)
	}
	if n := count(); n != float64(2) {
		t.Errorf("saved %v, want 2", n)
	}
	plain := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		map[string]any{"resource": prescription(gustav, nil), "request": map[string]any{"method": "POST", "url": "MedicationRequest"}}}}
	if _, _, diag, _ := u.with("X-Provenance", "").do("POST", "", plain).issue(); !strings.HasPrefix(diag, "Bundle.entry[0]: provenance") {
		t.Errorf("entry without provenance: %q", diag)
	}
	if a := u.do("POST", "", plain); a.code != 200 {
		t.Errorf("entry with the X-Provenance header: %d %s", a.code, a.raw)
	}
	// NLL's URL and value type for the extension are not published: every form konform's
	// checks of a system accept is read.
	for _, ext := range []map[string]any{
		{"url": "urn:supplier:nllProvenanceDetails", "valueString": provenance("parallell")},
		{"url": sim.ProvenanceDetailsURL, "valueBase64Binary": provenance("parallell")},
	} {
		other := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{map[string]any{"resource": prescription(gustav, nil),
			"request": map[string]any{"method": "POST", "url": "MedicationRequest", "extension": []any{ext}}}}}
		if a := u.with("X-Provenance", "").do("POST", "", other); a.code != 200 {
			t.Errorf("provenance in %v: %d %s", ext, a.code, a.raw)
		}
	}
}

func TestSearchPagesWithNextLinks(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	for i := 0; i < 5; i++ {
		u.create(prescription(gustav, nil))
	}
	path := "MedicationRequest?patient=" + gustav + "&_count=2"
	var seen int
	for page := 1; path != ""; page++ {
		a := u.do("GET", path, nil)
		if a.doc["total"] != float64(5) {
			t.Fatalf("page %d: total %v", page, a.doc["total"])
		}
		entries, _ := a.doc["entry"].([]any)
		seen += len(entries)
		path = ""
		for _, l := range a.doc["link"].([]any) {
			if l := l.(map[string]any); l["relation"] == "next" {
				next, _ := url.Parse(l["url"].(string))
				path = strings.TrimPrefix(next.Path, sim.DefaultBasePath+"/") + "?" + next.RawQuery
			}
		}
		if page > 3 {
			t.Fatal("more than 3 pages of 2 for 5 results")
		}
	}
	if seen != 5 {
		t.Errorf("pages held %d entries, want 5", seen)
	}
}

func TestDataLockHidesLockedPrescriptions(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	mr := u.create(prescription(ingrid, nil))
	info := func() string { return u.do("GET", "Basic?code=medlistinfo&patient="+ingrid, nil).raw }
	before := info()
	lock := map[string]any{"resourceType": "Basic",
		"code":    map[string]any{"coding": []any{map[string]any{"system": sim.BasicCodeSystem, "code": "datalock"}}},
		"subject": map[string]any{"reference": "Patient/" + ingrid}}
	if a := u.do("POST", "Basic", lock); a.code != 201 {
		t.Fatalf("lock: %d %s", a.code, a.raw)
	}
	if a := u.do("GET", "MedicationRequest?patient="+ingrid, nil); a.doc["total"] != float64(0) {
		t.Errorf("a locked prescription is found: %s", a.raw)
	}
	if a := u.do("GET", "MedicationRequest/"+mr["id"].(string), nil); a.code != 404 {
		t.Errorf("a locked prescription is read: %d", a.code)
	}
	if a := u.with("X-Access", "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER").do("GET", "MedicationRequest?patient="+ingrid, nil); a.doc["total"] != float64(1) {
		t.Errorf("consent to locked data does not show it: %s", a.raw)
	}
	after := info()
	if !strings.Contains(after, `"valueBoolean":true`) || before == after {
		t.Errorf("medlistinfo does not show the lock or a new list version:\n%s\n%s", before, after)
	}
	if a := u.do("GET", "Patient/"+ingrid+"/MedicationListInfo", nil); a.code != 200 || a.doc["total"] != float64(1) {
		t.Errorf("Patient/[id]/MedicationListInfo: %d", a.code)
	}
}

func TestFaultsChangeTheAnswer(t *testing.T) {
	s := newSim(t,
		sim.Fault{Path: "Patient", Status: 503, RetryAfter: 7, DropHeader: "X-Request-ID"},
		sim.Fault{Method: "GET", Path: "$ping", Remove: "parameter", ResourceType: "Bundle"},
	)
	u := prescriber(t, s)
	a := u.do("GET", "Patient/"+ingrid, nil)
	if a.code != 503 || a.header.Get("Retry-After") != "7" || a.header.Get("X-Request-ID") != "" {
		t.Errorf("status fault: %d %v", a.code, a.header)
	}
	if a := u.do("GET", "$ping", nil); a.doc["resourceType"] != "Bundle" || a.doc["parameter"] != nil {
		t.Errorf("body fault: %v", a.doc)
	}
	if a := u.do("POST", "$ping", nil); a.code != 200 {
		t.Errorf("a GET fault hit a POST: %d", a.code)
	}
	if err := s.SetFaults([]sim.Fault{{HTML: true}}); err != nil {
		t.Fatal(err)
	}
	if a := u.do("GET", "$ping", nil); a.code != 503 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Errorf("HTML fault: %d %q", a.code, a.header.Get("Content-Type"))
	}
	if err := s.SetFaults([]sim.Fault{{Status: 42}}); err == nil {
		t.Error("a status of 42 was accepted")
	}
}

// TestConcurrentSearchesAndWritesFinish guards against a lock-order deadlock: a search that checks
// data locks reads the store while writers wait for it.
func TestConcurrentSearchesAndWritesFinish(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 150; i++ {
					if g%3 == 0 {
						u.do("POST", "MedicationRequest", prescription(gustav, nil))
					} else {
						u.do("GET", "MedicationRequest?patient="+gustav, nil)
					}
				}
			}(g)
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("concurrent searches and writes did not finish: deadlock")
	}
}

// TestFaultTimesBreaksThatManyOnly: a fault with after=1,times=2 spares the first matching
// request, breaks the next two, and answers the rest correctly: an outage that ends.
func TestFaultTimesBreaksThatManyOnly(t *testing.T) {
	f, err := sim.ParseFault("path=$ping,status=503,after=1,times=2")
	if err != nil || f.String() != "path=$ping,status=503,after=1,times=2" {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := sim.ParseFault("status=503,times=-1"); err == nil {
		t.Error("a negative times is accepted")
	}
	u := prescriber(t, newSim(t, f))
	for i, want := range []int{200, 503, 503, 200} {
		if got := u.do("GET", "$ping", nil).code; got != want {
			t.Errorf("request %d: %d, want %d", i+1, got, want)
		}
	}
}

// TestFaultAfterSparesTheFirstMatches: a fault with after=1 answers the first matching request
// correctly and breaks the next ones.
func TestFaultAfterSparesTheFirstMatches(t *testing.T) {
	f, err := sim.ParseFault("path=$ping,status=503,after=1")
	if err != nil {
		t.Fatal(err)
	}
	u := prescriber(t, newSim(t, f))
	for i, want := range []int{200, 503, 503} {
		if got := u.do("GET", "$ping", nil).code; got != want {
			t.Errorf("request %d: %d, want %d", i+1, got, want)
		}
	}
}
