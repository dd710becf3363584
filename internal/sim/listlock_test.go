package sim_test

import (
	"strings"
	"testing"
)

// withListVersion is a prescription for patient that names the medication list version it was
// made from (the underlagsversion).
func withListVersion(patient string, version int) map[string]any {
	return prescription(patient, func(m map[string]any) {
		m["extension"] = []any{map[string]any{"url": "http://electronichealth.se/fhir/StructureDefinition/nllMedicationlistVersion", "valueInteger": version}}
	})
}

// listVersion is the patient's medication list version, as medlistinfo gives it.
func listVersion(t *testing.T, u *user, patient string) int {
	a := u.do("GET", "Patient/"+patient+"/MedicationListInfo", nil)
	entries, _ := a.doc["entry"].([]any)
	if len(entries) != 1 {
		t.Fatalf("medlistinfo: %d %s", a.code, a.raw)
	}
	for _, e := range entries[0].(map[string]any)["resource"].(map[string]any)["extension"].([]any) {
		if e := e.(map[string]any); e["url"] == "http://electronichealth.se/fhir/StructureDefinition/nllMedicationlistVersion" {
			return int(e["valueInteger"].(float64))
		}
	}
	t.Fatalf("medlistinfo without a version: %s", a.raw)
	return 0
}

// TestAPrescriptionFromAnOldListIsRefused shows WRITE-LIST-LOCK: a prescription that names the
// current list version is taken (and the extension is not stored), one that names an older
// version gets 409, and the alt personality ignores the version.
func TestAPrescriptionFromAnOldListIsRefused(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	seen := listVersion(t, u, gustav)
	a := u.with("Prefer", "return=representation").do("POST", "MedicationRequest", withListVersion(gustav, seen))
	if a.code != 201 || strings.Contains(a.raw, "nllMedicationlistVersion") {
		t.Fatalf("a prescription from the current list (taken, the version not stored): %d %s", a.code, a.raw)
	}
	if a := u.do("POST", "MedicationRequest", withListVersion(gustav, seen)); a.code != 409 {
		t.Errorf("a prescription from the list before the last write: %d %s", a.code, a.raw)
	}
	if a := u.do("POST", "MedicationRequest", prescription(gustav, nil)); a.code != 201 {
		t.Errorf("a prescription without a list version: %d %s", a.code, a.raw)
	}
	alt := altSim(t)
	if a := prescriber(t, alt).do("POST", "MedicationRequest", withListVersion(gustav, 99)); a.code != 201 {
		t.Errorf("the alt personality checks the list version: %d %s", a.code, a.raw)
	}
	showDefects(t, []defectCheck{
		{"list-version-unchecked", func(u *user) bool {
			return u.do("POST", "MedicationRequest", withListVersion(gustav, 99)).code == 201
		}},
	})
}
