package run_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// caughtTarget is the share of the defect catalogue the pack must catch.
const caughtTarget = 0.95

// TestDefectCatalogue breaks the simulator in each way of sim.Defects and runs the scenarios that
// name the broken row of docs/simulator.md (@beteende:<ID>). A defect counts as caught only when
// one of those scenarios fails (not errors) at an assertion step (Så/Då, or Och/Men after one): a
// scenario that trips over the defect at an earlier step caught it as a side effect, for another
// reason than the one it names. The test reports every defect with the step that caught it, lists
// the survivors, and fails below 95 %.
//
// With KONFORM_MUTANTS=all (make mutants) every defect runs the whole pack instead, and the report
// also names the scenarios that failed without naming the broken row.
func TestDefectCatalogue(t *testing.T) {
	t.Parallel()
	all := os.Getenv("KONFORM_MUTANTS") == "all"
	p, err := pack.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	checkers := map[string][]string{} // behaviour ID → cases tagged with it
	for _, c := range p.Cases {
		for _, id := range behavioursOf(c.Tags) {
			checkers[id] = append(checkers[id], c.ID)
		}
	}
	type verdict struct {
		defect            sim.Defect
		caughtBy, reason  string
		collateral, tried []string
	}
	verdicts := make([]verdict, len(sim.Defects))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, d := range sim.Defects {
		verdicts[i].defect = d
		verdicts[i].tried = checkers[d.Behaviour]
		if len(checkers[d.Behaviour]) == 0 {
			verdicts[i].reason = "no scenario is tagged @beteende:" + d.Behaviour
			continue
		}
		wg.Add(1)
		go func(v *verdict) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			opts := run.Options{SUT: "ref", Concurrency: 4, SimDefects: []string{v.defect.Name}}
			if !all {
				opts.Tags = "@beteende:" + v.defect.Behaviour
			}
			r := execute(t, opts)
			if r.dir == "" {
				v.reason = "the run wrote no evidence: " + firstLine(r.stderr)
				return
			}
			for _, c := range r.summary.Run.Cases {
				named := slices.Contains(behavioursOf(c.Tags), v.defect.Behaviour)
				if c.Outcome != evidence.Failed && c.Outcome != evidence.Error {
					continue
				}
				if !named {
					v.collateral = append(v.collateral, c.ID)
					continue
				}
				step, idx := c.Problem(), problemIndex(c)
				switch {
				case v.caughtBy != "":
				case c.Outcome != evidence.Failed:
					v.reason = fmt.Sprintf("%s errored (%s), a failure of the connection rather than a finding", c.ID, firstLine(step.Message))
				case !isAssertion(c.Steps, idx):
					v.reason = fmt.Sprintf("%s failed at the action %q, not at an assertion", c.ID, step.Text)
				default:
					v.caughtBy = fmt.Sprintf("%s at %q", c.ID, step.Text)
				}
			}
			if v.caughtBy == "" && v.reason == "" {
				v.reason = "every scenario tagged @beteende:" + v.defect.Behaviour + " passed: " + strings.Join(v.tried, ", ")
			}
		}(&verdicts[i])
	}
	wg.Wait()

	caught := 0
	var report, survivors strings.Builder
	for _, v := range verdicts {
		if v.caughtBy != "" {
			caught++
			fmt.Fprintf(&report, "  caught   %-32s %-22s by %s\n", v.defect.Name, v.defect.Behaviour, v.caughtBy)
		} else {
			fmt.Fprintf(&survivors, "  SURVIVED %-32s %-22s %s\n", v.defect.Name, v.defect.Behaviour, v.reason)
		}
		if all && len(v.collateral) > 0 {
			fmt.Fprintf(&report, "           %-32s also failed (not naming %s): %s\n", "", v.defect.Behaviour, strings.Join(v.collateral, ", "))
		}
	}
	share := float64(caught) / float64(len(verdicts))
	t.Logf("defect catalogue: %d of %d defects caught (%.1f %%)\n%s%s", caught, len(verdicts), 100*share, report.String(), survivors.String())
	if share < caughtTarget {
		t.Errorf("the pack catches %d of %d simulator defects (%.1f %%), below %.0f %%; the survivors are listed above",
			caught, len(verdicts), 100*share, 100*caughtTarget)
	}
}

// TestBehaviourCatalogueIsTheDocument checks that sim.Behaviours is docs/simulator.md's rows, that
// every row has a scenario or a reason, that every @beteende tag names a row, and that every
// checked row has a defect that breaks it.
func TestBehaviourCatalogueIsTheDocument(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/simulator.md")
	if err != nil {
		t.Fatal(err)
	}
	var inDoc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9-]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		inDoc = append(inDoc, m[1])
	}
	known := map[string]*sim.Behaviour{}
	var inCode []string
	for i, b := range sim.Behaviours {
		known[b.ID] = &sim.Behaviours[i]
		inCode = append(inCode, b.ID)
	}
	if !slices.Equal(inDoc, inCode) {
		t.Errorf("the rows of docs/simulator.md (first column `ID`) differ from sim.Behaviours:\ndoc:  %v\ncode: %v", inDoc, inCode)
	}
	p, err := pack.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, c := range p.Cases {
		for _, id := range behavioursOf(c.Tags) {
			if known[id] == nil {
				t.Errorf("%s is tagged @beteende:%s, which is no row of docs/simulator.md", c.ID, id)
			}
			checked[id] = true
		}
	}
	broken := map[string]bool{}
	for _, d := range sim.Defects {
		if known[d.Behaviour] == nil {
			t.Errorf("defect %s breaks %s, which is no row of docs/simulator.md", d.Name, d.Behaviour)
		}
		broken[d.Behaviour] = true
	}
	var gaps []string
	for _, b := range sim.Behaviours {
		switch {
		case b.Unchecked == "" && !checked[b.ID]:
			gaps = append(gaps, b.ID)
		case b.Unchecked == "" && !broken[b.ID]:
			t.Errorf("%s has no defect in sim.Defects that breaks it", b.ID)
		}
	}
	sort.Strings(gaps)
	if len(gaps) > 0 {
		t.Errorf("rows of docs/simulator.md with neither a scenario (@beteende:<ID>) nor a reason: %v", gaps)
	}
}

// behavioursOf returns the IDs of a case's @beteende tags.
func behavioursOf(tags []string) []string {
	var out []string
	for _, tag := range tags {
		if id, ok := strings.CutPrefix(tag, "@beteende:"); ok {
			out = append(out, id)
		}
	}
	return out
}

// problemIndex is the index of the step that decided a case, -1 when it passed.
func problemIndex(c *evidence.Case) int {
	for i, s := range c.Steps {
		if s.Outcome != evidence.Passed && s.Outcome != evidence.Skipped {
			return i
		}
	}
	return -1
}

// isAssertion reports whether step i is a Then step: its keyword, or the keyword an And or But
// step continues, is Så, Då or Then.
func isAssertion(steps []evidence.Step, i int) bool {
	for ; i >= 0; i-- {
		switch strings.TrimSpace(steps[i].Keyword) {
		case "Så", "Då", "Then":
			return true
		case "Och", "Men", "And", "But", "*":
			continue
		default:
			return false
		}
	}
	return false
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
