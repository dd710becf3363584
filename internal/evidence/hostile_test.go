//go:build unix

package evidence

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// verifyWithin runs Verify in the background and fails the test when it has not returned within
// d: a folder must never make verify block.
func verifyWithin(t *testing.T, d time.Duration, ctx context.Context, dir string, o VerifyOptions) (*Verification, error) {
	t.Helper()
	type result struct {
		v   *Verification
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := VerifyContext(ctx, dir, o)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(d):
		t.Fatalf("verify %s has not returned after %s", dir, d)
		return nil, nil
	}
}

func hostileBundle(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dir, _ := bundle(t, key)
	return dir
}

// unblockFIFO opens the FIFO's writing end without blocking when the test ends, so that a reader
// blocked in open (the defect) is released and the process can clean up.
func unblockFIFO(t *testing.T, path string) {
	t.Cleanup(func() {
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
}

func TestVerifyReportsAFIFOWithoutOpeningIt(t *testing.T) {
	dir := hostileBundle(t)
	fifo := filepath.Join(dir, "exchanges", "A-1", "002.http")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	unblockFIFO(t, fifo)
	v, err := verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Problems, "\n"); got != "not a regular file: exchanges/A-1/002.http (FIFO)" {
		t.Errorf("problems: %q", got)
	}
}

// TestVerifyReportsTheManifestAsAFIFO: a manifest.json or manifest.sig that is a FIFO is a
// finding, never opened.
func TestVerifyReportsTheManifestAsAFIFO(t *testing.T) {
	for _, name := range []string{ManifestFile, SignatureFile} {
		t.Run(name, func(t *testing.T) {
			dir := hostileBundle(t)
			path := filepath.Join(dir, name)
			os.Remove(path)
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			unblockFIFO(t, path)
			v, err := verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(v.Problems, "\n"); !strings.Contains(got, "not a regular file: "+name+" (FIFO)") {
				t.Errorf("problems: %q", got)
			}
		})
	}
}

func TestVerifyReportsASymlinkToDevZeroWithoutReadingIt(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	dir := hostileBundle(t)
	// Replace a listed file with the link, and add one more.
	for _, name := range []string{"junit.xml", "zero"} {
		path := filepath.Join(dir, name)
		os.Remove(path)
		if err := os.Symlink("/dev/zero", path); err != nil {
			t.Fatal(err)
		}
	}
	v, err := verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "not a regular file: junit.xml (symlink to /dev/zero)\nnot a regular file: zero (symlink to /dev/zero)"
	if got := strings.Join(v.Problems, "\n"); got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
}

// TestVerifyReportsASymlinkToAFolder: a link to a folder is a finding (exit 1), not "not an
// evidence folder" (exit 2), and verify does not follow it.
func TestVerifyReportsASymlinkToAFolder(t *testing.T) {
	dir := hostileBundle(t)
	if err := os.Symlink(t.TempDir(), filepath.Join(dir, "exchanges", "B-1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "exchanges"), filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	v, err := verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(v.Problems, "\n")
	for _, want := range []string{"not a regular file: exchanges/B-1 (symlink to ", "not a regular file: loop (symlink to "} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if len(v.Problems) != 2 {
		t.Errorf("want 2 problems:\n%s", got)
	}
}

// TestVerifyFollowsALinkToTheFolderItself: reports/latest is a link to the run's folder.
func TestVerifyFollowsALinkToTheFolderItself(t *testing.T) {
	dir := hostileBundle(t)
	latest := filepath.Join(t.TempDir(), "latest")
	if err := os.Symlink(dir, latest); err != nil {
		t.Fatal(err)
	}
	if p := problems(t, latest, ""); p != "" {
		t.Errorf("through reports/latest: %s", p)
	}
}

func TestVerifyReportsAnOversizeFile(t *testing.T) {
	dir := hostileBundle(t)
	// A sparse file one byte over the default limit: reporting it must not read it.
	big := filepath.Join(dir, "exchanges", "A-1", "big.http")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(DefaultMaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	v, err := verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Problems, "\n"); !strings.HasPrefix(got, "too large: exchanges/A-1/big.http (1073741825 bytes") || len(v.Problems) != 1 {
		t.Errorf("problems: %q", got)
	}
	// A listed file over a smaller limit.
	v, err = verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{MaxFileSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Problems, "\n"); !strings.Contains(got, "too large: junit.xml (4 bytes") {
		t.Errorf("problems: %q", got)
	}
}

func TestVerifyBoundsTheFolderTotal(t *testing.T) {
	dir := hostileBundle(t)
	// junit.xml (4), summary.json (2), exchanges/A-1/001.http (5): 11 bytes in all.
	v, err := VerifyContext(context.Background(), dir, VerifyOptions{MaxTotalSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Problems, "\n"); !strings.HasPrefix(got, "too large: the folder holds more than 10 bytes") || len(v.Problems) != 1 {
		t.Errorf("problems: %q", got)
	}
	if p := problems(t, dir, ""); p != "" {
		t.Errorf("under the default limit: %s", p)
	}
}

func TestVerifyReportsASizeTheManifestDoesNotList(t *testing.T) {
	dir := hostileBundle(t)
	// A file of another size is changed and is not read: here one over the limit of what is read
	// (a size the manifest does not list is no reason to read a file whole).
	f, _ := os.OpenFile(filepath.Join(dir, "junit.xml"), os.O_WRONLY, 0)
	f.Truncate(300)
	f.Close()
	v, err := VerifyContext(context.Background(), dir, VerifyOptions{MaxTotalSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(v.Problems, "\n"); p != "changed: junit.xml" {
		t.Errorf("problems: %q", p)
	}
}

func TestVerifyBoundsTheManifest(t *testing.T) {
	dir := hostileBundle(t)
	f, err := os.OpenFile(filepath.Join(dir, ManifestFile), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxManifestSize + 1)
	f.Close()
	v, err := verifyWithin(t, 5*time.Second, context.Background(), dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Problems, "\n"); !strings.HasPrefix(got, "too large: manifest.json (16777217 bytes") {
		t.Errorf("problems: %q", got)
	}
}

func TestVerifyStopsWhenItsContextIsCancelled(t *testing.T) {
	dir := hostileBundle(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := verifyWithin(t, 5*time.Second, ctx, dir, VerifyOptions{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("err %v", err)
	}
	// Cancelled while it hashes a large file: it stops within the file.
	big := filepath.Join(dir, "big")
	f, _ := os.Create(big)
	f.Truncate(512 << 20)
	f.Close()
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = verifyWithin(t, 5*time.Second, ctx, dir, VerifyOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v after %s", err, time.Since(start))
	}
}

// TestVerifyRejectsWhatIsNoFolder: a file, a FIFO or a missing path given as the folder is no
// evidence folder (exit 2), and nothing is opened.
func TestVerifyRejectsWhatIsNoFolder(t *testing.T) {
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	unblockFIFO(t, fifo)
	file := filepath.Join(tmp, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, p := range []string{fifo, file, filepath.Join(tmp, "missing")} {
		if _, err := verifyWithin(t, 5*time.Second, context.Background(), p, VerifyOptions{}); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
}

// TestWriteManifestRefusesALink: konform never signs a folder with something it would not verify.
func TestWriteManifestRefusesALink(t *testing.T) {
	dir := hostileBundle(t)
	os.Symlink("junit.xml", filepath.Join(dir, "link"))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := selfSigned(t, key)
	if err := WriteManifest(dir, Manifest{}, key, []*x509.Certificate{cert}); err == nil || !strings.Contains(err.Error(), "not a regular file: link") {
		t.Errorf("err %v", err)
	}
}

// TestMergeCopiesOnlyFilesInsideTheShard: a crafted shard (any key signs its own folder) whose
// summary names a file outside it must not make merge read or write outside the folders.
func TestMergeCopiesOnlyFilesInsideTheShard(t *testing.T) {
	base := t.TempDir()
	shard, out := filepath.Join(base, "shard"), filepath.Join(base, "out", "merged")
	os.MkdirAll(shard, 0o755)
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(base, "secret.txt"), []byte("secret"), 0o644)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := selfSigned(t, key)
	signer := CertInfo{Subject: "CN=signer", Issuer: "CN=signer", Fingerprint: fingerprint(cert)}
	run := &Run{ID: "r", Client: signer, Cases: []*Case{{ID: "A-1", Outcome: Passed, Exchanges: []ExchangeRef{{File: "../secret.txt"}, {File: "../../stolen.txt"}}}}}
	if err := Write(shard, run); err != nil {
		t.Fatal(err)
	}
	// the manifest says what the summary says, as konform's own does
	if err := WriteManifest(shard, Manifest{RunID: "r", Verdict: run.Verdict(), Client: SignerInfo{CertInfo: signer}}, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	if p := problems(t, shard, ""); p != "" {
		t.Fatalf("the shard does not verify: %s", p)
	}
	_, err := Merge(out, "m", []string{shard})
	if err == nil || !strings.Contains(err.Error(), "outside its folder") {
		t.Errorf("err %v", err)
	}
	if _, err := os.Stat(filepath.Join(base, "out", "secret.txt")); err == nil {
		t.Error("merge wrote outside its folder")
	}
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// TestMergeRefusesASummaryWithANullCase: a crafted shard's summary.json with "cases":[null] is no
// konform summary, not a panic of merge.
func TestMergeRefusesASummaryWithANullCase(t *testing.T) {
	shard := t.TempDir()
	os.WriteFile(filepath.Join(shard, SummaryFile), []byte(`{"runId":"r","cases":[null]}`), 0o644)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := selfSigned(t, key)
	if err := WriteManifest(shard, Manifest{Client: SignerInfo{CertInfo: CertInfo{Subject: "CN=signer", Issuer: "CN=signer", Fingerprint: fingerprint(cert)}}}, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(t.TempDir(), "m", []string{shard}); err == nil || !strings.Contains(err.Error(), "is not a konform summary") {
		t.Errorf("err %v", err)
	}
}

// TestVerifyReportsAFileListedTwice: a signed manifest that lists a file twice (the first time
// with another digest) is a finding, not "intact" with a count of files the folder does not hold.
func TestVerifyReportsAFileListedTwice(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dir, _ := bundle(t, key)
	data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	twice := m.Files[0]
	twice.SHA256 = strings.Repeat("0", 64)
	m.Files = append([]FileEntry{twice}, m.Files...)
	data, _ = json.MarshalIndent(m, "", "  ")
	sig, err := sign(key, data)
	if err != nil {
		t.Fatal(err)
	}
	sigData, _ := json.Marshal(sig)
	os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644)
	os.WriteFile(filepath.Join(dir, SignatureFile), sigData, 0o644)
	if p := problems(t, dir, ""); !strings.Contains(p, "listed twice: "+twice.Path) {
		t.Errorf("problems: %q", p)
	}
}
