package cli

import (
	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/run"
)

func newCheckCmd(sys System) *cobra.Command {
	var o run.CheckOptions
	cmd := &cobra.Command{
		Use:   "check [flags] [FEATURE_PATHS...]",
		Short: "Check a test pack before running it: unknown steps, missing templates, unknown placeholders, tags",
		Long: "Check, without any connection, what konform run would otherwise find only when a request is\n" +
			"made: steps konform does not know (with the closest known step), templates that do not exist\n" +
			"or hold placeholders no step fills, unknown placeholders in steps, unknown @krav and duplicate\n" +
			"@tc. One line per problem. konform run makes the same checks first.\n\n" +
			"Exit codes: 0 no problems · 2 a problem · 4 only unknown steps.",
		Example: "  konform check\n  konform check --pack ../mitt-paket\n  konform check ../mitt-paket/features/recept.feature",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			return exit(run.Check(cmd.Context(), sys.io(), o))
		},
	}
	cmd.Flags().StringVar(&o.Tags, "tags", "", "only scenarios matching a tag expression")
	cmd.Flags().StringVar(&o.Pack, "pack", "", "test pack to check: a folder with pack.yaml or a .tar.gz (default the bundled pack); FEATURE_PATHS are then inside it")
	return cmd
}
