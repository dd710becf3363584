package run_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/run"
)

// operator is a fake terminal: the lines the operator types, in order. When they run out, it
// waits (the operator has gone) until the run is interrupted.
type operator struct {
	mu    sync.Mutex
	lines []string
	asked chan string
}

func (o *operator) ask(ctx context.Context, question string) (string, error) {
	o.mu.Lock()
	if len(o.lines) > 0 {
		line := o.lines[0]
		o.lines = o.lines[1:]
		o.mu.Unlock()
		return line, nil
	}
	o.mu.Unlock()
	if o.asked != nil {
		o.asked <- question
	}
	<-ctx.Done()
	return "", ctx.Err()
}

// executeManual runs konform run with the manual driver and a fake terminal, as a user would.
func executeManual(t *testing.T, ctx context.Context, opts run.Options, ask *operator) result {
	t.Helper()
	root := t.TempDir()
	opts.Out, opts.CertsDir, opts.SUT, opts.Operator = filepath.Join(root, "reports"), filepath.Join(root, "certs"), "manual", "Anna Testare"
	var stdout, stderr bytes.Buffer
	sys := run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now}
	if ask != nil {
		sys.Ask = ask.ask
	}
	code := run.Execute(ctx, sys, opts)
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String(), dir: strings.TrimSpace(stdout.String())}
	s, err := evidence.ReadSummary(r.dir)
	if err != nil {
		t.Fatalf("exit %d, no summary: %v\n%s", code, err, r.stderr)
	}
	r.summary = *s
	return r
}

// TestOperatorAnswersAreEvidence runs the case an operator confirms with a screenshot: the
// instruction is shown, the answers and the operator are in the evidence, the screenshot is
// copied and signed, verify accepts the folder and refuses it once the screenshot is changed;
// "nej" fails the case at the confirmation.
func TestOperatorAnswersAreEvidence(t *testing.T) {
	t.Parallel()
	shot := filepath.Join(t.TempDir(), "patient-199802262387.png")
	os.WriteFile(shot, []byte("\x89PNG the system shows: Förskrivningen avvisades (422)"), 0o644)
	answers := []string{"j", "422", "", "Felet visades direkt", "", // the action
		"j", "Se skärmbilden; token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln för 199802262387", shot} // the confirmation
	r := executeManual(t, context.Background(), run.Options{Tags: "@tc:SUT-VARD-20"}, &operator{lines: answers})
	c := r.outcome(t, "SUT-VARD-20")
	if c.Outcome != evidence.Passed || len(c.Attachments) != 1 || len(c.DriverLogs) != 2 || r.summary.Run.SUT.Driver != "manual" {
		t.Fatalf("exit %d: %s, attachments %+v, logs %+v\n%s", r.code, c.Outcome, c.Attachments, c.DriverLogs, r.stderr)
	}
	if !strings.Contains(r.stderr, "Testfall SUT-VARD-20: skapa förskrivning") || !strings.Contains(r.stderr, "Stämmer det att systemet visade NLL:s felmeddelande") {
		t.Errorf("the terminal did not show the instruction and the question:\n%s", r.stderr)
	}
	log, _ := os.ReadFile(filepath.Join(r.dir, c.DriverLogs[1].File))
	sum := sha256.Sum256(must(os.ReadFile(shot)))
	for _, want := range []string{"# operator: Anna Testare", "[j]a / [n]ej: j", "Se skärmbilden", "# attached: ", hex.EncodeToString(sum[:])} {
		if !strings.Contains(string(log), want) {
			t.Errorf("%s lacks %q:\n%s", c.DriverLogs[1].File, want, log)
		}
	}
	filepath.WalkDir(r.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path != filepath.Join(r.dir, c.Attachments[0].File) {
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte("199802262387")) || bytes.Contains(data, []byte("eyJhbGciOiJSUzI1NiJ9")) {
				t.Errorf("%s holds the personnummer or the token of the operator's answer", path)
			}
		}
		if strings.Contains(path, "199802262387") {
			t.Errorf("a file of the evidence is named with the personnummer: %s", path)
		}
		return nil
	})
	for _, want := range []string{"Drivrutinens logg", "Bilagor från operatören", c.Attachments[0].File} {
		if report, _ := os.ReadFile(filepath.Join(r.dir, evidence.ReportFile)); !bytes.Contains(report, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if junit, _ := os.ReadFile(filepath.Join(r.dir, evidence.JUnitFile)); !bytes.Contains(junit, []byte("driver: ")) || !bytes.Contains(junit, []byte("attachment: ")) {
		t.Error("junit.xml lacks the driver's log and the attachment")
	}
	copied := filepath.Join(r.dir, c.Attachments[0].File)
	if data, err := os.ReadFile(copied); err != nil || !bytes.Contains(data, []byte("Förskrivningen avvisades")) {
		t.Fatalf("the screenshot is not in the evidence: %v", err)
	}
	if v, err := evidence.Verify(r.dir, ""); err != nil || len(v.Problems) > 0 {
		t.Fatalf("the evidence does not verify: %v %v", err, v)
	}
	os.WriteFile(copied, []byte("\x89PNG another picture"), 0o644)
	if v, err := evidence.Verify(r.dir, ""); err != nil || !strings.Contains(strings.Join(v.Problems, "\n"), c.Attachments[0].File) {
		t.Fatalf("a changed screenshot verifies: %v %v", err, v)
	}

	noFile := append(append([]string{}, answers[:7]...), "")
	r = executeManual(t, context.Background(), run.Options{Tags: "@tc:SUT-VARD-20"}, &operator{lines: noFile})
	c = r.outcome(t, "SUT-VARD-20")
	if p := c.Problem(); c.Outcome != evidence.Failed || p == nil || !strings.Contains(p.Message, "expected a file (such as a screenshot), got none") {
		t.Fatalf("ja without the screenshot: %s at %+v", c.Outcome, p)
	}

	answers[5], answers[6] = "n", "Felet syns inte för användaren"
	r = executeManual(t, context.Background(), run.Options{Tags: "@tc:SUT-VARD-20"}, &operator{lines: answers})
	c = r.outcome(t, "SUT-VARD-20")
	if p := c.Problem(); c.Outcome != evidence.Failed || p == nil || !strings.Contains(p.Text, "bekräftar operatören") || !strings.Contains(p.Message, "Felet syns inte") {
		t.Fatalf("nej: %s at %+v", c.Outcome, p)
	}
}

// TestManualWithoutATerminalIsSkippedAndInconclusive: in CI there is no operator, so the cases
// are skipped with the reason and a mandatory one leaves the verdict inconclusive.
func TestManualWithoutATerminalIsSkippedAndInconclusive(t *testing.T) {
	t.Parallel()
	r := executeManual(t, context.Background(), run.Options{}, nil)
	c := r.outcome(t, "SUT-VARD-01")
	if c.Outcome != evidence.Skipped || !strings.Contains(c.SkipReason, "operator at a terminal") || r.summary.Verdict != evidence.Inconclusive || r.code != run.ExitHarness {
		t.Fatalf("exit %d, %s (%s), verdict %s", r.code, c.Outcome, c.SkipReason, r.summary.Verdict)
	}
}

// TestInterruptedOperatorKeepsTheAnswersSoFar: Ctrl-C while konform waits for the operator ends
// the run with exit 130, and the evidence of what was answered is written and signed.
func TestInterruptedOperatorKeepsTheAnswersSoFar(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	op := &operator{lines: []string{"j", "201", "", "Klart", ""}, asked: make(chan string, 1)}
	go func() { <-op.asked; cancel() }() // the operator presses Ctrl-C at the second question
	r := executeManual(t, ctx, run.Options{Tags: "@tc:SUT-VARD-15"}, op)
	if r.code != run.ExitInterrupted || !r.summary.Run.Interrupted {
		t.Fatalf("exit %d, interrupted %v; want 130\n%s", r.code, r.summary.Run.Interrupted, r.stderr)
	}
	c := r.outcome(t, "SUT-VARD-15")
	if len(c.DriverLogs) == 0 {
		t.Fatal("the answers before the interruption are not in the evidence")
	}
	if log, _ := os.ReadFile(filepath.Join(r.dir, c.DriverLogs[0].File)); !strings.Contains(string(log), "Kommentar (tomt för ingen): Klart") {
		t.Errorf("the first action's answers are missing:\n%s", log)
	}
	if v, err := evidence.Verify(r.dir, ""); err != nil || len(v.Problems) > 0 {
		t.Fatalf("the interrupted run's evidence does not verify: %v %v", err, v)
	}
}

// TestDriverErrorsKeepNoSecrets: a command that fails with a token on stderr makes the case an
// error that names the command and its exit code, and neither the step's message nor the
// driver's log holds the token.
func TestDriverErrorsKeepNoSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "sut.sh")
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"
	const opaque = "0paqueS3cretTokenValue42"
	os.WriteFile(script, []byte("#!/bin/sh\necho '> Authorization: Bearer "+opaque+"' >&2\necho 'NLL refused Authorization: Bearer "+token+"' >&2\nexit 4\n"), 0o755)
	cfg := filepath.Join(dir, "konform.yaml")
	os.WriteFile(cfg, []byte("sut: {driver: command, command: ["+script+"]}\n"), 0o644)
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", Config: cfg})
	c := r.outcome(t, "SUT-VARD-01")
	p := c.Problem()
	if c.Outcome != evidence.Error || p == nil || !strings.Contains(p.Message, "sut.sh exited 4") || strings.Contains(p.Message, token) ||
		strings.Contains(p.Message, opaque) || !strings.Contains(p.Message, "[token redacted]") {
		t.Fatalf("%s: %+v", c.Outcome, p)
	}
	for _, l := range c.DriverLogs {
		if data, _ := os.ReadFile(filepath.Join(r.dir, l.File)); strings.Contains(string(data), token) || strings.Contains(string(data), opaque) {
			t.Errorf("%s holds the token", l.File)
		}
	}
	if len(c.DriverLogs) == 0 {
		t.Error("no driver log for the failed action")
	}
}

// TestCommandGetsAbsolutePaths: the command runs in its configuration's folder, so the files
// konform names in KONFORM_GATEWAY_CA, KONFORM_CLIENT_CERT and KONFORM_CLIENT_KEY are absolute
// and readable from there, also when --certs is relative to konform's folder.
func TestCommandGetsAbsolutePaths(t *testing.T) {
	t.Chdir(t.TempDir())
	sys := t.TempDir()
	script := filepath.Join(sys, "sut.sh")
	os.WriteFile(script, []byte(`#!/bin/sh
for f in "$KONFORM_GATEWAY_CA" "$KONFORM_CLIENT_CERT" "$KONFORM_CLIENT_KEY"; do
  case "$f" in /*) ;; *) echo "relative: $f" >&2; exit 5;; esac
  test -r "$f" || { echo "unreadable: $f" >&2; exit 6; }
done
echo '{"status": 201}'
`), 0o755)
	cfg := filepath.Join(sys, "sut.yaml")
	os.WriteFile(cfg, []byte("sut: {driver: command, command: ["+script+"]}\n"), 0o644)
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", SUTConfig: cfg, CertsDir: "certs"})
	if p := r.outcome(t, "SUT-VARD-01").Problem(); p != nil && strings.Contains(p.Message, "sut.sh exited") {
		t.Fatalf("the command could not use konform's files: %s", p.Message)
	}
	// Without --system the run says, once, that the evidence will name no system.
	if strings.Count(r.stderr, "the run does not name the system under approval: pass --system system.yaml") != 1 {
		t.Errorf("no line asking for --system:\n%s", r.stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestHookRedirectIsNotFollowed: a test hook that answers with a redirect is an error naming the
// status; konform does not follow it (its bearer token goes to the hook's own URL only).
func TestHookRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	followed := false
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
			w.Write([]byte(`{"status": 201}`))
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	t.Cleanup(hook.Close)
	cfg := filepath.Join(t.TempDir(), "konform.yaml")
	os.WriteFile(cfg, []byte("sut: {driver: http, url: '"+hook.URL+"/konform'}\n"), 0o644)
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", Config: cfg})
	c := r.outcome(t, "SUT-VARD-01")
	if p := c.Problem(); c.Outcome != evidence.Error || p == nil || !strings.Contains(p.Message, "answered 302") || followed {
		t.Fatalf("%s, %+v, followed %v", c.Outcome, p, followed)
	}
}

// TestTheHooksTokenStaysOutOfTheEvidence: a test hook that repeats its bearer token (in what the
// system shows, and in its log) leaves no trace of it in any evidence file.
func TestTheHooksTokenStaysOutOfTheEvidence(t *testing.T) {
	const token = "hooksecret-0123456789"
	t.Setenv("KONFORM_TEST_HOOK_TOKEN", token)
	hook := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		fmt.Fprintf(w, `{"status": 201, "shown": "token %s"}`, got)
	}))
	t.Cleanup(hook.Close)
	root := t.TempDir()
	ca := filepath.Join(root, "hook-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hook.Certificate().Raw}), 0o644)
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte("sut: {driver: http, url: '"+hook.URL+"/konform', ca: '"+ca+"', token_env: KONFORM_TEST_HOOK_TOKEN}\n"), 0o644)
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", Config: cfg})
	if r.dir == "" || len(r.outcome(t, "SUT-VARD-01").DriverLogs) == 0 {
		t.Fatalf("no driver log: exit %d\n%s", r.code, r.stderr)
	}
	filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(token)) {
			t.Errorf("%s holds the hook's token", path)
		}
		return nil
	})
}

// TestADriverThatCannotRunStopsTheRunAtOnce checks that a command driver whose program is not
// there is a configuration error (exit 2) and a test hook nobody answers a connection error
// (exit 3), each said in one line before any request: they used to error in every @sut case.
func TestADriverThatCannotRunStopsTheRunAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missing, []byte("sut: {driver: command, command: [./journalya.py]}\n"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	silent := filepath.Join(dir, "silent.yaml")
	os.WriteFile(silent, []byte("sut: {driver: http, url: "+closed+"}\n"), 0o644)
	for _, c := range []struct {
		cfg, want string
		code      int
	}{
		{missing, "sut command: ./journalya.py was not found", run.ExitUsage},
		{silent, "sut http: the test hook " + closed + " does not answer", run.ExitHarness},
	} {
		r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01,@tc:NLL-ANSL-01", SUTConfig: c.cfg})
		if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || r.dir != "" {
			t.Errorf("%s: exit %d, evidence %q, stderr:\n%s\nwant exit %d and one line with %q before any case", filepath.Base(c.cfg), r.code, r.dir, r.stderr, c.code, c.want)
		}
	}
}

// TestAnInterruptWhileTheHookIsProbedExits130 checks that Ctrl-C while konform waits for a test
// hook that does not answer is an interruption (130), not a connection error (3).
func TestAnInterruptWhileTheHookIsProbedExits130(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer hook.Close()
	defer close(release)
	cfg := filepath.Join(t.TempDir(), "sut.yaml")
	os.WriteFile(cfg, []byte("sut: {driver: http, url: "+hook.URL+"/hook}\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var stdout, stderr bytes.Buffer
	root := t.TempDir()
	code := run.Execute(ctx, run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
		run.Options{Tags: "@tc:SUT-VARD-01", SUTConfig: cfg, Out: filepath.Join(root, "reports"), CertsDir: filepath.Join(root, "certs")})
	if code != run.ExitInterrupted || strings.Contains(stderr.String(), "does not answer") {
		t.Fatalf("exit %d\n%s\nwant 130, not the hook's connection error", code, stderr.String())
	}
}
