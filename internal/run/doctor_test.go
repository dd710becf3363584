package run_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// issue writes a client certificate (PEM cert and key) signed by a new CA called caName.
func issue(t *testing.T, dir, caName string, notAfter time.Time) (string, string) {
	t.Helper()
	return issueFor(t, dir, caName, notAfter, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
}

// issueFor is issue with the extended key usages eku (none when empty).
func issueFor(t *testing.T, dir, caName string, notAfter time.Time, eku []x509.ExtKeyUsage) (string, string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: caName}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leverantör"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: notAfter, ExtKeyUsage: eku}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	cert, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "c.key")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return cert, keyFile
}

func doctor(t *testing.T, opts run.Options) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run.Doctor(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now}, opts)
	if strings.Contains(out.String()+errb.String(), "goroutine ") {
		t.Fatalf("stack trace:\n%s%s", out.String(), errb.String())
	}
	return code, out.String()
}

func TestDoctorOnTheSimulator(t *testing.T) {
	t.Parallel()
	certs := t.TempDir()
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, out := doctor(t, run.Options{CertsDir: certs})
	if code != run.ExitOK || strings.Contains(out, "FAIL") || strings.Count(out, "\nok") < 12 {
		t.Fatalf("healthy: exit %d\n%s", code, out)
	}
	for _, want := range []string{"TLS 1.3", "role=FORSKRIVARE", "clock "} {
		if !strings.Contains(out, want) {
			t.Errorf("healthy output lacks %q:\n%s", want, out)
		}
	}
	production, productionKey := issue(t, t.TempDir(), "SITHS e-id Function CA v1", time.Now().AddDate(1, 0, 0))
	soon, soonKey := issue(t, t.TempDir(), "TEST SITHS e-id Function CA v1", time.Now().AddDate(0, 0, 10))
	anyUse, anyUseKey := issueFor(t, t.TempDir(), "TEST SITHS e-id Function CA v1", time.Now().AddDate(1, 0, 0), nil)
	cases := []struct {
		name, cert, key string
		code            int
		want            []string
	}{
		{"expired", d.Path(pki.ExpiredCertFile), d.Path(pki.ExpiredKeyFile), run.ExitUsage, []string{"FAIL  validity", "expired on", "FAIL  $ping"}},
		{"unknown CA", d.Path(pki.UnknownCACertFile), d.Path(pki.UnknownCAKeyFile), run.ExitHarness, []string{"warn  chain", "FAIL  $ping", "refused the TLS connection"}},
		{"missing", filepath.Join(certs, "none.pem"), "", run.ExitUsage, []string{"FAIL  certificate", "none.pem not found"}},
		{"production CA", production, productionKey, run.ExitUsage, []string{"FAIL  issuer", "production CA \"SITHS e-id Function CA v1\""}},
		{"expires soon", soon, soonKey, run.ExitHarness, []string{"warn  validity", "order a new certificate", "ok    usage         clientAuth\n"}},
		{"no extended key usage", anyUse, anyUseKey, run.ExitHarness, []string{"no extended key usage: any use"}},
	}
	for _, c := range cases {
		code, out := doctor(t, run.Options{CertsDir: certs, Cert: c.cert, Key: c.key})
		if code != c.code {
			t.Errorf("%s: exit %d, want %d\n%s", c.name, code, c.code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.name, w, out)
			}
		}
	}
}

// TestDoctorPingNeedsAPingAnswer: a 200 that is not $ping's Parameters or OperationOutcome (an
// empty search Bundle, a web page) fails the $ping check.
func TestDoctorPingNeedsAPingAnswer(t *testing.T) {
	t.Parallel()
	bundle, err := sim.ParseFault("path=$ping,resourceType=Bundle")
	if err != nil {
		t.Fatal(err)
	}
	code, out := doctor(t, run.Options{CertsDir: t.TempDir(), Faults: []sim.Fault{bundle}})
	if code != run.ExitHarness || !strings.Contains(out, "FAIL  $ping") || !strings.Contains(out, "answered 200 with Bundle") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestProductionCertificateIsRefusedBeforeAnyConnection(t *testing.T) {
	t.Parallel()
	cert, key := issue(t, t.TempDir(), "SITHS e-id Function CA v1", time.Now().AddDate(1, 0, 0))
	r := execute(t, run.Options{Cert: cert, Key: key})
	if r.code != run.ExitUsage || !strings.Contains(r.stderr, "issued by the production CA") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// TestDoctorChecksTheSystemUnderTest: with a driver configured, doctor reports the gateway's
// port and certificate and whether the driver can be reached, and fails what a run would fail on.
func TestDoctorChecksTheSystemUnderTest(t *testing.T) {
	t.Parallel()
	script, _ := filepath.Abs("../../examples/sut-command/sut.sh")
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "POST only", http.StatusMethodNotAllowed) }))
	t.Cleanup(hook.Close) // the parallel subtests run after this function returns
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { taken.Close() })
	other, _, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherCA := other.Path(pki.CAFile)
	cases := []struct {
		name, yaml string
		code       int
		want       []string
	}{
		{"command", "sut: {driver: command, command: [" + script + ", '{{action}}'], probe: [" + script + ", --help]}\n", run.ExitOK,
			[]string{"ok    driver        command: " + script, "ok    driver probe", "ok    gateway port  a free loopback port", "ok    gateway cert  CN=konform NLL simulator"}},
		{"missing command", "sut: {driver: command, command: [./saknas.sh]}\n", run.ExitUsage, []string{"FAIL  driver        command: ./saknas.sh was not found"}},
		{"failing probe", "sut: {driver: command, command: [" + script + "], probe: [false]}\n", run.ExitHarness, []string{"FAIL  driver probe  false"}},
		{"hook", "sut: {driver: http, url: '" + hook.URL + "/konform'}\n", run.ExitOK, []string{"answers (GET → 405)"}},
		{"hook down", "sut: {driver: http, url: '" + closed.URL + "/konform'}\n", run.ExitHarness, []string{"FAIL  driver        http: the test hook " + closed.URL + "/konform does not answer"}},
		{"port taken", "gateway: {addr: '" + taken.Addr().String() + "'}\nsut: {driver: ref}\n", run.ExitUsage, []string{"FAIL  gateway port  " + taken.Addr().String() + " is in use"}},
		{"manual without a terminal", "sut: {driver: manual}\n", run.ExitOK, []string{"warn  driver        manual: there is no terminal here"}},
		{"client_ca not PEM", "gateway: {client_ca: " + script + "}\nsut: {driver: manual}\n", run.ExitUsage, []string{"FAIL  gateway CAs   client_ca: CA bundle: no PEM certificate"}},
		{"client_ca refuses ref", "gateway: {client_ca: " + otherCA + "}\nsut: {driver: ref}\n", run.ExitUsage, []string{"does not accept the reference system's certificate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := filepath.Join(t.TempDir(), "konform.yaml")
			os.WriteFile(cfg, []byte(c.yaml), 0o644)
			code, out := doctor(t, run.Options{CertsDir: t.TempDir(), Config: cfg})
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestDoctorSaysWhenThePortSpeaksNoTLS: a base URL whose port answers in plain HTTP, or closes
// the connection at once, gets a FAIL
// that says so and names the port to check, not crypto/tls's words.
func TestDoctorSaysWhenThePortSpeaksNoTLS(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	if _, _, err := pki.EnsureDevPKI(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	closer, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	go func() {
		for {
			conn, err := closer.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	for addr, want := range map[string]string{plain.Listener.Addr().String(): "does not speak TLS", closer.Addr().String(): "closed the connection during the TLS handshake"} {
		cfg := filepath.Join(root, "konform.yaml")
		os.WriteFile(cfg, []byte("environments:\n  vanlig:\n    kind: test\n    base_url: https://"+addr+"/fhir\n    ca: certs/ca.pem\n    client: {cert: certs/client.pem, key: certs/client.key}\n"), 0o644)
		code, out := doctor(t, run.Options{Env: "vanlig", Config: cfg, CertsDir: certs})
		if code != run.ExitHarness || !strings.Contains(out, want) || !strings.Contains(out, "HTTPS port") || !strings.Contains(out, "ok    TCP") {
			t.Errorf("exit %d; want 3, TCP ok and %q\n%s", code, want, out)
		}
	}
}

// TestDoctorNamesTheRefusedToken: each configured user's token is tried; a refused one is a
// configuration problem (exit 2) that names the user, and an empty token file is said once.
func TestDoctorNamesTheRefusedToken(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	other, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(filepath.Dir(sh.cfg), "pharmacist"), []byte(other.Token(sim.PharmacistClaims(time.Now()))), 0o600)
	code, out := doctor(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs})
	if code != run.ExitUsage || !strings.Contains(out, "with the token of user farmaceut answered 401") || !strings.Contains(out, "ok    $ping+token") {
		t.Errorf("exit %d; want 2, the pharmacist's token refused and the others accepted:\n%s", code, out)
	}
	os.WriteFile(filepath.Join(filepath.Dir(sh.cfg), "pharmacist"), nil, 0o600)
	code, out = doctor(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs})
	if code != run.ExitUsage || !strings.Contains(out, "is empty") || strings.Contains(out, "no token configured") {
		t.Errorf("an empty token file: exit %d\n%s", code, out)
	}
}
