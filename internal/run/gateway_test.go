package run_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

// supplierPKI is a second, independent PKI: the supplier's own CA, the gateway's server
// certificate and the system's client certificate, none issued by konform's dev CA.
func supplierPKI(t *testing.T) pki.DevPKI {
	t.Helper()
	d, _, err := pki.EnsureDevPKI(filepath.Join(t.TempDir(), "supplier"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeConfig writes a konform.yaml and returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "konform.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockedBuffer is stderr written by the gateway's goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveGateway runs konform gateway until the test ends and returns its base URL and stderr.
func serveGateway(t *testing.T, o run.GatewayOptions) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run.ServeGateway(ctx, run.IO{Stdout: w, Stderr: stderr, Now: time.Now}, o)
		w.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("konform gateway printed no URL (%v):\n%s", err, stderr)
	}
	go io.Copy(io.Discard, out) //nolint:errcheck // drain whatever else is printed
	return strings.TrimSpace(line), stderr
}

// TestGatewayServesTheConfiguredCertificates starts konform gateway with a gateway section naming
// the supplier's own server certificate and client CA: a system of the supplier's PKI reaches
// NLL through it, the certificate it sees is the configured one, and konform's dev client
// certificate is refused and reported.
func TestGatewayServesTheConfiguredCertificates(t *testing.T) {
	t.Parallel()
	s := supplierPKI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := writeConfig(t, "gateway:\n  cert: "+s.Path(pki.ServerCertFile)+"\n  key: "+s.Path(pki.ServerKeyFile)+
		"\n  client_ca: "+s.Path(pki.CAFile)+"\n  addr: "+addr+"\n")
	devDir := filepath.Join(t.TempDir(), "certs")
	url, stderr := serveGateway(t, run.GatewayOptions{Env: "sim", Config: cfg, CertsDir: devDir})
	if !strings.HasPrefix(url, "https://"+addr+"/") {
		t.Fatalf("gateway URL %s does not use addr %s of the configuration", url, addr)
	}
	client := func(d pki.DevPKI) *http.Client {
		roots, err := pki.CertPool(s.Path(pki.CAFile)) // the system trusts the supplier's CA only
		if err != nil {
			t.Fatal(err)
		}
		id, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: pki.ClientTLS(roots, id)}}
	}
	resp, err := client(s).Get(url + "/$ping")
	if err != nil {
		t.Fatalf("a system of the supplier's PKI cannot reach NLL through the gateway: %v", err)
	}
	resp.Body.Close()
	want, err := pki.ReadCertificateFile(s.Path(pki.ServerCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || !resp.TLS.PeerCertificates[0].Equal(want) {
		t.Fatalf("status %d; the gateway did not serve the configured certificate", resp.StatusCode)
	}
	if line := stderr.String(); !strings.Contains(line, "GET /$ping → 200") || !strings.Contains(line, "from CN=konform testklient") || !strings.Contains(line, "x-user-agent (none)") {
		t.Errorf("the call's line does not name the system's certificate and x-user-agent:\n%s", line)
	}

	dev, _, err := pki.EnsureDevPKI(devDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := client(dev).Get(url + "/$ping"); err == nil {
		resp.Body.Close()
		t.Fatalf("the dev client certificate got %d through a gateway whose client_ca is the supplier's", resp.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), "refused") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "refused") {
		t.Fatalf("the refused certificate is not reported:\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "issued by a CA of "+s.Path(pki.CAFile)) {
		t.Errorf("the start lines do not name the configured client CA:\n%s", stderr)
	}
	// In front of the simulator they also give what to call NLL about.
	for _, want := range []string{"test patients (simulator): personnummer 189001019802 and ", "test article:             nplpackid 20110119100011 (Paracetamol"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the start lines lack %q:\n%s", want, stderr)
		}
	}
}

// TestRunUsesTheConfiguredGatewayCertificate runs a SUT case through a gateway with the
// supplier's server certificate; a client_ca that does not accept the reference system's
// certificate stops the run before it starts, with one line that says what to change.
func TestRunUsesTheConfiguredGatewayCertificate(t *testing.T) {
	t.Parallel()
	s := supplierPKI(t)
	devDir := filepath.Join(t.TempDir(), "certs")
	dev, _, err := pki.EnsureDevPKI(devDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert := "gateway:\n  cert: " + s.Path(pki.ServerCertFile) + "\n  key: " + s.Path(pki.ServerKeyFile) + "\n"
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", SUT: "ref", CertsDir: devDir,
		Config: writeConfig(t, cert+"  client_ca: "+dev.Path(pki.CAFile)+"\n")})
	if r.code != run.ExitOK || r.summary.Counts.Passed != 1 {
		t.Fatalf("exit %d, counts %+v; want the case passed through the configured gateway\n%s", r.code, r.summary.Counts, r.stderr)
	}

	r = execute(t, run.Options{Tags: "@tc:SUT-VARD-01", SUT: "ref", CertsDir: devDir,
		SUTConfig: writeConfig(t, cert+"  client_ca: "+s.Path(pki.CAFile)+"\n")}) // --sut-config, in place of konform.yaml's sections
	if r.code != run.ExitUsage || !strings.Contains(r.stderr, "client_ca") || !strings.Contains(r.stderr, dev.Path(pki.CAFile)) ||
		strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("exit %d, stderr %q; want 2 and one line naming client_ca and the dev CA to add", r.code, r.stderr)
	}
}

// TestBadGatewaySectionIsOneLine checks the gateway section's settings before anything starts.
func TestBadGatewaySectionIsOneLine(t *testing.T) {
	t.Parallel()
	s := supplierPKI(t)
	for name, c := range map[string]struct{ yaml, want string }{
		"cert without key": {"gateway:\n  cert: " + s.Path(pki.ServerCertFile) + "\n", "cert needs key"},
		"unknown key":      {"gateway:\n  certificate: x.pem\n", "certificate"},
		"bad addr":         {"gateway:\n  addr: nine-four-four-three\n", "host:port"},
		"no such file":     {"gateway:\n  cert: missing.pem\n  key: missing.key\n", "missing.pem"},
		"expired":          {"gateway:\n  cert: " + s.Path(pki.ExpiredCertFile) + "\n  key: " + s.Path(pki.ExpiredKeyFile) + "\n", "expired"},
		"client cert":      {"gateway:\n  cert: " + s.Path(pki.ClientCertFile) + "\n  key: " + s.Path(pki.ClientKeyFile) + "\n", "serverAuth"},
		"client_ca no PEM": {"gateway:\n  client_ca: " + s.Path(pki.ServerKeyFile) + "\n", "client_ca"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", SUT: "ref", Config: writeConfig(t, c.yaml)})
			if r.code != run.ExitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Fatalf("exit %d, stderr %q; want 2 and one line with %q", r.code, r.stderr, c.want)
			}
		})
	}
}
