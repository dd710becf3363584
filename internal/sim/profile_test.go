package sim_test

import (
	"strings"
	"testing"
)

// withDosages sets a prescription's or a dispense's dosageInstruction.
func withDosages(dosages ...any) func(map[string]any) {
	return func(m map[string]any) { m["dosageInstruction"] = dosages }
}

func TestADosageWithoutSequenceIsRefused(t *testing.T) {
	s := newSim(t)
	doctor := prescriber(t, s)
	count := func() any {
		return doctor.do("GET", "MedicationRequest?patient="+ingrid, nil).doc["total"]
	}
	before := count()
	refused := func(a answer, status int, code, expression string) {
		t.Helper()
		_, got, _, _ := a.issue()
		if a.code != status || got != code || !strings.Contains(a.raw, `"expression":["`+expression+`"]`) {
			t.Errorf("want %d %s at %s, got %d %s", status, code, expression, a.code, a.raw)
		}
	}
	steps := []any{map[string]any{"sequence": 1, "text": "1 tablett på morgonen"}, map[string]any{"text": "2 tabletter på kvällen"}}
	refused(doctor.do("POST", "MedicationRequest", prescription(ingrid, withDosages(map[string]any{"text": "1 tablett"}))),
		422, "required", "MedicationRequest.dosageInstruction[0].sequence")
	refused(doctor.do("POST", "MedicationRequest", prescription(ingrid, withDosages(steps...))),
		422, "required", "MedicationRequest.dosageInstruction[1].sequence")
	for _, bad := range []any{"1", 1.5, true} {
		refused(doctor.do("POST", "MedicationRequest", prescription(ingrid, withDosages(map[string]any{"sequence": bad, "text": "1 tablett"}))),
			422, "invalid", "MedicationRequest.dosageInstruction[0].sequence")
	}
	if after := count(); after != before {
		t.Errorf("refused prescriptions were stored: %v before, %v after", before, after)
	}
	parallel := []any{map[string]any{"sequence": 1, "text": "1 tablett på morgonen"}, map[string]any{"sequence": 1, "text": "2 tabletter på kvällen"}}
	doctor.create(prescription(ingrid, withDosages(parallel...))) // parallel steps share a number

	mr := doctor.create(prescription(ingrid, nil))
	md := dispenseFor(mr["id"].(string), 1)
	withDosages(map[string]any{"text": "1 tablett"})(md)
	refused(pharmacist(t, s).do("POST", "MedicationDispense/$verify", md), 422, "required", "MedicationDispense.dosageInstruction[0].sequence")

	refused(directions(doctor, map[string]any{"name": "nllPatientTreatmentReason", "valueString": "mot smärta"}, dosageParam(map[string]any{"text": "1 tablett"})),
		422, "required", "Parameters.parameter[1].valueDosage.sequence")
}

func TestDosageSequenceDefectChangesTheAnswer(t *testing.T) {
	showDefects(t, []defectCheck{
		{"dosage-sequence-optional", func(u *user) bool {
			return u.do("POST", "MedicationRequest", prescription(ingrid, withDosages(map[string]any{"text": "1 tablett"}))).code == 201
		}},
	})
}
