package run_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// result is what one whole run left behind.
type result struct {
	code           int
	stdout, stderr string
	dir            string
	summary        evidence.Summary
}

// execute runs konform run in a fresh folder, as a user would, and reads the evidence.
func execute(t *testing.T, opts run.Options) result {
	t.Helper()
	root := t.TempDir()
	if opts.Out == "" {
		opts.Out = filepath.Join(root, "reports")
	}
	if opts.CertsDir == "" {
		opts.CertsDir = filepath.Join(root, "certs")
	}
	var stdout, stderr bytes.Buffer
	code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now}, opts)
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Fatalf("stack trace on stderr:\n%s", r.stderr)
	}
	r.dir = strings.TrimSpace(r.stdout)
	if r.dir != "" {
		data, err := os.ReadFile(filepath.Join(r.dir, evidence.SummaryFile))
		if err != nil {
			t.Fatalf("no summary.json: %v\nstderr:\n%s", err, r.stderr)
		}
		if err := json.Unmarshal(data, &r.summary); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// passed reports whether a case passed, or is an optional @manuell case skipped because the run
// has no operator (every run but those of manual_test.go).
func passed(c *evidence.Case) bool {
	return c.Outcome == evidence.Passed || c.Outcome == evidence.Skipped && !c.Mandatory && slices.Contains(c.Tags, run.ManualTag) &&
		strings.Contains(c.SkipReason, "--sut manual")
}

// count is the number of cases with tag.
func (r result) count(tag string) int {
	n := 0
	for _, c := range r.summary.Run.Cases {
		if slices.Contains(c.Tags, tag) {
			n++
		}
	}
	return n
}

func (r result) outcome(t *testing.T, id string) *evidence.Case {
	t.Helper()
	for _, c := range r.summary.Run.Cases {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("case %s not in the evidence; stderr:\n%s", id, r.stderr)
	return nil
}

// TestBundledPackPassesAgainstTheSimulator runs every bundled feature in strict mode, four at a
// time, in random order, as `konform run` does with no arguments.
func TestBundledPackPassesAgainstTheSimulator(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Concurrency: 4, SUT: "ref"})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	n := r.summary.Counts
	if n.Total < 8 || n.Passed+n.Skipped != n.Total {
		t.Fatalf("counts %+v; want every case passed, at least 8", n)
	}
	for _, c := range r.summary.Run.Cases {
		if c.Outcome == evidence.Skipped && (c.Mandatory || !slices.Contains(c.Tags, run.ManualTag) || !strings.Contains(c.SkipReason, "--sut manual")) {
			t.Errorf("%s skipped (%s); only optional %s cases may be, for want of an operator", c.ID, c.SkipReason, run.ManualTag)
		}
		if len(c.CleanupProblems) > 0 {
			t.Errorf("%s left test data: %v", c.ID, c.CleanupProblems)
		}
	}
	if r.summary.Verdict != evidence.Approved || r.summary.Run.Seed == 0 {
		t.Errorf("verdict %q seed %d", r.summary.Verdict, r.summary.Run.Seed)
	}
	data, err := os.ReadFile(filepath.Join(r.dir, evidence.JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("junit.xml is not XML: %v", err)
	}
	tests := 0
	for _, s := range suites.Suites {
		tests += len(s.Cases)
	}
	if tests != n.Total || len(suites.Suites) < 3 {
		t.Errorf("junit.xml has %d tests in %d suites; summary says %d", tests, len(suites.Suites), n.Total)
	}
	latest, err := os.Readlink(filepath.Join(filepath.Dir(r.dir), "latest"))
	if err != nil || latest != filepath.Base(r.dir) {
		t.Errorf("reports/latest points to %q (%v), want %s", latest, err, filepath.Base(r.dir))
	}
	scanForSecrets(t, r.dir)
}

// scanForSecrets fails for any evidence file that holds a personnummer, a token, a private key
// or an Authorization header in clear.
func scanForSecrets(t *testing.T, dir string) {
	t.Helper()
	files := 0
	jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.`)
	auth := regexp.MustCompile(`(?m)^Authorization: (.*)$`)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(data)
		if evidence.NewRedactor().Redact(text) != text {
			t.Errorf("%s holds a personnummer in clear", path)
		}
		if jwt.MatchString(text) || strings.Contains(text, "PRIVATE KEY") {
			t.Errorf("%s holds a token or a private key", path)
		}
		for _, m := range auth.FindAllStringSubmatch(text, -1) {
			if m[1] != "Bearer [redacted]" {
				t.Errorf("%s: Authorization: %s", path, m[1])
			}
		}
		return nil
	})
	if err != nil || files < 50 {
		t.Errorf("scanned %d files: %v", files, err)
	}
}

// TestALatestThatIsNoLinkIsRefused: an out folder whose latest is a folder (an artifact upload
// or restore that followed the link copied an earlier run there) stops the run before any
// request, exit 2, instead of leaving the earlier evidence to pass for this run's.
func TestALatestThatIsNoLinkIsRefused(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "reports")
	if err := os.MkdirAll(filepath.Join(out, "latest"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", Out: out})
	if r.code != run.ExitUsage || r.dir != "" || !strings.Contains(r.stderr, "latest is a folder, not the link konform keeps") {
		t.Fatalf("exit %d, evidence %q\n%s", r.code, r.dir, r.stderr)
	}
}

// A run in a folder without a dev PKI makes one there; the user is told once, where, and how
// to name another folder.
func TestAGeneratedDevPKIIsAnnounced(t *testing.T) {
	t.Parallel()
	certs := filepath.Join(t.TempDir(), "certs")
	first := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", CertsDir: certs})
	if first.code != run.ExitOK || !strings.Contains(first.stderr, "generated konform's development PKI") || !strings.Contains(first.stderr, certs) {
		t.Fatalf("first run: exit %d\n%s", first.code, first.stderr)
	}
	again := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", CertsDir: certs})
	if again.code != run.ExitOK || strings.Contains(again.stderr, "generated konform's development PKI") {
		t.Fatalf("second run: exit %d\n%s", again.code, again.stderr)
	}
}

func TestNoRedactKeepsDataInClear(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", NoRedact: true})
	data, err := os.ReadFile(filepath.Join(r.dir, evidence.ExchangesFile))
	if err != nil || !bytes.Contains(data, []byte("189001019802")) || !bytes.Contains(data, []byte("Authorization: Bearer eyJ")) {
		t.Errorf("--no-redact scrubbed the exchange: %v\n%s", err, data)
	}
	if r.summary.Run.Redacted {
		t.Error("summary says redacted")
	}
}

// TestEachCheckFailsAgainstABrokenSimulator breaks the simulator one way at a time and checks that
// the matching case fails (or errors) with a message naming the step, the expected and the actual.
func TestEachCheckFailsAgainstABrokenSimulator(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		fault   sim.Fault
		tags    string
		tc      string
		outcome evidence.Outcome
		code    int
		want    []string
	}{
		{"wrong status", sim.Fault{Path: "Patient", Status: 500}, "@tc:NLL-TA05-01", "NLL-TA05-01", evidence.Failed, run.ExitFailed,
			[]string{"är svarets statuskod 200", "status code: expected 200, got 500"}},
		{"missing field", sim.Fault{Method: "GET", Path: "MedicationRequest", Remove: "meta.versionId"}, "@tc:NLL-FSK-01", "NLL-FSK-01", evidence.Failed, run.ExitFailed,
			[]string{"MedicationRequest.meta.versionId", "expected true, got false"}},
		{"wrong resourceType", sim.Fault{Path: "$ping", ResourceType: "Bundle"}, "@tc:NLL-ANSL-01", "NLL-ANSL-01", evidence.Failed, run.ExitFailed,
			[]string{"resourceType", `expected "Parameters", got "Bundle"`}},
		{"HTML error page", sim.Fault{Path: "$ping", HTML: true, Status: 200}, "@tc:NLL-ANSL-01", "NLL-ANSL-01", evidence.Failed, run.ExitFailed,
			[]string{"Content-Type: expected application/fhir+json", "text/html"}},
		{"no x-request-id echo", sim.Fault{Path: "Patient", DropHeader: "X-Request-ID"}, "@tc:NLL-TA05-05", "NLL-TA05-05", evidence.Failed, run.ExitFailed,
			[]string{"response header x-request-id", "got none"}},
		{"no Location", sim.Fault{Method: "POST", Path: "MedicationRequest", DropHeader: "Location"}, "@tc:NLL-FSK-01", "NLL-FSK-01", evidence.Failed, run.ExitFailed,
			[]string{"response header Location: expected a value matching", "got none"}},
		{"empty search", sim.Fault{Path: "Patient", Remove: "entry"}, "@tc:NLL-TA05-01", "NLL-TA05-01", evidence.Failed, run.ExitFailed,
			[]string{"number of Bundle.entry: expected 1, got 0"}},
		{"truncated body", sim.Fault{Path: "$ping", Truncate: true}, "@tc:NLL-ANSL-01", "NLL-ANSL-01", evidence.Error, run.ExitHarness,
			[]string{"cut off"}},
		{"broken precondition", sim.Fault{Path: "Patient", HTML: true}, "@tc:NLL-TA05-03", "NLL-TA05-03", evidence.Error, run.ExitHarness,
			[]string{"cannot look up test patient", "503", "text/html"}},
		{"connection reset", sim.Fault{Path: "MedicationRequest", Reset: true}, "@tc:NLL-FSK-05", "NLL-FSK-05", evidence.Error, run.ExitHarness,
			[]string{"closed the connection without an answer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, run.Options{Tags: c.tags, Faults: []sim.Fault{c.fault}, Concurrency: 1})
			if r.code != c.code {
				t.Errorf("exit %d, want %d\n%s", r.code, c.code, r.stderr)
			}
			got := r.outcome(t, c.tc)
			if got.Outcome != c.outcome {
				t.Fatalf("%s is %s, want %s\n%s", c.tc, got.Outcome, c.outcome, r.stderr)
			}
			p := got.Problem()
			text := p.Keyword + p.Text + " " + p.Message
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("problem %q lacks %q", text, w)
				}
			}
			if !strings.Contains(r.stderr, c.tc) || !strings.Contains(r.stderr, got.File) {
				t.Errorf("stderr does not name the case and its file:\n%s", r.stderr)
			}
		})
	}
}

// TestRefusalChecksFailAgainstAServerThatAcceptsAnyClient shows that the mutual-TLS scenarios
// catch a server that does not verify client certificates.
func TestRefusalChecksFailAgainstAServerThatAcceptsAnyClient(t *testing.T) {
	t.Parallel()
	lax := func(c *tls.Config) { c.ClientAuth = tls.RequestClientCert }
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-03,@tc:NLL-ANSL-04,@tc:NLL-ANSL-05", SimTLS: lax})
	if r.code != run.ExitFailed || r.summary.Counts.Failed != 3 {
		t.Fatalf("exit %d, counts %+v\n%s", r.code, r.summary.Counts, r.stderr)
	}
	if !strings.Contains(r.stderr, "connection: expected refused (a TLS alert, closed before any answer, or an HTTP refusal without data), got accepted, status 200") {
		t.Errorf("message does not say what came:\n%s", r.stderr)
	}
}

// TestAnHTTPRefusalOfTheCertificateCounts: a front end that asks for a client certificate and
// refuses a missing or wrong one with an HTTP 400 error page (as nginx does) refuses the
// connection as a TLS alert does.
func TestAnHTTPRefusalOfTheCertificateCounts(t *testing.T) {
	t.Parallel()
	lax := func(c *tls.Config) { c.ClientAuth = tls.RequestClientCert }
	// The run's own $ping comes first; the case's without a certificate is refused; its control
	// with the certificate is answered, as such a front end answers it.
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-03", SimTLS: lax, Faults: []sim.Fault{{Path: "$ping", Status: 400, HTML: true, After: 1, Times: 1}}})
	if c := r.outcome(t, "NLL-ANSL-03"); c.Outcome != evidence.Passed {
		t.Fatalf("NLL-ANSL-03 is %s\n%s", c.Outcome, r.stderr)
	}
}

// TestCreatedPrescriptionsAreCancelledAfterAFailedScenario checks the cleanup: prescriptions a
// scenario creates are cancelled with $end after it, even when it fails.
func TestCreatedPrescriptionsAreCancelledAfterAFailedScenario(t *testing.T) {
	t.Parallel()
	broken, _ := sim.ParseFault("method=GET,path=MedicationRequest,remove=meta.versionId")
	r := execute(t, run.Options{Tags: "@tc:NLL-FSK-01", Faults: []sim.Fault{broken}})
	c := r.outcome(t, "NLL-FSK-01")
	if c.Outcome != evidence.Failed {
		t.Fatalf("outcome %s", c.Outcome)
	}
	last := c.Exchanges[len(c.Exchanges)-1].Summary
	if !strings.Contains(last, "POST ") || !strings.Contains(last, "MedicationRequest/$end → 200") || len(c.CleanupProblems) > 0 {
		t.Errorf("no cleanup after the failure: %v %v", c.Exchanges, c.CleanupProblems)
	}
	r = execute(t, run.Options{Tags: "@tc:NLL-FSK-01", Faults: []sim.Fault{{Path: "MedicationRequest/$end", Status: 500}}})
	if c := r.outcome(t, "NLL-FSK-01"); len(c.CleanupProblems) != 1 || !strings.Contains(r.stderr, "cleanup after NLL-FSK-01 left test data") {
		t.Errorf("a failed cleanup is not reported: %v\n%s", c.CleanupProblems, r.stderr)
	}
}

func TestOptionalFailureDoesNotFailTheRun(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-01,@tc:NLL-HDR-19", Faults: []sim.Fault{{Method: "POST", Path: "MedicationRequest", Status: 201}}})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d, want 0 (only an optional case failed)\n%s", r.code, r.stderr)
	}
	if c := r.outcome(t, "NLL-HDR-19"); c.Outcome != evidence.Failed || c.Mandatory {
		t.Fatalf("NLL-HDR-19: %s mandatory=%t", c.Outcome, c.Mandatory)
	}
	if len(r.summary.OptionalNotPassed) != 1 || !strings.Contains(r.stderr, "NLL-HDR-19") {
		t.Errorf("optional failure not listed: %v\n%s", r.summary.OptionalNotPassed, r.stderr)
	}
}

func writeFeature(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prov.feature")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUndefinedStepExits4WithASuggestion(t *testing.T) {
	t.Parallel()
	path := writeFeature(t, `# language: sv
Egenskap: Prov
  @tc:PROV-01 @obligatorisk
  Scenario: Ett steg som saknas
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    När systemet hämtar "$ping"
    Så är svarets statuskd 200
`)
	r := execute(t, run.Options{Paths: []string{path}})
	if r.code != run.ExitUndefined {
		t.Fatalf("exit %d, want 4\n%s", r.code, r.stderr)
	}
	for _, w := range []string{path + `:7: unknown step "Så är svarets statuskd 200"; did you mean (menade du): Så är svarets statuskod 200`, "docs/steps.md", "--snippets"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "ctx.Step(") {
		t.Errorf("Go snippets without --snippets:\n%s", r.stderr)
	}
	if r := execute(t, run.Options{Paths: []string{path}, Snippets: true}); !strings.Contains(r.stderr, "ctx.Step(`^är svarets statuskd (\\d+)$`") {
		t.Errorf("--snippets prints no Go snippet:\n%s", r.stderr)
	}
	if r.dir != "" {
		t.Errorf("a pack with an unknown step ran (evidence in %s); it must stop before any connection", r.dir)
	}
}

func TestBadInputExits2WithOneClearLine(t *testing.T) {
	t.Parallel()
	malformed := writeFeature(t, "# language: sv\nEgenskap: Trasig\n  Scenario: A\n    Givet x\n  Egenskap: B\n")
	untagged := writeFeature(t, "# language: sv\nEgenskap: Prov\n  Scenario: Utan id\n    Givet att systemet är anslutet till NLL med sitt testcertifikat\n")
	noData := writeFeature(t, "# language: sv\nEgenskap: Prov\n  @tc:X-2 @valfri\n  Scenario: A\n    När systemet söker \"Medication\" med \"code={{testdata.artikel}}\"\n")
	dup := filepath.Join(t.TempDir(), "dup.feature")
	os.WriteFile(dup, []byte("# language: sv\nEgenskap: Prov\n  @tc:X-1 @obligatorisk\n  Scenario: A\n    Givet att systemet är anslutet till NLL med sitt testcertifikat\n  @tc:X-1 @obligatorisk\n  Scenario: B\n    Givet att systemet är anslutet till NLL med sitt testcertifikat\n"), 0o644)

	certs := t.TempDir()
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts run.Options
		want []string
	}{
		{"endless system description", run.Options{SystemFile: "/dev/zero"}, []string{"system description /dev/zero: not a regular file (character device)"}},
		{"waivers from a pipe", run.Options{WaiversFile: fifo}, []string{"waivers file " + fifo + ": not a regular file (FIFO)"}},
		{"configuration from a pipe", run.Options{Config: fifo, Env: "ext"}, []string{fifo + ": not a regular file (FIFO)"}},
		{"certificate from a device", run.Options{Cert: "/dev/zero", Key: "/dev/zero"}, []string{"/dev/zero: not a regular file"}},
		{"unknown driver", run.Options{SUT: "bogus", Tags: "@tc:NLL-TA05-01"}, []string{`--sut "bogus" is not a driver`}},
		{"reference system for the supplier's", run.Options{SUT: "ref", SystemFile: "system.yaml"}, []string{"--sut ref makes konform's own reference system the system under test"}},
		{"malformed feature", run.Options{Paths: []string{malformed}}, []string{malformed + ":5", "malformed feature file: unexpected line '  Egenskap: B'"}},
		{"missing feature", run.Options{Paths: []string{"nowhere.feature"}}, []string{"nowhere.feature not found"}},
		{"no @tc", run.Options{Paths: []string{untagged}}, []string{untagged + ":3", "@tc"}},
		{"duplicate @tc", run.Options{Paths: []string{dup}}, []string{"@tc:X-1 is already used at " + dup + ":4"}},
		{"unknown test data", run.Options{Paths: []string{noData}}, []string{noData + ":5", "{{testdata.artikel}} is not in the pack's test_data (pack.yaml) nor the bundled pack's"}},
		{"unknown tag match", run.Options{Tags: "@tc:NO-SUCH"}, []string{"no scenario matches --tags"}},
		{"missing certificate", run.Options{Cert: "certs/missing.p12"}, []string{"certs/missing.p12 not found"}},
		{"wrong password", run.Options{CertsDir: certs, Cert: d.Path(pki.ClientP12File), Password: "fel"}, []string{d.Path(pki.ClientP12File), "wrong password"}},
		{"no password", run.Options{CertsDir: certs, Cert: d.Path(pki.ClientP12File)}, []string{"needs a password", "KONFORM_CERT_PASSWORD"}},
		{"expired certificate", run.Options{CertsDir: certs, Cert: d.Path(pki.ExpiredCertFile), Key: d.Path(pki.ExpiredKeyFile)}, []string{"expired on", "renew it"}},
		{"unknown environment", run.Options{Env: "prod"}, []string{"unknown environment \"prod\""}},
		{"Ed25519 key", certOptions(t, certs, edKey(t), false), []string{"has an Ed25519 key", "RSA or ECDSA"}},
		{"CA certificate", certOptions(t, certs, ecKey(t), true), []string{"CA certificate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, c.opts)
			if r.code != run.ExitUsage {
				t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 {
				t.Errorf("want one line on stderr, got %d:\n%s", lines, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("nothing should reach stdout, got %q", r.stdout)
			}
		})
	}
}

func TestPKCS12IdentityWithPasswordRuns(t *testing.T) {
	t.Parallel()
	certs := t.TempDir()
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := execute(t, run.Options{CertsDir: certs, Cert: d.Path(pki.ClientP12File), Password: pki.DevP12Password, Tags: "@tc:NLL-ANSL-01"})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestWaivedFailureDoesNotFailTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	waivers := filepath.Join(dir, "waivers.yaml")
	os.WriteFile(waivers, []byte("waivers:\n  - case: NLL-TA05-01\n    reason: Känt fel i EXT\n    reference: Dnr 2026/99\n"), 0o644)
	broken, _ := sim.ParseFault("path=Patient,remove=entry")
	r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", Faults: []sim.Fault{broken}, WaiversFile: waivers})
	// One case is a partial run: no verdict, but the exit code follows the (waived) result.
	if r.code != run.ExitOK || r.summary.Verdict != evidence.Partial || len(r.summary.Waived) != 1 {
		t.Fatalf("exit %d, verdict %q, waived %v\n%s", r.code, r.summary.Verdict, r.summary.Waived, r.stderr)
	}
	os.WriteFile(waivers, []byte("waivers:\n  - case: NLL-NOPE\n    reason: x\n    reference: y\n"), 0o644)
	if r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", WaiversFile: waivers}); r.code != run.ExitUsage || !strings.Contains(r.stderr, "NLL-NOPE, which is not a test case") {
		t.Errorf("unknown case in waivers: exit %d %s", r.code, r.stderr)
	}
}

// cancelAfterFirstPass is a run's stderr that cancels the run 250 ms after the first line of a
// passed case.
type cancelAfterFirstPass struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelAfterFirstPass) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Contains(p, []byte("✔ passed")) {
		c.once.Do(func() { time.AfterFunc(250*time.Millisecond, c.cancel) })
	}
	return c.buf.Write(p)
}

func (c *cancelAfterFirstPass) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// TestInterruptedRunWritesTheFinishedCases cancels a run midway, as SIGINT does through main's
// context: the evidence holds the finished cases, says the run is incomplete, and verifies.
func TestInterruptedRunWritesTheFinishedCases(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	// Every request takes 100 ms. The run is cancelled 250 ms after the first case has passed,
	// however long a loaded machine took to get there, so that the next case is in flight.
	slow, _ := sim.ParseFault("latency=100ms")
	var stdout bytes.Buffer
	stderr := &cancelAfterFirstPass{cancel: cancel}
	code := run.Execute(ctx, run.IO{Stdout: &stdout, Stderr: stderr, Now: time.Now, Progress: true}, run.Options{
		Out: filepath.Join(root, "reports"), CertsDir: filepath.Join(root, "certs"), Concurrency: 1, Seed: 1,
		Faults: []sim.Fault{slow}})
	if code != run.ExitInterrupted {
		t.Fatalf("exit %d, want 130\n%s", code, stderr.String())
	}
	dir := strings.TrimSpace(stdout.String())
	data, err := os.ReadFile(filepath.Join(dir, evidence.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var s evidence.Summary
	json.Unmarshal(data, &s)
	t.Logf("interrupted after %d cases", s.Counts.Total)
	if !s.Run.Interrupted || s.Counts.Total == 0 || s.Counts.Total >= 40 {
		t.Errorf("interrupted %t with %d cases", s.Run.Interrupted, s.Counts.Total)
	}
	// The case in flight when the run stopped is no error of the system or the harness: it is
	// skipped, and says why.
	cut := 0
	for _, c := range s.Run.Cases {
		switch {
		case c.Outcome == evidence.Skipped && strings.Contains(c.SkipReason, "interrupted"):
			cut++
		case c.Outcome != evidence.Passed:
			t.Errorf("%s: %s %+v; want passed, or skipped as interrupted", c.ID, c.Outcome, c.Problem())
		}
	}
	if cut != 1 {
		t.Errorf("%d cases were cut off by the interruption, want the one in flight", cut)
	}
	if v, err := evidence.Verify(dir, ""); err != nil || len(v.Problems) > 0 {
		t.Errorf("the evidence of an interrupted run does not verify: %v %v", err, v)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say so:\n%s", stderr.String())
	}
}

func TestPasswordIsAskedForOnATerminal(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, _, err := pki.EnsureDevPKI(filepath.Join(root, "certs"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	prompt := func(q string) (string, error) { asked = q; return pki.DevP12Password, nil }
	var stdout, stderr bytes.Buffer
	code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now, Prompt: prompt},
		run.Options{Out: filepath.Join(root, "reports"), CertsDir: d.Dir, Cert: d.Path(pki.ClientP12File), Tags: "@tc:NLL-ANSL-01"})
	if code != run.ExitOK || !strings.Contains(asked, "client.p12") {
		t.Fatalf("exit %d, asked %q\n%s", code, asked, stderr.String())
	}
}

func edKey(t *testing.T) crypto.Signer {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ecKey(t *testing.T) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// certOptions writes a self-signed client certificate with key (a CA's when ca) and returns run
// options that use it.
func certOptions(t *testing.T, certs string, key crypto.Signer, ca bool) run.Options {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "leverantör"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().AddDate(1, 0, 0), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "c.key")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return run.Options{CertsDir: certs, Cert: cert, Key: keyFile}
}

// TestEachScenarioGetsItsOwnStepArgument runs the same step text with a different doc string in
// each of three scenarios: godog's cache of step matches (third_party/godog, patch 7) must hand
// each its own argument, and an unknown step must stay unknown when its text comes again.
func TestEachScenarioGetsItsOwnStepArgument(t *testing.T) {
	t.Parallel()
	var f strings.Builder
	f.WriteString("# language: sv\nEgenskap: Prov\n")
	for _, body := range []string{"ett", "två", "tre"} {
		fmt.Fprintf(&f, `
  @tc:PROV-%[1]s @valfri
  Scenario: Kropp %[1]s
    När systemet skickar POST till "Parameters" med kroppen:
      """
      {"resourceType": "Parameters", "parameter": [{"name": "kropp-%[1]s", "valueString": "x"}]}
      """
    Så är svarets statuskod 400
`, body)
	}
	r := execute(t, run.Options{Paths: []string{writeFeature(t, f.String())}})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	sent, err := os.ReadFile(filepath.Join(r.dir, "exchanges.http"))
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"ett", "två", "tre"} {
		if n := strings.Count(string(sent), `"kropp-`+body+`"`); n != 1 {
			t.Errorf("the body of scenario %q was sent %d times, want once", body, n)
		}
	}
	again := writeFeature(t, `# language: sv
Egenskap: Prov
  @tc:PROV-01 @valfri
  Scenario: Ett
    När systemet hämtar "$ping"
    Så är svarets statuskd 200

  @tc:PROV-02 @valfri
  Scenario: Två
    När systemet hämtar "$ping"
    Så är svarets statuskd 200
`)
	if r := execute(t, run.Options{Paths: []string{again}}); r.code != run.ExitUndefined || strings.Count(r.stderr, "unknown step") != 2 {
		t.Errorf("exit %d, want 4 with two unknown steps:\n%s", r.code, r.stderr)
	}
}

// TestTheReferenceSystemIsNoEvidenceForASupplier: a run whose system under test was konform's
// reference system says so on the console, in report.html and in the signed manifest, which
// verify reads back.
func TestTheReferenceSystemIsNoEvidenceForASupplier(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", SUT: "ref"})
	if r.code != run.ExitOK || !strings.Contains(r.stderr, "konform's reference system (--sut ref): no evidence for a supplier's system") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	report, _ := os.ReadFile(filepath.Join(r.dir, "report.html"))
	if !strings.Contains(string(report), "Systemet under test var konforms referenssystem") {
		t.Error("report.html does not say that the system under test was konform's reference system")
	}
	v, err := evidence.Verify(r.dir, "")
	if err != nil || len(v.Problems) > 0 || v.SUTDriver != evidence.ReferenceSystem {
		t.Errorf("verify: %v %v, driver %q", err, v, v.SUTDriver)
	}
	if r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", SUT: "ref"}); r.code != run.ExitOK || strings.Contains(r.stderr, "reference system") {
		t.Errorf("a run without @sut cases names the reference system: %d\n%s", r.code, r.stderr)
	}
}

// TestWhatTheUserTypedIsRedacted: a personnummer typed into --case or --operator (and so into
// the command line) is redacted in every evidence file, as in the exchanges.
func TestWhatTheUserTypedIsRedacted(t *testing.T) {
	t.Parallel()
	const pnr = "189001019802"
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-01", Case: "ärende " + pnr, Operator: "Test Testsson " + pnr,
		CommandLine: "konform run --case 'ärende " + pnr + "'"})
	if r.dir == "" || r.summary.Run.Case == "" || !strings.HasPrefix(r.summary.Run.Operator, "Test Testsson ") {
		t.Fatalf("exit %d, case %q, operator %q\n%s", r.code, r.summary.Run.Case, r.summary.Run.Operator, r.stderr)
	}
	filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if data, _ := os.ReadFile(path); strings.Contains(string(data), pnr) {
			t.Errorf("%s holds the personnummer", path)
		}
		return nil
	})
}

// TestAFrontEndPageInsteadOfNLLIsNoVerdict checks that a base URL which answers $ping with a
// 404 or 5xx page that is no FHIR (a wrong path, a load balancer with nothing behind it) stops
// the run as unreachable, exit 3, rather than fail every case and read as "not approved".
func TestAFrontEndPageInsteadOfNLLIsNoVerdict(t *testing.T) {
	t.Parallel()
	for _, status := range []int{404, 502} {
		r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01", Faults: []sim.Fault{{HTML: true, Status: status}}})
		if r.code != run.ExitHarness || !strings.Contains(r.stderr, fmt.Sprintf("$ping answered %d", status)) || !strings.Contains(r.stderr, "not FHIR") ||
			r.summary.Verdict != evidence.Inconclusive {
			t.Errorf("HTML %d: exit %d, verdict %s\n%s", status, r.code, r.summary.Verdict, r.stderr)
		}
	}
}
