package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// DevP12Password is the password of the generated client.p12. It protects a generated test
// identity only and is documented in certs/README.md.
const DevP12Password = "konform"

// Files of the dev PKI, relative to its directory.
const (
	CAFile            = "ca.pem"
	ServerCertFile    = "server.pem"
	ServerKeyFile     = "server.key"
	ClientCertFile    = "client.pem"
	ClientKeyFile     = "client.key"
	ClientP12File     = "client.p12"
	ExpiredCertFile   = "expired.pem"
	ExpiredKeyFile    = "expired.key"
	UnknownCACertFile = "unknown-ca.pem"
	UnknownCAKeyFile  = "unknown-ca.key"
)

// devFiles lists every file EnsureDevPKI must find before it trusts an existing directory.
var devFiles = []string{CAFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile,
	ClientP12File, ExpiredCertFile, ExpiredKeyFile, UnknownCACertFile, UnknownCAKeyFile}

// DevPKI names the files of a generated development PKI.
type DevPKI struct {
	Dir string
}

// Path returns the path of one of the PKI's files.
func (d DevPKI) Path(name string) string { return filepath.Join(d.Dir, name) }

// EnsureDevPKI returns the dev PKI in dir, generating it when a file is missing or the server or
// client certificate is no longer valid at now. It reports whether it generated anything.
func EnsureDevPKI(dir string, now time.Time) (DevPKI, bool, error) {
	d := DevPKI{Dir: dir}
	if d.usable(now) {
		return d, false, nil
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return d, false, err
	}
	defer unlock()
	if d.usable(now) { // another konform made it while this one waited
		return d, false, nil
	}
	if err := GenerateDevPKI(dir, now); err != nil {
		return d, false, err
	}
	return d, true, nil
}

// lockFile is the file a konform process holds in the certificate folder while it generates the
// dev PKI, so that runs started at once in one workspace (parallel CI stages, two make runs)
// generate it once instead of mixing the keys of one with the certificates of another.
const lockFile = ".generating"

// lockDir takes dir's lock file, waiting up to 30 s for another process to finish; a lock older
// than a minute was left by a process that died, and is taken over. It returns the unlock.
func lockDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create certificate directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, lockFile)
	deadline := time.Now().Add(30 * time.Second)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("cannot create %s: %w", path, err)
		}
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > time.Minute {
			os.Remove(path) // left by a process that died while generating
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another konform has been generating the dev certificates in %s for 30 s; if none runs, remove %s", dir, path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (d DevPKI) usable(now time.Time) bool {
	for _, f := range devFiles {
		if _, err := os.Stat(d.Path(f)); err != nil {
			return false
		}
	}
	for _, f := range []string{ServerCertFile, ClientCertFile, CAFile} {
		c, err := ReadCertificateFile(d.Path(f))
		if err != nil || now.Before(c.NotBefore) || now.Add(24*time.Hour).After(c.NotAfter) {
			return false
		}
	}
	return true
}

// DevCAName is the common name of the dev PKI's root CA.
const DevCAName = "konform TEST Root CA v1"

// IsDevIssued reports whether a certificate's issuer, as pkix.Name.String() gives it, is a konform
// dev PKI's root CA (organisation konform): a certificate only konform's own simulator and
// gateway accept, never one of the agency's environments.
func IsDevIssued(issuer string) bool {
	return strings.Contains(issuer, "CN="+DevCAName+",") && strings.Contains(issuer, "O=konform")
}

// GenerateDevPKI writes a fresh development PKI to dir: a root CA, a server certificate for
// 127.0.0.1, ::1 and localhost, a client certificate with the clientAuth usage (PEM and
// PKCS#12), an expired client certificate, and a client certificate from an unknown CA.
func GenerateDevPKI(dir string, now time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create certificate directory %s: %w", dir, err)
	}
	ca, err := newCA(DevCAName, now)
	if err != nil {
		return err
	}
	unknown, err := newCA("konform TEST Unknown CA", now)
	if err != nil {
		return err
	}
	server, err := ca.issue(leafSpec{
		cn: "konform NLL simulator", server: true, notBefore: now.Add(-time.Hour), notAfter: now.AddDate(2, 0, 0),
		dns: []string{"localhost"}, ips: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	})
	if err != nil {
		return err
	}
	client, err := ca.issue(leafSpec{cn: "konform testklient", org: "Testleverantör AB",
		notBefore: now.Add(-time.Hour), notAfter: now.AddDate(2, 0, 0)})
	if err != nil {
		return err
	}
	expired, err := ca.issue(leafSpec{cn: "konform testklient (utgången)", org: "Testleverantör AB",
		notBefore: now.AddDate(-1, 0, -1), notAfter: now.AddDate(0, 0, -1)})
	if err != nil {
		return err
	}
	stranger, err := unknown.issue(leafSpec{cn: "konform testklient (okänd CA)", org: "Testleverantör AB",
		notBefore: now.Add(-time.Hour), notAfter: now.AddDate(2, 0, 0)})
	if err != nil {
		return err
	}
	p12, err := pkcs12.Modern.Encode(client.key, client.cert, []*x509.Certificate{ca.cert}, DevP12Password)
	if err != nil {
		return fmt.Errorf("cannot encode client.p12: %w", err)
	}
	writes := []struct {
		name string
		data []byte
		mode fs.FileMode
	}{
		{CAFile, certPEM(ca.cert), 0o644},
		{ServerCertFile, certPEM(server.cert, ca.cert), 0o644},
		{ServerKeyFile, keyPEM(server.key), 0o600},
		{ClientCertFile, certPEM(client.cert, ca.cert), 0o644},
		{ClientKeyFile, keyPEM(client.key), 0o600},
		{ClientP12File, p12, 0o600},
		{ExpiredCertFile, certPEM(expired.cert, ca.cert), 0o644},
		{ExpiredKeyFile, keyPEM(expired.key), 0o600},
		{UnknownCACertFile, certPEM(stranger.cert, unknown.cert), 0o644},
		{UnknownCAKeyFile, keyPEM(stranger.key), 0o600},
	}
	for _, w := range writes {
		if err := writeFileAtomic(filepath.Join(dir, w.name), w.data, w.mode); err != nil {
			return err
		}
	}
	return nil
}

type keyPair struct {
	cert *x509.Certificate
	key  crypto.Signer
}

type leafSpec struct {
	cn, org             string
	server              bool
	notBefore, notAfter time.Time
	dns                 []string
	ips                 []net.IP
}

func newCA(cn string, now time.Time) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"konform"}, Country: []string{"SE"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("cannot create CA %q: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	return &keyPair{cert: cert, key: key}, err
}

func (ca *keyPair) issue(s leafSpec) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	usage := x509.ExtKeyUsageClientAuth
	if s.server {
		usage = x509.ExtKeyUsageServerAuth
	}
	subject := pkix.Name{CommonName: s.cn, Country: []string{"SE"}}
	if s.org != "" {
		subject.Organization = []string{s.org}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subject,
		NotBefore:    s.notBefore,
		NotAfter:     s.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     s.dns,
		IPAddresses:  s.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("cannot issue certificate %q: %w", s.cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	return &keyPair{cert: cert, key: key}, err
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}

func certPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func keyPEM(key crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err) // only ECDSA keys made above reach here
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// writeFileAtomic writes through a temporary file so that a concurrent reader never sees half a file.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, errors.Unwrap(err))
	}
	return nil
}

// IssueClient makes, in memory, a client identity issued by a new CA called caName, the CA in its
// chain. konform's reference system uses it to play a system configured with a certificate from a
// production CA (its defect production-certificate); nothing it signs is trusted anywhere.
func IssueClient(caName string, now time.Time) (*Identity, error) {
	ca, err := newCA(caName, now)
	if err != nil {
		return nil, err
	}
	leaf, err := ca.issue(leafSpec{cn: "konform referenssystem", org: "Testleverantör AB", notBefore: now.Add(-time.Hour), notAfter: now.AddDate(0, 0, 7)})
	if err != nil {
		return nil, err
	}
	return &Identity{Source: "in memory, issued by " + caName, Leaf: leaf.cert, Chain: []*x509.Certificate{ca.cert}, Key: leaf.key}, nil
}
