package run_test

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// TestPackPassesAgainstTheAltPersonality runs every scenario that is not @sim, the system under
// test's included, against the simulator's alt personality, in which every choice NLL's
// documentation leaves open takes its other plausible value (412, 422 for header problems, the
// code processing, Swedish diagnostics, absolute-path Location, "201", no ETag, no total, pages
// of 5, …). TestBundledPackPassesAgainstTheSimulator covers the default personality; a scenario
// that passes against both asserts only what NLL documents.
func TestPackPassesAgainstTheAltPersonality(t *testing.T) {
	t.Parallel()
	alt, err := sim.Personality("alt")
	if err != nil {
		t.Fatal(err)
	}
	r := execute(t, run.Options{Tags: "~@sim", SUT: "ref", Concurrency: 4, SimPolicy: &alt})
	var failed []string
	for _, c := range r.summary.Run.Cases {
		if !passed(c) {
			failed = append(failed, c.ID+" "+string(c.Outcome))
		}
	}
	if len(failed) > 0 || r.code != run.ExitOK {
		t.Fatalf("against the alt personality, exit %d; not passed: %v\n%s", r.code, failed, r.stderr)
	}
	n := r.summary.Counts
	if n.Total < 40 || n.Passed+n.Skipped != n.Total {
		t.Fatalf("counts %+v; want every non-@sim case, at least 40", n)
	}
	for _, c := range r.summary.Run.Cases {
		if hasTag(c.Tags, "@sim") {
			t.Errorf("%s is @sim but ran", c.ID)
		}
		if len(c.CleanupProblems) > 0 {
			t.Errorf("%s left test data: %v", c.ID, c.CleanupProblems)
		}
	}
}

// TestAltPersonalityBodiesAreValidFHIR: the alt personality's answers (an OperationOutcome from
// $end, Bundles without total, "201" statuses) are as valid FHIR as the default's, checked by
// @medplum/core's validator (see TestEverySimulatorBodyIsValidFHIR).
func TestAltPersonalityBodiesAreValidFHIR(t *testing.T) {
	node := needNode(t)
	t.Parallel()
	alt, err := sim.Personality("alt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var mu sync.Mutex
	n := 0
	tap := func(r *http.Request, status int, header http.Header, body []byte) {
		if mt, _, _ := mime.ParseMediaType(header.Get("Content-Type")); mt != "application/fhir+json" || len(body) == 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d-%d.json", n, status)), body, 0o644); err != nil {
			t.Error(err)
		}
	}
	if r := execute(t, run.Options{Tags: "~@sim", SUT: "ref", SimPolicy: &alt, SimTap: tap}); r.code != run.ExitOK {
		t.Fatalf("the pack failed against the alt personality: exit %d\n%s", r.code, r.stderr)
	}
	if out, err := exec.Command(node, filepath.Join(interopDir, "validate.mjs"), dir).CombinedOutput(); err != nil {
		t.Fatalf("invalid FHIR from the alt personality:\n%s", out)
	}
	if n < 100 {
		t.Errorf("only %d bodies validated", n)
	}
}

func hasTag(tags []string, tag string) bool {
	for _, x := range tags {
		if x == tag {
			return true
		}
	}
	return false
}
