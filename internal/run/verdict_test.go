package run_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// TestUnreachableTargetStopsEarlyWithOneLine: against a name that does not resolve, a port
// nobody listens on or a port that speaks plain HTTP, the run tries no case, prints one line naming the URL and the cause, exits 3
// and writes evidence whose verdict is inconclusive, never "not approved".
func TestUnreachableTargetStopsEarlyWithOneLine(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	plain := httptest.NewServer(http.NotFoundHandler()) // plain HTTP where HTTPS was configured
	defer plain.Close()
	for _, base := range []string{"https://" + closed + "/fhir", "https://konform-no-such-host.invalid/fhir", "https://" + plain.Listener.Addr().String() + "/fhir"} {
		root := t.TempDir()
		certs := filepath.Join(root, "certs")
		if _, _, err := pki.EnsureDevPKI(certs, time.Now()); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(root, "konform.yaml")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`environments:
  borta:
    kind: test
    base_url: %s
    ca: %s
    client: {cert: %s, key: %s}
`, base, filepath.Join(certs, pki.CAFile), filepath.Join(certs, pki.ClientCertFile), filepath.Join(certs, pki.ClientKeyFile))), 0o644)
		r := execute(t, run.Options{Env: "borta", Config: cfg, CertsDir: certs})
		if r.summary.Run.EnvironmentKind != evidence.SimulatorKind {
			t.Errorf("%s: a run with the dev PKI is marked %q; only konform's simulator accepts that PKI", base, r.summary.Run.EnvironmentKind)
		}
		if r.code != run.ExitHarness || r.summary.Verdict != evidence.Inconclusive || len(r.summary.Run.Cases) != 0 {
			t.Errorf("%s: exit %d, verdict %s, %d cases; want 3, inconclusive, none tried\n%s", base, r.code, r.summary.Verdict, len(r.summary.Run.Cases), r.stderr)
		}
		if n := strings.Count(r.stderr, base); n != 1 || !strings.Contains(r.stderr, "konform: cannot reach") || r.summary.Run.Unreachable == "" {
			t.Errorf("%s: the URL appears %d times; want one line naming it and the cause:\n%s", base, n, r.stderr)
		}
		// The CI's test report shows the cause too: one error, not an empty report.
		junit, _ := os.ReadFile(filepath.Join(r.dir, evidence.JUnitFile))
		if !strings.Contains(string(junit), `<error message="the environment could not be reached, so no case ran: `) || strings.Count(string(junit), "<testcase ") != 1 {
			t.Errorf("%s: junit.xml does not name the cause in one error:\n%s", base, junit)
		}
	}
}

// TestPartialRunRecordsItsSelection: one case of the pack gets the verdict partial, and the
// selection is in the summary, the junit properties, the signed manifest and the report.
func TestPartialRunRecordsItsSelection(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-TA05-01"})
	sel := r.summary.Run.Selection
	if r.code != run.ExitOK || r.summary.Verdict != evidence.Partial || sel.Tags != "@tc:NLL-TA05-01" || len(sel.NotRun) != sel.Required-1 || sel.Required < 40 {
		t.Fatalf("exit %d, verdict %s, selection %+v", r.code, r.summary.Verdict, sel)
	}
	for file, want := range map[string][]string{
		evidence.JUnitFile:    {`name="konform.verdict" value="partial"`, `name="konform.selection.tags" value="@tc:NLL-TA05-01"`, `name="konform.environment.kind" value="simulator"`},
		evidence.ManifestFile: {`"verdict": "partial"`, `"tags": "@tc:NLL-TA05-01"`, `"kind": "simulator"`, `"mandatoryNotRun"`},
		evidence.ReportFile:   {"Delkörning – inget utslag", "@tc:NLL-TA05-01", "Körning mot konforms simulator – inte bevis för godkännande"},
	} {
		data, err := os.ReadFile(filepath.Join(r.dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s lacks %s", file, w)
			}
		}
	}
}

// TestProgressCountsEachCaseAsItFinishes: on a terminal each case's line carries [n/N].
func TestProgressCountsEachCaseAsItFinishes(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	root := t.TempDir()
	code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now, Progress: true},
		run.Options{Tags: "@anslutning", Out: filepath.Join(root, "r"), CertsDir: filepath.Join(root, "c")})
	lines := strings.Split(stderr.String(), "\n")
	var counted []string
	for _, l := range lines {
		if strings.HasPrefix(l, "[") {
			counted = append(counted, l[:strings.Index(l, "]")+1])
		}
	}
	if code != run.ExitOK || len(counted) < 5 || counted[0] != fmt.Sprintf("[1/%d]", len(counted)) || counted[len(counted)-1] != fmt.Sprintf("[%d/%d]", len(counted), len(counted)) {
		t.Fatalf("exit %d, counters %v\n%s", code, counted, stderr.String())
	}
	if n := strings.Count(stderr.String(), "NLL-ANSL-01 "); n != 1 {
		t.Errorf("NLL-ANSL-01 printed %d times", n)
	}
}

// TestSimulatorConfiguredAsATestEnvironmentIsStillMarked: konform's simulator served standalone
// and configured as kind test is recognised by its development PKI, and the evidence says
// simulator.
func TestSimulatorConfiguredAsATestEnvironmentIsStillMarked(t *testing.T) {
	t.Parallel()
	env := remoteEnv(t, "")
	r := execute(t, run.Options{Env: "lokal", Config: env.cfg, CertsDir: env.certs, Tags: "@tc:NLL-ANSL-01"})
	if r.summary.Run.EnvironmentKind != evidence.SimulatorKind || !strings.Contains(r.stderr, "konform's development PKI") {
		t.Fatalf("kind %q\n%s", r.summary.Run.EnvironmentKind, r.stderr)
	}
}

// TestAnswerOverTheBodyLimitIsAnError: an answer larger than the limit ends the case as error with
// one clear line, and the evidence is written.
func TestAnswerOverTheBodyLimitIsAnError(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-01", MaxBody: 64})
	if c := r.outcome(t, "NLL-ANSL-01"); c.Outcome != evidence.Error || r.code != run.ExitHarness || !strings.Contains(r.stderr, "larger than konform's limit of 64 bytes") {
		t.Fatalf("outcome %s, exit %d\n%s", c.Outcome, r.code, r.stderr)
	}
}

// TestATableOnAStepThatTakesNoneIsAnError: a data table the step does not take is not ignored.
func TestATableOnAStepThatTakesNoneIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	feature := filepath.Join(dir, "t.feature")
	os.WriteFile(feature, []byte("# language: sv\nEgenskap: T\n  @tc:T-1 @valfri\n  Scenario: en tabell för mycket\n    När systemet hämtar \"$ping\"\n      | a | b |\n      | 1 | 2 |\n    Så är svarets statuskod 200\n"), 0o644)
	r := execute(t, run.Options{Paths: []string{feature}})
	c := r.outcome(t, "T-1")
	if p := c.Problem(); c.Outcome != evidence.Error || p == nil || !strings.Contains(p.Message, "takes no data table") {
		t.Fatalf("outcome %s, problem %+v\n%s", c.Outcome, p, r.stderr)
	}
}

// ownCA serves h over mutual TLS with certificates that are not konform's dev PKI: httptest's
// server certificate, and a client certificate of a CA of its own. It writes ca.pem, client.pem
// and client.key to a folder and returns it, with the server's URL.
func ownCA(t *testing.T, h http.Handler) (root, url string) {
	t.Helper()
	root = t.TempDir()
	client, err := pki.IssueClient("Egen test-CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(client.Key)
	if err != nil {
		t.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(client.Chain[0])
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for name, data := range map[string][]byte{
		"ca.pem":     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
		"client.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: client.Leaf.Raw}),
		"client.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}),
	} {
		os.WriteFile(filepath.Join(root, name), data, 0o600)
	}
	return root, srv.URL
}

// TestTheSimulatorIsKnownByItsAnswers: konform's simulator served with certificates of a CA of
// its own (not the dev PKI) and configured as kind: test still answers as the simulator, so the
// run and its signed evidence say simulator; the server's certificate is in the evidence.
func TestTheSimulatorIsKnownByItsAnswers(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		t.Fatal(err)
	}
	root, url := ownCA(t, s)
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("environments:\n  egen:\n    kind: test\n    base_url: %s%s\n    ca: ca.pem\n    client: {cert: client.pem, key: client.key}\n",
		url, s.BasePath())), 0o644)
	r := execute(t, run.Options{Env: "egen", Config: cfg, Tags: "@tc:NLL-ANSL-01"})
	if r.dir == "" || r.summary.Run.EnvironmentKind != evidence.SimulatorKind || !strings.Contains(r.stderr, "answers as konform's simulator") {
		t.Fatalf("exit %d, kind %q\n%s", r.code, r.summary.Run.EnvironmentKind, r.stderr)
	}
	if got := r.summary.Run.Server; got == nil || !strings.Contains(got.Issuer, "Acme Co") {
		t.Errorf("the evidence names the server's certificate %+v, want httptest's (Acme Co)", got)
	}
	v, err := evidence.Verify(r.dir, "")
	if err != nil || len(v.Problems) > 0 || v.Environment.Kind != evidence.SimulatorKind || v.Environment.Server == nil {
		t.Errorf("verify: %+v %v", v, err)
	}
}
