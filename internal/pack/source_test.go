package pack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
)

const testInfo = `id: prov
title: Provpaket
version: "1.2"
nll_release: "21"
publisher: Testförfattaren
date: 2026-11-01
patients: ["189001029819"]
`

const testKrav = "krav:\n  - {id: NOPE, text: t, level: BÖR, source: https://x}\n"

// makePack writes a pack folder with pack.yaml and krav.yaml (which files may replace) and files.
func makePack(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	all := map[string]string{"pack.yaml": testInfo, "krav.yaml": testKrav}
	for name, body := range files {
		all[name] = body
	}
	for name, body := range all {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Dir(path), filepath.Base(path), body)
	}
	return root
}

const oneCase = "# language: sv\nEgenskap: A\n  @tc:A-1 @krav:NOPE @obligatorisk\n  Scenario: a\n    Givet x\n"

// tarGz packs entries (name → body; a body of "<dir>" makes a folder, "<link>" a symlink) in order.
func tarGz(t *testing.T, names []string, entries map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range names {
		body := entries[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1e9, 0)}
		switch body {
		case "<dir>":
			h.Typeflag, h.Size = tar.TypeDir, 0
		case "<link>":
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(body))
		}
	}
	tw.Close()
	gz.Close()
	path := filepath.Join(t.TempDir(), "pack.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFolderAndArchiveOfOnePackHaveOneDigest: the digest is over the pack's parts alone, in path
// order, whatever the archive's order, its top folder or the files beside the parts.
func TestFolderAndArchiveOfOnePackHaveOneDigest(t *testing.T) {
	root := makePack(t, map[string]string{"features/a.feature": oneCase, "templates/t.json": "{}", "README.md": "not part of it", ".git/x": "nor this"})
	folder, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]string{"p/pack.yaml": testInfo, "p/krav.yaml": testKrav, "p/features/a.feature": oneCase, "p/templates/t.json": "{}", "p/notes.txt": "x", "p/features": "<dir>"}
	archive, err := Open(tarGz(t, []string{"p/templates/t.json", "p/features", "p/features/a.feature", "p/notes.txt", "p/krav.yaml", "p/pack.yaml"}, entries))
	if err != nil {
		t.Fatal(err)
	}
	if folder.Digest != archive.Digest || len(folder.Files) != 4 {
		t.Fatalf("folder %s (%d files) and archive %s differ", folder.Digest, len(folder.Files), archive.Digest)
	}
	write(t, filepath.Join(root, "templates"), "t.json", "{ }")
	changed, err := Open(root)
	if err != nil || changed.Digest == folder.Digest {
		t.Fatalf("a changed template keeps the digest: %v", err)
	}
	p, err := Load([]string{root}, "")
	if err != nil || p.Digest != changed.Digest || p.Cases[0].File != "features/a.feature" || p.Info().Title != "Provpaket" {
		t.Fatalf("%+v %v", p, err)
	}
}

// TestHostilePacksAreRefused: what is not a file or a folder, a path out of the pack, and an
// archive that unpacks to more than a pack may hold, each get one line.
func TestHostilePacksAreRefused(t *testing.T) {
	root := makePack(t, map[string]string{"features/a.feature": oneCase})
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "templates.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root); err != nil {
		t.Fatalf("a link beside the pack's parts is not part of it: %v", err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "features", "b.feature")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root); err == nil || !strings.Contains(err.Error(), "features/b.feature is not a regular file") {
		t.Errorf("a link in features/: %v", err)
	}
	base := map[string]string{"pack.yaml": testInfo, "krav.yaml": testKrav}
	for name, want := range map[string]string{
		"../evil.feature":       "leaves the pack's root",
		"/etc/evil":             "leaves the pack's root",
		"features/../../x":      "leaves the pack's root",
		"features/link.feature": "is not a regular file",
	} {
		entries := map[string]string{name: "x"}
		if name == "features/link.feature" {
			entries[name] = "<link>"
		}
		for k, v := range base {
			entries[k] = v
		}
		if _, err := Open(tarGz(t, []string{"pack.yaml", "krav.yaml", name}, entries)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	big := strings.Repeat("0", MaxFileBytes/2)
	entries := map[string]string{"pack.yaml": testInfo}
	names := []string{"pack.yaml"}
	for i := 0; i < 9; i++ {
		name := "fixtures/f" + string(rune('a'+i))
		entries[name], names = big, append(names, name)
	}
	if _, err := Open(tarGz(t, names, entries)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("an archive of %d MiB: %v", 9*MaxFileBytes/2>>20, err)
	}
	if _, err := Open(filepath.Join(root, "features", "a.feature")); err == nil || !strings.Contains(err.Error(), "neither a folder nor a .tar.gz") {
		t.Errorf("a file as a pack: %v", err)
	}
	nopack := t.TempDir()
	if _, err := Open(nopack); err == nil || !strings.Contains(err.Error(), "has no pack.yaml at its root") {
		t.Errorf("a folder without pack.yaml: %v", err)
	}
}

func TestPackInfoIsChecked(t *testing.T) {
	for body, want := range map[string]string{
		strings.Replace(testInfo, "id: prov", "id: Prov Paket", 1):      "id \"Prov Paket\" must be",
		strings.Replace(testInfo, "title: Provpaket\n", "", 1):          "needs a title",
		strings.Replace(testInfo, "date: 2026-11-01", "date: 1 nov", 1): "must be YYYY-MM-DD",
		strings.Replace(testInfo, "nll_release: \"21\"\n", "", 1):       "needs nll_release",
		testInfo + "extra: 1\n": "field extra not found",
		strings.Replace(testInfo, "publisher: Testförfattaren\n", "", 1): "needs a publisher",
		testInfo + "test_data:\n  Artikel: x\n":                          "test_data key \"Artikel\" must be lower-case",
		testInfo + "test_data:\n  article.name: '{{x}}'\n":               "test_data article.name: \"{{x}}\" must be one printable line",
	} {
		root := makePack(t, map[string]string{"pack.yaml": body, "features/a.feature": oneCase})
		if _, err := Open(root); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

// TestSignedPackVerifiesAndAChangedByteIsRefused: a signature binds the pack's digest to the
// signer's certificate: a changed byte, another signer and a missing signature are refused.
func TestSignedPackVerifiesAndAChangedByteIsRefused(t *testing.T) {
	now := time.Now()
	signer, err := pki.IssueClient("Testpaketens utgivare", now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := pki.IssueClient("Någon annan", now)
	root := makePack(t, map[string]string{"features/a.feature": oneCase})
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Sign(PackSignatureFormat, src.Digest, signer.Key, []*x509.Certificate{signer.Leaf}, now)
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, SignatureFile, string(sig))
	pin := signer.Fingerprint()
	src, _ = Open(root)
	if got, err := src.Verify(pin); err != nil || got.SHA256 != pin {
		t.Fatalf("signed pack: %v %v", got, err)
	}
	if _, err := src.Verify(other.Fingerprint()); err == nil || !strings.Contains(err.Error(), "not by the certificate with sha256 "+other.Fingerprint()) {
		t.Errorf("another signer: %v", err)
	}
	write(t, filepath.Join(root, "features"), "a.feature", strings.Replace(oneCase, "Givet x", "Givet y", 1))
	changed, _ := Open(root)
	if _, err := changed.Verify(pin); err == nil || !strings.Contains(err.Error(), "was changed after it was signed") {
		t.Errorf("a changed byte: %v", err)
	}
	if _, err := changed.Verify(""); err == nil || !strings.Contains(err.Error(), "remove its signature") {
		t.Errorf("a changed signed pack without a pin: %v", err)
	}
	os.Remove(filepath.Join(root, SignatureFile))
	unsigned, _ := Open(root)
	if s, err := unsigned.Verify(""); s != nil || err != nil {
		t.Errorf("an unsigned pack without a pin: %v %v", s, err)
	}
	if _, err := unsigned.Verify(pin); err == nil || !strings.Contains(err.Error(), "is not signed") {
		t.Errorf("an unsigned pack with a pin: %v", err)
	}
}
