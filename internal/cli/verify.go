package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/signing"
)

func newVerifyCmd(sys System) *cobra.Command {
	var pin, requireEnv, packPin, planPin, requireVerdict string
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
			"with approved-with-waivers approved or approved with waivers from a plan the case officer signed,\n" +
			"and the system under test must not have been konform's own reference system (--sut ref).\n" +
			"A verdict against a plan nobody signed (the supplier may have written it) is refused by\n" +
			"--require-verdict; --plan-signer-sha256 also requires the plan, when the run followed one, to be\n" +
			"signed by the certificate with that fingerprint (the case officer's).\n" +
			"Every requirement not met is named, and the last line says NOT ACCEPTED.\n\n" +
			"Exit codes: 0 intact · 1 changed, added or removed files, a bad signature, anything but a\n" +
			"regular file, a file over the limits, another kind of environment than --require-env,\n" +
			"another pack than --pack-sha256, or another verdict than --require-verdict ·\n" +
			"2 not an evidence folder · 130 interrupted (nothing is said about the folder).",
		Example: "  konform verify reports/latest\n  konform verify --signer-sha256 19e602e9… --require-env test --require-verdict approved evidence/",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPins(cmd, "signer-sha256", "pack-sha256", "plan-signer-sha256"); err != nil {
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
				PinSHA256: pin, MaxFileSize: min(maxFileMiB, most) << 20, MaxTotalSize: min(maxTotalMiB, most) << 20})
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
			describeRun(sys, args[0], v)
			// Every requirement the evidence does not meet is named, then one line ends it.
			var refused []string
			if requireEnv != "" && v.Environment.Kind != requireEnv {
				refused = append(refused, fmt.Sprintf("--require-env %s: the evidence comes from environment %s, of kind %s", requireEnv, v.Environment.Name, v.Environment.Kind))
			}
			switch {
			case accepted == nil:
			case !slices.Contains(accepted, v.Verdict):
				refused = append(refused, fmt.Sprintf("--require-verdict %s: the signed verdict is %s", requireVerdict, orDash(string(v.Verdict))))
			case v.Verdict == evidence.ApprovedWithWaivers && v.Run.WaiversUnsigned:
				refused = append(refused, fmt.Sprintf("--require-verdict %s: the waivers (%s) did not come in a plan signed by the case officer", requireVerdict, strings.Join(v.Run.Waived, ", ")))
			case v.Plan != nil && v.Plan.Signer == nil:
				refused = append(refused, fmt.Sprintf("--require-verdict %s: the verdict is against a plan nobody signed (%s, %d test cases required), which the supplier may have written; only the whole pack, or a plan the case officer signed, decides approval",
					requireVerdict, v.Plan.Case, v.Plan.Required))
			}
			if accepted != nil && (v.SUTDriver == evidence.ReferenceSystem || v.SUTReference) {
				// The verdict is about konform's own reference system, which passes the @sut cases by design.
				refused = append(refused, fmt.Sprintf("--require-verdict %s: the system under test was konform's reference system (driver %s), not the supplier's: its verdict is no evidence for a supplier's system", requireVerdict, v.SUTDriver))
			}
			if accepted != nil && v.SUTDriver != evidence.ReferenceSystem && !v.SUTReference && v.Run.System == nil {
				// Approval is of one version of one system (the agency's requirement 3.1.3).
				refused = append(refused, fmt.Sprintf("--require-verdict %s: the evidence names no system under approval; approval is of one version of a system, so the run needs --system (a file with its name and version)", requireVerdict))
			}
			if packPin != "" && !signing.SamePin(packPin, v.PackDigest) {
				refused = append(refused, fmt.Sprintf("--pack-sha256: the evidence came from the pack with digest %s, not %s", orDash(v.PackDigest), strings.TrimSpace(packPin)))
			}
			switch {
			case planPin == "" || v.Plan == nil:
			case v.Plan.Signer == nil:
				refused = append(refused, fmt.Sprintf("--plan-signer-sha256: the run followed plan %s, which nobody signed", v.Plan.Case))
			case !signing.SamePin(planPin, v.Plan.Signer.SHA256):
				refused = append(refused, fmt.Sprintf("--plan-signer-sha256: plan %s was signed by %s (sha256 %s), not by the certificate you named", v.Plan.Case, v.Plan.Signer.Subject, v.Plan.Signer.SHA256))
			}
			for _, r := range refused {
				fmt.Fprintf(sys.Stderr, "konform: %s\n", r)
			}
			if len(refused) > 0 {
				fmt.Fprintf(sys.Stderr, "%s is intact but NOT ACCEPTED: %d requirement(s) not met\n", args[0], len(refused))
				return exit(run.ExitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pin, "signer-sha256", "", "require the signing certificate to have this SHA-256 fingerprint")
	cmd.Flags().Int64Var(&maxFileMiB, "max-file", evidence.DefaultMaxFileSize>>20, "largest file verify reads, in MiB; a larger one is reported, not read")
	cmd.Flags().Int64Var(&maxTotalMiB, "max-total", evidence.DefaultMaxTotalSize>>20, "most verify reads from the folder, in MiB; what is beyond is reported, not read")
	cmd.Flags().StringVar(&planPin, "plan-signer-sha256", "", "require the run's plan, when it followed one, to be signed by the certificate with this SHA-256 fingerprint (the case officer's)")
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

// runIDPattern is how konform names a run and its evidence folder (run.newRunID).
var runIDPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$`)

// folderName is the name of the folder dir, or, when dir is a link (reports/latest) whose name is
// no run id, of what it links to.
func folderName(dir string) string {
	name := filepath.Base(filepath.Clean(dir))
	for range 8 { // links to links, but not forever
		if runIDPattern.MatchString(name) {
			break
		}
		target, err := os.Readlink(dir)
		if err != nil {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(dir), target)
		}
		dir, name = target, filepath.Base(filepath.Clean(target))
	}
	return name
}

// describeRun prints what the signed manifest says of the run: the run, the case and the system,
// the environment and the server, the pack and the plan, the selection, and why the verdict is
// what it is. v.Environment.Kind becomes simulator when konform's development PKI shows.
func describeRun(sys System, dir string, v *evidence.Verification) {
	out := sys.Stderr
	started := ""
	if !v.Started.IsZero() {
		started = ", started " + v.Started.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "run %s%s\n", orDash(v.RunID), started)
	// konform names a run's folder by its id; the name is not signed, so a copy of older evidence
	// under a new run's name verifies intact. Say so, for the officer to compare with the case.
	if name := folderName(dir); runIDPattern.MatchString(name) && name != v.RunID {
		fmt.Fprintf(out, "note: the folder is named %s, but the evidence is of run %s: a copy or a renamed folder; compare the run id and start time with the case's\n", name, orDash(v.RunID))
	}
	m := v.Run
	if m.Case != "" {
		fmt.Fprintf(out, "approval case %s\n", m.Case)
	}
	switch {
	case v.SUTDriver == evidence.ReferenceSystem:
		fmt.Fprintln(out, "system under test: konform's reference system (--sut ref): it is no evidence for a supplier's system")
	case v.SUTReference:
		fmt.Fprintf(out, "system under test: the %s driver reached konform's reference system, not the supplier's: it is no evidence for a supplier's system\n", v.SUTDriver)
	case v.SUTDriver != "":
		fmt.Fprintf(out, "system under test: %s, driven by %s\n", m.System.Describe(), v.SUTDriver)
	case m.System != nil:
		fmt.Fprintf(out, "system: %s (no case drove it)\n", m.System.Describe())
	}
	kind := v.Environment.Kind
	switch {
	case kind == "":
		kind = "not recorded (an older konform)"
	case kind == evidence.SimulatorKind:
		kind = "konform's simulator"
	case pki.IsDevIssued(v.Signer.Issuer):
		// Signed with a certificate of konform's dev PKI: only konform's simulator accepts it.
		kind, v.Environment.Kind = "konform's simulator (signed with konform's development PKI)", evidence.SimulatorKind
	case pki.IsDevIssued(v.Environment.Server.IssuerName()):
		kind, v.Environment.Kind = "konform's simulator (its server had a certificate of konform's development PKI)", evidence.SimulatorKind
	case kind == evidence.TestKind:
		kind = "a test environment"
	}
	fmt.Fprintf(out, "environment %s: %s\n", v.Environment.Name, kind)
	if s := v.Environment.Server; s != nil {
		fmt.Fprintf(out, "server certificate %s, issued by %s (for EXT, the agency's published server certificate)\n", s.Subject, s.Issuer)
	}
	if v.Pack != nil {
		fmt.Fprintf(out, "test pack %s, id %s, digest %s\n", v.Pack.Describe("en"), v.Pack.ID, v.PackDigest)
	} else {
		fmt.Fprintf(out, "test pack digest %s\n", orDash(v.PackDigest))
	}
	if v.Pack != nil && v.Pack.ChangedBundled {
		fmt.Fprintf(out, "the pack bears the id of konform's bundled pack (%s) but is a changed copy of it; ask for the pack it ran (--pack-sha256)\n", v.Pack.ID)
	}
	switch {
	case v.Plan != nil && v.Plan.Signer == nil:
		fmt.Fprintf(out, "plan %s: the verdict is against a plan nobody signed; check that it is the case's plan (%d test cases required)\n", v.Plan.Describe("en"), v.Plan.Required)
	case v.Plan != nil:
		fmt.Fprintf(out, "plan %s (its signer's certificate sha256 %s; %d test cases required)\n", v.Plan.Describe("en"), v.Plan.Signer.SHA256, v.Plan.Required)
	}
	if sel := m.Selection; sel != nil {
		if d := sel.Describe(); d != "" {
			fmt.Fprintf(out, "selection: %s\n", d)
		}
		if len(sel.SimOnly) > 0 {
			fmt.Fprintf(out, "left out: %d @sim cases, which run only against konform's simulator\n", len(sel.SimOnly))
		}
	}
	fmt.Fprintf(out, "verdict %s\n", orDash(string(v.Verdict)))
	switch {
	case m.Unreachable != "":
		fmt.Fprintf(out, "no case ran: the target could not be reached (%s)\n", m.Unreachable)
	case m.Refused != "":
		fmt.Fprintf(out, "no case ran: the target refused the run's users (%s)\n", m.Refused)
	case m.Interrupted:
		fmt.Fprintln(out, "the run was interrupted before every case ran")
	}
	if len(m.Waived) > 0 {
		how := "in a signed plan"
		if m.WaiversUnsigned {
			how = "NOT in a signed plan: check them against the case's decisions"
		}
		fmt.Fprintf(out, "waived: %s (%s)\n", strings.Join(m.Waived, ", "), how)
	}
	if len(m.FailedOptional) > 0 {
		fmt.Fprintf(out, "optional cases that did not pass (they do not decide the verdict; the report names the requirements left unmet): %s\n", strings.Join(m.FailedOptional, ", "))
	}
	if v.Environment.Kind == evidence.SimulatorKind {
		fmt.Fprintln(out, "this run was against konform's simulator, or used its development PKI: it is no evidence for approval")
	}
}

func orDash(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}
