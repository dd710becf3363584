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
		{[]*evidence.Case{c(true, evidence.Failed), c(true, evidence.Error)}, ExitHarness},
		{[]*evidence.Case{c(true, evidence.Error), c(false, evidence.Undefined)}, ExitUndefined},
		{[]*evidence.Case{c(true, evidence.Pending)}, ExitUndefined},
	}
	for i, k := range cases {
		if got := ExitCode(&evidence.Run{Cases: k.cases}); got != k.want {
			t.Errorf("%d: exit %d, want %d", i, got, k.want)
		}
	}
}
