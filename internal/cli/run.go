package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// PasswordEnv names the environment variable that holds a PKCS#12 file's password.
const PasswordEnv = "KONFORM_CERT_PASSWORD"

// executeRun is run.Execute; tests replace it to check flag parsing alone.
var executeRun = run.Execute

func newRunCmd(sys System) *cobra.Command {
	var opts run.Options
	var faults []string
	var maxBodyMiB int64
	var settle time.Duration
	cmd := &cobra.Command{
		Use:   "run [flags] [FEATURE_PATHS...]",
		Short: "Run the test pack and write evidence to reports/<run-id>/",
		Long: "Run a test pack (the bundled one, --pack, or the feature files and folders given) against\n" +
			"an environment, and write the evidence to reports/<run-id>/ (reports/latest points to it).\n" +
			"Feature files run with the pack they lie in (the nearest folder above with a pack.yaml).\n" +
			"--pack-signer-sha256 refuses a pack its publisher did not sign.\n\n" +
			"Exit codes: 0 every mandatory case passed · 1 a mandatory case failed · 2 usage or\n" +
			"configuration error · 3 no verdict: a mandatory case got none (a harness or connection\n" +
			"error, or an @sut case skipped for want of a system under test) · 4 undefined or pending\n" +
			"steps · 130 interrupted (the evidence of finished cases is written). With several, 4 comes\n" +
			"before 1, and 1 (the verdict is \"not approved\") before 3.\n\n" +
			"A PKCS#12 client certificate's password is read from " + PasswordEnv + ".",
		Example: "  konform run\n" +
			"  konform run --tags @tc:NLL-TA05-01\n" +
			"  konform run --cert certs/client.p12 nllpack/features/nll\n" +
			"  konform run --pack ehm-nll-vard-2.1.tar.gz --pack-signer-sha256 5f1c…",
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, spec := range faults {
				f, err := sim.ParseFault(spec)
				if err != nil {
					return fail(sys, run.ExitUsage, fmt.Errorf("--fault: %v", err))
				}
				opts.Faults = append(opts.Faults, f)
			}
			if err := checkPins(cmd, "pack-signer-sha256", "plan-signer-sha256"); err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			if opts.Concurrency < 1 || opts.Concurrency > run.MaxConcurrency { // the zero value of run.Options means the default; the flag does not
				return fail(sys, run.ExitUsage, fmt.Errorf("--concurrency must be from 1 to %d, got %d", run.MaxConcurrency, opts.Concurrency))
			}
			if maxBodyMiB < 1 || maxBodyMiB > run.MaxMaxBody>>20 {
				return fail(sys, run.ExitUsage, fmt.Errorf("--max-body must be from 1 to %d (MiB), got %d", run.MaxMaxBody>>20, maxBodyMiB))
			}
			opts.MaxBody = maxBodyMiB << 20
			if cmd.Flags().Changed("sut-settle") {
				if settle < 0 || settle > time.Minute {
					return fail(sys, run.ExitUsage, fmt.Errorf("--sut-settle must be from 0 to 1m, got %s", settle))
				}
				opts.SUTSettle = &settle
			}
			opts.Paths = args
			opts.Password = sys.Getenv(PasswordEnv)
			opts.Version = Version
			opts.CommandLine = sys.commandLine()
			code := executeRun(cmd.Context(), sys.io(), opts)
			return exit(code)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Env, "env", "sim", "target environment: sim (the built-in NLL simulator) or one of the configuration file")
	f.StringVar(&opts.Config, "config", "", "configuration file with the environments (default konform.yaml, if present)")
	f.StringVar(&opts.Pack, "pack", "", "test pack to run: a folder with pack.yaml or a .tar.gz (default the bundled pack); FEATURE_PATHS are then inside it, from its root")
	f.StringVar(&opts.PackSignerSHA256, "pack-signer-sha256", "", "refuse a pack not signed by the certificate with this SHA-256 fingerprint (the publisher's)")
	f.StringVar(&opts.Plan, "plan", "", "plan.yaml of the approval case: run the cases it requires and give the verdict against them")
	f.StringVar(&opts.PlanSignerSHA256, "plan-signer-sha256", "", "refuse a plan not signed by the certificate with this SHA-256 fingerprint (the case officer's)")
	f.StringVar(&opts.Tags, "tags", "", "run only scenarios matching a tag expression, e.g. \"@tc:NLL-TA05-01\" or \"@obligatorisk && ~@sim\"")
	f.StringVar(&opts.Out, "out", "reports", "folder for the evidence; each run writes <out>/<run-id>/")
	f.IntVar(&opts.Concurrency, "concurrency", 4, "scenarios run at once")
	f.Int64Var(&opts.Seed, "seed", 0, "order seed, to repeat a run's order (0 picks one; the evidence records it)")
	f.StringVar(&opts.CertsDir, "certs", "certs", "folder of the dev PKI (generated when missing)")
	f.StringVar(&opts.Cert, "cert", "", "client certificate: PEM (with --key) or PKCS#12 (.p12/.pfx); default the dev PKI's client")
	f.StringVar(&opts.Key, "key", "", "private key (PEM) of --cert, when not in the same file")
	f.DurationVar(&opts.Timeout, "timeout", 0, "limit per request (default 30s)")
	f.Int64Var(&maxBodyMiB, "max-body", fhirclient.DefaultMaxBody>>20, "largest answer body konform reads, in MiB; a larger one is an error")
	f.StringVar(&opts.Case, "case", "", "the agency's case id (ärendenummer), recorded in the evidence")
	f.StringVar(&opts.SystemFile, "system", "", "system.yaml: name, version and components of the system under approval")
	f.StringArrayVar(&faults, "fault", nil, "with --env sim: break the simulator, e.g. 'path=Patient,status=503' (see docs/simulator.md)")
	f.StringVar(&opts.Shard, "shard", "", "run the K-th of N deterministic slices of the cases, K/N (join them with konform merge)")
	f.StringVar(&opts.WaiversFile, "waivers", "", "waivers.yaml: cases the agency waived, each with reason and reference")
	f.StringVar(&opts.Lang, "lang", "sv", "language of report.html: sv or en")
	f.BoolVar(&opts.NoRedact, "no-redact", false, "keep personnummer and secrets in the evidence in clear (the report says so)")
	f.BoolVar(&opts.Snippets, "snippets", false, "print Go snippets for undefined steps (for whoever extends the vocabulary in steps/)")
	f.StringVar(&opts.SUTConfig, "sut-config", "", "file with the sut: and gateway: sections (as in konform.yaml), in place of the configuration file's")
	f.StringVar(&opts.SUT, "sut", "", "driver of the system under test for @sut cases: ref (konform's reference connecting system), command or http (set up under sut: in the configuration file, whose driver is the default), or manual (an operator at the terminal); without one those cases are skipped")
	f.StringVar(&opts.SUTDefect, "sut-defect", "", "make the reference system commit a defect (see docs/sut.md), to see the SUT cases fail")
	f.BoolVar(&opts.SUTTransactions, "sut-transactions", false, "make the reference system send its prescriptions and dispenses in transactions (NLLTransactionBundle), as some systems do, to see how the SUT cases judge them")
	f.DurationVar(&opts.SUTTimeout, "sut-timeout", 0, "limit per action of the system under test (default sut.timeout of the configuration file, else 2m)")
	f.DurationVar(&settle, "sut-settle", 0, "how long the system under test must make no call after a case's last step, so that a late call is caught in its own case (default sut.settle of the configuration file, else 1s; 0 for --sut ref)")
	f.StringVar(&opts.Operator, "operator", "", "who runs the cases, for the evidence (default the OS user)")
	f.StringVar(&opts.GatewayAddr, "gateway-addr", "", "address of the gateway the system under test calls NLL through (default a free loopback port)")
	return cmd
}
