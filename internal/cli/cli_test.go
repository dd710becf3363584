package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

func system(env map[string]string) (System, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return System{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: time.Now}, &out, &errb
}

// TestRunFlagsReachOptions checks flag parsing alone: execution is replaced.
func TestRunFlagsReachOptions(t *testing.T) {
	var got run.Options
	executeRun = func(_ context.Context, _ run.IO, o run.Options) int { got = o; return 7 }
	t.Cleanup(func() { executeRun = run.Execute })
	sys, _, _ := system(map[string]string{PasswordEnv: "s3cret"})
	code := Main(context.Background(), sys, []string{"run", "--tags", "@tc:NLL-TA05-01", "--concurrency", "2", "--seed", "42",
		"--out", "ut", "--certs", "c", "--cert", "id.p12", "--timeout", "5s", "features/nll", "x.feature"})
	if code != 7 {
		t.Errorf("exit %d, want the executor's 7", code)
	}
	want := run.Options{Env: "sim", Tags: "@tc:NLL-TA05-01", Concurrency: 2, Seed: 42, Out: "ut", CertsDir: "c", Cert: "id.p12",
		Password: "s3cret", Timeout: 5 * time.Second, Paths: []string{"features/nll", "x.feature"}, Version: Version}
	if got.Tags != want.Tags || got.Concurrency != want.Concurrency || got.Seed != want.Seed || got.Out != want.Out ||
		got.CertsDir != want.CertsDir || got.Cert != want.Cert || got.Password != want.Password || got.Timeout != want.Timeout ||
		strings.Join(got.Paths, ",") != strings.Join(want.Paths, ",") || got.Env != want.Env {
		t.Errorf("options %+v\nwant    %+v", got, want)
	}
}

func TestUsageErrorsExit2WithOneLine(t *testing.T) {
	for _, args := range [][]string{{"run", "--concurrency", "x"}, {"run", "--nope"}, {"frobnicate"}, {"version", "extra"}} {
		sys, _, errb := system(nil)
		if code := Main(context.Background(), sys, args); code != run.ExitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		msg := strings.TrimSpace(errb.String())
		if !strings.HasPrefix(msg, "konform: ") || strings.Contains(msg, "\n") || !strings.Contains(msg, "--help") {
			t.Errorf("%v: stderr %q", args, msg)
		}
	}
}

func TestCertsWritesADevPKI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	sys, out, errb := system(nil)
	if code := Main(context.Background(), sys, []string{"certs", "--dir", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if strings.TrimSpace(out.String()) != dir {
		t.Errorf("stdout %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, pki.ClientP12File)); err != nil {
		t.Error(err)
	}
	sys, _, errb = system(nil)
	Main(context.Background(), sys, []string{"certs", "--dir", dir})
	if !strings.Contains(errb.String(), "kept it") {
		t.Errorf("second run: %s", errb)
	}
}

func TestVersion(t *testing.T) {
	sys, out, _ := system(nil)
	if code := Main(context.Background(), sys, []string{"version"}); code != 0 || !strings.HasPrefix(out.String(), "konform ") {
		t.Errorf("exit %d, %q", code, out)
	}
}

// lockedBuffer is a buffer that a running command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestSimServesUntilInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	sys := System{Stdout: out, Stderr: errb, Getenv: func(string) string { return "" }, Now: time.Now}
	done := make(chan int)
	certs := t.TempDir()
	go func() {
		done <- Main(ctx, sys, []string{"sim", "--addr", "127.0.0.1:0", "--certs", certs})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(errb.String(), "Ctrl-C") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.HasPrefix(out.String(), "https://127.0.0.1:") || !strings.Contains(errb.String(), "curl --cacert") {
		t.Errorf("stdout %q stderr %q", out, errb)
	}
	tokens, _ := filepath.Glob(filepath.Join(certs, "tokens", "*.jwt"))
	if len(tokens) != 7 || !strings.Contains(errb.String(), filepath.Join(certs, "tokens")+"/<role>.jwt") {
		t.Errorf("every role's token: %v; guide %s", tokens, errb)
	}
}

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"": false, "false": false, "0": false, "FALSE": false, "true": true, "1": true, "yes": true} {
		if got := InCI(func(string) string { return v }); got != want {
			t.Errorf("CI=%q: %v, want %v", v, got, want)
		}
	}
}

// TestVerifySaysTheEnvironmentKind: a simulator run verifies, says so, and --require-env test
// refuses it.
func TestVerifySaysTheEnvironmentKind(t *testing.T) {
	root := t.TempDir()
	sys, out, errb := system(nil)
	sys.Args = []string{"konform", "run", "--tags", "@tc:NLL-ANSL-01"}
	if code := Main(context.Background(), sys, []string{"run", "--tags", "@tc:NLL-ANSL-01", "--out", filepath.Join(root, "r"), "--certs", filepath.Join(root, "c"), "--operator", "Test Testsson"}); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errb)
	}
	dir := strings.TrimSpace(out.String())
	report, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"Test Testsson", "konform run --tags @tc:NLL-ANSL-01"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for args, want := range map[string]int{"": 0, "--require-env simulator": 0, "--require-env test": 1, "--require-env prod": 2} {
		sys, _, errb := system(nil)
		code := Main(context.Background(), sys, append(append([]string{"verify"}, strings.Fields(args)...), dir))
		if code != want || code < 2 && !strings.Contains(errb.String(), "environment sim: konform's simulator") {
			t.Errorf("verify %s: exit %d, want %d\n%s", args, code, want, errb)
		}
	}
}

// TestVerifyRequiresTheVerdict: --require-verdict accepts the signed verdict it names and
// refuses every other, and prints the run's id.
func TestVerifyRequiresTheVerdict(t *testing.T) {
	root := t.TempDir()
	pack := tinyPack(root)
	feature := func(status int) {
		os.WriteFile(filepath.Join(pack, "features", "a.feature"), []byte(fmt.Sprintf("# language: sv\nEgenskap: A\n  @tc:A-1 @obligatorisk\n  Scenario: ping\n    När systemet hämtar \"$ping\"\n    Så är svarets statuskod %d\n", status)), 0o644)
	}
	systemFile := filepath.Join(root, "system.yaml")
	os.WriteFile(systemFile, []byte("name: Journalen\nversion: \"4.2\"\n"), 0o644)
	runOnce := func(want int, extra ...string) string {
		sys, out, errb := system(nil)
		args := append([]string{"run", "--pack", pack, "--out", filepath.Join(root, "r"), "--certs", filepath.Join(root, "c"), "--system", systemFile}, extra...)
		if code := Main(context.Background(), sys, args); code != want {
			t.Fatalf("run %v: exit %d, want %d\n%s", extra, code, want, errb)
		}
		return strings.TrimSpace(out.String())
	}
	feature(200)
	approved := runOnce(0)
	partial := runOnce(0, "--tags", "@tc:A-1")
	feature(500)
	failed := runOnce(1)
	waivers := filepath.Join(root, "waivers.yaml")
	os.WriteFile(waivers, []byte("waivers:\n  - {case: A-1, reason: NLL-fel, reference: Dnr 1}\n"), 0o644)
	waived := runOnce(0, "--waivers", waivers, "--case", "Dnr 2026/7")
	// the report's verify line asks for approval whatever the verdict, so that the officer who
	// copies it from a failed or partial run's report sees verify refuse it, not "intact"; with
	// waivers it asks for approval with waivers
	for dir, want := range map[string]string{approved: "approved", partial: "approved", failed: "approved", waived: "approved-with-waivers"} {
		report, _ := os.ReadFile(filepath.Join(dir, "report.html"))
		if !strings.Contains(string(report), "--pack-sha256 &lt;") || !strings.Contains(string(report), "--require-verdict "+want+" &lt;") {
			t.Errorf("%s: report.html's verify line does not ask for --pack-sha256 and --require-verdict %s", filepath.Base(dir), want)
		}
	}
	for _, k := range []struct {
		dir, flag string
		want      int
	}{
		{approved, "approved", 0}, {approved, "approved-with-waivers", 0},
		{partial, "approved", 1}, {partial, "approved-with-waivers", 1},
		{failed, "approved", 1}, {failed, "approved-with-waivers", 1},
		{approved, "godkänt", 2},
		{waived, "approved", 1}, {waived, "approved-with-waivers", 1}, // the supplier's own waivers
	} {
		sys, _, errb := system(nil)
		code := Main(context.Background(), sys, []string{"verify", "--require-verdict", k.flag, k.dir})
		refusal := ": the signed verdict is "
		if k.dir == waived && k.flag == "approved-with-waivers" {
			refusal = ": the waivers (A-1) did not come in a plan signed by the case officer"
		}
		if code != k.want || code == 1 && !strings.Contains(errb.String(), "--require-verdict "+k.flag+refusal) ||
			code < 2 && !strings.Contains(errb.String(), "run "+filepath.Base(k.dir)) {
			t.Errorf("verify --require-verdict %s %s: exit %d, want %d\n%s", k.flag, filepath.Base(k.dir), code, k.want, errb)
		}
	}
	// approval is of one version of a system: evidence that names none is refused
	sys, _, errb := system(nil)
	args := []string{"run", "--pack", pack, "--out", filepath.Join(root, "r"), "--certs", filepath.Join(root, "c")}
	feature(200)
	if code := Main(context.Background(), sys, args); code != 0 {
		t.Fatalf("run without --system: exit %d\n%s", code, errb)
	}
	sys, _, errb = system(nil)
	if code := Main(context.Background(), sys, []string{"verify", "--require-verdict", "approved", filepath.Join(root, "r", "latest")}); code != 1 ||
		!strings.Contains(errb.String(), "--require-verdict approved: the evidence names no system under approval") {
		t.Errorf("verify of a run that names no system: exit %d\n%s", code, errb)
	}
	// verify says what the case officer decides on, and names every requirement not met.
	sys, _, errb = system(nil)
	code := Main(context.Background(), sys, []string{"verify", "--require-verdict", "approved", "--require-env", "test", waived})
	for _, want := range []string{"approval case Dnr 2026/7", "waived: A-1 (NOT in a signed plan", "verdict approved with waivers",
		"--require-env test: the evidence comes from environment sim", "--require-verdict approved: the signed verdict is approved with waivers",
		"is intact but NOT ACCEPTED: 2 requirement(s) not met"} {
		if code != 1 || !strings.Contains(errb.String(), want) {
			t.Errorf("verify: exit %d, want 1 and %q\n%s", code, want, errb)
		}
	}
}

// TestCoverageListsEverySimulatorBehaviour shows konform list --coverage naming, per row of
// docs/simulator.md, the scenarios that check it, the reason where none can, and a gap where a
// pack has none.
func TestCoverageListsEverySimulatorBehaviour(t *testing.T) {
	sys, out, errb := system(nil)
	if code := Main(context.Background(), sys, []string{"list", "--coverage"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{"SIMULATOR BEHAVIOUR", "CONN-TLS  ", "unchecked: konform's own client", "HDR-REQUEST-ID-ECHO"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list --coverage lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errb.String(), "simulator behaviours (docs/simulator.md) checked by a scenario") {
		t.Errorf("no summary of the behaviours: %s", errb)
	}
	dir := t.TempDir()
	feature := filepath.Join(dir, "ping.feature")
	if err := os.WriteFile(feature, []byte("# language: sv\nEgenskap: Ping\n  @tc:EGEN-01 @valfri\n  Scenario: Ping\n    När systemet hämtar \"$ping\"\n    Så är svarets statuskod 200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sys, out, errb = system(nil)
	Main(context.Background(), sys, []string{"list", "--coverage", feature})
	if !strings.Contains(out.String(), "GAP: no scenario is tagged @beteende:OP-PING") {
		t.Errorf("a pack without @beteende tags shows no gap:\n%s\n%s", out, errb)
	}
}

// TestVerifyRefusesAVerdictAgainstAPlanNobodySigned checks that --require-verdict does not accept
// a verdict against a plan the supplier may have written (it used to exit 0), and that
// --plan-signer-sha256 requires the plan to be signed by the certificate named.
func TestVerifyRefusesAVerdictAgainstAPlanNobodySigned(t *testing.T) {
	root := t.TempDir()
	pack := tinyPack(root)
	os.WriteFile(filepath.Join(pack, "features", "a.feature"), []byte("# language: sv\nEgenskap: A\n  @tc:A-1 @obligatorisk\n  Scenario: ping\n    När systemet hämtar \"$ping\"\n    Så är svarets statuskod 200\n\n  @tc:A-2 @obligatorisk\n  Scenario: ping igen\n    När systemet hämtar \"$ping\"\n    Så är svarets statuskod 500\n"), 0o644)
	certs := filepath.Join(root, "c")
	if err := pki.GenerateDevPKI(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	officer, err := pki.LoadIdentity(filepath.Join(certs, "client.pem"), filepath.Join(certs, "client.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(root, "plan.yaml")
	os.WriteFile(plan, []byte("case: Dnr 2026/9\nrequired: [A-1]\n"), 0o644) // the supplier leaves out the case it fails
	systemFile := filepath.Join(root, "system.yaml")
	os.WriteFile(systemFile, []byte("name: Journalen\nversion: \"4.2\"\n"), 0o644)
	runPlan := func() string {
		code, out, errb := konform(t, "run", "--pack", pack, "--plan", plan, "--out", filepath.Join(root, "r"), "--certs", certs, "--system", systemFile)
		if code != 0 {
			t.Fatalf("run --plan: exit %d\n%s", code, errb)
		}
		return strings.TrimSpace(out)
	}
	unsigned := runPlan()
	code, _, errb := konform(t, "verify", "--require-verdict", "approved", unsigned)
	if code != run.ExitFailed || !strings.Contains(errb, "--require-verdict approved: the verdict is against a plan nobody signed (Dnr 2026/9, 1 test cases required)") {
		t.Errorf("an unsigned plan's verdict: exit %d, want 1 naming the unsigned plan\n%s", code, errb)
	}
	if code, _, errb := konform(t, "verify", "--plan-signer-sha256", officer.Fingerprint(), unsigned); code != run.ExitFailed || !strings.Contains(errb, "which nobody signed") {
		t.Errorf("--plan-signer-sha256 on an unsigned plan: exit %d\n%s", code, errb)
	}
	if code, _, _ := konform(t, "pack", "sign", "--cert", filepath.Join(certs, "client.pem"), "--key", filepath.Join(certs, "client.key"), plan); code != 0 {
		t.Fatalf("sign the plan: exit %d", code)
	}
	signed := runPlan()
	if code, _, errb := konform(t, "verify", "--require-verdict", "approved", "--plan-signer-sha256", officer.Fingerprint(), signed); code != 0 {
		t.Errorf("a plan signed by the certificate named: exit %d\n%s", code, errb)
	}
	if code, _, errb := konform(t, "verify", "--plan-signer-sha256", strings.Repeat("ab", 32), signed); code != run.ExitFailed || !strings.Contains(errb, "not by the certificate you named") {
		t.Errorf("a plan signed by another: exit %d\n%s", code, errb)
	}
	// another pack's digest: the evidence is intact, and not accepted (it is not tampering)
	code, _, errb = konform(t, "verify", "--pack-sha256", strings.Repeat("cd", 32), signed)
	if code != run.ExitFailed || !strings.Contains(errb, "--pack-sha256: the evidence came from the pack with digest ") ||
		!strings.Contains(errb, "is intact but NOT ACCEPTED") || strings.Contains(errb, "NOT intact") {
		t.Errorf("--pack-sha256 of another pack: exit %d\n%s", code, errb)
	}
}

// TestStatusLinesCarryNoControlCharacters checks that what konform prints on stderr from files it
// did not write (here a plan's case, in verify's description and its refusal) cannot send escape
// sequences to the terminal.
func TestStatusLinesCarryNoControlCharacters(t *testing.T) {
	var out bytes.Buffer
	w := controlFree{&out}
	w.Write([]byte("plan Dnr \x1b[8m1\x07 (\u0085x)\tok\n"))
	if got := out.String(); strings.ContainsAny(got, "\x1b\x07\u0085") || got != "plan Dnr \uFFFD[8m1\uFFFD (\uFFFDx)\tok\n" {
		t.Fatalf("%q", got)
	}
	sys, _, errb := system(nil)
	Main(context.Background(), sys, []string{"verify", "--require-env", "test\x1b[2J", t.TempDir()})
	if strings.Contains(errb.String(), "\x1b") {
		t.Fatalf("stderr carries an escape sequence: %q", errb.String())
	}
}

// tinyPack writes a pack of no features yet, p under root, and returns its folder.
func tinyPack(root string) string {
	pack := filepath.Join(root, "p")
	os.MkdirAll(filepath.Join(pack, "features"), 0o755)
	os.WriteFile(filepath.Join(pack, "pack.yaml"), []byte("id: p\ntitle: P\nversion: \"1\"\nnll_release: \"21\"\npublisher: X\ndate: 2026-11-01\npatients: [\"189001029819\"]\n"), 0o644)
	os.WriteFile(filepath.Join(pack, "krav.yaml"), []byte("krav: []\n"), 0o644)
	return pack
}
