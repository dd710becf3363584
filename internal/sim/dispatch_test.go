package sim_test

import (
	"strings"
	"testing"
)

// dispenseFor is a dispense of one package of the fixture article against prescription id.
func dispenseFor(id string, quantity float64) map[string]any {
	return map[string]any{"resourceType": "MedicationDispense", "status": "completed",
		"authorizingPrescription":   []any{map[string]any{"reference": "MedicationRequest/" + id}},
		"subject":                   map[string]any{"reference": "Patient/" + ingrid},
		"medicationCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": "http://medication.ehm.se/nplpackid", "code": "20110119100011"}}},
		"quantity":                  map[string]any{"value": quantity, "unit": "förpackning"}}
}

// dispatch is an NLLDispatch Bundle of dispenses.
func dispatch(dispenses ...map[string]any) map[string]any {
	entries := make([]any, len(dispenses))
	for i, d := range dispenses {
		entries[i] = map[string]any{"resource": d}
	}
	return map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries}
}

// detected is $verify's detectedIssues.
func detected(a answer) bool {
	params, _ := a.doc["parameter"].([]any)
	for _, p := range params {
		if p := p.(map[string]any); p["name"] == "detectedIssues" {
			return p["valueBoolean"] == true
		}
	}
	return false
}

func TestVerifyOfAnNLLDispatchChecksEachDispense(t *testing.T) {
	s := newSim(t)
	first := prescriber(t, s).create(prescription(ingrid, nil))["id"].(string)
	second := prescriber(t, s).create(prescription(ingrid, nil))["id"].(string)
	apotek := pharmacist(t, s)
	a := apotek.do("POST", "$verify", dispatch(dispenseFor(first, 1), dispenseFor(second, 1)))
	if a.code != 200 || detected(a) {
		t.Fatalf("a clean dispatch: %d %s", a.code, a.raw)
	}
	for _, id := range []string{first, second} {
		if r := apotek.do("POST", "MedicationDispense", dispenseFor(id, 1)); r.code != 201 {
			t.Errorf("registering a dispense the dispatch verified: %d %s", r.code, r.raw)
		}
	}
	a = apotek.do("POST", "$verify", dispatch(dispenseFor(first, 1), dispenseFor(second, 0)))
	if a.code != 200 || !detected(a) || !strings.Contains(a.raw, `"Bundle.entry[1].resource.quantity"`) {
		t.Errorf("a dispatch whose second dispense has no quantity: %d %s", a.code, a.raw)
	}
	for _, tc := range []struct {
		body map[string]any
		user *user
		code int
	}{
		{dispatch(), apotek, 400},
		{dispatch(prescription(ingrid, nil)), apotek, 400},
		{dispatch(dispenseFor(first, 1)), prescriber(t, s), 403},
	} {
		if a := tc.user.do("POST", "$verify", tc.body); a.code != tc.code {
			t.Errorf("$verify of %v: %d, want %d: %s", tc.body, a.code, tc.code, a.raw)
		}
	}
	showDefects(t, []defectCheck{
		{"dispatch-first-only", func(u *user) bool {
			id := u.create(prescription(ingrid, nil))["id"].(string)
			return !detected(pharmacist(t, u.s).do("POST", "$verify", dispatch(dispenseFor(id, 1), dispenseFor(id, 0))))
		}},
		{"dispatch-expression-unscoped", func(u *user) bool {
			id := u.create(prescription(ingrid, nil))["id"].(string)
			return !strings.Contains(pharmacist(t, u.s).do("POST", "$verify", dispatch(dispenseFor(id, 1), dispenseFor(id, 0))).raw, "Bundle.entry[1]")
		}},
	})
}

// TestADispatchWithAnUnknownPrescriptionIsRefused: an entry the single $verify refuses outright
// refuses the whole dispatch with that status, pointing at the entry.
func TestADispatchWithAnUnknownPrescriptionIsRefused(t *testing.T) {
	s := newSim(t)
	id := prescriber(t, s).create(prescription(ingrid, nil))["id"].(string)
	a := pharmacist(t, s).do("POST", "$verify", dispatch(dispenseFor(id, 1), dispenseFor("okand", 1)))
	if single := pharmacist(t, s).do("POST", "MedicationDispense/$verify", dispenseFor("okand", 1)); a.code != single.code || a.code != 422 ||
		!strings.Contains(a.raw, "Bundle.entry[1].resource.authorizingPrescription") {
		t.Errorf("dispatch %d (single $verify %d): %s", a.code, single.code, a.raw)
	}
}
