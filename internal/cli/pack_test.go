package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

func konform(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	sys, out, errb := system(nil)
	code := Main(context.Background(), sys, args)
	return code, out.String(), errb.String()
}

// TestPackSignAndVerify: konform pack sign writes pack.sig into a pack folder and PATH.sig beside a
// plan; konform pack verify prints the digest and exits 0 for the signed pack, 1 for another
// signer or a changed byte, 2 for what is no pack.
func TestPackSignAndVerify(t *testing.T) {
	certs := t.TempDir()
	if err := pki.GenerateDevPKI(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	id, err := pki.LoadIdentity(filepath.Join(certs, "client.pem"), filepath.Join(certs, "client.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "features"), 0o755)
	os.WriteFile(filepath.Join(root, "pack.yaml"), []byte("id: p\ntitle: P\nversion: \"1\"\nnll_release: \"21\"\npublisher: X\ndate: 2026-11-01\npatients: [\"189001029819\"]\n"), 0o644)
	os.WriteFile(filepath.Join(root, "krav.yaml"), []byte("krav: []\n"), 0o644)
	os.WriteFile(filepath.Join(root, "features", "a.feature"), []byte("# language: sv\n"), 0o644)

	if code, _, stderr := konform(t, "pack", "verify", root); code != run.ExitFailed || !strings.Contains(stderr, "is not signed") {
		t.Errorf("unsigned: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := konform(t, "pack", "sign", "--cert", filepath.Join(certs, "client.pem"), "--key", filepath.Join(certs, "client.key"), root)
	if code != 0 || strings.TrimSpace(stdout) != filepath.Join(root, "pack.sig") || !strings.Contains(stderr, id.Fingerprint()) {
		t.Fatalf("sign: exit %d, %q, %q", code, stdout, stderr)
	}
	code, stdout, stderr = konform(t, "pack", "verify", "--signer-sha256", id.Fingerprint(), root)
	if code != 0 || len(strings.TrimSpace(stdout)) != 64 || !strings.Contains(stderr, "signed and unchanged") {
		t.Errorf("verify: exit %d, %q, %q", code, stdout, stderr)
	}
	if code, _, stderr := konform(t, "pack", "verify", "--signer-sha256", strings.Repeat("1", 64), root); code != run.ExitFailed || !strings.Contains(stderr, "not by the certificate") {
		t.Errorf("another signer: exit %d, %q", code, stderr)
	}
	os.WriteFile(filepath.Join(root, "features", "a.feature"), []byte("# language: sv \n"), 0o644)
	if code, _, stderr := konform(t, "pack", "verify", root); code != run.ExitFailed || !strings.Contains(stderr, "was changed after it was signed") {
		t.Errorf("a changed byte: exit %d, %q", code, stderr)
	}

	plan := filepath.Join(t.TempDir(), "plan.yaml")
	os.WriteFile(plan, []byte("case: D1\nrequired: [A-1]\n"), 0o644)
	if code, stdout, _ := konform(t, "pack", "sign", "--cert", filepath.Join(certs, "client.pem"), "--key", filepath.Join(certs, "client.key"), plan); code != 0 || strings.TrimSpace(stdout) != plan+".sig" {
		t.Errorf("sign a plan: exit %d, %q", code, stdout)
	}
	if code, _, stderr := konform(t, "pack", "verify", plan); code != 0 {
		t.Errorf("verify a plan: exit %d, %q", code, stderr)
	}
	if code, _, stderr := konform(t, "pack", "verify", t.TempDir()); code != run.ExitUsage || !strings.Contains(stderr, "no pack.yaml") {
		t.Errorf("no pack: exit %d, %q", code, stderr)
	}
	if code, _, stderr := konform(t, "pack", "sign", root); code != run.ExitUsage || !strings.Contains(stderr, "needs --cert") {
		t.Errorf("no --cert: exit %d, %q", code, stderr)
	}
}
