package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/run"
)

// TestOwnPackTemplatesResolveInThePack runs a pack folder outside the repository, laid out as
// mypack/features/*.feature and mypack/templates/*.json: its own template is found next to the
// features (the bundled ones still are), the case passes against the simulator, and the template
// is part of the pack's digest.
func TestOwnPackTemplatesResolveInThePack(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "mypack")
	os.MkdirAll(filepath.Join(root, "features"), 0o755)
	os.MkdirAll(filepath.Join(root, "templates"), 0o755)
	bundled, err := os.ReadFile("../../fixtures/templates/forskrivning.json")
	if err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(string(bundled), `"status": "active"`, `"status": "active", "note": [{"text": "Paketets egen mall"}]`, 1)
	if own == string(bundled) {
		t.Fatal("the bundled template changed shape; adjust the test")
	}
	os.WriteFile(filepath.Join(root, "templates", "egen-forskrivning.json"), []byte(own), 0o644)
	feature := filepath.Join(root, "features", "egen.feature")
	os.WriteFile(feature, []byte(`# language: sv
Egenskap: Ett eget paket
  @tc:EGEN-01 @krav:FHIR-CREATE @obligatorisk
  Scenario: En förskrivning från paketets egen mall
    Givet att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet skapar en "MedicationRequest" från mallen "egen-forskrivning.json"
    Så är svarets statuskod 201
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.note.text" ger värdet "Paketets egen mall"
`), 0o644)
	r := execute(t, run.Options{Paths: []string{filepath.Join(root, "features")}})
	c := r.outcome(t, "EGEN-01")
	if r.code != run.ExitOK || c.Outcome != evidence.Passed {
		t.Fatalf("exit %d, %s\n%s", r.code, c.Outcome, r.stderr)
	}
	digest := r.summary.Run.PackDigest
	os.WriteFile(filepath.Join(root, "templates", "egen-forskrivning.json"), []byte(strings.Replace(own, "egen mall", "ändrad mall", 1)), 0o644)
	if r := execute(t, run.Options{Paths: []string{filepath.Join(root, "features")}, Tags: "@tc:EGEN-01"}); r.summary.Run.PackDigest == digest {
		t.Error("a changed template leaves the pack's digest as it was")
	}
}
