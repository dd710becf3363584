package fhircheck

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzResource: no input makes Resource or Template panic, every problem is one short line,
// and whatever fhir-models' own Unmarshal refuses, Resource refuses too.
func FuzzResource(f *testing.F) {
	for _, seed := range []string{
		validPatient,
		validPrescription,
		`{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {"resourceType": "Patient", "gender": "okand"}}]}`,
		`{"resourceType": "Parameters", "parameter": [{"name": "a", "valueString": "x", "part": [{"name": "b", "resource": {"resourceType": "Basic"}}]}]}`,
		`{"resourceType": "Patient", "name": [{"given": [null, "B"], "_given": [{"id": "x"}, null]}], "deceasedBoolean": true, "deceasedDateTime": "2020"}`,
		`{"resourceType": "Patient", "gender": "m\u0061le", "multipleBirthInteger": 1e3}`,
		`{"resourceType": "MedicationRequest", "status": "{{var.s}}", "subject": {{var.x}}, "contained": [{"resourceType": "Practitioner", "contained": []}]}`,
		`{"resourceType": "Patinet"}`,
		`{"resourceType": "Patient",` + "\n" + `"gender" "male"}`,
		`[1, 2]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, problems := range [][]string{Resource(data), Template(data)} {
			if len(problems) > maxProblems+1 {
				t.Fatalf("%d problems", len(problems))
			}
			for _, p := range problems {
				if p == "" || len(p) > maxLine || strings.ContainsAny(p, "\n\r\x00") || !utf8.ValidString(p) {
					t.Fatalf("not one short line: %q", p)
				}
			}
		}
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if json.Unmarshal(data, &head) != nil || len(data) > MaxSize {
			return
		}
		if k, ok := kinds[head.ResourceType]; ok && k.unmarshal(data) != nil && len(Resource(data)) == 0 {
			t.Fatalf("fhir-models refuses it, Resource does not: %v", k.unmarshal(data))
		}
	})
}
