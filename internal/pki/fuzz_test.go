package pki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// fuzzPKI generates a dev PKI for seeds: the files konform certs writes, read back.
func fuzzPKI(f *testing.F) DevPKI {
	f.Helper()
	d := DevPKI{Dir: f.TempDir()}
	if err := GenerateDevPKI(d.Dir, time.Now()); err != nil {
		f.Fatal(err)
	}
	return d
}

func readSeed(f *testing.F, d DevPKI, name string) []byte {
	f.Helper()
	data, err := os.ReadFile(d.Path(name))
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// checkLoaded holds for every identity a loader returns: a certificate, a key konform can sign
// with that belongs to it, and checks that answer without panicking.
func checkLoaded(t *testing.T, id *Identity, err error) {
	t.Helper()
	if err != nil {
		if id != nil {
			t.Fatalf("an identity and an error: %v", err)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("the error is not one line: %q", msg)
		}
		return
	}
	if id == nil || id.Leaf == nil || id.Key == nil {
		t.Fatalf("no error but %+v", id)
	}
	if err := id.CheckKey(); err != nil {
		t.Fatalf("loaded an identity CheckKey refuses: %v", err)
	}
	_ = id.CheckValidity(time.Now())
	_ = id.CheckUsage()
	_ = id.Fingerprint()
	_ = id.TLSCertificate()
}

// FuzzLoadPEM: LoadIdentity's PEM path (certificates, then the key from the same or another
// file) never panics, returns one-line errors, and returns only identities it can sign with.
// Seeds: the dev PKI's files, as pairs, as one file, mismatched, and an Ed25519 pair.
func FuzzLoadPEM(f *testing.F) {
	d := fuzzPKI(f)
	cert, key := readSeed(f, d, ClientCertFile), readSeed(f, d, ClientKeyFile)
	f.Add(cert, key)
	f.Add(append(append([]byte{}, key...), cert...), []byte(nil)) // key in the certificate's file
	f.Add(readSeed(f, d, ExpiredCertFile), readSeed(f, d, ExpiredKeyFile))
	f.Add(readSeed(f, d, UnknownCACertFile), readSeed(f, d, UnknownCAKeyFile))
	f.Add(readSeed(f, d, ServerCertFile), readSeed(f, d, ServerKeyFile))
	f.Add(readSeed(f, d, CAFile), key)
	f.Add(cert, readSeed(f, d, ExpiredKeyFile))
	f.Add([]byte(""), []byte(""))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), key)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ca, err := newCA(DevCAName, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	ed := &keyPair{key: edKey}
	edTmpl := &x509.Certificate{SerialNumber: serial(), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, edTmpl, ca.cert, edKey.Public(), ca.key)
	if err != nil {
		f.Fatal(err)
	}
	ed.cert, _ = x509.ParseCertificate(der)
	f.Add(certPEM(ed.cert, ca.cert), keyPEM(ed.key))
	f.Fuzz(func(t *testing.T, certData, keyData []byte) {
		if keyData == nil {
			keyData = certData
		}
		id, err := loadPEM("c.pem + c.key", certData, keyData)
		checkLoaded(t, id, err)
	})
}

// FuzzLoadPKCS12: LoadIdentity's PKCS#12 path never panics, returns one-line errors and only
// identities it can sign with, and a file that opens with a password does not open with another
// (a wrong password is an error). Seeds: the dev PKI's client.p12, the same identity encoded as
// legacy RC2, modern, passwordless and with an ECDSA P-384 key, each with its password and a
// wrong one.
func FuzzLoadPKCS12(f *testing.F) {
	d := fuzzPKI(f)
	p12 := readSeed(f, d, ClientP12File)
	f.Add(p12, DevP12Password)
	f.Add(p12, "fel")
	f.Add(p12, "")
	id, err := loadPEM("seed", readSeed(f, d, ClientCertFile), readSeed(f, d, ClientKeyFile))
	if err != nil {
		f.Fatal(err)
	}
	for _, enc := range []struct {
		e        *pkcs12.Encoder
		password string
	}{{pkcs12.LegacyRC2, "hemligt"}, {pkcs12.LegacyDES, "hemligt"}, {pkcs12.Modern2023, "hemligt"}, {pkcs12.Passwordless, ""}} {
		data, err := enc.e.Encode(id.Key, id.Leaf, id.Chain, enc.password)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, enc.password)
		f.Add(data, "x")
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if data, err := pkcs12.Modern.Encode(p384, id.Leaf, nil, "hemligt"); err == nil { // a key of another certificate
		f.Add(data, "hemligt")
	}
	f.Add([]byte{}, "")
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		id, err := loadPKCS12("c.p12", data, password)
		checkLoaded(t, id, err)
		if err != nil {
			if !strings.Contains(err.Error(), "c.p12") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		other := password + "x"
		if again, err := loadPKCS12("c.p12", data, other); err == nil || again != nil {
			t.Fatalf("opens with %q and with %q", password, other)
		} else if !strings.Contains(err.Error(), "wrong password") {
			t.Fatalf("a wrong password is not called one: %v", err)
		}
	})
}
