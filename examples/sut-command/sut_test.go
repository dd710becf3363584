// Package sutcommand holds the test of the command driver's example, sut.sh.
package sutcommand

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/run"
)

// cases are the SUT cases the example system can carry out: creating a prescription, reading
// the medication list, and dispensing a prescription (in a transaction).
var cases = []string{"SUT-VARD-01", "SUT-VARD-02", "SUT-VARD-03", "SUT-VARD-04", "SUT-VARD-05", "SUT-VARD-06", "SUT-VARD-07", "SUT-VARD-08",
	"SUT-APO-02", "SUT-APO-03", "SUT-APO-06"}

// TestExampleCommandPassesItsCases runs sut.sh with the command driver through the gateway
// against the simulator: its cases pass, each action's stdin, stdout and stderr are in the
// evidence, and an action the script cannot do is an error naming the command and its exit code.
func TestExampleCommandPassesItsCases(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("KONFORM_REQUIRE_TOOLS") != "" {
				t.Fatalf("%s is needed for the example (make test installs it)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	root := t.TempDir()
	script, _ := filepath.Abs("sut.sh")
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte("sut:\n  driver: command\n  command: ["+script+", '{{action}}']\n  timeout: 30s\n"), 0o644)
	execute := func(tags string) (int, string, *evidence.Summary) {
		var stdout, stderr bytes.Buffer
		code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
			run.Options{Tags: tags, Config: cfg, CertsDir: filepath.Join(root, "certs"), Out: filepath.Join(root, "reports"), SystemFile: "system.yaml"})
		dir := strings.TrimSpace(stdout.String())
		s, err := evidence.ReadSummary(dir)
		if err != nil {
			t.Fatalf("exit %d, no summary: %v\n%s", code, err, stderr.String())
		}
		return code, dir, s
	}

	code, dir, s := execute("@tc:" + strings.Join(cases, ",@tc:"))
	if s.Counts.Total != len(cases) || s.Counts.Passed != s.Counts.Total || s.Run.SUT == nil || s.Run.SUT.Driver != "command" {
		t.Fatalf("exit %d, counts %+v; want the example's %d cases passed with the command driver", code, s.Counts, len(cases))
	}
	text, err := os.ReadFile(filepath.Join(dir, s.Run.Cases[0].DriverLogs[0].File))
	if err != nil || !strings.Contains(string(text), "## stdin") || !strings.Contains(string(text), "exit 0") || strings.Contains(string(text), "Bearer eyJ") {
		t.Fatalf("driver log: %v\n%s", err, text)
	}
	if v, err := evidence.Verify(dir, ""); err != nil || len(v.Problems) > 0 {
		t.Fatalf("the evidence does not verify: %v %v", err, v)
	}
	// The example registers its dispenses in a transaction, which the checks judge by its entry.
	for _, c := range s.Run.Cases {
		if c.ID != "SUT-APO-03" {
			continue
		}
		if !slices.ContainsFunc(c.SUTCalls, func(r evidence.ExchangeRef) bool {
			return strings.HasSuffix(r.Summary, "(a transaction of POST MedicationDispense → 201)")
		}) {
			t.Errorf("SUT-APO-03's calls hold no transaction of the dispense: %+v", c.SUTCalls)
		}
	}

	_, _, s = execute("@tc:SUT-VARD-17") // registrera samtycke: not in the example
	c := s.Run.Cases[0]
	if c.Outcome != evidence.Error || !strings.Contains(c.Steps[len(c.Steps)-1].Message+stepMessages(c), "sut.sh exited 3: the example system cannot registrera samtycke") {
		t.Fatalf("an action the script cannot do: %s %+v", c.Outcome, c.Steps)
	}
}

func stepMessages(c *evidence.Case) string {
	var b strings.Builder
	for _, s := range c.Steps {
		b.WriteString(s.Message + "\n")
	}
	return b.String()
}
