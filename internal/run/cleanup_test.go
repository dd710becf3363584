package run_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// TestCleanupRemovesWhatAnAbortedRunLeft serves a simulator as a configured ("remote")
// environment, leaves two prescriptions marked with a run id in it, and cleans them up.
// remote serves a simulator as a configured environment "lokal" of a konform.yaml (with extra
// lines for the environment), as a supplier's EXT environment would be configured.
type remote struct {
	cfg, certs, url, token string
	dev                    pki.DevPKI
}

func remoteEnv(t *testing.T, extra string) remote {
	t.Helper()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	token := s.Token(sim.PrescriberClaims(time.Now()))
	os.WriteFile(filepath.Join(root, "token"), []byte(token+"\n"), 0o600)
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`environments:
  lokal:
    kind: test
    base_url: %s
    ca: certs/ca.pem
    client: {cert: certs/client.pem, key: certs/client.key}
    users:
      förskrivare: {token_file: token, org_info: '{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}'}
%s`, srv.URL, extra)), 0o644)
	return remote{cfg: cfg, certs: certs, url: srv.URL, token: token, dev: d}
}

func TestCleanupRemovesWhatAnAbortedRunLeft(t *testing.T) {
	t.Parallel()
	env := remoteEnv(t, "")
	cfg, certs, d, token := env.cfg, env.certs, env.dev, env.token

	id, _ := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	roots, _ := pki.CertPool(d.Path(pki.CAFile))
	c, _ := fhirclient.New(fhirclient.Config{BaseURL: env.url, TLS: pki.ClientTLS(roots, id)})
	h := http.Header{"Authorization": {"Bearer " + token}, "X-Org-Info": {`{"orgenhetsId":"x","orgenhetsIdTyp":"HSA"}`},
		"X-Provenance": {base64.StdEncoding.EncodeToString([]byte(`{"reason":{"text":"test"}}`))}, "X-Purpose": {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"}}
	template, _ := os.ReadFile("../../nllpack/templates/forskrivning.json")
	body := strings.NewReplacer("{{run.id}}", "aborted-run", "{{patient.id}}", "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01", "{{today}}", "2026-11-23",
		"{{testdata.article.nplpackid}}", "20110119100011", "{{testdata.article.name}}", "Paracetamol Test").Replace(string(template))
	for i := 0; i < 2; i++ {
		if ex, err := c.Do(context.Background(), fhirclient.Request{Method: "POST", Path: "MedicationRequest", Header: h, Body: []byte(body)}); err != nil || ex.Response.Status != 201 {
			t.Fatalf("leaving test data: %v %+v", err, ex)
		}
	}
	var out, errb bytes.Buffer
	code := run.Cleanup(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now},
		run.Options{Env: "lokal", Config: cfg, CertsDir: certs}, "aborted-run")
	if code != run.ExitOK || !strings.Contains(errb.String(), "2 prescription(s) still active found, 0 could not be cancelled") {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	ex, _ := c.Do(context.Background(), fhirclient.Request{Method: "GET", Path: "MedicationRequest", Header: h,
		Query: url.Values{"identifier": {"urn:konform:run|aborted-run"}, "status": {"active"}}})
	if !strings.Contains(string(ex.Response.Body), `"total":0`) {
		t.Errorf("active prescriptions of the run remain: %s", ex.Response.Body)
	}
	// The same environment also runs the pack's generic cases through konform.yaml.
	r := execute(t, run.Options{Env: "lokal", Config: cfg, CertsDir: certs, Tags: "@tc:NLL-TA05-01"})
	if r.code != run.ExitOK {
		t.Errorf("a configured environment with a token file: exit %d\n%s", r.code, r.stderr)
	}
}

// TestProxyIsUsed runs through an HTTP CONNECT proxy on loopback, configured with proxy: (the
// same transport path takes HTTPS_PROXY, which Go never applies to loopback addresses).
func TestProxyIsUsed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tunnels := 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		upstream, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		mu.Lock()
		tunnels++
		mu.Unlock()
		conn, buf, _ := http.NewResponseController(w).Hijack()
		buf.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
		buf.Flush()
		go func() { io.Copy(upstream, conn); upstream.Close() }()
		io.Copy(conn, upstream)
		conn.Close()
	}))
	defer proxy.Close()
	env := remoteEnv(t, "    proxy: "+proxy.URL+"\n")
	r := execute(t, run.Options{Env: "lokal", Config: env.cfg, CertsDir: env.certs, Tags: "@tc:NLL-TA05-01"})
	mu.Lock()
	if r.code != run.ExitOK || tunnels == 0 {
		t.Fatalf("exit %d, %d tunnels through the proxy\n%s", r.code, tunnels, r.stderr)
	}
	before := tunnels
	mu.Unlock()
	// doctor reaches the environment the same way: through the proxy.
	code, out := doctor(t, run.Options{Env: "lokal", Config: env.cfg, CertsDir: env.certs})
	mu.Lock()
	defer mu.Unlock()
	if code != run.ExitOK || tunnels == before || !strings.Contains(out, "ok    proxy") {
		t.Fatalf("doctor: exit %d, %d tunnels\n%s", code, tunnels-before, out)
	}
}

// TestDoctorKeepsTheEnvironmentsTimeout: against a server that never answers $ping, doctor
// gives up after the environment's timeout: 1s, as a run would.
func TestDoctorKeepsTheEnvironmentsTimeout(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hang, _ := sim.ParseFault("path=$ping,latency=30s")
	s, _ := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Faults: []sim.Fault{hang}})
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("environments:\n  lokal:\n    kind: test\n    base_url: %s\n    ca: certs/ca.pem\n    client: {cert: certs/client.pem, key: certs/client.key}\n    timeout: 1s\n", srv.URL)), 0o644)
	start := time.Now()
	code, out := doctor(t, run.Options{Env: "lokal", Config: cfg, CertsDir: certs})
	if code != run.ExitHarness || !strings.Contains(out, "timed out after 1s") || time.Since(start) > 10*time.Second {
		t.Fatalf("exit %d after %s\n%s", code, time.Since(start), out)
	}
}

func TestTimeoutIsAnErrorNamingTheURL(t *testing.T) {
	t.Parallel()
	slow, _ := sim.ParseFault("path=$ping,latency=2s")
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-01", Faults: []sim.Fault{slow}, Timeout: 300 * time.Millisecond})
	if c := r.outcome(t, "NLL-ANSL-01"); c.Outcome != evidence.Error || r.code != run.ExitHarness ||
		!strings.Contains(r.stderr, "timed out after 300ms") || !strings.Contains(r.stderr, "/fhir-server/fhir/$ping") {
		t.Errorf("outcome %s, exit %d\n%s", c.Outcome, r.code, r.stderr)
	}
}
