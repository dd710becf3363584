package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

func newVerifyCmd(sys System) *cobra.Command {
	var pin, requireEnv, packPin, requireVerdict string
	var maxFileMiB, maxTotalMiB int64
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check an evidence folder offline: the signature, and that no byte was changed, added or removed",
		Long: "Check an evidence folder offline. manifest.sig must sign manifest.json with the key of the\n" +
			"client certificate the manifest names, and every file must have the SHA-256 the manifest\n" +
			"lists, with none added or removed. --signer-sha256 also requires that certificate to be the\n" +
			"one you expect (the supplier's registered test certificate).\n\n" +
			"It prints the environment the run was against and its kind; evidence from konform's built-in\n" +
			"simulator is no evidence for approval, and --require-env test refuses it.\n\n" +
			"The folder is read as if hostile: only regular files and folders are read (a link, FIFO,\n" +
			"device or socket in it is reported, never opened; DIR itself may be a link, such as\n" +
			"reports/latest), files are streamed, a file larger than --max-file or a folder larger than\n" +
			"--max-total is reported rather than read, and an interrupt stops it at once.\n\n" +
			"With --pack-sha256 the evidence must come from the test pack with that digest (konform pack\n" +
			"verify prints a pack's digest): a run of another pack, or of a changed copy, is refused.\n" +
			"With --require-verdict the signed verdict must be approved (every mandatory case passed), or\n" +
			"with approved-with-waivers approved or approved with waivers.\n\n" +
			"Exit codes: 0 intact · 1 changed, added or removed files, a bad signature, anything but a\n" +
			"regular file, a file over the limits, another kind of environment than --require-env,\n" +
			"another pack than --pack-sha256, or another verdict than --require-verdict ·\n" +
			"2 not an evidence folder · 130 interrupted (nothing is said about the folder).",
		Example: "  konform verify reports/latest\n  konform verify --signer-sha256 19e602e9… --require-env test --require-verdict approved evidence/",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPins(cmd, "signer-sha256", "pack-sha256"); err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			if cmd.Flags().Changed("require-env") && requireEnv != evidence.TestKind && requireEnv != evidence.SimulatorKind {
				return fail(sys, run.ExitUsage, fmt.Errorf("--require-env must be test or simulator, got %q", requireEnv))
			}
			accepted, ok := acceptedVerdicts[requireVerdict]
			if cmd.Flags().Changed("require-verdict") && !ok {
				return fail(sys, run.ExitUsage, fmt.Errorf("--require-verdict must be approved or approved-with-waivers, got %q", requireVerdict))
			}
			if maxFileMiB < 1 || maxTotalMiB < 1 {
				return fail(sys, run.ExitUsage, fmt.Errorf("--max-file and --max-total must be at least 1 (MiB), got %d and %d", maxFileMiB, maxTotalMiB))
			}
			const most = math.MaxInt64 >> 21 // MiB that still fit in bytes
			v, err := evidence.VerifyContext(cmd.Context(), args[0], evidence.VerifyOptions{
				PinSHA256: pin, PackSHA256: packPin, MaxFileSize: min(maxFileMiB, most) << 20, MaxTotalSize: min(maxTotalMiB, most) << 20})
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return fail(sys, run.ExitInterrupted, err)
			}
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
			started := ""
			if !v.Started.IsZero() {
				started = ", started " + v.Started.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(sys.Stderr, "run %s%s\n", orDash(v.RunID), started)
			kind := v.Environment.Kind
			if kind == "" {
				kind = "not recorded (an older konform)"
			}
			switch {
			case kind == evidence.SimulatorKind:
			case pki.IsDevIssued(v.Signer.Issuer):
				// Signed with a certificate of konform's dev PKI: only konform's simulator accepts it.
				kind = evidence.SimulatorKind + " (signed with konform's development PKI)"
				v.Environment.Kind = evidence.SimulatorKind
			case pki.IsDevIssued(v.Environment.Server.IssuerName()):
				kind = evidence.SimulatorKind + " (its server had a certificate of konform's development PKI)"
				v.Environment.Kind = evidence.SimulatorKind
			}
			fmt.Fprintf(sys.Stderr, "environment %s, kind %s · verdict %s\n", v.Environment.Name, kind, orDash(string(v.Verdict)))
			if s := v.Environment.Server; s != nil {
				fmt.Fprintf(sys.Stderr, "server certificate %s, issued by %s (compare with the environment's)\n", s.Subject, s.Issuer)
			}
			if v.Pack != nil {
				fmt.Fprintf(sys.Stderr, "test pack %s (%s), digest %s\n", v.Pack.Describe("en"), v.Pack.ID, v.PackDigest)
			} else {
				fmt.Fprintf(sys.Stderr, "test pack digest %s\n", orDash(v.PackDigest))
			}
			if v.Pack != nil && v.Pack.ChangedBundled {
				fmt.Fprintf(sys.Stderr, "the pack bears the id of konform's bundled pack (%s) but is a changed copy of it; ask for the pack it ran (--pack-sha256)\n", v.Pack.ID)
			}
			switch {
			case v.Plan != nil && v.Plan.Signer == nil:
				fmt.Fprintf(sys.Stderr, "plan %s: the verdict is against a plan nobody signed; check that it is the case's plan (%d test cases required)\n", v.Plan.Describe("en"), v.Plan.Required)
			case v.Plan != nil:
				fmt.Fprintf(sys.Stderr, "plan %s (%d test cases required)\n", v.Plan.Describe("en"), v.Plan.Required)
			}
			if v.Environment.Kind == evidence.SimulatorKind {
				fmt.Fprintln(sys.Stderr, "this run was against konform's simulator, or used its development PKI: it is no evidence for approval")
			}
			switch {
			case v.SUTDriver == evidence.ReferenceSystem:
				fmt.Fprintln(sys.Stderr, "the system under test was konform's reference system (--sut ref): it is no evidence for a supplier's system")
			case v.SUTReference:
				fmt.Fprintf(sys.Stderr, "the %s driver reached konform's reference system, not the supplier's: it is no evidence for a supplier's system\n", v.SUTDriver)
			}
			if requireEnv != "" && v.Environment.Kind != requireEnv {
				fmt.Fprintf(sys.Stderr, "konform: --require-env %s: the evidence comes from environment %s of kind %s\n", requireEnv, v.Environment.Name, kind)
				return exit(run.ExitFailed)
			}
			if accepted != nil && !slices.Contains(accepted, v.Verdict) {
				fmt.Fprintf(sys.Stderr, "konform: --require-verdict %s: the signed verdict is %s\n", requireVerdict, orDash(string(v.Verdict)))
				return exit(run.ExitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pin, "signer-sha256", "", "require the signing certificate to have this SHA-256 fingerprint")
	cmd.Flags().Int64Var(&maxFileMiB, "max-file", evidence.DefaultMaxFileSize>>20, "largest file verify reads, in MiB; a larger one is reported, not read")
	cmd.Flags().Int64Var(&maxTotalMiB, "max-total", evidence.DefaultMaxTotalSize>>20, "most verify reads from the folder, in MiB; what is beyond is reported, not read")
	cmd.Flags().StringVar(&packPin, "pack-sha256", "", "require the evidence to come from the test pack with this digest")
	cmd.Flags().StringVar(&requireVerdict, "require-verdict", "", "require this signed verdict: approved, or approved-with-waivers (which accepts approved too)")
	cmd.Flags().StringVar(&requireEnv, "require-env", "", "require evidence from this kind of environment: test (the agency's test environments) or simulator")
	return cmd
}

// acceptedVerdicts are the verdicts each value of --require-verdict accepts.
var acceptedVerdicts = map[string][]evidence.Verdict{
	"approved":              {evidence.Approved},
	"approved-with-waivers": {evidence.Approved, evidence.ApprovedWithWaivers},
}

func orDash(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}
