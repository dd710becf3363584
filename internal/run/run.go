// Package run turns options into a godog run of the test pack against a target, adapts godog's
// hooks to the evidence model, writes the evidence and maps the outcome to an exit code. It does
// no formatting beyond the status lines on stderr.
package run

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/big"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the run's date is Swedish, on any machine

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/refsys"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/steps"
)

// MaxConcurrency is the most scenarios a run runs at once; MaxMaxBody the largest --max-body
// (each answer is held in memory).
const (
	MaxConcurrency = 256
	MaxMaxBody     = 4096 << 20
)

// Options configure one run.
type Options struct {
	// Env names the target environment; "sim" (the default) is the built-in simulator.
	Env string
	// Config is the configuration file with the other environments; empty means konform.yaml.
	Config string
	// Pack is a test pack (a folder with pack.yaml, or a .tar.gz) to run in place of the bundled
	// one; Paths are then feature files or folders inside it, from its root.
	Pack string
	// PackSignerSHA256, when set, is the SHA-256 fingerprint of the certificate that must have
	// signed the pack; a pack not signed by it is refused.
	PackSignerSHA256 string
	// Plan is the approval case's plan.yaml: the cases it requires are run, and the verdict is
	// given against them; PlanSignerSHA256 pins who must have signed it.
	Plan, PlanSignerSHA256 string
	// Paths are feature files or folders; empty runs the bundled pack (or the whole of Pack).
	Paths []string
	// Tags is a godog tag expression selecting scenarios, such as "@tc:NLL-TA05-01".
	Tags string
	// Out is the folder that receives one evidence folder per run.
	Out string
	// Concurrency is how many scenarios run at once.
	Concurrency int
	// Seed orders the scenarios; 0 picks one, which the evidence records.
	Seed int64
	// CertsDir holds the dev PKI, generated when missing.
	CertsDir string
	// Cert, Key and Password name the client identity; empty Cert means the dev PKI's client.
	Cert, Key, Password string
	// Timeout bounds each request; zero means 30 seconds.
	Timeout time.Duration
	// MaxBody bounds each answer's body in bytes (at most MaxMaxBody); zero means
	// fhirclient.DefaultMaxBody.
	MaxBody int64
	// Faults are injected into the simulator, for tests of failure handling.
	Faults []sim.Fault
	// SimTLS changes the simulator's TLS configuration, for tests that need a broken server.
	SimTLS func(*tls.Config)
	// SimPolicy changes the simulator's choices where NLL's documentation is silent (nil keeps
	// the defaults), for tests that the pack accepts every plausible answer.
	SimPolicy *sim.Policy
	// SimDefects break the simulator in named ways (sim.Defects), for the defect catalogue.
	SimDefects []string
	// SimTap sees every answer of the simulator, for tests that validate its bodies.
	SimTap func(r *http.Request, status int, header http.Header, body []byte)
	// Version is konform's version, recorded in the evidence.
	Version string
	// Case is the agency's case id, recorded in the evidence.
	Case string
	// SystemFile describes the supplier's system (name, version, components), for the evidence.
	SystemFile string
	// Shard runs the K-th of N slices of the selected cases, "K/N"; empty runs them all.
	Shard string
	// WaiversFile lists cases the agency waived, with reason and reference.
	WaiversFile string
	// Lang is the report's language: sv (default) or en.
	Lang string
	// NoRedact keeps personal data and secrets in the evidence in clear (opt-in; the report says so).
	NoRedact bool
	// SUT names the driver of the system under test for @sut scenarios: "ref" is konform's
	// reference connecting system; empty skips those scenarios (and their verdict is open).
	SUT string
	// SUTDefect switches the reference system to one of its defects (refsys.Defects).
	SUTDefect string
	// SUTTransactions makes the reference system send its writes in transactions
	// (refsys.Config.Transactions).
	SUTTransactions bool
	// SUTTimeout bounds one action of the system under test; zero means sut.timeout of the
	// configuration file, else config.DefaultSUTTimeout.
	SUTTimeout time.Duration
	// SUTSettle, when set, is how long the system under test must make no call after a case's
	// last step; nil means sut.settle of the configuration file, else config.DefaultSUTSettle
	// (0 for konform's reference system, which has made its calls when an action returns).
	SUTSettle *time.Duration
	// Operator is who runs konform, for the evidence; empty means the OS user.
	Operator string
	// CommandLine is the command as typed, for the evidence.
	CommandLine string
	// Snippets prints godog's Go snippets for undefined steps, for a vocabulary author.
	Snippets bool
	// SUTConfig is a file with the sut: and gateway: sections (the shape of konform.yaml), in
	// place of those of Config; empty means Config's.
	SUTConfig string
	// GatewayAddr is where the gateway listens for the system under test; empty takes addr of
	// the configuration file's gateway section, else a free loopback port.
	GatewayAddr string

	packFixtures fs.FS // the pack's own fixtures, which the simulator seeds after its own
}

// IO is the process state a run touches, passed in so that tests run whole commands on buffers.
type IO struct {
	Stdout, Stderr io.Writer
	// Now is the clock.
	Now func() time.Time
	// Getenv reads the environment (token and password variables); nil reads nothing.
	Getenv func(string) string
	// Prompt asks the person at the terminal for a secret without echoing it; nil when there is
	// no terminal (CI), and a missing password is then an error.
	Prompt func(question string) (string, error)
	// Ask reads a line the operator types at the terminal after a question (the manual driver);
	// nil when there is no terminal (CI).
	Ask driver.Ask
	// Progress prints a line per finished scenario (on a terminal); otherwise only problems.
	Progress bool
}

// Execute runs the pack and returns konform's exit code. It writes the evidence of every
// finished scenario, even when the run is interrupted through ctx.
func Execute(ctx context.Context, sys IO, opts Options) int {
	opts.setDefaults()
	if sys.Getenv == nil {
		sys.Getenv = func(string) string { return "" }
	}
	now := sys.Now()
	fail := func(code int, err error) int {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return code
	}
	env, err := config.Lookup(opts.Env, opts.Config)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if len(opts.Faults) > 0 && !env.Simulated {
		return fail(ExitUsage, fmt.Errorf("--fault breaks the built-in simulator; environment %s is not simulated", env.Name))
	}
	if opts.Lang != "sv" && opts.Lang != "en" {
		return fail(ExitUsage, fmt.Errorf("--lang must be sv or en, got %q", opts.Lang))
	}
	sutCfg, err := config.LookupSUT(opts.sutConfig(), opts.Env)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if opts.SUT == "" {
		opts.SUT = sutCfg.Driver
	}
	switch {
	case opts.SUT != "" && !slices.Contains(Drivers, opts.SUT):
		return fail(ExitUsage, fmt.Errorf("--sut %q is not a driver konform has; use ref (konform's reference connecting system), command, http or manual", opts.SUT))
	case opts.SUTDefect != "" && opts.SUT != evidence.ReferenceSystem:
		return fail(ExitUsage, fmt.Errorf("--sut-defect breaks the reference system; add --sut ref"))
	case opts.SUTTransactions && opts.SUT != evidence.ReferenceSystem:
		return fail(ExitUsage, fmt.Errorf("--sut-transactions makes the reference system write in transactions; add --sut ref"))
	case opts.SUT == evidence.ReferenceSystem && opts.SystemFile != "":
		return fail(ExitUsage, fmt.Errorf("--sut ref makes konform's own reference system the system under test, not the one --system describes; drive yours with --sut command, http or manual (docs/sut.md), or leave --system out"))
	}
	if opts.Concurrency < 1 || opts.Concurrency > MaxConcurrency {
		return fail(ExitUsage, fmt.Errorf("--concurrency must be from 1 to %d, got %d", MaxConcurrency, opts.Concurrency))
	}
	if opts.Timeout < 0 || opts.SUTTimeout < 0 || opts.SUTSettle != nil && *opts.SUTSettle < 0 || opts.MaxBody < 0 || opts.MaxBody > MaxMaxBody {
		return fail(ExitUsage, fmt.Errorf("--timeout and --sut-timeout must not be negative, and --max-body must be from 1 to %d (MiB)", MaxMaxBody>>20))
	}
	p, err := pack.Select(opts.Pack, opts.Paths, opts.Tags)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if err := p.Verify(opts.PackSignerSHA256); err != nil {
		return fail(ExitUsage, err)
	}
	if p.Source.Path != "" && !p.Loose {
		opts.packFixtures = p.Fixtures()
	}
	var plan *pack.Plan
	if opts.Plan != "" {
		if plan, err = readPlan(opts, p); err != nil {
			return fail(ExitUsage, err)
		}
		if opts.Case == "" {
			opts.Case = plan.Case
		}
	}
	// What can be known without NLL is found before any connection (konform check).
	// Only --snippets lets a pack with unknown steps (and nothing else wrong) run, for godog's
	// snippets.
	if problems := CheckPack(p, p.Templates()); len(problems) > 0 && !(opts.Snippets && allUndefined(problems)) {
		return problemsExit(sys, problems)
	}
	testData, err := mergeTestData(p, env)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if opts.Shard != "" {
		m := shardPattern.FindStringSubmatch(opts.Shard)
		if m == nil {
			return fail(ExitUsage, fmt.Errorf("--shard %q: use K/N, such as 2/4", opts.Shard))
		}
		k, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if err := p.Shard(k, n); err != nil {
			return fail(ExitUsage, err)
		}
	}
	var waivers map[string]*evidence.Waiver
	if plan != nil {
		waivers = plan.WaiverMap()
	}
	if opts.WaiversFile != "" {
		if waivers, err = evidence.ReadWaivers(opts.WaiversFile); err != nil {
			return fail(ExitUsage, err)
		}
		for id := range waivers {
			if !p.Has(id) {
				return fail(ExitUsage, fmt.Errorf("%s waives %s, which is not a test case of the pack; check the id with konform list", opts.WaiversFile, id))
			}
		}
	}
	var system *evidence.System
	if opts.SystemFile != "" {
		if system, err = evidence.ReadSystem(opts.SystemFile); err != nil {
			return fail(ExitUsage, err)
		}
	}
	tgt, err := startTarget(ctx, env, opts, sys)
	if err != nil {
		return fail(ExitUsage, err)
	}
	defer tgt.close()

	if err := checkLatest(opts.Out); err != nil {
		return fail(ExitUsage, err)
	}
	runID := newRunID(now)
	dir := filepath.Join(opts.Out, runID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(ExitUsage, fmt.Errorf("cannot create the evidence folder %s: %v; choose a writable --out", dir, err))
	}
	writing := &unfinishedRun{out: opts.Out, dir: dir}
	unfinished.Store(writing)
	defer unfinished.CompareAndSwap(writing, nil)
	if opts.Seed == 0 {
		opts.Seed = randomSeed()
	}
	kind := string(env.Kind)
	if env.Simulated {
		kind = evidence.SimulatorKind
	}
	rec := &recorder{pack: p, waivers: waivers, sys: sys, ctx: ctx, dir: dir, redact: !opts.NoRedact, redactor: evidence.NewRedactor(), log: evidence.NewExchangeLog(dir), snippets: opts.Snippets, run: &evidence.Run{
		Redacted: !opts.NoRedact, Case: opts.Case, Shard: opts.Shard, System: system, PackDigest: p.Digest, Pack: p.Info(), Plan: plan.Info(),
		Selection: evidence.Selection{Tags: strings.TrimSpace(opts.Tags), Paths: p.Selected, Shard: opts.Shard, Required: len(p.Required())},
		ID:        runID, RunnerVersion: opts.Version, Environment: env.Name, EnvironmentKind: kind, BaseURL: tgt.baseURL, Started: now.UTC(),
		Seed: opts.Seed, Operator: operator(opts.Operator), Host: hostname(), Command: opts.CommandLine, ClockToleranceMs: ClockTolerance.Milliseconds(),
		WaiversSigned: opts.WaiversFile == "" && plan != nil && plan.Signer != nil,
		Client: evidence.CertInfo{Subject: tgt.identity.Leaf.Subject.String(),
			Issuer: tgt.identity.Leaf.Issuer.String(), Fingerprint: tgt.identity.Fingerprint(), NotAfter: tgt.identity.Leaf.NotAfter.UTC()},
	}}
	rec.generatedPKI = tgt.generatedPKI(opts.CertsDir)
	rec.redactor.Secret(tgt.secrets()...)
	if rec.redact { // what the user typed may hold a personnummer (--case, --operator) or a secret
		r := rec.run
		r.Case, r.Operator, r.Command = rec.redactor.Scrub(r.Case), rec.redactor.Scrub(r.Operator), rec.redactor.Scrub(r.Command)
	}
	if !env.Simulated {
		rec.cleanup = "konform cleanup --env " + env.Name + " --run " + runID + configFlag(opts.Config)
	}
	stepEnv := &steps.Env{RunID: runID, Today: now.In(stockholm()).Format("2006-01-02"), Client: tgt.client, Fingerprint: tgt.fingerprint, Credentials: tgt.credentialsFor, Token: tgt.token, Fixtures: p.Templates(), Pool: p.Pool, TestData: testData,
		ProductionIssuers: env.ProductionIssuers}
	if opts.SUT != "" && p.Count(SUTTag) > 0 {
		loop, err := startSUT(ctx, sys, opts, sutCfg, tgt, system, runID, p.SystemTemplates(), testData)
		if err != nil && ctx.Err() != nil { // interrupted while the test hook was probed
			return fail(ExitInterrupted, errors.New("interrupted before the first case"))
		}
		if errors.As(err, new(sutUnreachable)) {
			return fail(ExitHarness, err)
		}
		if err != nil {
			return fail(ExitUsage, err)
		}
		defer loop.shutdown()
		rec.sut, stepEnv.SUT, rec.run.SUT = loop, loop, loop.info
		if loop.secret != "" {
			rec.redactor.Secret(loop.secret)
		}
		if opts.SystemFile == "" {
			rec.run.System = loop.system
			if loop.system == nil {
				fmt.Fprintf(sys.Stderr, "konform: warning: the run does not name the system under approval: pass --system system.yaml (name and version), or the evidence names no system, verify --require-verdict refuses it, and the x-user-agent checks (SUT-VARD-06, SUT-APO-09) cannot be made; the run goes on\n")
			}
		}
	}

	// When the target cannot be reached at all, every case would fail the same way: stop with
	// one line, and evidence that says so.
	why, server, simulator := tgt.preflight(ctx)
	rec.run.Server = server
	switch {
	case kind == evidence.SimulatorKind:
	case pki.IsDevIssued(server.IssuerName()) || pki.IsDevIssued(rec.run.Client.Issuer):
		// Only konform's own simulator accepts the dev PKI or serves its certificate: whatever
		// konform.yaml calls the environment, and whether or not it answered, this is no
		// evidence for approval.
		rec.run.EnvironmentKind = evidence.SimulatorKind
		fmt.Fprintf(sys.Stderr, "konform: environment %s uses konform's development PKI, which only konform's simulator accepts: the evidence is marked simulator\n", env.Name)
	case simulator:
		// konform sim with certificates of its own: its answers still say what it is.
		rec.run.EnvironmentKind = evidence.SimulatorKind
		fmt.Fprintf(sys.Stderr, "konform: environment %s answers as konform's simulator (%s), not NLL: the evidence is marked simulator\n", env.Name, sim.Header)
	}
	// The @sim cases assert what konform's simulator does; against anything else they would judge
	// NLL by the simulator's choices, so they are left out, and out of the verdict.
	if rec.run.EnvironmentKind != evidence.SimulatorKind {
		simOnly := p.LeaveOut(pack.SimTag)
		if len(simOnly) > 0 && len(p.Cases) == 0 {
			return fail(ExitUsage, fmt.Errorf("the selection has only %s cases, which assert what konform's simulator does and run only against it; run them without --env, or choose other cases", pack.SimTag))
		}
		rec.run.Selection.SimOnly, rec.run.Selection.Required = simOnly, len(p.Required())
	}
	if why != "" {
		rec.run.Unreachable = why
		fmt.Fprintf(sys.Stderr, "konform: cannot reach %s: %s (konform doctor --env %s%s checks the connection step by step)\n", tgt.baseURL, why, env.Name, configFlag(opts.Config))
	} else if refused := tgt.checkUsers(ctx); refused != "" {
		// Every case of that user would fail on its token, which says nothing of the system.
		rec.run.Refused = refused
		fmt.Fprintf(sys.Stderr, "konform: environment %s: %s\n", env.Name, refused)
	}

	// The system under test's scenarios run one at a time after the others, so that every call
	// the gateway sees while one runs is that scenario's.
	var godogOut bytes.Buffer
	leftOut := ""
	if len(rec.run.Selection.SimOnly) > 0 {
		leftOut = "~" + pack.SimTag
	}
	rec.format = newFormatter(rec.redactor, rec.redact)
	for _, phase := range []struct {
		tag         string
		concurrency int
	}{{"~" + SUTTag, opts.Concurrency}, {SUTTag, 1}} {
		if ctx.Err() != nil || rec.run.Unreachable != "" || rec.run.Refused != "" || p.Count(phase.tag) == 0 {
			continue
		}
		suite := godog.TestSuite{
			Name:                 "konform",
			TestSuiteInitializer: func(ts *godog.TestSuiteContext) { rec.initSuite(ts.ScenarioContext(), stepEnv) },
			Features:             p.Features(),
			Options: &godog.Options{
				FS: p.FS, Paths: p.Paths, Tags: andTag(andTag(p.Tags, phase.tag), leftOut), Dialect: "sv",
				Format: quietFormat, Output: &godogOut, NoColors: true,
				Strict: true, Concurrency: phase.concurrency, Randomize: opts.Seed,
			},
		}
		suite.Run()
	}
	if rec.sut != nil {
		rec.run.Unattributed, _ = rec.writeSUTCalls(filepath.Join("exchanges", "_unattributed"), rec.sut.unattributed())
	}
	rec.run.Ended = sys.Now().UTC()
	rec.format.close()
	if err := rec.log.Close(); err != nil {
		return fail(ExitHarness, fmt.Errorf("cannot write %s: %v", evidence.ExchangesFile, err))
	}
	rec.finish()

	rec.run.Selection.NotRun = notRun(p.Required(), rec.run.Cases)
	code := ExitCode(rec.run)
	if rec.run.Unreachable != "" {
		code = ExitHarness
	}
	if rec.run.Refused != "" {
		code = ExitUsage
	}
	if ctx.Err() != nil {
		rec.run.Interrupted = true
		code = ExitInterrupted
	}
	rec.run.ClockOffsetMs = rec.clockOffset()
	if err := writeEvidence(sys, opts.Out, dir, rec.run, coverageOf(p), opts.Lang, tgt.identity); err != nil {
		return fail(ExitHarness, err)
	}
	rec.report(dir, godogOut.String())
	fmt.Fprintln(sys.Stdout, dir)
	return code
}

// quietFormat is godog's formatter for konform's runs: it writes nothing per step (konform
// prints its own line per scenario and writes the evidence itself) and, at the end, godog's
// summary with the snippets for undefined steps that the console shows. godog's progress
// formatter wrote a dot per step under a lock, a few per cent of a step's time.
const quietFormat = "konform-quiet"

func init() {
	godog.Format(quietFormat, "nothing per step; godog's summary and snippets at the end", func(suite string, out io.Writer) formatters.Formatter {
		return godog.NewBaseFmt(suite, out)
	})
}

// readPlan reads the plan, checks its signature and makes it the pack's selection.
func readPlan(opts Options, p *pack.Pack) (*pack.Plan, error) {
	plan, err := pack.ReadPlan(opts.Plan)
	if err != nil {
		return nil, err
	}
	if err := plan.Verify(opts.PlanSignerSHA256); err != nil {
		return nil, err
	}
	switch {
	case opts.WaiversFile != "" && len(plan.Waivers) > 0:
		return nil, fmt.Errorf("both --waivers and the plan %s waive cases; keep the waivers in the plan", opts.Plan)
	case opts.Case != "" && opts.Case != plan.Case:
		return nil, fmt.Errorf("--case %s differs from the plan's case %s", opts.Case, plan.Case)
	}
	return plan, plan.Apply(p)
}

// ClockTolerance is the clock offset to the server a run accepts as synchronised, as doctor does.
const ClockTolerance = time.Second

// operator is --operator, else the OS user.
func operator(name string) string {
	if name != "" {
		return name
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// notRun lists the required cases that have no case in the run.
func notRun(required []string, cases []*evidence.Case) []string {
	ran := map[string]bool{}
	for _, c := range cases {
		ran[c.ID] = true
	}
	var out []string
	for _, id := range required {
		if !ran[id] {
			out = append(out, id)
		}
	}
	return out
}

func (o *Options) setDefaults() {
	if o.Env == "" {
		o.Env = "sim"
	}
	if o.Out == "" {
		o.Out = "reports"
	}
	if o.CertsDir == "" {
		o.CertsDir = "certs"
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Lang == "" {
		o.Lang = "sv"
	}
}

// shardPattern is --shard's K/N.
var shardPattern = regexp.MustCompile(`^([0-9]{1,6})/([0-9]{1,6})$`)

// mergeTestData is the pack's test_data (pack.yaml) with the environment's values in place of
// its defaults: the test article EXT knows, say. An environment may only replace keys the pack
// has, so that a misspelt key is an error rather than a value nothing uses.
func mergeTestData(p *pack.Pack, env config.Environment) (map[string]string, error) {
	where := "environment " + env.Name
	if env.Where != "" {
		where = env.Where + ": " + where
	}
	if err := pack.CheckTestData(env.TestData, where); err != nil {
		return nil, err
	}
	out := p.TestData()
	for _, k := range slices.Sorted(maps.Keys(env.TestData)) {
		if v := env.TestData[k]; v == "…" || v == "..." {
			return nil, fmt.Errorf("%s: test_data %s is still the example's %q; give a value the environment knows, such as an article in EXT's register (docs/ext.md)", where, k, v)
		}
		if _, ok := out[k]; !ok {
			known := strings.Join(slices.Sorted(maps.Keys(out)), ", ")
			if known == "" {
				known = "none"
			}
			return nil, fmt.Errorf("%s: test_data %s is not a value the pack uses (it has: %s)", where, k, known)
		}
		out[k] = env.TestData[k]
	}
	return out, nil
}

// andTag narrows a godog tag expression (groups joined by &&) by one more tag.
// intersect returns the elements of a that are in b, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func andTag(expr, tag string) string {
	if strings.TrimSpace(expr) == "" {
		return tag
	}
	if tag == "" {
		return expr
	}
	return expr + " && " + tag
}

func newRunID(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

func randomSeed() int64 {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return time.Now().UnixNano()
	}
	return n.Int64() + 1
}

func stockholm() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return loc
}

// unfinishedRun is the evidence folder of a run whose evidence is not yet signed.
type unfinishedRun struct{ out, dir string }

// unfinished is the run of this process whose evidence is being written, if any.
var unfinished atomic.Pointer[unfinishedRun]

// Abandon is for a process that must exit at once (a second interrupt) while a run is under
// way: it points <out>/latest at the run's unfinished folder, so that nothing takes an earlier
// run's evidence for this one's, and returns the folder; "" when no run is under way. The folder
// has no signed manifest, so konform verify refuses it.
func Abandon() string {
	u := unfinished.Load()
	if u == nil {
		return ""
	}
	pointLatest(u.out, filepath.Base(u.dir))
	return u.dir
}

// checkLatest refuses an out folder whose latest is not the link konform keeps: a folder or file
// there (an earlier run's evidence, copied by an artifact upload or restore that follows links)
// could not be replaced, and would pass for this run's evidence.
func checkLatest(out string) error {
	latest := filepath.Join(out, "latest")
	fi, err := os.Lstat(latest)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 {
		return nil
	}
	what := "a file"
	if fi.IsDir() {
		what = "a folder"
	}
	return fmt.Errorf("%s is %s, not the link konform keeps to the newest run, so this run could not replace it and a reader would take it for this run's evidence; remove it (a CI cache or artifact that copied the link), or choose another --out", latest, what)
}

// pointLatest makes out/latest a symbolic link to the newest run's folder.
func pointLatest(out, runID string) error {
	latest := filepath.Join(out, "latest")
	tmp := latest + ".tmp-" + runID
	if err := os.Symlink(runID, tmp); err != nil {
		return fmt.Errorf("cannot update %s: %v", latest, err)
	}
	if err := os.Rename(tmp, latest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot update %s: %v", latest, err)
	}
	return nil
}

// recorder adapts godog's hooks to the evidence model.
type recorder struct {
	pack     *pack.Pack
	waivers  map[string]*evidence.Waiver
	sys      IO
	dir      string // the evidence folder
	redact   bool
	ctx      context.Context
	redactor *evidence.Redactor
	log      *evidence.ExchangeLog // exchanges.http
	format   *formatter            // the exchanges' evidence text, written while scenarios run
	snippets bool                  // print Go snippets for undefined steps
	// generatedPKI is the status line saying the run generated the dev PKI, or "".
	generatedPKI string

	sut *sutLoop // the system under test in the loop; nil without a driver
	// cleanup is the command that removes what the run left in a configured environment; ""
	// for the built-in simulator, which is gone when the run ends.
	cleanup string

	mu      sync.Mutex
	done    int // cases finished, for the progress counter
	run     *evidence.Run
	offsets []int64 // server clock minus ours, per answer, in ms
}

// scenario is what the recorder keeps of one running scenario, in the scenario's context.
type scenario struct {
	w                    *steps.World
	c                    *evidence.Case
	started, stepStarted time.Time
	sutCase              bool
	interrupted          bool                                // a step ended with an error after the run was interrupted
	formatted            map[*fhirclient.Exchange]*formatted // the exchanges handed to the formatter
	pickle               *godog.Scenario
	pc                   *pack.Case
}

// scenarioKey is the context key of a running scenario's record.
type scenarioKey struct{}

// scenarioOf is the record the before-scenario hook put into ctx; nil before it ran.
func scenarioOf(ctx context.Context) *scenario {
	sc, _ := ctx.Value(scenarioKey{}).(*scenario)
	return sc
}

// initSuite registers the steps and the recorder's hooks once for the whole suite: each
// scenario gets a fresh World and record in its context.
func (r *recorder) initSuite(sc *godog.ScenarioContext, env *steps.Env) {
	steps.Register(sc)
	sc.Before(func(ctx context.Context, pk *godog.Scenario) (context.Context, error) {
		s := &scenario{w: steps.NewWorld(r.ctx, env), formatted: map[*fhirclient.Exchange]*formatted{}}
		s.w.Recorded = func(ex *fhirclient.Exchange) { s.formatted[ex] = r.format.submit(ex) }
		ctx = context.WithValue(steps.WithWorld(ctx, s.w), scenarioKey{}, s)
		info := r.pack.Match(pk)
		if info == nil {
			return ctx, fmt.Errorf("%w: scenario %q of %s is not in the pack konform read; are two scenarios identical?", steps.ErrHarness, pk.Name, pk.Uri)
		}
		s.pickle, s.pc = pk, info
		c := &evidence.Case{ID: info.ID, Name: r.redactor.Redact(info.Name), Feature: info.Feature, File: info.File, Line: info.Line,
			Requirements: info.Requirements, Mandatory: info.Mandatory, Tags: info.Tags, Waiver: r.waivers[info.ID]}
		s.c = c
		s.started = time.Now()
		if r.ctx.Err() != nil {
			return ctx, godog.ErrSkip // interrupted: the remaining scenarios do not start
		}
		r.mu.Lock()
		r.run.Cases = append(r.run.Cases, c)
		r.mu.Unlock()
		if info.Has(SUTTag) {
			if r.sut == nil {
				c.SkipReason = steps.ErrNoSUT.Error()
				return ctx, godog.ErrSkip
			}
			if r.sut.skip != "" {
				c.SkipReason = r.sut.skip
				return ctx, godog.ErrSkip
			}
			if info.Has(ManualTag) && r.sut.info.Driver != "manual" {
				c.SkipReason = "this case asks an operator to confirm what the system shows; run it at a terminal with --sut manual"
				return ctx, godog.ErrSkip
			}
			s.sutCase = true
			r.sut.begin(c.ID, c.Name)
		}
		return ctx, nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		if s := scenarioOf(ctx); s != nil {
			s.stepStarted = time.Now()
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		s := scenarioOf(ctx)
		if s == nil || s.c == nil {
			return ctx, err
		}
		c := s.c
		info := pack.Step{}
		i := len(c.Steps) // steps end in order: this one is the next, unless a hook failed
		if i >= len(s.pickle.Steps) || s.pickle.Steps[i].Id != st.Id {
			i = slices.IndexFunc(s.pickle.Steps, func(ps *godog.Step) bool { return ps.Id == st.Id })
		}
		if i >= 0 {
			info = s.pc.StepAt(i)
		}
		// A step's text may carry a token (a forged one, in the header checks): scrubbed as an
		// exchange is, it reaches no evidence file in clear.
		step := evidence.Step{Keyword: info.Keyword, Text: r.redactor.Scrub(st.Text), Line: info.Line, Outcome: classify(status, err)}
		if status != godog.StepSkipped {
			step.Time = time.Since(s.stepStarted)
		}
		if err != nil && r.ctx.Err() != nil {
			// The run was interrupted while this step ran: what went wrong is the interruption,
			// not the system or the harness.
			step.Outcome, step.Message, s.interrupted = evidence.Skipped, interruptedStep, true
		} else if err != nil && step.Outcome != evidence.Skipped {
			step.Message = r.redactor.Scrub(err.Error()) // a driver's error may quote what the system printed, tokens included
			var m *evidence.Mismatch
			if errors.As(err, &m) {
				step.Check, step.Expect, step.Actual, step.Detail = r.redactor.Scrub(m.Check), r.redactor.Scrub(m.Expected), r.redactor.Scrub(m.Actual), r.redactor.Scrub(m.Detail)
			}
			if c.FailedExchange == 0 {
				c.FailedExchange = len(s.w.Exchanges)
			}
		}
		c.Steps = append(c.Steps, step)
		return ctx, err
	})
	sc.After(func(ctx context.Context, pk *godog.Scenario, err error) (context.Context, error) {
		s := scenarioOf(ctx)
		if s == nil || s.c == nil {
			return ctx, err
		}
		c := s.c
		c.Duration = time.Since(s.started)
		if s.sutCase {
			r.sut.quiet(r.ctx) // before the cleanup, which ends what a late call created too
		}
		cleanupCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c.CleanupProblems = s.w.Cleanup(cleanupCtx)
		cancel()
		r.writeExchanges(c, s.w.Exchanges, s.w.Lookup, s.formatted)
		if s.sutCase {
			calls := r.sut.end()
			for _, k := range []struct {
				text string
				err  error
			}{{evidence.StrayStep, steps.StrayCalls(calls)}, {evidence.UnjudgedStep, s.w.UnjudgedCalls(calls)}} {
				if k.err != nil && !s.interrupted && r.ctx.Err() == nil {
					c.Steps = append(c.Steps, evidence.Step{Text: k.text, Line: c.Line, Outcome: evidence.Error,
						Message: r.redactor.Scrub(k.err.Error())})
				}
			}
			r.noteReference(calls)
			refs, problems := r.writeSUTCalls(filepath.Join("exchanges", safeName(c.ID)), calls)
			c.SUTCalls, c.CleanupProblems = refs, append(c.CleanupProblems, problems...)
			var atts []evidence.ExchangeRef
			refs, atts, problems = r.writeDriverLogs(filepath.Join("attachments", safeName(c.ID)), r.sut.driverLogs())
			c.DriverLogs, c.Attachments, c.CleanupProblems = refs, atts, append(c.CleanupProblems, problems...)
		}
		c.Outcome = caseOutcome(c)
		if s.interrupted && c.Outcome != evidence.Failed {
			c.Outcome, c.SkipReason = evidence.Skipped, interruptedCase
		}
		if r.sys.Progress {
			r.mu.Lock()
			r.done++
			r.printCase(fmt.Sprintf("[%d/%d] ", r.done, len(r.pack.Cases)), c)
			r.mu.Unlock()
		}
		return ctx, err
	})
}

// configFlag is " --config FILE" for a hint's command line, "" for the default configuration file.
func configFlag(file string) string {
	if file == "" || file == config.DefaultFile {
		return ""
	}
	return " --config " + file
}

// What an interrupted case and its step say: neither failed nor an error, since the run stopped.
const (
	interruptedStep = "interrupted (SIGINT or SIGTERM) while this step ran"
	interruptedCase = "the run was interrupted before this case finished; its exchanges so far and its cleanup are in the evidence"
)

// cases is a count of cases in words: "1 case", "3 cases".
func cases(n int) string {
	if n == 1 {
		return "1 case"
	}
	return fmt.Sprintf("%d cases", n)
}

// caseOutcome is the most severe outcome of a case's steps; a case with no step was skipped.
func caseOutcome(c *evidence.Case) evidence.Outcome {
	o := evidence.Passed
	if len(c.Steps) == 0 {
		o = evidence.Skipped
	}
	for _, s := range c.Steps {
		o = evidence.Worse(o, s.Outcome)
	}
	return o
}

// printCase prints a case's status line and, when it did not pass, the step that decided it.
func (r *recorder) printCase(prefix string, c *evidence.Case) {
	marks := map[evidence.Outcome]string{evidence.Passed: "✔", evidence.Failed: "✘", evidence.Error: "!",
		evidence.Skipped: "-", evidence.Undefined: "?", evidence.Pending: "?"}
	kind := "mandatory"
	if !c.Mandatory {
		kind = "optional"
	}
	out := r.sys.Stderr
	fmt.Fprintf(out, "%s%s %-7s %s %s (%s)\n", prefix, marks[c.Outcome], c.Outcome, c.ID, c.Name, kind)
	if p := c.Problem(); p != nil {
		fmt.Fprintf(out, "    %s:%d: %s%s\n    %s\n", c.File, p.Line, p.Keyword, p.Text, p.Message)
	}
}

// classify maps godog's step status and error to konform's outcome.
func classify(status godog.StepResultStatus, err error) evidence.Outcome {
	switch status {
	case godog.StepPassed:
		return evidence.Passed
	case godog.StepSkipped:
		return evidence.Skipped
	case godog.StepUndefined:
		return evidence.Undefined
	case godog.StepPending:
		return evidence.Pending
	case godog.StepAmbiguous:
		return evidence.Error
	}
	var terr *fhirclient.TransportError
	if errors.As(err, &terr) || errors.Is(err, steps.ErrHarness) {
		return evidence.Error
	}
	return evidence.Failed
}

// writeExchanges appends a case's exchanges to the run's exchanges.http, scrubbed unless
// --no-redact, and points the case to them.
// Exchanges in done were handed to the formatter as they were made; the others are formatted here.
func (r *recorder) writeExchanges(c *evidence.Case, exchanges []*fhirclient.Exchange, lookup func(*fhirclient.Exchange) bool, done map[*fhirclient.Exchange]*formatted) {
	parts := make([]evidence.CaseExchange, len(exchanges))
	for i, ex := range exchanges {
		r.noteClock(ex)
		f := done[ex]
		if f == nil {
			f = &formatted{ex: ex, ready: make(chan struct{})}
			f.format(r.redactor, r.redact)
		}
		<-f.ready
		parts[i] = evidence.CaseExchange{Text: f.text, Summary: f.summary}
		if lookup(ex) {
			// konform's own lookup of the test patient's id, with default headers: not a request
			// the case is about.
			parts[i].Summary = evidence.LookupPrefix + parts[i].Summary
		}
		if r.redact {
			parts[i].Summary = r.redactor.Scrub(parts[i].Summary)
		}
	}
	refs, err := r.log.Append(c.ID, parts)
	if err != nil {
		c.CleanupProblems = append(c.CleanupProblems, "cannot write the exchanges to "+evidence.ExchangesFile+": "+err.Error())
		return
	}
	c.Exchanges = append(c.Exchanges, refs...)
}

// safeName turns a case id into a folder name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, id)
}

func toEvidence(ex *fhirclient.Exchange) *evidence.Exchange {
	e := &evidence.Exchange{Attempt: ex.Attempt, Started: ex.Started, Duration: ex.Duration, Method: ex.Request.Method,
		URL: ex.Request.URL, ReqHeader: ex.Request.Header, ReqBody: ex.Request.Body, Err: ex.Err}
	if ex.Response != nil {
		e.Status, e.RespHeader, e.RespBody = ex.Response.Status, ex.Response.Header, ex.Response.Body
	}
	if ex.TLS != nil {
		e.TLSVersion, e.Cipher, e.PeerSubject = ex.TLS.Version, ex.TLS.CipherSuite, ex.TLS.PeerSubject
	}
	if hs := ex.Handshake; hs != nil {
		e.Handshake = true
		if hs.Presented != "" {
			e.ClientSubject = hs.Presented + " (sha256 " + hs.SHA256 + ")"
		}
	}
	return e
}

// writeEvidence writes a finished run's files (junit.xml, summary.json, cucumber.json,
// report.html) into dir, signs them with the client identity, and points <out>/latest at dir.
func writeEvidence(sys IO, out, dir string, run *evidence.Run, coverage []evidence.Coverage, lang string, id *pki.Identity) error {
	run.Sort()
	report := make(chan error, 1) // the report reads the run as the other files do: at once
	go func() { report <- evidence.WriteReport(dir, run, coverage, lang) }()
	err := evidence.Write(dir, run)
	if rerr := <-report; err == nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	if err := evidence.WriteManifest(dir, manifestOf(run), id.Key, append([]*x509.Certificate{id.Leaf}, id.Chain...)); err != nil {
		return err
	}
	if err := pointLatest(out, filepath.Base(dir)); err != nil {
		fmt.Fprintf(sys.Stderr, "konform: warning: %v\n", err)
	}
	return nil
}

// coverageOf lists the catalogue's requirements with the cases of this run that cover them.
func coverageOf(p *pack.Pack) []evidence.Coverage {
	var out []evidence.Coverage
	for _, c := range p.Coverage() {
		out = append(out, evidence.Coverage{ID: c.ID, Text: c.Text, Level: c.Level, Source: c.Source, Cases: c.Cases, Uncovered: c.Uncovered, Unselected: c.Unselected})
	}
	return out
}

// manifestOf copies the run's metadata into a manifest.
func manifestOf(run *evidence.Run) evidence.Manifest {
	var waived, failedOptional []string
	for _, c := range run.Cases {
		switch {
		case c.Waiver != nil && c.Outcome != evidence.Passed:
			waived = append(waived, c.ID)
		case !c.Mandatory && c.Outcome != evidence.Passed && c.Outcome != evidence.Skipped:
			failedOptional = append(failedOptional, c.ID)
		}
	}
	return evidence.Manifest{RunID: run.ID, RunnerVersion: run.RunnerVersion,
		Environment: evidence.EnvironmentInfo{Name: run.Environment, Kind: run.EnvironmentKind, BaseURL: run.BaseURL, Server: run.Server},
		Verdict:     run.Verdict(), Selection: &run.Selection, Case: run.Case, System: run.System, PackDigest: run.PackDigest, Pack: run.Pack, Plan: run.Plan, Started: run.Started,
		Ended: run.Ended, ClockOffsetMs: run.ClockOffsetMs, SUTDriver: sutDriver(run), SUTReference: run.ByReferenceSystem() && sutDriver(run) != evidence.ReferenceSystem, Client: evidence.SignerInfo{CertInfo: run.Client},
		Interrupted: run.Interrupted, Unreachable: run.Unreachable, Refused: run.Refused, Waived: waived, WaiversUnsigned: len(waived) > 0 && !run.WaiversSigned,
		FailedOptional: failedOptional}
}

// sutDriver is the driver of the run's system under test, "" when none was in the loop.
func sutDriver(run *evidence.Run) string {
	if run.SUT == nil {
		return ""
	}
	return run.SUT.Driver
}

// noteReference counts the calls of a driver other than ref that came from konform's reference
// system, by its x-user-agent.
func (r *recorder) noteReference(calls []*gateway.Call) {
	if r.run.SUT == nil || r.run.SUT.Driver == evidence.ReferenceSystem {
		return
	}
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c.ReqHeader.Get("X-User-Agent"), refsys.Name+"/") { // as refsys sends it
			n++
		}
	}
	r.mu.Lock()
	r.run.SUT.ReferenceCalls += n
	r.mu.Unlock()
}

// noteClock records the server's clock against konform's from an answer's Date header.
func (r *recorder) noteClock(ex *fhirclient.Exchange) {
	if ex.Response == nil {
		return
	}
	date, err := http.ParseTime(ex.Response.Header.Get("Date"))
	if err != nil {
		return
	}
	// The server's clock read somewhere in [date, date+1s): take the middle.
	mid := ex.Started.Add(ex.Duration / 2)
	r.mu.Lock()
	r.offsets = append(r.offsets, date.Add(500*time.Millisecond).Sub(mid).Milliseconds())
	r.mu.Unlock()
}

// clockOffset is the median offset of the server's clock, nil when no answer had a Date. The
// Date header has whole seconds, so offsets within ±500 ms mean the clocks agree.
func (r *recorder) clockOffset() *int64 {
	if len(r.offsets) == 0 {
		return nil
	}
	sort.Slice(r.offsets, func(i, j int) bool { return r.offsets[i] < r.offsets[j] })
	m := r.offsets[len(r.offsets)/2]
	return &m
}

// finish decides each case's outcome from its steps, once every hook has run.
func (r *recorder) finish() {
	for _, c := range r.run.Cases {
		c.Outcome = caseOutcome(c)
	}
	r.run.Sort()
}

// report prints the status lines: each case on a terminal, every problem always, then the counts.
func (r *recorder) report(dir, godogOut string) {
	out := r.sys.Stderr
	if !r.sys.Progress { // on a terminal each case was printed as it finished
		for _, c := range r.run.Cases {
			if c.Problem() != nil {
				r.printCase("", c)
			}
		}
	}
	type skips struct{ all, mandatory int }
	skipped := map[string]*skips{}
	var reasons []string
	for _, c := range r.run.Cases {
		if c.SkipReason == "" {
			continue
		}
		if skipped[c.SkipReason] == nil {
			skipped[c.SkipReason] = &skips{}
			reasons = append(reasons, c.SkipReason)
		}
		skipped[c.SkipReason].all++
		if c.Mandatory {
			skipped[c.SkipReason].mandatory++
		}
	}
	for _, reason := range reasons {
		if reason == interruptedCase {
			continue // the interruption has its own line
		}
		n := skipped[reason]
		what := fmt.Sprintf("%d cases skipped", n.all)
		if n.all == 1 {
			what = "1 case skipped"
		}
		if n.mandatory > 0 {
			fmt.Fprintf(out, "%s (%d mandatory, so the run has no verdict: exit 3): %s\n", what, n.mandatory, reason)
		} else {
			fmt.Fprintf(out, "%s (optional): %s\n", what, reason)
		}
	}
	for _, c := range r.run.Cases {
		for _, problem := range c.CleanupProblems {
			fmt.Fprintf(out, "cleanup after %s left test data: %s\n", c.ID, problem)
		}
	}
	unknown := 0
	for _, c := range r.run.Cases {
		for _, s := range c.Steps {
			if s.Outcome != evidence.Undefined {
				continue
			}
			unknown++
			line := fmt.Sprintf("%s:%d: unknown step %q", c.File, s.Line, strings.TrimSpace(s.Keyword)+" "+s.Text)
			if hint := steps.Suggest(s.Text); hint != "" {
				line += "; did you mean (menade du): " + hint
			}
			fmt.Fprintln(out, line)
		}
	}
	if unknown > 0 {
		fmt.Fprintln(out, "konform does not know these steps: check their wording against docs/steps.md (konform run --snippets prints Go snippets for new steps)")
	}
	if i := strings.Index(godogOut, "You can implement step definitions for undefined steps"); i >= 0 && r.snippets {
		fmt.Fprintf(out, "\nGo snippets to start from, for the vocabulary in steps/:\n\n%s\n", strings.TrimSpace(godogOut[i:]))
	}
	n := r.run.Counts()
	fmt.Fprintf(out, "%s: %d passed, %d failed, %d error, %d skipped, %d undefined · verdict: %s · seed %d\n",
		cases(n.Total), n.Passed, n.Failed, n.Error, n.Skipped, n.Undefined+n.Pending, r.run.Verdict(), r.run.Seed)
	switch sel := r.run.Selection; {
	case sel.Partial():
		fmt.Fprintf(out, "partial run (%s): no verdict; run the whole pack, or merge every shard, for one\n", sel.Describe())
	case len(sel.NotRun) > 0 && r.run.Unreachable == "" && r.run.Refused == "":
		fmt.Fprintf(out, "%d of %d mandatory cases did not run: no verdict\n", len(sel.NotRun), sel.Required)
		if both := intersect(sel.NotRun, sel.SimOnly); len(both) > 0 {
			fmt.Fprintf(out, "the plan requires %s, which run only against konform's simulator (%s); ask the case officer for a plan without them (\"@obligatorisk && ~%s\")\n",
				strings.Join(both, ", "), pack.SimTag, pack.SimTag)
		}
	}
	if len(r.run.Selection.SimOnly) > 0 {
		fmt.Fprintf(out, "%d %s cases left out: they assert what konform's simulator does, so they run only against it and are no part of this verdict\n",
			len(r.run.Selection.SimOnly), pack.SimTag)
	}
	if r.run.EnvironmentKind == evidence.SimulatorKind {
		fmt.Fprintln(out, "run against konform's simulator: no evidence for approval")
	}
	if r.run.Pack != nil && r.run.Pack.ChangedBundled {
		fmt.Fprintf(out, "the pack bears the bundled pack's id (%s) but is a changed copy of it: the evidence says so\n", r.run.Pack.ID)
	}
	switch {
	case r.run.SUT != nil && r.run.SUT.Driver == evidence.ReferenceSystem:
		fmt.Fprintln(out, "the system under test was konform's reference system (--sut ref): no evidence for a supplier's system")
	case r.run.ByReferenceSystem():
		fmt.Fprintf(out, "the %s driver reached konform's reference system (%d calls named it in x-user-agent): no evidence for a supplier's system\n", r.run.SUT.Driver, r.run.SUT.ReferenceCalls)
	}
	left := false
	for _, c := range r.run.Cases {
		left = left || len(c.CleanupProblems) > 0
	}
	if r.run.Interrupted {
		cut := ""
		if n := skipped[interruptedCase]; n != nil {
			cut = fmt.Sprintf("; %s in flight cut off (skipped)", cases(n.all))
		}
		fmt.Fprintf(out, "interrupted: the evidence holds the cases that finished%s\n", cut)
	}
	if (r.run.Interrupted || left) && r.cleanup != "" {
		fmt.Fprintf(out, "to remove test data the run may have left in %s: %s\n", r.run.Environment, r.cleanup)
	}
	fmt.Fprint(out, r.generatedPKI)
	fmt.Fprintf(out, "evidence: %s\n", dir)
}
