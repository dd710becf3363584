package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

func newVerifyCmd(sys System) *cobra.Command {
	var pin, requireEnv string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check an evidence folder offline: the signature, and that no byte was changed, added or removed",
		Long: "Check an evidence folder offline. manifest.sig must sign manifest.json with the key of the\n" +
			"client certificate the manifest names, and every file must have the SHA-256 the manifest\n" +
			"lists, with none added or removed. --signer-sha256 also requires that certificate to be the\n" +
			"one you expect (the supplier's registered test certificate).\n\n" +
			"It prints the environment the run was against and its kind; evidence from konform's built-in\n" +
			"simulator is no evidence for approval, and --require-env test refuses it.\n\n" +
			"Exit codes: 0 intact · 1 changed, added or removed files, a bad signature, or another kind of\n" +
			"environment than --require-env · 2 not an evidence folder.",
		Example: "  konform verify reports/latest\n  konform verify --signer-sha256 19e602e9… --require-env test evidence/",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if requireEnv != "" && requireEnv != evidence.TestKind && requireEnv != evidence.SimulatorKind {
				return fail(sys, run.ExitUsage, fmt.Errorf("--require-env must be test or simulator, got %q", requireEnv))
			}
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
			kind := v.Environment.Kind
			if kind == "" {
				kind = "not recorded (an older konform)"
			}
			if pki.IsDevIssued(v.Signer.Issuer) && kind != evidence.SimulatorKind {
				// Signed with a certificate of konform's dev PKI: only konform's simulator accepts it.
				kind = evidence.SimulatorKind + " (signed with konform's development PKI)"
				v.Environment.Kind = evidence.SimulatorKind
			}
			fmt.Fprintf(sys.Stderr, "environment %s, kind %s · verdict %s\n", v.Environment.Name, kind, orDash(string(v.Verdict)))
			if v.Environment.Kind == evidence.SimulatorKind {
				fmt.Fprintln(sys.Stderr, "this run was against konform's built-in simulator: it is no evidence for approval")
			}
			if requireEnv != "" && v.Environment.Kind != requireEnv {
				fmt.Fprintf(sys.Stderr, "konform: --require-env %s: the evidence comes from environment %s of kind %s\n", requireEnv, v.Environment.Name, kind)
				return exit(run.ExitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pin, "signer-sha256", "", "require the signing certificate to have this SHA-256 fingerprint")
	cmd.Flags().StringVar(&requireEnv, "require-env", "", "require evidence from this kind of environment: test (the agency's test environments) or simulator")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}
