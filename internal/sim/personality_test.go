package sim_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// TestAltPersonalityChangesEveryChoice: the alt personality must take another value for every
// choice of the policy, or a pack could pass against both while depending on one of them.
func TestAltPersonalityChangesEveryChoice(t *testing.T) {
	def, err := sim.Personality("default")
	if err != nil || !reflect.DeepEqual(def, sim.DefaultPolicy()) {
		t.Fatalf("default personality %+v %v, want DefaultPolicy", def, err)
	}
	alt, err := sim.Personality("alt")
	if err != nil {
		t.Fatal(err)
	}
	d, a := reflect.ValueOf(def), reflect.ValueOf(alt)
	for i := 0; i < d.NumField(); i++ {
		if reflect.DeepEqual(d.Field(i).Interface(), a.Field(i).Interface()) {
			t.Errorf("Policy.%s is %v in both personalities", d.Type().Field(i).Name, d.Field(i).Interface())
		}
	}
	if _, err := sim.Personality("strict"); err == nil || !strings.Contains(err.Error(), "default or alt") {
		t.Errorf("unknown personality: %v", err)
	}
	bad := sim.DefaultPolicy()
	bad.VersionConflictStatus = 200
	if _, err := sim.New(sim.Options{Policy: &bad}); err == nil {
		t.Error("a version conflict status of 200 is accepted")
	}
}

func altSim(t *testing.T) *sim.Simulator {
	t.Helper()
	p, err := sim.Personality("alt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAltPersonalityAnswersDifferently shows each of the alt personality's choices in an answer,
// beside the default's.
func TestAltPersonalityAnswersDifferently(t *testing.T) {
	s := altSim(t)
	if s.BasePath() != "/fhir" {
		t.Errorf("base path %q, want /fhir", s.BasePath())
	}
	u := prescriber(t, s)

	// Create: Location an absolute path, no ETag or Last-Modified.
	a := u.do("POST", "MedicationRequest", prescription(ingrid, nil))
	loc := a.header.Get("Location")
	if a.code != 201 || !strings.HasPrefix(loc, "/fhir/MedicationRequest/") || a.header.Get("ETag") != "" || a.header.Get("Last-Modified") != "" {
		t.Errorf("create: %d Location %q headers %v", a.code, loc, a.header)
	}
	id := strings.Split(strings.TrimPrefix(loc, "/fhir/MedicationRequest/"), "/")[0]

	// A stale update: 412 with the generic code processing.
	mr := u.do("GET", "MedicationRequest/"+id, nil).doc
	mr["status"] = "on-hold"
	if a := u.do("PUT", "MedicationRequest/"+id, mr); a.code != 200 {
		t.Fatalf("update: %d %s", a.code, a.raw)
	}
	if a := u.do("PUT", "MedicationRequest/"+id, mr); a.code != 412 || a.raw != "" {
		t.Errorf("stale update: %d %s, want 412 without a body", a.code, a.raw)
	}

	// Header problems: 422 without a body; with bodies, Swedish diagnostics that do not start
	// with the header, no expression, and the generic code.
	if a := u.with("X-Purpose", "").do("GET", "Patient?identifier=189001019802", nil); a.code != 422 || a.raw != "" {
		t.Errorf("missing x-purpose: %d %s, want 422 without a body", a.code, a.raw)
	}
	p, _ := sim.Personality("alt")
	p.BareErrors = false
	withBodies, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	a = prescriber(t, withBodies).with("X-Purpose", "").do("GET", "Patient?identifier=189001019802", nil)
	_, c, diag, _ := a.issue()
	if a.code != 422 || c != "processing" || strings.HasPrefix(diag, "x-purpose") || !strings.Contains(diag, "x-purpose") || strings.Contains(a.raw, "expression") {
		t.Errorf("missing x-purpose, with bodies: %d %s", a.code, a.raw)
	}
	if a := u.with("Authorization", "").do("GET", "Patient?identifier=189001019802", nil); a.code != 403 || a.header.Get("WWW-Authenticate") != "" || a.raw != "" {
		t.Errorf("missing token: %d %v %q, want 403 without a body", a.code, a.header, a.raw)
	}
	if a := u.do("POST", "MedicationRequest", prescription(ingrid, withDosages(map[string]any{"text": "1 tablett"}))); a.code != 400 {
		t.Errorf("a dosage without sequence: %d, want 400", a.code)
	}
	if a := pharmacist(t, s).do("POST", "MedicationRequest", prescription(ingrid, nil)); a.code != 422 {
		t.Errorf("a pharmacist prescribes: %d", a.code)
	}
	noID := u.with()
	noID.header["X-Request-Id"] = []string{} // present but empty: do sends none
	if a := noID.do("GET", "Patient?identifier=189001019802", nil); a.code != 200 || a.header.Get("X-Request-ID") == "" {
		t.Errorf("without x-request-id: %d", a.code)
	}
	if a := u.do("GET", "Patient/unknown", nil); a.code != 404 || a.raw != "" {
		t.Errorf("unknown id: %d %s, want 404 without a body", a.code, a.raw)
	}
	// An automatic check's rejection names its rule in an OperationOutcome, as NLL documents.
	if a := u.do("POST", "MedicationRequest", prescription(ingrid, func(m map[string]any) { m["status"] = "completed" })); a.code != 422 || !strings.Contains(a.raw, sim.DetectedIssueURL) || code(a) != "processing" {
		t.Errorf("an AFF rejection: %d %s, want 422 with its rule and the generic code", a.code, a.raw)
	}

	// Search: no total, pages of 5 with absolute-path links, unknown parameters ignored.
	for i := 0; i < 5; i++ {
		u.create(prescription(ingrid, nil))
	}
	a = u.do("GET", "MedicationRequest?patient="+ingrid+"&flavour=mint", nil)
	entries, _ := a.doc["entry"].([]any)
	if a.code != 200 || a.doc["total"] != nil || len(entries) != 5 || !strings.Contains(a.raw, `"url":"/fhir/MedicationRequest?`) {
		t.Errorf("search: %d %d entries %s", a.code, len(entries), a.raw)
	}

	// Transactions: "201" without a reason phrase, absolute response.location; a failing entry is
	// pointed at by expression alone.
	tx := map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{
		map[string]any{"resource": prescription(gustav, nil), "request": map[string]any{"method": "POST", "url": "MedicationRequest"}}}}
	a = u.do("POST", "", tx)
	if a.code != 200 || !strings.Contains(a.raw, `"status":"201"`) || !strings.Contains(a.raw, `"location":"https://nll.test/fhir/MedicationRequest/`) {
		t.Errorf("transaction: %d %s", a.code, a.raw)
	}
	tx["entry"] = append(tx["entry"].([]any), map[string]any{"resource": prescription(gustav, func(m map[string]any) { delete(m, "dosageInstruction") }),
		"request": map[string]any{"method": "POST", "url": "MedicationRequest"}})
	a = u.do("POST", "", tx)
	if _, _, diag, _ := a.issue(); a.code != 422 || strings.HasPrefix(diag, "Bundle.entry") || !strings.Contains(a.raw, `"expression":["Bundle.entry[1].resource.dosageInstruction"]`) {
		t.Errorf("bad transaction: %d %s", a.code, a.raw)
	}

	// $ping tells the role in result; $end answers an OperationOutcome.
	bare := &user{t: t, s: s, header: map[string][]string{}}
	if a := bare.do("GET", "$ping", nil); a.code != 200 || !strings.Contains(a.raw, `"valueString":"Anslutningen fungerar"`) {
		t.Errorf("ping: %d %s", a.code, a.raw)
	}
	if a := pharmacist(t, s).do("GET", "$ping", nil); a.code != 200 || strings.Contains(a.raw, `"role"`) || !strings.Contains(a.raw, sim.RolePharmacist) {
		t.Errorf("ping with a token: %d %s", a.code, a.raw)
	}
	end := map[string]any{"resourceType": "Parameters", "parameter": []any{endEntry(id, "makulera")}}
	if a := u.do("POST", "MedicationRequest/$end", end); a.code != 200 || a.doc["resourceType"] != "OperationOutcome" {
		t.Errorf("$end: %d %s", a.code, a.raw)
	}
}

func code(a answer) string {
	_, c, _, _ := a.issue()
	return c
}
