package evidence

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func selfSigned(t testing.TB, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func bundle(t testing.TB, key crypto.Signer) (string, *x509.Certificate) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "exchanges", "A-1"), 0o755)
	for name, body := range map[string]string{"junit.xml": "<x/>", "summary.json": "{}", "exchanges/A-1/001.http": "GET /"} {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	cert := selfSigned(t, key)
	sum := sha256.Sum256(cert.Raw)
	m := Manifest{RunID: "r", Client: SignerInfo{CertInfo: CertInfo{Subject: "CN=signer", Issuer: "CN=signer", Fingerprint: hex.EncodeToString(sum[:])}}}
	if err := WriteManifest(dir, m, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	return dir, cert
}

func keys(t *testing.T) map[string]crypto.Signer {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"ECDSA": ec, "RSA": rs}
}

func problems(t *testing.T, dir, pin string) string {
	t.Helper()
	v, err := Verify(dir, pin)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(v.Problems, "\n")
}

func TestVerifyFindsEveryChange(t *testing.T) {
	for name, key := range keys(t) {
		t.Run(name, func(t *testing.T) {
			dir, cert := bundle(t, key)
			if p := problems(t, dir, ""); p != "" {
				t.Fatalf("a fresh bundle: %s", p)
			}
			sum := sha256.Sum256(cert.Raw)
			if p := problems(t, dir, hex.EncodeToString(sum[:])); p != "" {
				t.Errorf("pinned to its own signer: %s", p)
			}
			if p := problems(t, dir, strings.Repeat("0", 64)); !strings.Contains(p, "not the expected certificate") {
				t.Errorf("pinned to another signer: %q", p)
			}
			for _, f := range []string{"junit.xml", "summary.json", "exchanges/A-1/001.http", ManifestFile, SignatureFile} {
				path := filepath.Join(dir, f)
				orig, _ := os.ReadFile(path)
				changed := append([]byte{}, orig...)
				changed[len(changed)/2] ^= 1 // one bit of one byte
				os.WriteFile(path, changed, 0o644)
				if p := problems(t, dir, ""); p == "" || (f != ManifestFile && f != SignatureFile && !strings.Contains(p, "changed: "+f)) {
					t.Errorf("changed %s: %q", f, p)
				}
				os.WriteFile(path, orig, 0o644)
			}
			os.WriteFile(filepath.Join(dir, "new.txt"), []byte("x"), 0o644)
			if p := problems(t, dir, ""); p != "added: new.txt" {
				t.Errorf("added: %q", p)
			}
			os.Remove(filepath.Join(dir, "new.txt"))
			os.Remove(filepath.Join(dir, "summary.json"))
			if p := problems(t, dir, ""); p != "removed: summary.json" {
				t.Errorf("removed: %q", p)
			}
		})
	}
}

func TestVerifyRejectsASignatureByAnotherKey(t *testing.T) {
	k := keys(t)
	dir, _ := bundle(t, k["ECDSA"])
	data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sig, err := sign(other, data)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, SignatureFile), []byte(`{"algorithm":"`+sig.Algorithm+`","signature":"`+sig.Value+`"}`), 0o644)
	if p := problems(t, dir, ""); !strings.Contains(p, "signed by another key") {
		t.Errorf("%q", p)
	}
}

// TestVerifyNamesTheCertificateNotTheManifest: a manifest re-signed with the right key but naming
// another subject and issuer for its certificate (a supplier's name, a non-development CA) is
// changed, and verify reports the certificate's own names.
func TestVerifyNamesTheCertificateNotTheManifest(t *testing.T) {
	key := keys(t)["ECDSA"]
	dir, cert := bundle(t, key)
	data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m.Client.Subject, m.Client.Issuer = "CN=Journalia AB", "CN=TEST SITHS e-id Function CA v1"
	if err := WriteManifest(dir, m, key, []*x509.Certificate{cert}); err != nil {
		t.Fatal(err)
	}
	v, err := Verify(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(v.Problems, "\n"); !strings.Contains(p, "names the signing certificate's subject or issuer otherwise") {
		t.Errorf("problems: %q", p)
	}
	if v.Signer.Subject != "CN=signer" || v.Signer.Issuer != "CN=signer" {
		t.Errorf("verify reports the manifest's names: %+v", v.Signer)
	}
}

func TestVerifyNeedsAManifest(t *testing.T) {
	if _, err := Verify(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "no manifest.json") {
		t.Errorf("%v", err)
	}
}

// TestVersion1ManifestEnvironmentStillReads: evidence written before the environment's kind was
// recorded still reads, with the kind unknown.
func TestVersion1ManifestEnvironmentStillReads(t *testing.T) {
	var m Manifest
	if err := json.Unmarshal([]byte(`{"format":"konform-evidence/1","environment":"ext"}`), &m); err != nil || m.Environment.Name != "ext" || m.Environment.Kind != "" {
		t.Fatalf("%+v %v", m.Environment, err)
	}
	if err := json.Unmarshal([]byte(`{"environment":{"name":"sim","kind":"simulator","baseUrl":"https://x"}}`), &m); err != nil || m.Environment.Kind != "simulator" {
		t.Fatalf("%+v %v", m.Environment, err)
	}
}
