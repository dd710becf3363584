package sim_test

import (
	"testing"
)

// omeprazol is a second test article, with another ATC code (A02BC01) than article's
// paracetamol (N02BE01).
const omeprazol = "20110119100028"

// replacement is a pharmacy's new prescription that replaces prior (TA 27), of article code.
func replacement(patient, prior, code string) map[string]any {
	return prescription(patient, func(mr map[string]any) {
		mr["priorPrescription"] = map[string]any{"reference": "MedicationRequest/" + prior}
		mr["medicationCodeableConcept"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] = code
	})
}

func TestAPharmacyReplacesADosePatientsPrescription(t *testing.T) {
	s := newSim(t)
	prior := prescriber(t, s).create(prescription(doris, nil))
	id := prior["id"].(string)
	p := pharmacist(t, s).with("Prefer", "return=representation")
	a := p.do("POST", "MedicationRequest", replacement(doris, id, article))
	if a.code != 201 {
		t.Fatalf("replacement: %d %s", a.code, a.raw)
	}
	if a.doc["detectedIssue"] != nil {
		t.Errorf("the replacement is warned of the prescription it replaces: %s", a.raw)
	}
	chain := func(doc map[string]any) any {
		for _, e := range doc["extension"].([]any) {
			if e.(map[string]any)["url"] == "http://electronichealth.se/fhir/StructureDefinition/nllPrescriptionChain" {
				return e.(map[string]any)["valueString"]
			}
		}
		return nil
	}
	if chain(a.doc) != chain(prior) || chain(prior) == nil {
		t.Errorf("the replacement's chain %v is not the replaced one's %v", chain(a.doc), chain(prior))
	}
	old := p.do("GET", "MedicationRequest/"+id, nil)
	if old.doc["status"] != "completed" || old.doc["meta"].(map[string]any)["versionId"] != "2" {
		t.Errorf("the replaced prescription is %v, version %v; want completed, version 2", old.doc["status"], old.doc["meta"])
	}
	prov := p.do("GET", "Provenance?target=MedicationRequest/"+id, nil)
	if prov.doc["total"] != float64(2) {
		t.Errorf("Provenance of the replaced prescription: %s", prov.raw)
	}
}

func TestAPharmacyReplacesOnlyAsTA27Allows(t *testing.T) {
	s := newSim(t)
	dose := prescriber(t, s).create(prescription(doris, nil))["id"].(string)
	other := prescriber(t, s).create(prescription(ingrid, nil))["id"].(string)
	p := pharmacist(t, s)
	for _, tc := range []struct {
		name string
		body map[string]any
		code int
		rule string
	}{
		{"no priorPrescription", prescription(doris, nil), 403, ""},
		{"not a dose patient", replacement(ingrid, other, article), 422, "SIM-AFF-16"},
		{"another ATC code", replacement(doris, dose, omeprazol), 422, "SIM-AFF-17"},
		{"another patient's prescription", replacement(doris, other, article), 400, ""},
		{"an unknown prescription", replacement(doris, "00000000-0000-4000-8000-000000000000", article), 400, ""},
	} {
		a := p.do("POST", "MedicationRequest", tc.body)
		if _, _, _, rule := a.issue(); a.code != tc.code || rule != tc.rule {
			t.Errorf("%s: %d %s, want %d %s", tc.name, a.code, rule, tc.code, tc.rule)
		}
	}
	if a := prescriber(t, s).do("GET", "MedicationRequest/"+dose, nil); a.doc["status"] != "active" {
		t.Errorf("a refused replacement ended the prescription: %s", a.raw)
	}
	// A completed prescription cannot be replaced: nothing is left to end.
	if a := p.do("POST", "MedicationRequest", replacement(doris, dose, article)); a.code != 201 {
		t.Fatalf("replacement: %d %s", a.code, a.raw)
	}
	if a := p.do("POST", "MedicationRequest", replacement(doris, dose, article)); a.code != 422 {
		t.Errorf("a second replacement of a completed prescription: %d %s", a.code, a.raw)
	}
}

// TestReplacementDefects shows the defects of WRITE-REPLACE-PHARMACY, AFF-16 and AFF-17.
func TestReplacementDefects(t *testing.T) {
	replace := func(u *user, patient, code string) (answer, string) {
		prior := u.create(prescription(patient, nil))["id"].(string)
		return pharmacist(t, u.s).with("Prefer", "return=representation").do("POST", "MedicationRequest", replacement(patient, prior, code)), prior
	}
	showDefects(t, []defectCheck{
		{"replace-keeps-prior", func(u *user) bool {
			_, prior := replace(u, doris, article)
			return u.do("GET", "MedicationRequest/"+prior, nil).doc["status"] == "active"
		}},
		{"replace-new-chain", func(u *user) bool {
			a, prior := replace(u, doris, article)
			was := u.do("GET", "MedicationRequest/"+prior, nil)
			return a.doc["extension"].([]any)[0].(map[string]any)["valueString"] != was.doc["extension"].([]any)[0].(map[string]any)["valueString"]
		}},
		{"aff-16-off", func(u *user) bool {
			a, _ := replace(u, ingrid, article)
			return a.code == 201
		}},
		{"aff-17-off", func(u *user) bool {
			a, _ := replace(u, doris, omeprazol)
			return a.code == 201
		}},
	})
}
