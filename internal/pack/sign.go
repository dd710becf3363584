package pack

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/konform/konform/internal/signing"
)

// Formats of a detached signature, for a pack and for a plan.
const (
	PackSignatureFormat = "konform-pack-signature/1"
	PlanSignatureFormat = "konform-plan-signature/1"
)

// maxSignatureBytes bounds a signature file: a certificate chain and a signature.
const maxSignatureBytes = 256 << 10

// Signature is a detached signature file (pack.sig, or <plan>.sig): the signer's certificate
// chain and its signature over the statement "<format>\nsha256:<digest>\n", where digest is the
// pack's canonical digest or the SHA-256 of the plan file.
type Signature struct {
	Format    string   `json:"format"`
	Digest    string   `json:"digest"`
	Algorithm string   `json:"algorithm"`
	Value     string   `json:"signature"`
	Chain     []string `json:"chain"`
	Signed    string   `json:"signed"`
}

// Signer names who signed: the certificate's subject and SHA-256 fingerprint.
type Signer struct {
	Subject string `json:"subject"`
	SHA256  string `json:"sha256"`
}

// statement is the text a signature signs.
func statement(format, digest string) []byte {
	return []byte(format + "\nsha256:" + digest + "\n")
}

// Sign signs digest (hex) with key, the private key of chain[0], and returns the signature file's
// bytes.
func Sign(format, digest string, key crypto.Signer, chain []*x509.Certificate, now time.Time) ([]byte, error) {
	if len(chain) == 0 {
		return nil, errors.New("no signing certificate")
	}
	alg, value, err := signing.Sign(key, statement(format, digest), "the pack")
	if err != nil {
		return nil, err
	}
	sig := Signature{Format: format, Digest: digest, Algorithm: alg, Value: value, Signed: now.UTC().Format(time.RFC3339)}
	for _, c := range chain {
		sig.Chain = append(sig.Chain, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	data, err := json.MarshalIndent(sig, "", "  ")
	return append(data, '\n'), err
}

// CheckSignature checks that data, a signature file, signs digest in format, and, when pin is
// set, that its signer has that SHA-256 fingerprint. what names the signed thing in messages.
func CheckSignature(data []byte, format, digest, pin, what string) (*Signer, error) {
	if data == nil {
		return nil, fmt.Errorf("%s is not signed; ask its publisher for the signature (pack.sig)", what)
	}
	var sig Signature
	if len(data) > maxSignatureBytes || json.Unmarshal(data, &sig) != nil || sig.Format != format || len(sig.Chain) == 0 {
		return nil, fmt.Errorf("the signature of %s is not a %s file", what, format)
	}
	block, _ := pem.Decode([]byte(sig.Chain[0]))
	if block == nil {
		return nil, fmt.Errorf("the signature of %s carries no certificate", what)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the signature of %s carries a bad certificate: %v", what, err)
	}
	signer := &Signer{Subject: cert.Subject.String(), SHA256: signing.Fingerprint(cert)}
	if !signing.Check(cert, statement(format, digest), sig.Value) {
		if sig.Digest != digest {
			return signer, fmt.Errorf("%s was changed after it was signed by %s: its digest is %s, the signature is over %s", what, signer.Subject, digest, printable(sig.Digest))
		}
		return signer, fmt.Errorf("the signature of %s does not verify with the key of %s", what, signer.Subject)
	}
	if pin != "" && !signing.SamePin(pin, signer.SHA256) {
		return signer, fmt.Errorf("%s is signed by %s (sha256 %s), not by the certificate with sha256 %s", what, signer.Subject, signer.SHA256, pin)
	}
	return signer, nil
}

// Verify checks the pack's signature, if it has one: a pack whose signature does not verify is
// refused, signed or pinned. With pin set, the pack must be signed by the certificate with that
// SHA-256 fingerprint. The signer is nil for an unsigned pack.
func (s *Source) Verify(pin string) (*Signer, error) {
	if s.Signature == nil && pin == "" {
		return nil, nil
	}
	what := "the pack " + s.Where
	if s.Path == "" {
		what = s.Where + " (run a signed pack with --pack)"
	}
	signer, err := CheckSignature(s.Signature, PackSignatureFormat, s.Digest, pin, what)
	if err != nil && s.Signature != nil && pin == "" {
		err = fmt.Errorf("%v; sign it again with konform pack sign, or remove its signature", err)
	}
	return signer, err
}
