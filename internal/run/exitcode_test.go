package run

import (
	"testing"

	"github.com/konform/konform/internal/evidence"
)

func TestExitCodeRanksTrouble(t *testing.T) {
	c := func(m bool, o evidence.Outcome) *evidence.Case { return &evidence.Case{Mandatory: m, Outcome: o} }
	cases := []struct {
		cases []*evidence.Case
		want  int
	}{
		{[]*evidence.Case{c(true, evidence.Passed)}, ExitOK},
		{[]*evidence.Case{c(true, evidence.Passed), c(false, evidence.Failed), c(false, evidence.Error)}, ExitOK},
		{[]*evidence.Case{c(true, evidence.Failed)}, ExitFailed},
		{[]*evidence.Case{c(true, evidence.Failed), c(true, evidence.Error)}, ExitFailed}, // the verdict is "not approved"
		{[]*evidence.Case{c(true, evidence.Error), c(false, evidence.Failed)}, ExitHarness},
		{[]*evidence.Case{c(true, evidence.Error), c(false, evidence.Undefined)}, ExitUndefined},
		{[]*evidence.Case{c(true, evidence.Pending)}, ExitUndefined},
	}
	for i, k := range cases {
		if got := ExitCode(&evidence.Run{Cases: k.cases}); got != k.want {
			t.Errorf("%d: exit %d, want %d", i, got, k.want)
		}
	}
	// a mandatory case of the whole pack that never ran leaves the run without a verdict, never 0,
	// unless a mandatory case failed (the verdict is then "not approved"); a selection of the pack
	// is partial by its nature
	notRun := evidence.Selection{NotRun: []string{"A-1"}}
	for _, k := range []struct {
		run  evidence.Run
		want int
	}{
		{evidence.Run{Cases: []*evidence.Case{c(true, evidence.Passed)}, Selection: notRun}, ExitHarness},
		{evidence.Run{Cases: []*evidence.Case{c(true, evidence.Failed)}, Selection: notRun}, ExitFailed},
		{evidence.Run{Cases: []*evidence.Case{c(true, evidence.Passed)}, Selection: evidence.Selection{NotRun: []string{"A-1"}, Tags: "@x"}}, ExitOK},
	} {
		if got := ExitCode(&k.run); got != k.want || k.run.Verdict() == evidence.Approved {
			t.Errorf("%+v: exit %d, want %d; verdict %s", k.run.Selection, got, k.want, k.run.Verdict())
		}
	}
}
