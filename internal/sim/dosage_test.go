package sim_test

import (
	"strings"
	"testing"

	"github.com/konform/konform/internal/sim"
)

// structured is a dosage of one tablet twice a day, at most 4 a day, with a text that says
// something else, so that an instruction made from the text alone shows.
var structured = map[string]any{
	"sequence":              1,
	"text":                  "se bipacksedel",
	"doseAndRate":           []any{map[string]any{"doseQuantity": map[string]any{"value": 1, "unit": "tablett"}}},
	"timing":                map[string]any{"repeat": map[string]any{"frequency": 2, "period": 1, "periodUnit": "d"}},
	"maxDosePerPeriod":      map[string]any{"numerator": map[string]any{"value": 4, "unit": "tabletter"}, "denominator": map[string]any{"value": 1, "unit": "d"}},
	"additionalInstruction": []any{map[string]any{"text": "tas med mat"}},
}

func directions(u *user, params ...any) answer {
	u.t.Helper()
	return u.do("POST", "$patient-dosage-directions", map[string]any{"resourceType": "Parameters", "parameter": params})
}

func dosageParam(d map[string]any) map[string]any {
	return map[string]any{"name": "dosageInstruction", "valueDosage": d}
}

// out is the value of an out parameter, and whether there was one.
func out(a answer, name string) (any, bool) {
	params, _ := a.doc["parameter"].([]any)
	for _, p := range params {
		p := p.(map[string]any)
		if p["name"] == name {
			if r, ok := p["resource"]; ok {
				return r, true
			}
			return p["valueString"], true
		}
	}
	return nil, false
}

func TestPatientDosageDirectionsWordsTheStructuredDosage(t *testing.T) {
	s := newSim(t)
	a := directions(prescriber(t, s), dosageParam(structured),
		map[string]any{"name": "nllPatientTreatmentReason", "valueString": "mot smärta"})
	if a.code != 200 || a.doc["resourceType"] != "Parameters" {
		t.Fatalf("$patient-dosage-directions: %d %s", a.code, a.raw)
	}
	for name, want := range map[string]string{
		"patientInstruction":          "1 tablett 2 gånger per dygn högst 4 tabletter per dygn",
		"patientInstructionFormatted": "• 1 tablett 2 gånger per dygn högst 4 tabletter per dygn",
		"nllPatientTreatmentReason":   "mot smärta",
		"additionalInstruction":       "tas med mat",
	} {
		if got, _ := out(a, name); got != want {
			t.Errorf("%s = %v, want %q", name, got, want)
		}
	}
	if _, ok := out(a, "notification"); ok {
		t.Errorf("a structured dosage gave a notification: %s", a.raw)
	}
	// A pharmacy may ask too: the directions go on the label of a dispense.
	if a := directions(pharmacist(t, s), dosageParam(structured)); a.code != 200 {
		t.Errorf("a pharmacist: %d %s", a.code, a.raw)
	}
}

func TestPatientDosageDirectionsWarnsOfATextOnlyDosage(t *testing.T) {
	a := directions(prescriber(t, newSim(t)), dosageParam(map[string]any{"sequence": 1, "text": "1 tablett på morgonen"}))
	if got, _ := out(a, "patientInstruction"); got != "1 tablett på morgonen" {
		t.Errorf("patientInstruction = %v", got)
	}
	n, ok := out(a, "notification")
	if !ok {
		t.Fatalf("no notification: %s", a.raw)
	}
	issue := n.(map[string]any)["issue"].([]any)[0].(map[string]any)
	if issue["severity"] != "warning" || issue["extension"] != nil {
		t.Errorf("notification issue %v: want a warning without nllDetectedIssue", issue)
	}
}

func TestPatientDosageDirectionsRefusesAWrongRequest(t *testing.T) {
	u := prescriber(t, newSim(t))
	for name, a := range map[string]answer{
		"no dosage":         directions(u, map[string]any{"name": "nllPatientTreatmentReason", "valueString": "x"}),
		"not a Dosage":      directions(u, map[string]any{"name": "dosageInstruction", "valueString": "1 tablett"}),
		"unknown parameter": directions(u, dosageParam(structured), map[string]any{"name": "patient", "valueString": "x"}),
		"not Parameters":    u.do("POST", "$patient-dosage-directions", map[string]any{"resourceType": "Dosage"}),
	} {
		if a.code != 400 || !strings.Contains(a.raw, "OperationOutcome") {
			t.Errorf("%s: %d %s, want 400 with an OperationOutcome", name, a.code, a.raw)
		}
	}
	if a := u.with("Authorization", "").do("POST", "$patient-dosage-directions", map[string]any{"resourceType": "Parameters",
		"parameter": []any{dosageParam(structured)}}); a.code != 401 {
		t.Errorf("without a token: %d", a.code)
	}
}

// TestPatientDosageDirectionsDefectsChangeTheAnswer shows each defect of the operation changing
// what the simulator answers.
func TestPatientDosageDirectionsDefectsChangeTheAnswer(t *testing.T) {
	showDefects(t, []defectCheck{
		{"dosage-no-formatted", func(u *user) bool {
			_, ok := out(directions(u, dosageParam(structured)), "patientInstructionFormatted")
			return !ok
		}},
		{"dosage-text-only", func(u *user) bool {
			got, _ := out(directions(u, dosageParam(structured)), "patientInstruction")
			return got == "se bipacksedel"
		}},
		{"dosage-directions-unchecked", func(u *user) bool {
			return directions(u).code == 200
		}},
		{"dosage-reason-dropped", func(u *user) bool {
			_, ok := out(directions(u, dosageParam(structured), map[string]any{"name": "nllPatientTreatmentReason", "valueString": "mot smärta"}), "nllPatientTreatmentReason")
			return !ok
		}},
		{"dosage-notification-detected-issue", func(u *user) bool {
			return strings.Contains(directions(u, dosageParam(map[string]any{"sequence": 1, "text": "1 tablett"})).raw, sim.DetectedIssueURL)
		}},
	})
}
