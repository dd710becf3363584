//go:build unix

package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/signing"
)

// signedFolder writes a small evidence folder signed with a fresh self-signed key.
func signedFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "exchanges", "A-1"), 0o755)
	os.WriteFile(filepath.Join(dir, "summary.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "exchanges", "A-1", "001.http"), []byte("GET /"), 0o644)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	sum := sha256.Sum256(der)
	m := evidence.Manifest{RunID: "r", Client: evidence.SignerInfo{CertInfo: evidence.CertInfo{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Fingerprint: hex.EncodeToString(sum[:])}}}
	if err := evidence.WriteManifest(dir, m, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// verifyCLI runs konform verify and fails the test when it has not exited within 10 s.
func verifyCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	sys, out, errb := system(nil)
	done := make(chan int, 1)
	go func() { done <- Main(ctx, sys, append([]string{"verify"}, args...)) }()
	select {
	case code := <-done:
		return code, out.String(), errb.String()
	case <-time.After(10 * time.Second):
		t.Fatalf("konform verify %s has not exited after 10 s", strings.Join(args, " "))
		return 0, "", ""
	}
}

// TestVerifyReportsWhatIsNoRegularFile: a link to a folder, a link to /dev/zero and a FIFO in an
// evidence folder are findings (exit 1, one line each on stdout), never followed or opened.
func TestVerifyReportsWhatIsNoRegularFile(t *testing.T) {
	dir := signedFolder(t)
	if code, _, errb := verifyCLI(t, context.Background(), dir); code != run.ExitOK {
		t.Fatalf("a fresh folder: exit %d\n%s", code, errb)
	}
	os.Symlink(t.TempDir(), filepath.Join(dir, "exchanges", "B-1"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero"))
	fifo := filepath.Join(dir, "exchanges", "A-1", "002.http")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // releases a reader blocked in open (the defect)
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	code, out, errb := verifyCLI(t, context.Background(), dir)
	if code != run.ExitFailed || !strings.Contains(errb, "is NOT intact: 3 problem(s)") {
		t.Errorf("exit %d, want 1\n%s", code, errb)
	}
	for _, want := range []string{"not a regular file: exchanges/A-1/002.http (FIFO)\n", "not a regular file: exchanges/B-1 (symlink to ",
		"not a regular file: zero (symlink to /dev/zero)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// TestVerifyOfReportsLatest: the folder itself may be a link, as reports/latest is.
func TestVerifyOfReportsLatest(t *testing.T) {
	dir := signedFolder(t)
	latest := filepath.Join(t.TempDir(), "latest")
	os.Symlink(dir, latest)
	if code, out, errb := verifyCLI(t, context.Background(), latest); code != run.ExitOK {
		t.Errorf("exit %d\n%s%s", code, out, errb)
	}
}

// TestVerifyNotesAFolderNamedForAnotherRun: a run's folder is named by its id, and the name is not
// signed; evidence copied under another run's name verifies intact, with a note that says so.
func TestVerifyNotesAFolderNamedForAnotherRun(t *testing.T) {
	dir := signedFolder(t) // of run "r"
	for name, note := range map[string]bool{"20261201T090000Z-bbbbbb": true, "bevis-inlamnat": false} {
		named := filepath.Join(t.TempDir(), name)
		os.Symlink(dir, named)
		latest := filepath.Join(t.TempDir(), "latest")
		os.Symlink(named, latest)
		for _, d := range []string{named, latest} {
			code, _, errb := verifyCLI(t, context.Background(), d)
			if code != run.ExitOK || strings.Contains(errb, "note: the folder is named 20261201T090000Z-bbbbbb, but the evidence is of run r") != note {
				t.Errorf("%s: exit %d, want a note: %t\n%s", d, code, note, errb)
			}
		}
	}
}

func TestVerifyBoundsWhatItReads(t *testing.T) {
	dir := signedFolder(t)
	f, _ := os.Create(filepath.Join(dir, "big"))
	f.Truncate(2<<20 + 1)
	f.Close()
	code, out, _ := verifyCLI(t, context.Background(), "--max-file", "2", dir)
	if code != run.ExitFailed || !strings.Contains(out, "too large: big (2097153 bytes, over the limit of 2097152 a file)") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = verifyCLI(t, context.Background(), "--max-total", "1", dir)
	if code != run.ExitFailed || !strings.Contains(out, "too large: the folder holds more than 1048576 bytes") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if code, _, errb := verifyCLI(t, context.Background(), "--max-file", "0", dir); code != run.ExitUsage {
		t.Errorf("--max-file 0: exit %d\n%s", code, errb)
	}
}

// TestVerifyInterruptedExits130: an interrupt (the context main cancels on the first signal)
// stops verify at once with 130, not a verdict on the folder.
func TestVerifyInterruptedExits130(t *testing.T) {
	dir := signedFolder(t)
	f, _ := os.Create(filepath.Join(dir, "big"))
	f.Truncate(1 << 30)
	f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	code, out, errb := verifyCLI(t, ctx, dir)
	if code != run.ExitInterrupted || out != "" || !strings.Contains(errb, "interrupted") || strings.Count(errb, "\n") != 1 {
		t.Errorf("exit %d, want 130\nstdout %q\nstderr %q", code, out, errb)
	}
}

// TestVerifyOfSomethingElseExits2: a file or a FIFO given as the folder is no evidence folder.
func TestVerifyOfSomethingElseExits2(t *testing.T) {
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, filepath.Join(tmp, "missing")} {
		if code, _, errb := verifyCLI(t, context.Background(), p); code != run.ExitUsage || !strings.HasPrefix(errb, "konform: ") {
			t.Errorf("%s: exit %d\n%s", p, code, errb)
		}
	}
}

// TestVerifyRequireVerdictRefusesTheReferenceSystem: evidence whose system under test was konform's
// own reference system (--sut ref, or another driver that reached it) is no evidence for a
// supplier's system, so --require-verdict refuses it even when the run was approved against a test
// environment. It used to exit 0 with verify's own line saying "no evidence for a supplier's system".
func TestVerifyRequireVerdictRefusesTheReferenceSystem(t *testing.T) {
	id, err := pki.IssueClient("Leverantörens Test CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	folder := func(sut *evidence.SUTInfo) string {
		dir := t.TempDir()
		client := evidence.CertInfo{Subject: id.Leaf.Subject.String(), Issuer: id.Leaf.Issuer.String(), Fingerprint: signing.Fingerprint(id.Leaf)}
		r := &evidence.Run{ID: "20261124T101500Z-a1b2c3", System: &evidence.System{Name: "Journalen", Version: "4.2"}, Environment: "ext5-x2", EnvironmentKind: evidence.TestKind, BaseURL: "https://ext5-x2.example/fhir",
			PackDigest: "ab", SUT: sut, Client: client, Cases: []*evidence.Case{{ID: "SUT-VARD-01", File: "a.feature", Mandatory: true, Outcome: evidence.Passed}}}
		if err := evidence.Write(dir, r); err != nil {
			t.Fatal(err)
		}
		m := evidence.Manifest{RunID: r.ID, System: r.System, Verdict: r.Verdict(), PackDigest: r.PackDigest, SUTDriver: sut.Driver, SUTReference: sut.ReferenceCalls > 0,
			Environment: evidence.EnvironmentInfo{Name: r.Environment, Kind: r.EnvironmentKind, BaseURL: r.BaseURL}, Client: evidence.SignerInfo{CertInfo: client}}
		if err := evidence.WriteManifest(dir, m, id.Key, []*x509.Certificate{id.Leaf}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, k := range []struct {
		name string
		sut  *evidence.SUTInfo
		want int
	}{
		{"ref", &evidence.SUTInfo{Driver: evidence.ReferenceSystem}, 1},
		{"command that reached the reference system", &evidence.SUTInfo{Driver: "command", ReferenceCalls: 3}, 1},
		{"the supplier's system", &evidence.SUTInfo{Driver: "command"}, 0},
	} {
		code, _, errb := verifyCLI(t, context.Background(), "--require-env", "test", "--require-verdict", "approved", folder(k.sut))
		if code != k.want || k.want == 1 && (!strings.Contains(errb, "--require-verdict approved: the system under test was konform's reference system") ||
			!strings.Contains(errb, "NOT ACCEPTED")) {
			t.Errorf("%s: exit %d, want %d\n%s", k.name, code, k.want, errb)
		}
	}
}
