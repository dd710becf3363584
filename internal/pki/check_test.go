package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/konform/konform/internal/pki"
)

// certSpec describes a client certificate for the tests below; the zero value is a healthy
// ECDSA P-256 client certificate with the clientAuth usage, issued by a fresh test CA.
type certSpec struct {
	key        crypto.Signer // nil: ECDSA P-256
	isCA       bool
	keyUsage   x509.KeyUsage
	extUsage   []x509.ExtKeyUsage
	noExtUsage bool
	unknownEKU []asn1.ObjectIdentifier
}

// issueFiles writes a certificate made from s (PEM cert with the CA after it, PEM key, and a
// PKCS#12 file with password "hemligt") and returns their paths.
func issueFiles(t *testing.T, s certSpec) (certFile, keyFile, p12File string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "konform TEST check CA", Organization: []string{"test"}},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key := s.key
	if key == nil {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leverantör test"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		UnknownExtKeyUsage: s.unknownEKU}
	if s.keyUsage != 0 {
		tmpl.KeyUsage = s.keyUsage
	}
	if s.extUsage != nil || s.noExtUsage {
		tmpl.ExtKeyUsage = s.extUsage
	}
	if s.isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile, p12File = filepath.Join(dir, "c.pem"), filepath.Join(dir, "c.key"), filepath.Join(dir, "c.p12")
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	os.WriteFile(certFile, chain, 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	p12, err := pkcs12.Modern.Encode(key, leaf, []*x509.Certificate{ca}, "hemligt")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p12File, p12, 0o600)
	return certFile, keyFile, p12File
}

// smallRSAKey builds a 512-bit RSA key by hand (crypto/rsa refuses to generate one): Go loads it
// but will not sign with it.
func smallRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	p, _ := rand.Prime(rand.Reader, 256)
	q, _ := rand.Prime(rand.Reader, 256)
	one := big.NewInt(1)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(big.NewInt(65537), phi)
	if d == nil {
		t.Skip("65537 is not invertible for these primes; rare, try again")
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
	k.Precompute()
	return k
}

// TestKeysKonformCannotSignWithAreRefusedAtLoad: an Ed25519 identity used to pass, run the
// whole pack and then fail to sign the evidence (exit 3, an unsigned folder). It is refused when
// loaded, from PEM and from PKCS#12, as are keys TLS or Go cannot sign with.
func TestKeysKonformCannotSignWithAreRefusedAtLoad(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	cases := map[string]struct {
		key  crypto.Signer
		want string
	}{
		"ed25519":  {edKey, "has an Ed25519 key"},
		"P-224":    {p224, "has an ECDSA key on P-224"},
		"RSA-512":  {smallRSAKey(t), "has a 512-bit RSA key"},
		"RSA-2048": {mustRSA(t, 2048), ""},
		"P-384":    {mustEC(t, elliptic.P384()), ""},
	}
	for name, c := range cases {
		cert, key, p12 := issueFiles(t, certSpec{key: c.key})
		for _, load := range []struct{ cert, key, password string }{{cert, key, ""}, {p12, "", "hemligt"}} {
			id, err := pki.LoadIdentity(load.cert, load.key, load.password)
			if c.want == "" {
				if err != nil {
					t.Errorf("%s (%s): %v", name, load.cert, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s (%s): loaded, want %q", name, load.cert, c.want)
				continue
			}
			for _, w := range []string{c.want, load.cert, "RSA or ECDSA"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: %q lacks %q", name, err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") || id != nil {
				t.Errorf("%s: not one line, or an identity came back: %q", name, err)
			}
		}
	}
}

// TestAPKCS12FileWithAnotherCertificatesKeyIsRefused: PEM pairs are matched by crypto/tls, PKCS#12
// files were not, so a wrong key passed and failed in the handshake.
func TestAPKCS12FileWithAnotherCertificatesKeyIsRefused(t *testing.T) {
	d := devPKI(t)
	client, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.LoadIdentity(d.Path(pki.ExpiredCertFile), d.Path(pki.ExpiredKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := pkcs12.Modern.Encode(other.Key, client.Leaf, nil, "hemligt")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mixed.p12")
	os.WriteFile(file, data, 0o600)
	if _, err := pki.LoadIdentity(file, "", "hemligt"); err == nil || !strings.Contains(err.Error(), "does not belong") || !strings.Contains(err.Error(), file) {
		t.Errorf("mixed PKCS#12: %v", err)
	}
}

// TestCACertificatesAndOtherUsagesAreNotClientCertificates: CheckValidity (which run calls
// before any request) and CheckUsage (which doctor calls) refuse a CA certificate and one whose
// extended key usage excludes clientAuth; no extended key usage at all means any use.
func TestCACertificatesAndOtherUsagesAreNotClientCertificates(t *testing.T) {
	cases := map[string]struct {
		spec certSpec
		want string
	}{
		"CA:true":             {certSpec{isCA: true, keyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, "is a CA certificate"},
		"CA:true, clientAuth": {certSpec{isCA: true}, "is a CA certificate"},
		"keyCertSign only":    {certSpec{keyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, "is a CA certificate"},
		"serverAuth only":     {certSpec{extUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, "lacks the clientAuth usage"},
		"unknown usages only": {certSpec{noExtUsage: true, unknownEKU: []asn1.ObjectIdentifier{{1, 2, 752, 1, 2, 3}}}, "lacks the clientAuth usage"},
		"clientAuth":          {certSpec{}, ""},
		"no usage extension":  {certSpec{noExtUsage: true}, ""},
		"anyExtendedKeyUsage": {certSpec{extUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}, ""},
		"clientAuth+unknown":  {certSpec{unknownEKU: []asn1.ObjectIdentifier{{1, 2, 752, 1, 2, 3}}}, ""},
	}
	for name, c := range cases {
		cert, key, _ := issueFiles(t, c.spec)
		id, err := pki.LoadIdentity(cert, key, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for check, err := range map[string]error{"CheckValidity": id.CheckValidity(time.Now()), "CheckUsage": id.CheckUsage()} {
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s: %s: %v", name, check, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), cert)):
				t.Errorf("%s: %s: %v, want %q naming %s", name, check, err, c.want, cert)
			}
		}
	}
}

func mustRSA(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEC(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAPasswordForAPasswordlessFileIsAWrongPassword: a PKCS#12 file without a password (no MAC)
// opened with one was "pkcs12: no MAC in data".
func TestAPasswordForAPasswordlessFileIsAWrongPassword(t *testing.T) {
	d := devPKI(t)
	id, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := pkcs12.Passwordless.Encode(id.Key, id.Leaf, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "open.p12")
	os.WriteFile(file, data, 0o600)
	if _, err := pki.LoadIdentity(file, "", ""); err != nil {
		t.Errorf("without a password: %v", err)
	}
	if _, err := pki.LoadIdentity(file, "", "hemligt"); err == nil || !strings.Contains(err.Error(), "wrong password: the file has none") {
		t.Errorf("with a password: %v", err)
	}
}

// TestAPKCS12FileAskingForEndlessKeyDerivationIsRefused: the iteration count of a PKCS#12 file's
// MAC is the file's to choose; a damaged one asking for 2^40 made LoadIdentity hang, beyond the
// reach of Ctrl-C (the fuzzer found it).
func TestAPKCS12FileAskingForEndlessKeyDerivationIsRefused(t *testing.T) {
	d := devPKI(t)
	data, err := os.ReadFile(d.Path(pki.ClientP12File))
	if err != nil {
		t.Fatal(err)
	}
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			MacSalt    []byte
			Iterations int
		}
	}
	if rest, err := asn1.Unmarshal(data, &pfx); err != nil || len(rest) > 0 || pfx.MacData.Iterations == 0 {
		t.Fatalf("client.p12: %v, %d bytes after, %d iterations", err, len(rest), pfx.MacData.Iterations)
	}
	pfx.MacData.Iterations = 1 << 40
	hostile, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "hostile.p12")
	os.WriteFile(file, hostile, 0o600)
	done := make(chan error, 1)
	go func() {
		_, err := pki.LoadIdentity(file, "", pki.DevP12Password)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "1099511627776 key-derivation iterations") || !strings.Contains(err.Error(), file) {
			t.Errorf("hostile.p12: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadIdentity still deriving keys after 10s")
	}
}

// TestAKeyBesideAPKCS12IsRefused: a PKCS#12 file holds its own key; a key file given with it
// would be ignored, so it is an error that says so.
func TestAKeyBesideAPKCS12IsRefused(t *testing.T) {
	_, key, p12 := issueFiles(t, certSpec{})
	if _, err := pki.LoadIdentity(p12, key, "hemligt"); err == nil || !strings.Contains(err.Error(), "holds its own key") {
		t.Fatalf("want an error saying the PKCS#12 holds its own key, got %v", err)
	}
	if _, err := pki.LoadIdentity(p12, "", "hemligt"); err != nil {
		t.Fatal(err)
	}
}
