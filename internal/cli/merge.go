package cli

import (
	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/run"
)

// executeMerge is run.Merge; tests replace it to check flag parsing alone.
var executeMerge = run.Merge

func newMergeCmd(sys System) *cobra.Command {
	var opts run.MergeOptions
	cmd := &cobra.Command{
		Use:   "merge [flags] DIR DIR...",
		Short: "Join the evidence of a sharded run (--shard K/N) into one signed folder",
		Long: "Join the evidence folders of the shards of one run (konform run --shard K/N) into one folder\n" +
			"that konform verify accepts. Every shard must verify and come from the same test pack,\n" +
			"environment, case and client certificate; the merged manifest is signed with that\n" +
			"certificate's key (the dev PKI's client unless --cert).",
		Example: "  konform merge shard-1/reports/latest shard-2/reports/latest",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
			opts.Password = sys.Getenv(PasswordEnv)
			return exit(executeMerge(cmd.Context(), sys.io(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Out, "out", "reports", "folder for the merged evidence; writes <out>/<run-id>/")
	f.StringVar(&opts.CertsDir, "certs", "certs", "folder of the dev PKI")
	f.StringVar(&opts.Cert, "cert", "", "client certificate to sign with: PEM (with --key) or PKCS#12")
	f.StringVar(&opts.Key, "key", "", "private key (PEM) of --cert")
	f.StringVar(&opts.Lang, "lang", "sv", "language of report.html: sv or en")
	return cmd
}
