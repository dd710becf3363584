package fhircheck

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/samply/golang-fhir-models/fhir-models/fhir"
)

const validPatient = `{
  "resourceType": "Patient",
  "id": "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e04",
  "meta": {"profile": ["http://electronichealth.se/fhir/StructureDefinition/NLLPatient"]},
  "identifier": [{"system": "http://electronichealth.se/identifier/personnummer", "value": "191212121212"}],
  "active": true,
  "name": [{"family": "Testsson", "given": ["Tolvan"]}],
  "gender": "male",
  "birthDate": "1912-12-12",
  "_birthDate": {"extension": [{"url": "http://example.org/time", "valueTime": "12:00:00"}]},
  "extension": [{"url": "http://example.org/a", "valueBoolean": true}],
  "modifierExtension": [{"url": "http://example.org/b", "valueString": "x"}]
}`

const validPrescription = `{
  "resourceType": "MedicationRequest",
  "contained": [{"resourceType": "Practitioner", "id": "p", "name": [{"family": "Doktorsson"}]}],
  "status": "active",
  "intent": "order",
  "medicationCodeableConcept": {"coding": [{"system": "http://medication.ehm.se/nplpackid", "code": "20110119100011"}]},
  "subject": {"reference": "Patient/1"},
  "requester": {"reference": "#p"},
  "dispenseRequest": {"numberOfRepeatsAllowed": 0, "quantity": {"value": 1.5, "unit": "förpackning"}}
}`

// patient is validPatient with old replaced by new, which must be there.
func patient(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validPatient, old) {
		t.Fatalf("validPatient has no %q", old)
	}
	return strings.Replace(validPatient, old, new, 1)
}

func TestResource(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // each must be one of the problems, exactly; none: the document is valid
	}{
		{"valid patient", validPatient, nil},
		{"valid prescription with a contained practitioner", validPrescription, nil},
		{"gender okand", patient(t, `"male"`, `"okand"`),
			[]string{`Patient.gender: "okand" is not a valid code; one of male, female, other, unknown`}},
		{"gender with a trailing space", patient(t, `"male"`, `"female "`),
			[]string{`Patient.gender: "female " is not a valid code (did you mean female?)`}},
		{"bundle type searchsett", `{"resourceType": "Bundle", "type": "searchsett"}`,
			[]string{`Bundle.type: "searchsett" is not a valid code (did you mean searchset?)`}},
		{"unknown resourceType", `{"resourceType": "Patinet", "id": "1"}`,
			[]string{`unknown resourceType "Patinet" (did you mean Patient?)`}},
		{"no resourceType", `{"id": "1"}`, []string{"missing resourceType"}},
		{"resourceType not a string", `{"resourceType": 7}`, []string{"resourceType must be a string, found the number 7"}},
		{"misspelt element", patient(t, `"gender"`, `"gendr"`),
			[]string{"unknown element gendr in Patient (did you mean gender?)"}},
		{"misspelt element deeper", patient(t, `"family"`, `"famly"`),
			[]string{"unknown element famly in Patient.name[0] (did you mean family?)"}},
		{"companion of an element that is not primitive", patient(t, `"_birthDate"`, `"_name"`),
			[]string{"unknown element _name in Patient (did you mean name?)"}},
		{"contained in a bundle", `{"resourceType": "Bundle", "type": "collection", "contained": [{"resourceType": "Patient"}]}`,
			[]string{"unknown element contained in Bundle"}},
		{"contained resource checked", strings.Replace(validPrescription, `"family"`, `"famliy"`, 1),
			[]string{"unknown element famliy in MedicationRequest.contained[0].name[0] (did you mean family?)"}},
		{"contained inside contained", strings.Replace(validPrescription, `"id": "p",`, `"id": "p", "contained": [{"resourceType": "Basic", "code": {"text": "x"}}],`, 1),
			[]string{"MedicationRequest.contained[0].contained: a contained resource cannot contain resources"}},
		{"bundle entry resource checked",
			`{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {"resourceType": "Patient", "gender": "okand"}, "request": {"method": "POST", "url": "Patient"}}]}`,
			[]string{`Bundle.entry[0].resource.gender: "okand" is not a valid code; one of male, female, other, unknown`}},
		{"bundle entry resource without resourceType", `{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"id": "1"}}]}`,
			[]string{"Bundle.entry[0].resource: missing resourceType"}},
		{"parameters resource checked", `{"resourceType": "Parameters", "parameter": [{"name": "p", "resource": {"resourceType": "Patient", "activ": true}}]}`,
			[]string{"unknown element activ in Parameters.parameter[0].resource (did you mean active?)"}},
		// The walk reads the escape as "male"; fhir-models compares the raw text, and its verdict stands.
		{"what only fhir-models refuses", `{"resourceType": "Patient", "gender": "m\u0061le"}`,
			[]string{"Patient: fhir-models refuses it: unknown AdministrativeGender code `m\\u0061le`"}},
		{"missing required element", `{"resourceType": "Bundle", "id": "1"}`, []string{"missing required element Bundle.type"}},
		{"missing required choice", strings.Replace(validPrescription, `"medicationCodeableConcept"`, `"note": [{"text": "x"}], "x"`, 1),
			[]string{"unknown element x in MedicationRequest", "missing required element MedicationRequest.medication[x]"}},
		{"choice given twice", patient(t, `"birthDate"`, `"deceasedBoolean": true, "deceasedDateTime": "2020-01-01", "birthDate"`),
			[]string{"Patient: deceased[x] is given more than once (deceasedBoolean, deceasedDateTime); give one type"}},
		{"repeating element not an array", patient(t, `[{"family": "Testsson", "given": ["Tolvan"]}]`, `{"family": "Testsson"}`),
			[]string{"Patient.name: expected an array, found an object"}},
		{"boolean as a string", patient(t, `"active": true`, `"active": "true"`),
			[]string{"Patient.active: expected true or false, found a string"}},
		{"integer with a fraction", patient(t, `"active": true`, `"multipleBirthInteger": 1.5`),
			[]string{"Patient.multipleBirthInteger: expected an integer, found the number 1.5"}},
		{"decimal as a string", strings.Replace(validPrescription, `"value": 1.5`, `"value": "1.5"`, 1),
			[]string{"MedicationRequest.dispenseRequest.quantity.value: expected a number, found a string"}},
		{"null", patient(t, `"male"`, `null`),
			[]string{"Patient.gender: null is not allowed in FHIR JSON; leave the element out"}},
		{"empty string, array and object", patient(t, `"active": true`, `"language": "", "telecom": [], "maritalStatus": {}`),
			[]string{"Patient.language: empty string; leave the element out instead", "Patient.telecom: empty array; FHIR JSON has none", "Patient.maritalStatus: empty object; FHIR JSON has none"}},
		{"duplicate element", patient(t, `"active": true`, `"active": true, "active": false`),
			[]string{"Patient: element active appears twice"}},
		{"control character", patient(t, `"Testsson"`, `"Test\u0001sson"`),
			[]string{"Patient.name[0].family: control character U+0001 is not allowed in a FHIR string"}},
		{"null beside a companion", patient(t, `"given": ["Tolvan"]`, `"given": [null, "Tolvan"], "_given": [{"id": "g1"}, null]`), nil},
		{"null with no companion", patient(t, `"given": ["Tolvan"]`, `"given": [null, "Tolvan"]`),
			[]string{"Patient.name[0].given[0]: null is not allowed in FHIR JSON; leave the element out"}},
		{"companion that does not line up", patient(t, `"given": ["Tolvan"]`, `"given": ["Tolvan"], "_given": [{"id": "g1"}, {"id": "g2"}]`),
			[]string{"Patient.name[0]._given: 2 items for 1 values; they must line up"}},
		{"extension without url", patient(t, `{"url": "http://example.org/a", "valueBoolean": true}`, `{"valueBoolean": true}`),
			[]string{"missing required element Patient.extension[0].url"}},
		{"malformed", "{\n  \"resourceType\": \"Patient\",\n  \"gender\" \"male\"\n}",
			[]string{"not well-formed JSON at line 3, column 12: invalid character '\"' after object key"}},
		{"empty document", " \n", []string{"not well-formed JSON: the document is empty"}},
		{"byte order mark", "\xef\xbb\xbf" + validPatient,
			[]string{"not well-formed JSON at line 1, column 1: the document starts with a byte order mark; remove it"}},
		{"not utf-8", "{\"resourceType\": \"Patient\",\n\"id\": \"\xff\"}", []string{"not UTF-8 at line 2, column 8: FHIR JSON is UTF-8"}},
		{"an array, not a resource", `[{"resourceType": "Patient"}]`,
			[]string{"not a FHIR resource: the document is an array, not a JSON object"}},
		{"too large", `{"resourceType": "Basic", "id": "` + strings.Repeat("a", MaxSize) + `"}`,
			[]string{"document is 4194339 bytes; the limit is 4194304 bytes (4 MiB)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, Resource([]byte(tt.doc)), tt.want)
		})
	}
}

// checkProblems asks for no problems when want is empty, else for each of want among got.
func checkProblems(t *testing.T, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		if len(got) != 0 {
			t.Fatalf("want no problems, got %q", got)
		}
		return
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("want problem %q, got %q", w, got)
		}
	}
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // as in TestResource
	}{
		{"placeholders in strings", `{"resourceType": "MedicationRequest", "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
			"status": "active", "intent": "order", "medicationCodeableConcept": {"text": "x"},
			"subject": {"reference": "Patient/{{patient.id}}"}, "authoredOn": "{{today}}",
			"dispenseRequest": {"validityPeriod": {"start": "{{today+14d}}", "end": "{{ now-5m }}"}},
			"note": [{"text": "{{base64:hej}} {{uuid}} {{patient.personnummer}} {{created.id}}"}]}`, nil},
		{"placeholders where values stand", `{"resourceType": "MedicationRequest", "status": "active", "intent": "order",
			"medicationCodeableConcept": {{var.läkemedel}}, "subject": {"reference": "Patient/1"},
			"dispenseRequest": {"numberOfRepeatsAllowed": {{var.antal}}, "quantity": {{var.mängd}}},
			"contained": {{var.contained}}, "note": [{{var.note}}]}`, nil},
		{"a value only the scenario knows, in a code", `{"resourceType": "Patient", "gender": "{{var.kön}}", "active": true}`, nil},
		{"placeholder in a bundle entry", `{"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {{var.resurs}}}, {"resource": {"resourceType": "Basic", "code": {"text": "{{run.id}}"}}}]}`, nil},
		{"the rest is still checked", `{"resourceType": "Patient", "gendr": "{{var.kön}}", "birthDate": {{var.född}}}`,
			[]string{"unknown element gendr in Patient (did you mean gender?)"}},
		{"a quoted placeholder is a string", `{"resourceType": "Patient", "active": "{{var.aktiv}}"}`,
			[]string{"Patient.active: expected true or false, found a string"}},
		{"the library still judges a template", `{"resourceType": "Bundle", "type": "searchsett", "id": "{{run.id}}"}`,
			[]string{`Bundle.type: "searchsett" is not a valid code (did you mean searchset?)`}},
		{"malformed template", "{\"resourceType\": \"Patient\",\n \"id\": \"{{run.id}}\" \"active\": true}",
			[]string{"not well-formed JSON at line 2, column 21: invalid character '\"' after object key:value pair"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, Template([]byte(tt.doc)), tt.want)
		})
	}
}

// TestMarkersOnlyInTemplates: what Template writes for a placeholder is no free pass in a
// document Resource checks.
func TestMarkersOnlyInTemplates(t *testing.T) {
	doc := fill([]byte(`{"resourceType": "Patient", "gender": "{{var.kön}}", "active": {{var.aktiv}}}`))
	got := Resource(doc.doc)
	if len(got) != 2 {
		t.Fatalf("want two problems (gender, active), got %q", got)
	}
}

// TestShippedFixturesAndTemplates checks every JSON file konform ships under a folder named
// fixtures or templates, wherever in the module those folders are.
func TestShippedFixturesAndTemplates(t *testing.T) {
	root := moduleRoot(t)
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "third_party", "testdata", "reports", "node_modules", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		dirs := strings.Split(filepath.Dir(rel), string(filepath.Separator))
		if strings.HasSuffix(path, ".json") && (slices.Contains(dirs, "fixtures") || slices.Contains(dirs, "templates")) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d JSON files under fixtures/ or templates/ below %s, want at least 20: %q", len(files), root, files)
	}
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		// Only templates have placeholders, and Template checks a file without any as Resource does.
		if problems := Template(data); len(problems) > 0 {
			t.Errorf("%s:\n  %s", rel, strings.Join(problems, "\n  "))
		}
	}
	t.Logf("%d files checked", len(files))
}

// moduleRoot walks up from the working directory to the folder with go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

func TestProblemsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"resourceType": "Patient"`)
	for i := range 60 {
		b.WriteString(`, "x` + strings.Repeat("y", i) + `": 1`)
	}
	b.WriteString(`, "gender": "` + strings.Repeat(`ö\n`, 300) + `"}`)
	got := Resource([]byte(b.String()))
	if len(got) != maxProblems+1 || got[maxProblems] != "… and 11 more problems" {
		t.Fatalf("want %d problems and a count of the rest, got %d ending %q", maxProblems, len(got), got[len(got)-1])
	}
	long := Resource([]byte(`{"resourceType": "Patient", "gender": "` + strings.Repeat("ö\\n", 300) + `"}`))
	if len(long) != 1 || len(long[0]) > maxLine || strings.ContainsAny(long[0], "\n\r") {
		t.Fatalf("want one short line, got %q", long)
	}
}

// TestKindsAreResourceTypes keeps the table to real R4 resource types and holds the ones NLL's
// interface uses.
func TestKindsAreResourceTypes(t *testing.T) {
	valid := codesOf(reflect.TypeFor[fhir.ResourceType]())
	for name, k := range kinds {
		if !slices.Contains(valid, name) {
			t.Errorf("%s is not a FHIR R4 resourceType", name)
		}
		if k.typ.Name() != name {
			t.Errorf("%s is read as %s", name, k.typ.Name())
		}
	}
	for _, name := range []string{"Patient", "Practitioner", "PractitionerRole", "Organization", "RelatedPerson",
		"Medication", "MedicationRequest", "MedicationDispense", "MedicationStatement", "Consent", "Provenance",
		"Parameters", "Bundle", "OperationOutcome", "Flag", "DetectedIssue", "Task", "Basic", "List", "Binary",
		"Composition", "CareTeam", "Communication", "DocumentReference", "Group", "Location", "Device", "AuditEvent"} {
		if _, ok := kinds[name]; !ok {
			t.Errorf("%s is missing", name)
		}
	}
}

// TestEveryElementTypeIsHandled walks every type the resources use and fails on one that
// element would have no case for.
func TestEveryElementTypeIsHandled(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var visit func(t2 reflect.Type, where string)
	visit = func(t2 reflect.Type, where string) {
		for t2.Kind() == reflect.Pointer || t2.Kind() == reflect.Slice && t2 != rawMessageType {
			t2 = t2.Elem()
		}
		if seen[t2] {
			return
		}
		seen[t2] = true
		switch {
		case t2 == rawMessageType, t2 == numberType, isCode(t2):
		case t2.Kind() == reflect.Struct:
			info := structOf(t2)
			for _, n := range info.names {
				visit(info.fields[n], where+"."+n)
			}
		case t2.Kind() == reflect.String, t2.Kind() == reflect.Bool, t2.Kind() == reflect.Int:
		default:
			t.Errorf("%s: Go type %s has no case", where, t2)
		}
	}
	for name, k := range kinds {
		visit(k.typ, name)
	}
	if len(seen) < 500 {
		t.Fatalf("visited only %d types", len(seen))
	}
}

func TestChoiceGroups(t *testing.T) {
	tests := []struct {
		typ     reflect.Type
		element string
		want    []string // nil: not a choice element
	}{
		{reflect.TypeFor[fhir.Patient](), "deceased", []string{"deceasedBoolean", "deceasedDateTime"}},
		{reflect.TypeFor[fhir.MedicationRequest](), "medication", []string{"medicationCodeableConcept", "medicationReference"}},
		{reflect.TypeFor[fhir.Task](), "reason", nil},
		{reflect.TypeFor[fhir.ServiceRequest](), "reason", nil}, // reasonCode, reasonReference: lists
		{reflect.TypeFor[fhir.PaymentReconciliation](), "payment", nil},
	}
	for _, tt := range tests {
		got := structOf(tt.typ).choices[tt.element]
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s.%s: got %q, want %q", tt.typ.Name(), tt.element, got, tt.want)
		}
	}
	if n := len(structOf(reflect.TypeFor[fhir.Extension]()).choices["value"]); n != 50 {
		t.Errorf("Extension.value[x] has %d types, want R4's 50", n)
	}
}

func TestLibraryError(t *testing.T) {
	_, err := fhir.UnmarshalPatient([]byte(`{"active": "yes"}`))
	if got, want := libraryError(err), "active: expected bool, found string"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	_, err = fhir.UnmarshalPatient([]byte(`{"gender": "okand"}`))
	if got, want := libraryError(err), "unknown AdministrativeGender code `okand`"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestFillKeepsJSONWellFormed(t *testing.T) {
	in := []byte(`{"a": "{{today}} \"{{var.x}}\"", "b": {{var.y}}, "c": ["{{uuid}}", {{var.z}}], "d": "\\{{run.id}}"}`)
	out := fill(in).doc
	if !json.Valid(out) {
		t.Fatalf("not JSON: %s", out)
	}
	var v map[string]any
	_ = json.Unmarshal(out, &v)
	if v["a"] != sampleDate+` "`+stringMarker()+`"` || v["b"] != valueMarker || v["d"] != `\`+sampleRunID {
		t.Fatalf("filled as %s", out)
	}
	if !bytes.Equal(fill([]byte(validPatient)).doc, []byte(validPatient)) {
		t.Fatal("a document without placeholders changed")
	}
}

// stringMarker is what Template writes in a string for a value only the scenario knows.
func stringMarker() string { return markerPrefix + "string" }
