package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzLookup: konform.yaml's bytes, parsed and each environment looked up as run, doctor and
// cleanup do (sim, every name in the file, an unknown one), never panic, give one-line errors,
// and what comes back passed the checks: a test environment with an https base URL, a CA and
// positive timeouts. Seeds: the bundled konform.example.yaml and the shapes the tests use.
func FuzzLookup(f *testing.F) {
	example, err := os.ReadFile("../../konform.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(valid))
	for _, seed := range []string{
		"",
		"environments:\n  x:\n",
		"environments:\n  x: ~\n  y: {}\n",
		"environments:\n  sim: {kind: test}\n",
		valid + "---\nenvironments: {}\n",
		valid + "  b: *a\n",
		"environments: &a\n  x: {kind: test, base_url: 'https://a/', ca: c, deny_urls: [a]}\n",
		"environments:\n  x: {kind: test, base_url: 'https://u:p@a/?q#f', ca: c, timeout: -1s, proxy: 'http://[::1'}\n",
		"environments:\n  x:\n    kind: production\n",
		"- a\n- b\n",
		"environments: [a]\n",
		"gateway: {cert: a.pem, key: b.key, client_ca: c.pem, addr: '127.0.0.1:9443'}\n",
		"gateway: {cert: a.pem}\ngateway: {}\n",
		"gateway: {addr: ':'}\n",
		"gateway: ~\n",
		"sut: {driver: command, command: [./sut.sh, '{{action}}'], timeout: 1m}\n",
		"sut: {driver: http, url: 'https://h:1/x', token_env: T}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "/fuzz/konform.yaml"
		file, err := parse(path, data)
		if err != nil {
			oneLine(t, err)
			return
		}
		if g, err := file.gateway(path); err != nil {
			oneLine(t, err)
		} else if (g.Cert == "") != (g.Key == "") {
			t.Fatalf("a gateway with only one of cert and key passed: %+v", g)
		}
		if s, err := file.sut(path, "x"); err != nil {
			oneLine(t, err)
		} else if file.SUT != nil && (s.Timeout <= 0 && s.Driver != "manual" || s.Dir == "") {
			t.Fatalf("a sut section passed without its defaults: %+v", s)
		}
		for _, name := range append(sortedKeys(file.Environments), "sim", "unknown-env") {
			env, err := file.lookup(name, path)
			if err != nil {
				oneLine(t, err)
				continue
			}
			if env.Simulated {
				continue
			}
			u, uerr := url.Parse(env.BaseURL)
			if env.Kind != Test || uerr != nil || u.Scheme != "https" || u.Host == "" || env.CA == "" || env.Timeout < 0 || env.ConnectTimeout < 0 {
				t.Fatalf("environment %q passed the checks: %+v", name, env)
			}
			if err := env.CheckURL(); err != nil {
				t.Fatalf("environment %q passed with a denied URL: %v", name, err)
			}
		}
	})
}

func oneLine(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
		t.Fatalf("the error is not one line of text: %q", msg)
	}
}

// FuzzCheckIssuer: a real certificate whose issuer holds a fuzzed value in a fuzzed attribute,
// then a fuzzed second CN, never panics the production guard, and the guard refuses it whenever
// either value, with spaces trimmed and collapsed and case aside, is a production CA's name (a
// reference as plain as can be: strings.Fields and strings.EqualFold). Seeds: the production
// names decorated as in the bypasses found, the dev PKI's CA and the agency's test CAs.
func FuzzCheckIssuer(f *testing.F) {
	for _, p := range ProductionIssuers {
		f.Add(p, "konform TEST Root CA v1", uint8(0))
		f.Add(" "+strings.ToUpper(p)+" ", "", uint8(1))
		f.Add("konform TEST Root CA v1", p+"\u200b", uint8(2))
		f.Add("TEST "+p, "", uint8(0))
	}
	f.Add("TEST SITHS e-id Function CA v1", "ExpiTrust test CA v7", uint8(3))
	f.Add("", "", uint8(0))
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	attrs := []asn1.ObjectIdentifier{oidCN, oidO, oidOU, {2, 5, 4, 6}, {2, 5, 4, 5}}
	env := Environment{Name: "ext5-x2"}
	f.Fuzz(func(t *testing.T, value, second string, attr uint8) {
		names := []pkix.AttributeTypeAndValue{{Type: attrs[int(attr)%len(attrs)], Value: value}}
		if second != "" {
			names = append(names, cn(second))
		}
		parent := &x509.Certificate{Subject: pkix.Name{ExtraNames: names}}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, leafKey.Public(), caKey)
		if err != nil {
			return // not a name a certificate can hold (invalid UTF-8, say)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		refused := env.CheckIssuer("c.pem", leaf, []*x509.Certificate{leaf, nil})
		if refused != nil {
			oneLine(t, refused)
		}
		for _, v := range []string{value, second} {
			plain := strings.Join(strings.Fields(v), " ")
			for _, p := range ProductionIssuers {
				if strings.EqualFold(plain, p) && refused == nil {
					t.Fatalf("issuer %s (%q) holds the production CA %q and passed", leaf.Issuer, v, p)
				}
			}
		}
	})
}
