package run_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/konform/konform/internal/interop"
	"github.com/konform/konform/internal/run"
)

// interopDir holds the npm packages of the independent FHIR peers (make test installs them).
const interopDir = "../../interop"

// needNode skips when the npm packages are missing, unless KONFORM_REQUIRE_NODE is set (make test
// sets it, after installing them), in which case that is a failure.
func needNode(t *testing.T) string {
	t.Helper()
	node, err := interop.Node(interopDir)
	if err != nil {
		if os.Getenv("KONFORM_REQUIRE_NODE") != "" {
			t.Fatalf("node or the npm packages in interop/ are missing (%v); run make test, which installs them", err)
		}
		t.Skipf("node or interop/node_modules missing (%v); make test installs them", err)
	}
	return node
}

// TestEverySimulatorBodyIsValidFHIR runs the whole pack and validates every FHIR body the
// simulator sent with @medplum/core's validateResource, which shares no code with konform.
func TestEverySimulatorBodyIsValidFHIR(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	dir := t.TempDir()
	var mu sync.Mutex
	n := 0
	types := map[string]int{}
	tap := func(r *http.Request, status int, header http.Header, body []byte) {
		mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
		if mt != "application/fhir+json" || len(body) == 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		types[resourceType(body)]++
		name := fmt.Sprintf("%04d-%s-%d.json", n, strings.NewReplacer("/", "_", "$", "").Replace(r.URL.Path), status)
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Error(err)
		}
	}
	r := execute(t, run.Options{SimTap: tap, SUT: "ref"})
	if r.code != run.ExitOK {
		t.Fatalf("the pack failed: exit %d\n%s", r.code, r.stderr)
	}
	out, err := exec.Command(node, filepath.Join(interopDir, "validate.mjs"), dir).CombinedOutput()
	if err != nil {
		t.Fatalf("invalid FHIR from the simulator:\n%s", out)
	}
	t.Logf("%d bodies valid: %v", n, types)
	for _, want := range []string{"Bundle", "OperationOutcome", "Parameters", "Patient", "MedicationRequest"} {
		if types[want] == 0 {
			t.Errorf("the pack produced no %s body to validate", want)
		}
	}
}

func resourceType(body []byte) string {
	var doc struct {
		ResourceType string `json:"resourceType"`
	}
	_ = json.Unmarshal(body, &doc)
	return doc.ResourceType
}

// TestValidatorRejectsBrokenFHIR shows the validator is not a rubber stamp, nor a script that
// fails whatever it reads: a valid Bundle passes, and a broken one fails for the broken element.
func TestValidatorRejectsBrokenFHIR(t *testing.T) {
	node := needNode(t)
	validate := func(body string) (string, error) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "b.json"), []byte(body), 0o644)
		out, err := exec.Command(node, filepath.Join(interopDir, "validate.mjs"), dir).CombinedOutput()
		return string(out), err
	}
	if out, err := validate(`{"resourceType":"Bundle","type":"searchset","total":1}`); err != nil || !strings.Contains(out, "1 passed, 0 failed") {
		t.Fatalf("a valid Bundle did not pass (%v):\n%s", err, out)
	}
	out, err := validate(`{"resourceType":"Bundle","type":"searchset","total":"one"}`)
	if err == nil || !strings.Contains(out, "b.json: invalid FHIR R4") || !strings.Contains(out, "total") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Fatalf("a Bundle with a text total: %v\n%s", err, out)
	}
}
