package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"
)

var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU = asn1.ObjectIdentifier{2, 5, 4, 11}
)

// rdn is a distinguished name attribute by attribute, in order, so that a name can hold two CNs.
type rdn []pkix.AttributeTypeAndValue

func cn(v string) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: oidCN, Value: v}
}

// testCA is a real CA certificate with its key.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newTestCA makes a CA called subject, self-signed (parent nil) or issued by parent.
func newTestCA(t testing.TB, subject rdn, parent *testCA) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{ExtraNames: subject},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

// leafOf issues a client certificate from ca.
func leafOf(t testing.TB, ca *testCA) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leverantör test"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// TestProductionIssuerGuardComparesNormalisedNamesEverywhere: the guard compared the issuer's
// last CN exactly (case aside), so a trailing space, doubled spaces, a second CN or the name in
// another attribute let a production certificate through. Names are now compared trimmed, with
// spaces collapsed and case folded, over every attribute of the leaf's issuer and of each chain
// certificate's subject and issuer.
func TestProductionIssuerGuardComparesNormalisedNamesEverywhere(t *testing.T) {
	env := Environment{Name: "ext5-x2", ProductionIssuers: []string{"  Vårdföretaget   Prod CA "}}
	refused := map[string]rdn{
		"exact":                  {cn("SITHS e-id Function CA v1")},
		"trailing space":         {cn("SITHS e-id Function CA v1 ")},
		"leading and inner":      {cn("  SITHS  e-id Function\tCA v1")},
		"case":                   {cn("siths E-ID function ca V1")},
		"no-break space":         {cn("SITHS e-id\u00a0Function CA v1")},
		"zero-width space":       {cn("SITHS e-id Function CA v1\u200b")},
		"second CN, first":       {cn("SITHS e-id Function CA v1"), cn("konform TEST CA")},
		"second CN, last":        {cn("konform TEST CA"), cn("SITHS e-id Function CA v1")},
		"in O":                   {cn("konform TEST CA"), {Type: oidO, Value: "Steria AB EID CA v2"}},
		"in OU":                  {cn("konform TEST CA"), {Type: oidOU, Value: "expitrust eid ca v4"}},
		"configured, normalised": {cn("vårdföretaget prod ca")},
	}
	for name, issuer := range refused {
		ca := newTestCA(t, issuer, nil)
		err := env.CheckIssuer("c.pem", leafOf(t, ca), []*x509.Certificate{ca.cert})
		if err == nil || !strings.Contains(err.Error(), "is issued by the production CA") || !strings.Contains(err.Error(), "c.pem") {
			t.Errorf("%s (%s): %v", name, ca.cert.Subject, err)
		}
		// without the chain, the leaf's issuer alone is enough
		if err := env.CheckIssuer("c.pem", leafOf(t, ca), nil); err == nil {
			t.Errorf("%s, leaf only: not refused", name)
		}
	}
	accepted := map[string]rdn{
		"agency test CA":   {cn("TEST SITHS e-id Function CA v1"), {Type: oidO, Value: "Inera AB"}},
		"expitrust test":   {cn("ExpiTrust test CA v7")},
		"prefix only":      {cn("SITHS e-id Function CA v")},
		"name within name": {cn("SITHS e-id Function CA v10")},
	}
	for name, issuer := range accepted {
		ca := newTestCA(t, issuer, nil)
		if err := env.CheckIssuer("c.pem", leafOf(t, ca), []*x509.Certificate{ca.cert}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestProductionIssuerGuardReadsTheWholeChain: a production root above a test-named intermediate,
// and a chain certificate whose subject is a production CA, are refused.
func TestProductionIssuerGuardReadsTheWholeChain(t *testing.T) {
	env := Environment{Name: "ext5-x2"}
	root := newTestCA(t, rdn{cn("SITHS e-id Root CA v2 ")}, nil)
	inter := newTestCA(t, rdn{cn("konform TEST intermediate")}, root)
	if err := env.CheckIssuer("c.p12", leafOf(t, inter), []*x509.Certificate{inter.cert}); err == nil {
		t.Error("an intermediate issued by a production root passed")
	}
	// a cross-certificate: the production CA's own certificate, issued by a test-named CA
	other := newTestCA(t, rdn{cn("konform TEST other root")}, nil)
	cross := newTestCA(t, rdn{cn("SITHS Type 3 CA v1"), cn("konform")}, other)
	if err := env.CheckIssuer("c.p12", leafOf(t, inter), []*x509.Certificate{cross.cert}); err == nil || !strings.Contains(err.Error(), `"SITHS Type 3 CA v1"`) {
		t.Errorf("a production CA's certificate in the chain: %v", err)
	}
}

// TestDenyListIgnoresSpacesDefaultPortsAndTrailingDots: a deny_urls entry written with spaces,
// or a base URL with the default port or a host's trailing dot, no longer slips past the list.
func TestDenyListIgnoresSpacesDefaultPortsAndTrailingDots(t *testing.T) {
	cases := []struct{ base, deny string }{
		{"https://nll.prod.example.se/fhir", " nll.prod.example.se "},
		{"https://NLL.Prod.Example.SE/fhir", "nll.prod.example.se"},
		{"https://nll.prod.example.se:443/fhir", "https://nll.prod.example.se/fhir"},
		{"https://nll.prod.example.se./fhir", "https://nll.prod.example.se/"},
		{"https://nll.prod.example.se/fhir", "HTTPS://NLL.PROD.EXAMPLE.SE:443/"},
	}
	for _, c := range cases {
		env := Environment{Name: "x", BaseURL: c.base, DenyURLs: []string{c.deny}}
		if err := env.CheckURL(); err == nil || !strings.Contains(err.Error(), "deny list") {
			t.Errorf("%s with deny %q: %v", c.base, c.deny, err)
		}
	}
	env := Environment{Name: "x", BaseURL: "https://ext5.example.se/fhir", DenyURLs: []string{"nll.prod.example.se", " ", ""}}
	if err := env.CheckURL(); err != nil {
		t.Errorf("a test URL: %v", err)
	}
}
