package cli

import (
	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/run"
)

func newCleanupCmd(sys System) *cobra.Command {
	var opts run.Options
	var runID string
	cmd := &cobra.Command{
		Use:   "cleanup --run ID",
		Short: "Cancel the prescriptions an aborted run left in a shared test environment",
		Long: "Every prescription a run creates carries the run id (identifier urn:konform:run|<id>) and is\n" +
			"cancelled after its scenario. When a run was aborted before that, cleanup finds the\n" +
			"prescriptions of the run that are still active or on hold and cancels them with $end.",
		Example: "  konform cleanup --config konform.yaml --env ext5-x2 --run 20261123T101500Z-a1b2c3",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Password = sys.Getenv(PasswordEnv)
			opts.Version = Version
			return exit(run.Cleanup(cmd.Context(), sys.io(), opts, runID))
		},
	}
	f := cmd.Flags()
	f.StringVar(&runID, "run", "", "the run id whose test data to remove (the folder name under reports/)")
	f.StringVar(&opts.Env, "env", "", "environment of the configuration file")
	f.StringVar(&opts.Config, "config", "", "configuration file (default konform.yaml, if present)")
	f.StringVar(&opts.CertsDir, "certs", "certs", "folder of the dev PKI")
	f.StringVar(&opts.Cert, "cert", "", "client certificate: PEM (with --key) or PKCS#12")
	f.StringVar(&opts.Key, "key", "", "private key (PEM) of --cert")
	return cmd
}
