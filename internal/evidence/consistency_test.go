package evidence

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/konform/konform/internal/signing"
)

// signedRun writes the evidence of a small run (one mandatory case that failed) and signs it with
// a manifest that says what the run says, as konform run does, after edit has changed it.
func signedRun(t *testing.T, key crypto.Signer, cert *x509.Certificate, edit func(*Manifest)) string {
	t.Helper()
	dir := t.TempDir()
	run := &Run{ID: "20261124T101500Z-a1b2c3", RunnerVersion: "v1", Environment: "ext5-x2", EnvironmentKind: TestKind,
		BaseURL: "https://ext5-x2.example/fhir", PackDigest: "ab", SUT: &SUTInfo{Driver: "command"},
		Client: CertInfo{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Fingerprint: signing.Fingerprint(cert)},
		Cases:  []*Case{{ID: "SUT-VARD-13", Name: "konflikt", File: "a.feature", Line: 3, Mandatory: true, Outcome: Failed}}}
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	m := Manifest{RunID: run.ID, RunnerVersion: run.RunnerVersion, Verdict: run.Verdict(), PackDigest: run.PackDigest, SUTDriver: "command",
		Environment: EnvironmentInfo{Name: run.Environment, Kind: run.EnvironmentKind, BaseURL: run.BaseURL},
		Client:      SignerInfo{CertInfo: run.Client}}
	if edit != nil {
		edit(&m)
	}
	if err := WriteManifest(dir, m, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestVerifyComparesTheManifestWithTheSummary: summary.json is signed with the manifest and written
// from the same run, so a manifest re-signed to say another verdict, run id, environment or way of
// driving the system than the folder's own summary.json is a finding; so is a summary.json whose
// verdict its cases do not give. A dishonest supplier's re-signed manifest used to verify as
// intact, "verdict approved", over a summary and report of a run that was not approved.
func TestVerifyComparesTheManifestWithTheSummary(t *testing.T) {
	key := keys(t)["ECDSA"]
	cert := selfSigned(t, key)
	if p := problems(t, signedRun(t, key, cert, nil), ""); p != "" {
		t.Fatalf("evidence as konform writes it: %s", p)
	}
	for _, k := range []struct {
		name string
		edit func(*Manifest)
		want string
	}{
		{"verdict", func(m *Manifest) { m.Verdict = Approved }, "inconsistent: manifest.json says verdict approved, summary.json says not approved"},
		{"run id", func(m *Manifest) { m.RunID = "20261201T090000Z-bbbbbb" }, "inconsistent: manifest.json says run id 20261201T090000Z-bbbbbb, summary.json says 20261124T101500Z-a1b2c3"},
		{"kind", func(m *Manifest) { m.Environment.Kind = SimulatorKind }, "inconsistent: manifest.json says environment kind simulator, summary.json says test"},
		{"driver", func(m *Manifest) { m.SUTDriver = "" }, "inconsistent: manifest.json says system-under-test driver none, summary.json says command"},
		{"system", func(m *Manifest) { m.System = &System{Name: "Journalen", Version: "4.3"} }, "inconsistent: manifest.json says system under approval Journalen 4.3, summary.json says none"},
	} {
		if p := problems(t, signedRun(t, key, cert, k.edit), ""); !strings.Contains(p, k.want) {
			t.Errorf("%s: problems %q, want %q", k.name, p, k.want)
		}
	}
	// summary.json and the manifest both edited to approved, the failed case left as it was
	dir := signedRun(t, key, cert, func(m *Manifest) { m.Verdict = Approved })
	data, _ := os.ReadFile(filepath.Join(dir, SummaryFile))
	var raw map[string]any
	json.Unmarshal(data, &raw)
	raw["verdict"] = "approved"
	data, _ = json.Marshal(raw)
	os.WriteFile(filepath.Join(dir, SummaryFile), data, 0o644)
	var m Manifest
	mdata, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	json.Unmarshal(mdata, &m)
	if err := WriteManifest(dir, m, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	if p := problems(t, dir, ""); !strings.Contains(p, "inconsistent: summary.json says verdict approved, but its cases give not approved") {
		t.Errorf("a summary whose cases do not give its verdict: %q", p)
	}
}
