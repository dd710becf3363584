package run_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/konform/konform/internal/interop"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

// TestGenericScenariosPassAgainstAnIndependentServer runs the @generisk scenarios against
// @medplum/fhir-router, a FHIR server that shares no code with konform's simulator.
func TestGenericScenariosPassAgainstAnIndependentServer(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	if _, _, err := pki.EnsureDevPKI(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	peer, err := interop.Start(node, interopDir, certs, "../../nllpack/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(peer.Stop)
	url := peer.URL
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("environments:\n  interop:\n    kind: test\n    base_url: %s\n    ca: certs/ca.pem\n"+
		"    client: {cert: certs/client.pem, key: certs/client.key}\n", url)), 0o644)
	r := execute(t, run.Options{Env: "interop", Config: cfg, CertsDir: certs, Tags: "@generisk"})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d against %s\n%s", r.code, url, r.stderr)
	}
	if n := r.summary.Counts; n.Total < 8 || n.Passed != n.Total {
		t.Errorf("counts %+v", n)
	}
	if r.summary.Run.Environment != "interop" || r.summary.Run.BaseURL != url {
		t.Errorf("evidence names %q %q", r.summary.Run.Environment, r.summary.Run.BaseURL)
	}
}
