package run_test

import (
	"testing"

	"github.com/konform/konform/internal/evidence"
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
		if c.Outcome != evidence.Passed {
			failed = append(failed, c.ID+" "+string(c.Outcome))
		}
	}
	if len(failed) > 0 || r.code != run.ExitOK {
		t.Fatalf("against the alt personality, exit %d; not passed: %v\n%s", r.code, failed, r.stderr)
	}
	n := r.summary.Counts
	if n.Total < 40 || n.Passed != n.Total {
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

func hasTag(tags []string, tag string) bool {
	for _, x := range tags {
		if x == tag {
			return true
		}
	}
	return false
}
