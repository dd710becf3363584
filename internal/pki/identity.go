// Package pki loads client identities (PEM or PKCS#12), builds TLS configurations for the client
// and the simulator, checks certificates, and generates the development PKI.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/konform/konform/internal/userfile"
)

// ErrNeedsPassword marks the error of a PKCS#12 file opened without its password, so that a
// caller on a terminal can ask for it.
var ErrNeedsPassword = errors.New("needs a password")

// Identity is a client certificate with its private key and the chain that came with it.
type Identity struct {
	// Source names the file(s) the identity was loaded from, for messages.
	Source string
	// Leaf is the client certificate.
	Leaf *x509.Certificate
	// Chain holds the intermediate and root certificates that came with the leaf, if any.
	Chain []*x509.Certificate
	// Key is the private key matching Leaf.
	Key crypto.Signer
}

// IsPKCS12 reports whether a file name looks like a PKCS#12 bundle (.p12 or .pfx).
func IsPKCS12(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".p12" || ext == ".pfx"
}

// LoadIdentity loads a client identity. A .p12 or .pfx certFile is read as PKCS#12 with password
// (OpenSSL 3 and legacy encodings). Otherwise certFile holds PEM certificates (leaf first) and
// keyFile the PEM private key; an empty keyFile means the key is in certFile.
func LoadIdentity(certFile, keyFile, password string) (*Identity, error) {
	data, err := userfile.Read(certFile, userfile.Credential)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("client certificate %s not found; give your test certificate with --cert or client: in konform.yaml (\"konform certs\" makes a development identity, which only konform's simulator accepts)", certFile)
		}
		return nil, fmt.Errorf("cannot read client certificate %s: %v", certFile, err)
	}
	if IsPKCS12(certFile) {
		if keyFile != "" {
			return nil, fmt.Errorf("private key %s is not used with the PKCS#12 file %s, which holds its own key; leave the key out", keyFile, certFile)
		}
		return loadPKCS12(certFile, data, password)
	}
	keyData := data
	source := certFile
	if keyFile != "" {
		source = certFile + " + " + keyFile
		keyData, err = userfile.Read(keyFile, userfile.Credential)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("private key %s not found; pass the key of %s with --key", keyFile, certFile)
			}
			return nil, fmt.Errorf("cannot read private key %s: %v", keyFile, err)
		}
	}
	return loadPEM(source, data, keyData)
}

// loadPEM builds an identity from PEM certificates (leaf first) and a PEM private key; source
// names the files for messages.
func loadPEM(source string, data, keyData []byte) (*Identity, error) {
	pair, err := tls.X509KeyPair(data, keyData)
	if err != nil {
		return nil, fmt.Errorf("cannot use client certificate %s: %s", source, pemProblem(err))
	}
	id := &Identity{Source: source, Leaf: pair.Leaf}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("cannot use client certificate %s: unsupported private key type", source)
	}
	id.Key = signer
	for _, der := range pair.Certificate[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("cannot use client certificate %s: bad chain certificate: %v", source, err)
		}
		id.Chain = append(id.Chain, c)
	}
	if err := id.CheckKey(); err != nil {
		return nil, err
	}
	return id, nil
}

// oneLine keeps a library's message on one line of printable text.
func oneLine(msg string) string {
	return strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
}

func pemProblem(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "does not match"):
		return "the private key does not belong to the certificate; pass the matching --key"
	case strings.Contains(msg, "PEM data in certificate input"):
		return "no PEM certificate in the file; pass a PEM certificate or a .p12 file"
	case strings.Contains(msg, "failed to find") && strings.Contains(msg, "PRIVATE KEY"):
		return "no PEM private key found; pass the key file with --key"
	}
	return oneLine(strings.TrimPrefix(msg, "tls: "))
}

func loadPKCS12(file string, data []byte, password string) (*Identity, error) {
	if n := iterationsAbove(data, maxIterations, 0); n != nil {
		return nil, fmt.Errorf("cannot read PKCS#12 file %s: it asks for %s key-derivation iterations, more than the %d konform allows; export it again with your tool's defaults", file, n, maxIterations)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		switch {
		case errors.Is(err, pkcs12.ErrIncorrectPassword) && password == "":
			return nil, fmt.Errorf("cannot open %s: it %w; set KONFORM_CERT_PASSWORD", file, ErrNeedsPassword)
		case errors.Is(err, pkcs12.ErrIncorrectPassword):
			return nil, fmt.Errorf("cannot open %s: wrong password; set KONFORM_CERT_PASSWORD to the file's password", file)
		case password != "" && strings.Contains(err.Error(), "no MAC in data"):
			return nil, fmt.Errorf("cannot open %s: wrong password: the file has none; leave KONFORM_CERT_PASSWORD (or password_env, password_file) empty", file)
		}
		return nil, fmt.Errorf("cannot read PKCS#12 file %s: %s; it is damaged or no PKCS#12 file: export the certificate again, or pass PEM files with --cert and --key", file, oneLine(err.Error()))
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("cannot use %s: unsupported private key type %T", file, key)
	}
	id := &Identity{Source: file, Leaf: leaf, Chain: chain, Key: signer}
	if err := id.CheckKey(); err != nil {
		return nil, err
	}
	return id, nil
}

// maxIterations bounds the key-derivation iteration counts of a PKCS#12 file. Tools write a few
// thousand (OpenSSL and go-pkcs12 2048, recommendations up to 600,000); a damaged or hostile file
// can ask for billions, and the derivation cannot be interrupted, so konform would hang.
const maxIterations = 1_000_000

// iterationsAbove walks DER (constructed values, and OCTET STRINGs that hold DER) and returns the
// first iteration count above limit, or nil. An iteration count is the INTEGER right after an
// OCTET STRING (the salt) in a SEQUENCE: where PKCS#12's MAC data and its PBES1, PBKDF2 and PBMAC1
// parameters keep it. Bytes that are not DER are left to the PKCS#12 decoder to report.
func iterationsAbove(der []byte, limit int64, depth int) *big.Int {
	if depth > 32 {
		return nil
	}
	values := derValues(der)
	for _, v := range values {
		if v.Class != asn1.ClassUniversal {
			if v.IsCompound {
				if n := iterationsAbove(v.Bytes, limit, depth+1); n != nil {
					return n
				}
			}
			continue
		}
		switch {
		case v.Tag == asn1.TagSequence && v.IsCompound:
			kids := derValues(v.Bytes)
			for i := 0; i+1 < len(kids); i++ {
				salt, count := kids[i], kids[i+1]
				if salt.Class == asn1.ClassUniversal && salt.Tag == asn1.TagOctetString && count.Class == asn1.ClassUniversal && count.Tag == asn1.TagInteger {
					if n := new(big.Int).SetBytes(count.Bytes); len(count.Bytes) > 0 && count.Bytes[0]&0x80 == 0 && n.Cmp(big.NewInt(limit)) > 0 {
						return n
					}
				}
			}
			fallthrough
		case v.IsCompound || v.Tag == asn1.TagOctetString:
			if n := iterationsAbove(v.Bytes, limit, depth+1); n != nil {
				return n
			}
		}
	}
	return nil
}

// derValues splits der into its values; nil unless all of it is DER.
func derValues(der []byte) []asn1.RawValue {
	var out []asn1.RawValue
	for len(der) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(der, &v)
		if err != nil {
			return nil
		}
		out = append(out, v)
		der = rest
	}
	return out
}

// CheckKey returns an error when the identity's key cannot do what konform does with it: sign the
// TLS handshake and the evidence (manifest.sig). That takes an RSA key of at least 1024 bits (Go
// refuses to sign with less) or an ECDSA key on P-256, P-384 or P-521 (the curves TLS signs
// with), and the key must belong to the certificate. LoadIdentity calls it, so an identity that
// cannot sign is refused before any request rather than after the whole pack has run.
func (id *Identity) CheckKey() error {
	if id.Leaf == nil || id.Key == nil {
		return fmt.Errorf("cannot use client certificate %s: it has no certificate or no private key", id.Source)
	}
	const next = "ask the issuer for a client certificate with an RSA or ECDSA (P-256, P-384, P-521) key"
	switch k := id.Key.Public().(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < 1024 {
			return fmt.Errorf("client certificate %s has a %d-bit RSA key; konform signs the TLS handshake and the evidence with it and needs at least 1024 bits; %s", id.Source, bitLen(k), next)
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return fmt.Errorf("client certificate %s has an ECDSA key on %s; TLS signs with P-256, P-384 or P-521 only; %s", id.Source, curveName(k), next)
		}
	case ed25519.PublicKey:
		return fmt.Errorf("client certificate %s has an Ed25519 key, which konform cannot sign the evidence with; %s", id.Source, next)
	default:
		return fmt.Errorf("client certificate %s has a %s key; konform signs the TLS handshake and the evidence with RSA or ECDSA only; %s", id.Source, id.Leaf.PublicKeyAlgorithm, next)
	}
	if pub, ok := id.Leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(id.Key.Public()) {
		return fmt.Errorf("cannot use client certificate %s: the private key does not belong to the certificate; export the certificate with its own key", id.Source)
	}
	return nil
}

func bitLen(k *rsa.PublicKey) int {
	if k.N == nil {
		return 0
	}
	return k.N.BitLen()
}

func curveName(k *ecdsa.PublicKey) string {
	if k.Curve == nil {
		return "no curve"
	}
	return k.Curve.Params().Name
}

// TLSCertificate returns the identity as a tls.Certificate with its chain.
func (id *Identity) TLSCertificate() tls.Certificate {
	c := tls.Certificate{Certificate: [][]byte{id.Leaf.Raw}, PrivateKey: id.Key, Leaf: id.Leaf}
	for _, ch := range id.Chain {
		c.Certificate = append(c.Certificate, ch.Raw)
	}
	return c
}

// Fingerprint returns the SHA-256 fingerprint of the leaf certificate in hex.
func (id *Identity) Fingerprint() string {
	sum := sha256.Sum256(id.Leaf.Raw)
	return hex.EncodeToString(sum[:])
}

// CheckValidity returns an error when the certificate is not valid at now or may not be used as
// a client certificate (CheckUsage).
func (id *Identity) CheckValidity(now time.Time) error {
	switch {
	case now.After(id.Leaf.NotAfter):
		return fmt.Errorf("client certificate %s expired on %s; renew it or pass --cert", id.Source, id.Leaf.NotAfter.UTC().Format("2006-01-02"))
	case now.Before(id.Leaf.NotBefore):
		return fmt.Errorf("client certificate %s is not valid until %s; check the clock or pass --cert", id.Source, id.Leaf.NotBefore.UTC().Format("2006-01-02 15:04 MST"))
	}
	return id.CheckUsage()
}

// CheckUsage returns an error when the certificate may not be used as a client certificate: it is
// a CA's certificate (CheckNotCA) or its extended key usage excludes clientAuth (CheckClientAuth).
func (id *Identity) CheckUsage() error {
	if err := id.CheckNotCA(); err != nil {
		return err
	}
	return id.CheckClientAuth()
}

// CheckNotCA returns an error when the certificate is a CA's: basic constraints say CA, or the key
// usage allows signing certificates. A CA certificate is never a client (function) certificate,
// even when the CA's key is at hand.
func (id *Identity) CheckNotCA() error {
	if (id.Leaf.BasicConstraintsValid && id.Leaf.IsCA) || id.Leaf.KeyUsage&x509.KeyUsageCertSign != 0 {
		return fmt.Errorf("client certificate %s is a CA certificate (%s); pass the client (function) certificate the CA issued, not the CA's own", id.Source, id.Leaf.Subject)
	}
	return nil
}

// CheckClientAuth returns an error when the certificate has an extended key usage extension
// without clientAuth (or anyExtendedKeyUsage). A certificate without the extension may be used for
// any purpose (RFC 5280, 4.2.1.12, as Go's and OpenSSL's verifiers read it) and passes; an
// extension holding only usages Go does not know still excludes clientAuth and fails.
func (id *Identity) CheckClientAuth() error {
	if len(id.Leaf.ExtKeyUsage) == 0 && len(id.Leaf.UnknownExtKeyUsage) == 0 {
		return nil
	}
	if !hasUsage(id.Leaf, x509.ExtKeyUsageClientAuth) {
		return fmt.Errorf("client certificate %s lacks the clientAuth usage; ask the issuer for a client (function) certificate", id.Source)
	}
	return nil
}

func hasUsage(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	for _, x := range c.ExtKeyUsage {
		if x == u || x == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// ReadCertificateFile reads the first PEM certificate of a file.
func ReadCertificateFile(path string) (*x509.Certificate, error) {
	certs, err := ReadCertificates(path)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ReadCertificates reads every PEM certificate of a file, such as a CA bundle.
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := userfile.Read(path, userfile.Credential)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("certificate file %s not found", path)
		}
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bad certificate in %s: %v", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no PEM certificate in %s", path)
	}
	return certs, nil
}

// CertPool reads a PEM CA bundle into a pool.
func CertPool(caFile string) (*x509.CertPool, error) {
	if _, err := os.Stat(caFile); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("CA bundle %s not found; point ca: in konform.yaml at the PEM file of the CAs that issue the server's certificate (for EXT, the agency's)", caFile)
	}
	certs, err := ReadCertificates(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// ClientTLS builds the client side of mutual TLS: the server is verified against roots, and id
// (which may be nil, for "no client certificate") is presented whenever the server asks for a
// certificate, whatever CA list it advertises. Go's default would send a certificate only when
// its issuer is in that list, so a certificate from an unknown CA would never be tried and a
// check that it is refused would pass without it. Minimum version TLS 1.2.
func ClientTLS(roots *x509.CertPool, id *Identity) *tls.Config {
	cert := &tls.Certificate{} // an empty certificate: none is sent
	if id != nil {
		c := id.TLSCertificate()
		cert = &c
	}
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }}
}

// ServerTLS builds the server side of mutual TLS: clients must present a certificate that chains
// to clientCAs. Minimum version TLS 1.2.
func ServerTLS(certFile, keyFile string, clientCAs *x509.CertPool) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load server certificate %s: %v", certFile, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientCAs,
		MinVersion:   tls.VersionTLS12,
	}, nil
}
