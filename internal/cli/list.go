package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

func newListCmd(sys System) *cobra.Command {
	var tags, packPath string
	var coverage bool
	cmd := &cobra.Command{
		Use:   "list [flags] [FEATURE_PATHS...]",
		Short: "List the test cases (id, mandatory or optional, title, requirements) or the requirement coverage",
		Example: "  konform list\n" +
			"  konform list --tags @obligatorisk\n" +
			"  konform list --coverage",
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pack.Select(packPath, args, tags)
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			if coverage {
				return exit(printCoverage(sys, p))
			}
			printCases(sys, p)
			return nil
		},
	}
	cmd.Flags().StringVar(&tags, "tags", "", "only scenarios matching a tag expression, e.g. \"@obligatorisk && ~@sim\"")
	cmd.Flags().StringVar(&packPath, "pack", "", "test pack: a folder with pack.yaml or a .tar.gz (default the bundled pack); FEATURE_PATHS are then inside it")
	cmd.Flags().BoolVar(&coverage, "coverage", false, "list the requirements of krav.yaml and the rows of docs/simulator.md, each with the cases that cover it")
	return cmd
}

func printCases(sys System, p *pack.Pack) {
	w := tabwriter.NewWriter(sys.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tTITLE\tREQUIREMENTS\tLOCATION")
	mandatory := 0
	for _, c := range p.Cases {
		kind := "valfri"
		if c.Mandatory {
			kind = "obligatorisk"
			mandatory++
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s:%d\n", c.ID, kind, c.Name, strings.Join(c.Requirements, " "), c.File, c.Line)
	}
	w.Flush()
	fmt.Fprintf(sys.Stderr, "%d cases, %d mandatory (%d%%)\n", len(p.Cases), mandatory, percent(mandatory, len(p.Cases)))
}

// printCoverage prints each requirement with the cases that cover it. It returns 1 when a
// requirement has neither a case nor a reason, so that a pack author's CI catches it.
func printCoverage(sys System, p *pack.Pack) int {
	w := tabwriter.NewWriter(sys.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "REQUIREMENT\tLEVEL\tCASES")
	covered, explained, missing := 0, 0, 0
	for _, c := range p.Coverage() {
		cases := strings.Join(c.Cases, " ")
		switch {
		case len(c.Cases) > 0:
			covered++
		case c.Uncovered != "":
			explained++
			cases = "uncovered: " + c.Uncovered
		default:
			missing++
			cases = "UNCOVERED, NO REASON: add a scenario or an uncovered: line to " + p.Catalogue.Source
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", c.ID, c.Level, cases)
	}
	w.Flush()
	total := covered + explained + missing
	fmt.Fprintf(sys.Stderr, "%d of %d requirements covered (%d%%); %d uncovered with a reason, %d without\n",
		covered, total, percent(covered, total), explained, missing)
	printBehaviours(sys, p)
	if missing > 0 {
		return run.ExitFailed
	}
	return run.ExitOK
}

// printBehaviours prints each row of docs/simulator.md (sim.Behaviours) with the cases that
// check it (@beteende:<ID>), its reason when no scenario can, or GAP.
func printBehaviours(sys System, p *pack.Pack) {
	checkers := map[string][]string{}
	for _, c := range p.Cases {
		for _, tag := range c.Tags {
			if id, ok := strings.CutPrefix(tag, "@beteende:"); ok {
				checkers[id] = append(checkers[id], c.ID)
			}
		}
	}
	fmt.Fprintln(sys.Stdout)
	w := tabwriter.NewWriter(sys.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SIMULATOR BEHAVIOUR\tCASES")
	checked, explained, gaps := 0, 0, 0
	for _, b := range sim.Behaviours {
		cases := strings.Join(checkers[b.ID], " ")
		switch {
		case cases != "":
			checked++
		case b.Unchecked != "":
			explained++
			cases = "unchecked: " + b.Unchecked
		default:
			gaps++
			cases = "GAP: no scenario is tagged @beteende:" + b.ID
		}
		fmt.Fprintf(w, "%s\t%s\n", b.ID, cases)
	}
	w.Flush()
	fmt.Fprintf(sys.Stderr, "%d of %d simulator behaviours (docs/simulator.md) checked by a scenario; %d unchecked with a reason, %d gaps\n",
		checked, len(sim.Behaviours), explained, gaps)
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return 100 * n / of
}
