package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/run"
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
	cmd.Flags().BoolVar(&coverage, "coverage", false, "list the requirements of krav.yaml and the cases that cover each")
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
	if missing > 0 {
		return run.ExitFailed
	}
	return run.ExitOK
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return 100 * n / of
}
