package sim_test

import (
	"strings"
	"testing"
)

// TestTheHistoryHoldsEndedPrescriptions shows SEARCH-STATUS-ALL: a pharmacy's search without a
// status finds a cancelled prescription too (TA 43).
func TestTheHistoryHoldsEndedPrescriptions(t *testing.T) {
	showDefects(t, []defectCheck{
		{"search-active-only", func(u *user) bool {
			id := u.create(prescription(gustav, nil))["id"].(string)
			if a := u.do("POST", "MedicationRequest/$end", map[string]any{"resourceType": "Parameters", "parameter": []any{endEntry(id, "makulera")}}); a.code != 200 {
				t.Fatalf("$end: %d %s", a.code, a.raw)
			}
			return !strings.Contains(pharmacist(t, u.s).do("GET", "MedicationRequest?patient="+gustav, nil).raw, id)
		}},
	})
}
