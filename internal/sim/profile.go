package sim

import (
	"fmt"
	"math"
)

// checkDosages applies the one cardinality of NLL's profile NLLDosage that the simulator checks
// besides FHIR's own to each Dosage of a list: path names the list, as
// "MedicationRequest.dosageInstruction".
func (s *Simulator) checkDosages(dosages []any, path string) *apiError {
	for i, d := range dosages {
		if err := s.checkDosage(d, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkDosage checks that a Dosage, at expression path, carries sequence, a whole number (SIMP,
// NLLDosage: sequence 1..1, the dosage step's place among the others). The answer has the
// profile status (422, or 400 in the alt personality): row PROFILE-DOSAGE-SEQUENCE of
// docs/simulator.md.
func (s *Simulator) checkDosage(d any, path string) *apiError {
	if s.broken("dosage-sequence-optional") {
		return nil
	}
	m, _ := d.(map[string]any)
	expr := path + ".sequence"
	switch n, ok := m["sequence"].(float64); {
	case m["sequence"] == nil:
		return &apiError{status: s.policy.ProfileStatus, code: "required", expression: expr,
			diagnostics: expr + " is missing: NLLDosage requires sequence (1..1), the dosage step's place among the others; parallel steps share a number"}
	case !ok || n != math.Trunc(n):
		return &apiError{status: s.policy.ProfileStatus, code: "invalid", expression: expr,
			diagnostics: expr + " must be a whole number (NLLDosage: sequence is an integer)"}
	}
	return nil
}
