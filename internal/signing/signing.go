// Package signing signs and checks konform's detached signatures: the evidence manifest's and a
// test pack's or plan's. A signature is over SHA-256 of the signed bytes, with the key of an RSA
// (PKCS #1 v1.5) or ECDSA (ASN.1) certificate; the certificate travels with the signature and is
// named by the SHA-256 of its DER bytes, which is what a reader pins.
package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Algorithm names, as written into signature files.
const (
	ECDSA = "ECDSA-SHA256"
	RSA   = "RSA-PKCS1v15-SHA256"
)

// Sign signs data with key and returns the algorithm's name and the signature in base64. what
// names the signed thing in an error ("the evidence", "the pack").
func Sign(key crypto.Signer, data []byte, what string) (alg, value string, err error) {
	digest := sha256.Sum256(data)
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		alg = ECDSA
	case *rsa.PublicKey:
		alg = RSA
	default:
		return "", "", fmt.Errorf("cannot sign %s with a %T key; use an RSA or ECDSA certificate", what, key.Public())
	}
	raw, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", "", fmt.Errorf("cannot sign %s: %w", what, err)
	}
	return alg, base64.StdEncoding.EncodeToString(raw), nil
}

// Check reports whether value (base64) is cert's signature of data.
func Check(cert *x509.Certificate, data []byte, value string) bool {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return false
	}
	digest := sha256.Sum256(data)
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(pub, digest[:], raw)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], raw) == nil
	}
	return false
}

// Fingerprint is the SHA-256 of cert's DER bytes in lower-case hex.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// SamePin reports whether pin, a fingerprint as a person may type it (any case, with or without
// colons), is fp.
func SamePin(pin, fp string) bool {
	return strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(pin), ":", ""), fp)
}

// ValidPin reports whether pin is a SHA-256 fingerprint: 64 hex digits, colons allowed.
func ValidPin(pin string) bool {
	p := strings.ReplaceAll(strings.TrimSpace(pin), ":", "")
	_, err := hex.DecodeString(p)
	return len(p) == 64 && err == nil
}
