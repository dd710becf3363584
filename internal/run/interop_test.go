package run_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

// medplum starts the interop peer (@medplum/fhir-router behind Node https with mutual TLS) on a
// free loopback port with the dev PKI of certs, and returns its base URL.
func medplum(t *testing.T, node, certs string) string {
	t.Helper()
	cmd := exec.Command(node, filepath.Join(interopDir, "server.mjs"), "--certs", certs, "--fixtures", "../../fixtures")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	select {
	case url, ok := <-lines:
		if !ok {
			t.Fatalf("interop server ended without a URL: %s", stderr.String())
		}
		return url
	case <-time.After(30 * time.Second):
		t.Fatalf("interop server did not start: %s", stderr.String())
	}
	return ""
}

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
	url := medplum(t, node, certs)
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
