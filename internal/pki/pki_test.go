package pki_test

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/konform/konform/internal/pki"
)

func devPKI(t *testing.T) pki.DevPKI {
	t.Helper()
	d, made, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil || !made {
		t.Fatalf("EnsureDevPKI: made=%t err=%v", made, err)
	}
	return d
}

// caAndServer reads a dev PKI's CA, as a pool, and its server certificate.
func caAndServer(t *testing.T, d pki.DevPKI) (*x509.CertPool, *x509.Certificate) {
	t.Helper()
	pool, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	server, err := pki.ReadCertificateFile(d.Path(pki.ServerCertFile))
	if err != nil {
		t.Fatal(err)
	}
	return pool, server
}

func TestDevPKIHasTheCertificatesTestsNeed(t *testing.T) {
	d := devPKI(t)
	pool, server := caAndServer(t, d)
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if _, err := server.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("server certificate does not verify for %s: %v", host, err)
		}
	}
	client, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate does not verify for clientAuth: %v", err)
	}
	if err := client.CheckValidity(time.Now()); err != nil {
		t.Error(err)
	}
	expired, err := pki.LoadIdentity(d.Path(pki.ExpiredCertFile), d.Path(pki.ExpiredKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := expired.CheckValidity(time.Now()); err == nil || !strings.Contains(err.Error(), "expired on") {
		t.Errorf("expired certificate passes CheckValidity: %v", err)
	}
	stranger, err := pki.LoadIdentity(d.Path(pki.UnknownCACertFile), d.Path(pki.UnknownCAKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stranger.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("the unknown-CA certificate verifies against the dev CA")
	}
	info, err := os.Stat(d.Path(pki.ClientKeyFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("client key mode %v, want 0600", info.Mode().Perm())
	}
}

func TestEnsureDevPKIKeepsAValidPKIAndRenewsAnExpiringOne(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	if _, made, err := pki.EnsureDevPKI(dir, now); err != nil || !made {
		t.Fatalf("first: made=%t err=%v", made, err)
	}
	if _, made, _ := pki.EnsureDevPKI(dir, now); made {
		t.Error("a valid PKI was regenerated")
	}
	if _, made, _ := pki.EnsureDevPKI(dir, now.AddDate(3, 0, 0)); !made {
		t.Error("an expired PKI was kept")
	}
	os.Remove(filepath.Join(dir, pki.ClientP12File))
	if _, made, _ := pki.EnsureDevPKI(dir, now); !made {
		t.Error("a PKI with a missing file was kept")
	}
}

// TestEnsureDevPKIAtOnceMakesOnePKI starts several konform runs' EnsureDevPKI at once in one
// fresh folder, as parallel CI stages in one workspace do: exactly one generates, and the files
// are one PKI (the client key belongs to the client certificate, the server certificate to the CA).
func TestEnsureDevPKIAtOnceMakesOnePKI(t *testing.T) {
	for round := 0; round < 5; round++ {
		dir := filepath.Join(t.TempDir(), "certs")
		made := make(chan bool, 6)
		var wg sync.WaitGroup
		for i := 0; i < cap(made); i++ {
			wg.Go(func() {
				_, m, err := pki.EnsureDevPKI(dir, time.Now())
				if err != nil {
					t.Error(err)
				}
				made <- m
			})
		}
		wg.Wait()
		close(made)
		n := 0
		for m := range made {
			if m {
				n++
			}
		}
		d := pki.DevPKI{Dir: dir}
		if _, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), ""); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		pool, server := caAndServer(t, d)
		if _, err := server.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Fatalf("round %d: the server certificate is not of the CA: %v", round, err)
		}
		if n != 1 {
			t.Errorf("round %d: %d runs generated the PKI, want 1", round, n)
		}
		if _, err := os.Stat(filepath.Join(dir, ".generating")); !os.IsNotExist(err) {
			t.Errorf("round %d: the lock file is left behind (%v)", round, err)
		}
	}
}

func TestPKCS12LoadsModernLegacyAndOpenSSL3Files(t *testing.T) {
	d := devPKI(t)
	pem, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"modern (konform certs)": d.Path(pki.ClientP12File)}

	legacy, err := pkcs12.LegacyRC2.Encode(pem.Key, pem.Leaf, nil, "hemligt")
	if err != nil {
		t.Fatal(err)
	}
	files["legacy RC2"] = filepath.Join(t.TempDir(), "legacy.p12")
	os.WriteFile(files["legacy RC2"], legacy, 0o600)

	if openssl, err := exec.LookPath("openssl"); err == nil {
		out := filepath.Join(t.TempDir(), "openssl3.pfx")
		cmd := exec.Command(openssl, "pkcs12", "-export", "-inkey", d.Path(pki.ClientKeyFile), "-in", d.Path(pki.ClientCertFile),
			"-out", out, "-passout", "pass:hemligt")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl pkcs12 -export: %v\n%s", err, msg)
		}
		files["openssl"] = out
	} else {
		t.Log("openssl not installed: the OpenSSL 3 file is covered by the modern encoding only")
	}
	for name, file := range files {
		password := "hemligt"
		if name == "modern (konform certs)" {
			password = pki.DevP12Password
		}
		id, err := pki.LoadIdentity(file, "", password)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if id.Fingerprint() != pem.Fingerprint() {
			t.Errorf("%s: loaded another certificate", name)
		}
		if _, err := pki.LoadIdentity(file, "", "fel"); err == nil || !strings.Contains(err.Error(), "wrong password") || !strings.Contains(err.Error(), file) {
			t.Errorf("%s with a wrong password: %v", name, err)
		}
	}
}

func TestLoadIdentityErrorsNameTheFileAndTheNextStep(t *testing.T) {
	d := devPKI(t)
	cases := []struct {
		cert, key string
		want      []string
	}{
		{"nowhere.pem", "", []string{"nowhere.pem not found", "konform certs"}},
		{d.Path(pki.ClientCertFile), "nokey.key", []string{"nokey.key not found", "--key"}},
		{d.Path(pki.ClientCertFile), d.Path(pki.ExpiredKeyFile), []string{d.Path(pki.ClientCertFile), "does not belong"}},
		{d.Path(pki.ClientCertFile), "", []string{"no PEM private key"}},
		{d.Path(pki.ClientKeyFile), d.Path(pki.ClientKeyFile), []string{"no PEM certificate"}},
	}
	for _, c := range cases {
		_, err := pki.LoadIdentity(c.cert, c.key, "")
		if err == nil {
			t.Errorf("%s + %s: no error", c.cert, c.key)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s + %s: %q lacks %q", c.cert, c.key, err, w)
			}
		}
	}
}

// TestIsDevIssued tells the dev PKI's certificates from others.
func TestIsDevIssued(t *testing.T) {
	d, _, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]bool{pki.ClientCertFile: true, pki.ServerCertFile: true, pki.UnknownCACertFile: false} {
		certs, err := pki.ReadCertificates(d.Path(file))
		if err != nil {
			t.Fatal(err)
		}
		if got := pki.IsDevIssued(certs[0].Issuer.String()); got != want {
			t.Errorf("%s (issuer %s): %v, want %v", file, certs[0].Issuer, got, want)
		}
	}
	if pki.IsDevIssued("CN=TEST SITHS e-id Function CA v1,O=Inera AB,C=SE") {
		t.Error("an agency test CA counted as konform's")
	}
}
