package run_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/run"
)

// TestCheckFindsWhatNeedsNoConnection: konform check names each problem on its own line, with the
// file and line, before any connection: a misspelt step (with the step meant), a template that
// does not exist, a template name that does, and an unknown placeholder; konform run stops with
// the same lines. An unknown @krav is refused in one line; a clean pack has no problems.
func TestCheckFindsWhatNeedsNoConnection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "krav.yaml"), []byte("krav:\n  - id: TK1\n    level: SKA\n    text: x\n    source: https://example.invalid/tk1\n"), 0o644)
	feature := filepath.Join(dir, "prov.feature")
	os.WriteFile(feature, []byte(`# language: sv
Egenskap: Prov
  @tc:PROV-01 @krav:TK1 @obligatorisk
  Scenario: Fel som syns utan NLL
    Givet att testpatienten har personnummer "189001019802"
    När systemet skapar en "MedicationRequest" från mallen "finns-inte.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet hämtar "Patient/{{patinet.id}}"
    Så är svarets statuskd 200
`), 0o644)
	check := func(paths ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run.Check(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now}, run.CheckOptions{Paths: paths})
		return code, out.String(), errb.String()
	}
	code, out, stderr := check(feature)
	want := []string{
		feature + `:6: template "finns-inte.json" not found in the pack's templates/`,
		feature + `:8: unknown placeholder {{patinet.id}}`,
		feature + `:9: unknown step "Så är svarets statuskd 200"; did you mean (menade du): Så är svarets statuskod 200`,
	}
	if code != run.ExitUsage || !strings.Contains(out, "1 case checked: 3 problems") {
		t.Fatalf("exit %d, %q; want 2 and three problems\n%s", code, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: want %q\n%s", i+1, w, stderr)
		}
	}
	if strings.Contains(stderr, "forskrivning.json") {
		t.Errorf("a template that exists is reported:\n%s", stderr)
	}

	r := execute(t, run.Options{Paths: []string{feature}})
	if r.code != run.ExitUsage || r.dir != "" || !strings.Contains(r.stderr, want[0]) {
		t.Errorf("konform run: exit %d, evidence %q; want 2 before any connection\n%s", r.code, r.dir, r.stderr)
	}

	os.WriteFile(feature, []byte("# language: sv\nEgenskap: Prov\n  @tc:PROV-01 @krav:TK9 @obligatorisk\n  Scenario: Okänt krav\n    Givet att testpatienten har personnummer \"189001019802\"\n"), 0o644)
	if code, _, stderr := check(feature); code != run.ExitUsage || !strings.Contains(stderr, "unknown requirement @krav:TK9") {
		t.Errorf("unknown @krav: exit %d\n%s", code, stderr)
	}
	os.WriteFile(feature, []byte("# language: sv\nEgenskap: Prov\n  @tc:PROV-01 @krav:TK1 @obligatorisk @beteende:HDR-NOPE\n  Scenario: Okänt beteende\n    Givet att testpatienten har personnummer \"189001019802\"\n"), 0o644)
	if code, _, stderr := check(feature); code != run.ExitUsage || !strings.Contains(stderr, feature+":4: unknown tag @beteende:HDR-NOPE") {
		t.Errorf("unknown @beteende: exit %d\n%s", code, stderr)
	}
	// The system under test's actions, as the run checks them: an action not in the catalogue, a
	// parameter it does not take, one it lacks; a sound one passes.
	os.WriteFile(feature, []byte(`# language: sv
@sut
Egenskap: Prov
  @tc:PROV-01 @krav:TK1 @obligatorisk
  Scenario: Åtgärder
    Givet att testpatienten har personnummer "189001019802"
    När systemet under test utför "skapa recept" för testpatienten
    Och systemet under test utför "expediera förskrivning" med:
      | förskrivningg | {{created.id}} |
    Och systemet under test utför "läs läkemedelslista"
    Och systemet under test utför "skapa förskrivning" för testpatienten med mallen "forskrivning.json"
`), 0o644)
	code, _, stderr = check(feature)
	for _, w := range []string{feature + `:7: unknown action "skapa recept"`, feature + `:8: action "expediera förskrivning" has no parameter "förskrivningg"`,
		feature + `:10: action "läs läkemedelslista" needs the parameter "patient"`} {
		if code != run.ExitUsage || !strings.Contains(stderr, w) {
			t.Errorf("exit %d; want a line %q\n%s", code, w, stderr)
		}
	}
	if strings.Contains(stderr, ":11:") {
		t.Errorf("a sound action is reported:\n%s", stderr)
	}
	if code, out, stderr := check(); code != run.ExitOK || !strings.Contains(out, ": 0 problems") {
		t.Errorf("the bundled pack: exit %d, %s\n%s", code, out, stderr)
	}
}

// TestCheckFindsEachProblemOfAPack is the agency author's konform check on a pack of their own:
// a misspelt step (with a suggestion), a missing template, an unknown placeholder, and a fixture
// with an invalid gender code are each one line naming the file, before any connection; an
// unknown @krav stops the pack in one line; and the pack's own valid template passes.
func TestCheckFindsEachProblemOfAPack(t *testing.T) {
	t.Parallel()
	root := ownPack(t)
	patient := filepath.Join(root, "fixtures", "patients", "189002059815.json")
	data, _ := os.ReadFile(patient)
	if !strings.Contains(string(data), `"gender": "female"`) {
		t.Fatal("the test patient changed shape; adjust the test")
	}
	os.WriteFile(patient, []byte(strings.Replace(string(data), `"gender": "female"`, `"gender": "kvinna"`, 1)), 0o644)
	feature := filepath.Join(root, "features", "d-fel.feature")
	os.WriteFile(feature, []byte(`# language: sv
Egenskap: Fel som syns utan NLL
  @tc:EGEN-04 @krav:EGET-1 @valfri
  Scenario: Fel
    Givet att testpatienten har personnummer "189001019802"
    När systemet skapar en "MedicationRequest" från mallen "saknas.json"
    Och systemet hämtar "Patient/{{patinet.id}}"
    Så är svarets statuskd 200
`), 0o644)
	var out, errb bytes.Buffer
	code := run.Check(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now}, run.CheckOptions{Pack: root})
	want := []string{
		patient + `: not valid FHIR R4: Patient.gender: "kvinna" is not a valid code`,
		feature + `:6: template "saknas.json" not found in the pack's templates/`,
		feature + `:7: unknown placeholder {{patinet.id}}`,
		feature + `:8: unknown step "Så är svarets statuskd 200"; did you mean (menade du): Så är svarets statuskod 200`,
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if code != run.ExitUsage || len(lines) != len(want) || !strings.Contains(out.String(), "4 cases checked: 4 problems") {
		t.Fatalf("exit %d, %q\n%s", code, out.String(), errb.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], w)
		}
	}
	r := execute(t, run.Options{Pack: root})
	if r.code != run.ExitUsage || r.dir != "" || !strings.Contains(r.stderr, want[0]) {
		t.Errorf("konform run --pack: exit %d, evidence %q; want 2 before any connection\n%s", r.code, r.dir, r.stderr)
	}
	os.WriteFile(feature, []byte("# language: sv\nEgenskap: F\n  @tc:EGEN-04 @krav:EGET-9 @valfri\n  Scenario: F\n    Givet att testpatienten har personnummer \"189001019802\"\n"), 0o644)
	errb.Reset()
	if code := run.Check(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now}, run.CheckOptions{Pack: root}); code != run.ExitUsage ||
		!strings.Contains(errb.String(), feature+":4: unknown requirement @krav:EGET-9; add it to "+filepath.Join(root, "krav.yaml")) {
		t.Errorf("unknown @krav: exit %d\n%s", code, errb.String())
	}
}
