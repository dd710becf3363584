package run_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/x509"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

// ownPack writes, outside the repository, the pack an agency author would: pack.yaml with a
// patient pool of its own, krav.yaml, a template of its own, a test patient of its own in
// fixtures/ and three feature files.
func ownPack(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "mitt-paket")
	bundled, err := os.ReadFile("../../nllpack/templates/forskrivning.json")
	if err != nil {
		t.Fatal(err)
	}
	own := strings.Replace(string(bundled), `"status": "active"`, `"status": "active", "note": [{"text": "Paketets egen mall"}]`, 1)
	if own == string(bundled) {
		t.Fatal("the bundled template changed shape; adjust the test")
	}
	patient, err := os.ReadFile("../../nllpack/fixtures/patients/189001019802.json")
	if err != nil {
		t.Fatal(err)
	}
	// 189002049808 (the pack's pool) and 189002059815 are numbers of Skatteverket's test series
	// that the bundled pack does not seed: only this pack's fixtures bring them to the simulator.
	ownPatient := func(pnr, id string) string {
		p := strings.ReplaceAll(string(patient), "189001019802", pnr)
		return strings.Replace(p, "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01", id, 1)
	}
	files := map[string]string{
		"pack.yaml": "id: eget-paket\ntitle: Mitt paket\nversion: \"0.3\"\nnll_release: \"21\"\npublisher: Testförfattaren\ndate: 2026-11-20\n" +
			"patients: [\"189002049808\"]\n",
		"krav.yaml":                           "krav:\n  - {id: EGET-1, text: Förskrivning ur egen mall, level: SKA, source: https://example.invalid/eget}\n",
		"templates/egen-forskrivning.json":    own,
		"fixtures/patients/189002049808.json": ownPatient("189002049808", "eget-paket-pool-1"),
		"fixtures/patients/189002059815.json": ownPatient("189002059815", "eget-paket-patient-1"),
		"features/a-mall.feature": `# language: sv
Egenskap: En egen mall
  @tc:EGEN-01 @krav:EGET-1 @obligatorisk
  Scenario: En förskrivning från paketets egen mall
    Givet att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet skapar en "MedicationRequest" från mallen "egen-forskrivning.json"
    Så är svarets statuskod 201
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.note.text" ger värdet "Paketets egen mall"
`,
		"features/b-pool.feature": `# language: sv
Egenskap: Paketets patientpool
  @tc:EGEN-02 @krav:EGET-1 @obligatorisk
  Scenario: Ett scenario lånar en patient ur paketets pool
    Givet att scenariot har en egen testpatient ur poolen
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet skapar en "MedicationRequest" från mallen "egen-forskrivning.json"
    Så är svarets statuskod 201
`,
		"features/c-patient.feature": `# language: sv
Egenskap: Paketets egen testpatient
  @tc:EGEN-03 @krav:EGET-1 @obligatorisk
  Scenario: Paketets testpatient finns i simulatorn
    Givet att testpatienten har personnummer "189002059815"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 200
    Och Bundle har 1 post
`,
	}
	for name, body := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestOwnPackRunsSignedAndItsEvidenceNamesIt is the agency author's round trip: a pack folder
// outside the repository runs with --pack and passes against the simulator, with its own
// template, patient pool and test patient; signed, it runs with --pack-signer-sha256, and a copy
// with one byte changed is refused before any connection; its evidence verifies with
// --pack-sha256 of the pack and fails with another digest; the .tar.gz of it runs the same.
func TestOwnPackRunsSignedAndItsEvidenceNamesIt(t *testing.T) {
	t.Parallel()
	root := ownPack(t)
	publisher, err := pki.IssueClient("Paketutgivarens CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	src, err := pack.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := pack.Sign(pack.PackSignatureFormat, src.Digest, publisher.Key, []*x509.Certificate{publisher.Leaf}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, pack.SignatureFile), sig, 0o644)
	pin := publisher.Fingerprint()

	r := execute(t, run.Options{Pack: root, PackSignerSHA256: pin})
	if r.code != run.ExitOK || r.summary.Counts.Passed != 3 {
		t.Fatalf("exit %d, counts %+v\n%s", r.code, r.summary.Counts, r.stderr)
	}
	got := r.summary.Run.Pack
	if r.summary.Run.PackDigest != src.Digest || got == nil || got.ID != "eget-paket" || got.Version != "0.3" || got.Signer == nil || got.Signer.SHA256 != pin {
		t.Fatalf("the evidence names %+v (digest %s), want eget-paket 0.3 signed by %s, digest %s", got, r.summary.Run.PackDigest, pin, src.Digest)
	}
	report, _ := os.ReadFile(filepath.Join(r.dir, "report.html"))
	if !strings.Contains(string(report), "Mitt paket 0.3, signerat av "+publisher.Leaf.Subject.String()) {
		t.Error("report.html does not say which pack ran and who signed it")
	}
	if v, err := evidence.VerifyContext(context.Background(), r.dir, evidence.VerifyOptions{}); err != nil || len(v.Problems) != 0 || v.PackDigest != src.Digest {
		t.Errorf("verify: %v %v; want the digest of the pack that ran, which --pack-sha256 compares", v, err)
	}

	archive := tarGzOf(t, root)
	if r := execute(t, run.Options{Pack: archive, PackSignerSHA256: pin, Tags: "@tc:EGEN-03"}); r.code != run.ExitOK || r.summary.Run.PackDigest != src.Digest {
		t.Errorf("the .tar.gz: exit %d, digest %s\n%s", r.code, r.summary.Run.PackDigest, r.stderr)
	}

	feature := filepath.Join(root, "features", "a-mall.feature")
	data, _ := os.ReadFile(feature)
	os.WriteFile(feature, []byte(strings.Replace(string(data), "egen mall", "egen mall!", 1)), 0o644)
	var stdout, stderr strings.Builder
	code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
		run.Options{Pack: root, PackSignerSHA256: pin, Out: filepath.Join(t.TempDir(), "reports"), CertsDir: filepath.Join(t.TempDir(), "certs")})
	if code != run.ExitUsage || !strings.Contains(stderr.String(), "was changed after it was signed") || strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
		t.Errorf("a changed byte: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// tarGzOf packs a folder as `tar czf p.tar.gz p/` would.
func tarGzOf(t *testing.T, root string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "paket.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	top := filepath.Base(root)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: top + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	gz.Close()
	f.Close()
	return path
}

// TestAChangedCopyOfTheBundledPackIsNamedSo: a copy of the bundled pack with one case retagged
// keeps the bundled pack's id, title and version; the evidence says it is a changed copy (at
// the pack, at the verdict and on the console), and the bundled pack itself says it is that.
func TestAChangedCopyOfTheBundledPackIsNamedSo(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "nllpack")
	if err := os.CopyFS(root, os.DirFS("../../nllpack")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "embed.go"))
	feature := filepath.Join(root, "features", "anslutning", "mtls.feature")
	data, err := os.ReadFile(feature)
	if err != nil {
		t.Fatal(err)
	}
	retagged := strings.Replace(string(data), "@obligatorisk", "@valfri", 1)
	if retagged == string(data) {
		t.Fatal("no mandatory case to retag; adjust the test")
	}
	same := execute(t, run.Options{Pack: root, Tags: "@tc:NLL-ANSL-01"})
	os.WriteFile(feature, []byte(retagged), 0o644)
	changed := execute(t, run.Options{Pack: root, Tags: "@tc:NLL-ANSL-01"})
	for _, k := range []struct {
		name             string
		r                result
		bundled, changed bool
		report           string
	}{
		{"an unchanged copy", same, true, false, "(konforms medföljande testpaket)"},
		{"a changed copy", changed, false, true, "(en ÄNDRAD kopia av konforms medföljande testpaket)"},
	} {
		p := k.r.summary.Run.Pack
		if k.r.code != run.ExitOK || p == nil || p.Bundled != k.bundled || p.ChangedBundled != k.changed {
			t.Fatalf("%s: exit %d, pack %+v\n%s", k.name, k.r.code, p, k.r.stderr)
		}
		report, _ := os.ReadFile(filepath.Join(k.r.dir, "report.html"))
		atVerdict := strings.Contains(string(report), "med en ändrad kopia av konforms medföljande testpaket")
		onConsole := strings.Contains(k.r.stderr, "is a changed copy of it")
		if !strings.Contains(string(report), k.report) || atVerdict != k.changed || onConsole != k.changed {
			t.Errorf("%s: report names the pack %q: %t; at the verdict: %t; on the console: %t", k.name, k.report,
				strings.Contains(string(report), k.report), atVerdict, onConsole)
		}
	}
}
