package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/konform/konform/internal/run"
)

// TestAStepsTokenReachesNoEvidenceFile: NLL-HDR-10 sends a forged token written out in its step;
// the step's text is scrubbed like an exchange, so no evidence file holds the token.
func TestAStepsTokenReachesNoEvidenceFile(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-HDR-10"})
	if r.code != run.ExitOK && r.code != run.ExitFailed {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	files, err := filepath.Glob(filepath.Join(r.dir, "*"))
	if err != nil || len(files) < 5 {
		t.Fatalf("evidence files %v: %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // a folder
		}
		if strings.Contains(string(data), "eyAiYWxnIjogIkhTMjU2") {
			t.Errorf("%s holds the step's token in clear", filepath.Base(f))
		}
	}
}
