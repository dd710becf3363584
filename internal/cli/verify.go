package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/run"
)

func newVerifyCmd(sys System) *cobra.Command {
	var pin string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check an evidence folder offline: the signature, and that no byte was changed, added or removed",
		Long: "Check an evidence folder offline. manifest.sig must sign manifest.json with the key of the\n" +
			"client certificate the manifest names, and every file must have the SHA-256 the manifest\n" +
			"lists, with none added or removed. --signer-sha256 also requires that certificate to be the\n" +
			"one you expect (the supplier's registered test certificate).\n\n" +
			"Exit codes: 0 intact · 1 changed, added or removed files, or a bad signature · 2 not an evidence folder.",
		Example: "  konform verify reports/latest\n  konform verify --signer-sha256 19e602e9… evidence/",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := evidence.Verify(args[0], pin)
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			for _, p := range v.Problems {
				fmt.Fprintln(sys.Stdout, p)
			}
			if len(v.Problems) > 0 {
				fmt.Fprintf(sys.Stderr, "%s is NOT intact: %d problem(s)\n", args[0], len(v.Problems))
				return exit(run.ExitFailed)
			}
			fmt.Fprintf(sys.Stderr, "%s is intact: %d files, signed by %s (sha256 %s)\n", args[0], v.Files, v.Signer.Subject, v.Signer.Fingerprint)
			return nil
		},
	}
	cmd.Flags().StringVar(&pin, "signer-sha256", "", "require the signing certificate to have this SHA-256 fingerprint")
	return cmd
}
