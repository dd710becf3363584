package gateway_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// patientID is the test patient 189001019802 of the fixtures.
const patientID = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01"

// tapped is one answer of the simulator as its Tap saw it.
type tapped struct {
	method, path string
	header       http.Header // the request's headers as they reached the simulator
	status       int
	body         []byte
}

// env is a dev PKI, the simulator serving over mutual TLS, and a gateway in front of it.
type env struct {
	t     *testing.T
	d     pki.DevPKI
	roots *x509.CertPool
	s     *sim.Simulator
	srv   *sim.Server
	g     *gateway.Gateway
	token string

	mu   sync.Mutex
	taps []tapped
}

// newEnv starts the simulator and a gateway in front of it; tweak may change the gateway's
// configuration first.
func newEnv(t *testing.T, tweak func(*gateway.Config)) *env {
	t.Helper()
	e := &env{t: t}
	d, _, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	if e.roots, err = pki.CertPool(d.Path(pki.CAFile)); err != nil {
		t.Fatal(err)
	}
	e.s, err = sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Tap: func(r *http.Request, status int, header http.Header, body []byte) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.taps = append(e.taps, tapped{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), status: status,
			body: bytes.Clone(body)})
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.token = e.s.Token(sim.PrescriberClaims(time.Now()))
	if e.srv, err = sim.ServeDevPKI(e.s, d, "127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.srv.Close() })
	e.g = e.start(e.config(e.srv.URL, tweak))
	return e
}

// bothUpstreams runs test against a gateway that reaches the simulator over mutual TLS and
// against one that hands calls to it in process (Config.UpstreamHandler).
func bothUpstreams(t *testing.T, tweak func(*gateway.Config), test func(t *testing.T, e *env)) {
	for _, inProc := range []bool{false, true} {
		name := "over TLS"
		if inProc {
			name = "in process"
		}
		t.Run(name, func(t *testing.T) {
			var e *env
			e = newEnv(t, func(cfg *gateway.Config) {
				if inProc { // e is set by the time a call comes
					cfg.UpstreamHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.s.ServeHTTP(w, r) })
				}
				if tweak != nil {
					tweak(cfg)
				}
			})
			test(t, e)
		})
	}
}

// config is the gateway configuration towards upstream: the run's client identity towards NLL,
// the dev server certificate and the dev CA for the SUT.
func (e *env) config(upstream string, tweak func(*gateway.Config)) gateway.Config {
	e.t.Helper()
	id, err := pki.LoadIdentity(e.d.Path(pki.ClientCertFile), e.d.Path(pki.ClientKeyFile), "")
	if err != nil {
		e.t.Fatal(err)
	}
	serverTLS, err := pki.ServerTLS(e.d.Path(pki.ServerCertFile), e.d.Path(pki.ServerKeyFile), e.roots)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := gateway.Config{Upstream: upstream, UpstreamTLS: pki.ClientTLS(e.roots, id), ServerTLS: serverTLS, Addr: "127.0.0.1:0"}
	if tweak != nil {
		tweak(&cfg)
	}
	return cfg
}

func (e *env) start(cfg gateway.Config) *gateway.Gateway {
	e.t.Helper()
	g, err := gateway.Start(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = g.Close() })
	return g
}

// upstream starts up as an NLL of its own, with the dev PKI's server certificate, until the test
// ends, and returns its URL.
func (e *env) upstream(up *httptest.Server) string {
	e.t.Helper()
	tlsCfg, err := pki.ServerTLS(e.d.Path(pki.ServerCertFile), e.d.Path(pki.ServerKeyFile), e.roots)
	if err != nil {
		e.t.Fatal(err)
	}
	up.TLS = tlsCfg
	up.StartTLS()
	e.t.Cleanup(up.Close)
	return up.URL
}

// settled waits until the running scenario holds n calls, so that End does not race the
// recording of a call whose answer the SUT already has (see
// TestGatewayRecordsACallBeforeTheSUTHasTheAnswer); tests of other behaviour use it.
func (e *env) settled(g *gateway.Gateway, n int) {
	e.t.Helper()
	waitFor(e.t, func() bool { return len(g.Calls()) >= n }, "%d calls in the scenario", n)
}

// unattributed waits until n calls are unattributed and returns them.
func (e *env) unattributed(n int) []*gateway.Call {
	e.t.Helper()
	waitFor(e.t, func() bool { return len(e.g.Unattributed()) >= n }, "%d unattributed calls", n)
	return e.g.Unattributed()
}

func waitFor(t *testing.T, cond func() bool, what string, args ...any) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for "+what, args...)
		}
	}
}

// answers returns what the simulator has answered so far.
func (e *env) answers() []tapped {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]tapped(nil), e.taps...)
}

// sut is a system under test: a plain net/http client with its own TLS configuration.
type sut struct {
	*http.Client
	cert *x509.Certificate // the certificate it presents, nil for none
}

// sut returns a client presenting the dev PKI certificate in certFile and keyFile ("" for none).
// It presents the certificate whatever CAs the server asks for, as curl and OpenSSL do.
func (e *env) sut(certFile, keyFile string) *sut {
	e.t.Helper()
	cfg := &tls.Config{RootCAs: e.roots, MinVersion: tls.VersionTLS12}
	c := &sut{}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(e.d.Path(certFile), e.d.Path(keyFile))
		if err != nil {
			e.t.Fatal(err)
		}
		c.cert = pair.Leaf
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	tr := &http.Transport{TLSClientConfig: cfg, DisableCompression: true}
	e.t.Cleanup(tr.CloseIdleConnections)
	c.Client = &http.Client{Transport: tr, Timeout: 20 * time.Second}
	return c
}

// goodSUT presents the dev client certificate.
func (e *env) goodSUT() *sut { return e.sut(pki.ClientCertFile, pki.ClientKeyFile) }

// readHeader is what a prescriber's system sends with a read.
func (e *env) readHeader() http.Header {
	return http.Header{
		"Authorization": {"Bearer " + e.token},
		"X-Org-Info":    {`{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`},
		"X-Purpose":     {"VARD"},
		"X-Access":      {"TILLFALLIGT_SAMTYCKE"},
		"X-Request-Id":  {uuid.NewString()},
	}
}

// writeHeader is what a prescriber's system sends with a write.
func (e *env) writeHeader() http.Header {
	h := e.readHeader()
	prov, err := json.Marshal(map[string]any{
		"resourceType": "Provenance",
		"recorded":     time.Now().UTC().Format(time.RFC3339),
		"activity":     map[string]any{"text": "förskrivning"},
		"reason":       []any{map[string]any{"text": "gateway test"}},
		"agent":        []any{map[string]any{"who": map[string]any{"display": "Test Doktorsson"}}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	h.Set("X-Provenance", base64.StdEncoding.EncodeToString(prov))
	h.Set("Content-Type", "application/fhir+json")
	return h
}

// answer is what the SUT got.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request through c and reads the whole answer.
func (e *env) do(c *sut, method, url string, header http.Header, body []byte) (answer, error) {
	e.t.Helper()
	resp, err := e.send(c, method, url, header, body)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{resp.StatusCode, resp.Header, b}, nil
}

// discard sends one request through c and reads the answer into nothing: an endless answer
// costs no memory.
func (e *env) discard(c *sut, method, url string, header http.Header) error {
	e.t.Helper()
	resp, err := e.send(c, method, url, header, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// send sends one request through c and returns the answer unread.
func (e *env) send(c *sut, method, url string, header http.Header, body []byte) (*http.Response, error) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.Do(req)
}

// mustDo is do for calls that must get an answer.
func (e *env) mustDo(c *sut, method, url string, header http.Header, body []byte) answer {
	e.t.Helper()
	a, err := e.do(c, method, url, header, body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	return a
}

// prescription fills the prescription template as a step would.
func prescription(t *testing.T, runID string) []byte {
	t.Helper()
	raw, err := fs.ReadFile(nllpack.FS, "templates/forskrivning.json")
	if err != nil {
		t.Fatal(err)
	}
	filled := strings.NewReplacer("{{patient.id}}", patientID, "{{run.id}}", runID,
		"{{today}}", time.Now().Format("2006-01-02"), "{{testdata.article.nplpackid}}", "20110119100011",
		"{{testdata.article.name}}", "Paracetamol Test 500 mg tablett, 20 st").Replace(string(raw))
	if strings.Contains(filled, "{{") {
		t.Fatalf("template left a placeholder: %s", filled)
	}
	return []byte(filled)
}

// checkSentHeaders fails unless got holds every header of sent with the same values.
func checkSentHeaders(t *testing.T, what string, got, sent http.Header) {
	t.Helper()
	for k, v := range sent {
		if g := got.Values(k); strings.Join(g, "\n") != strings.Join(v, "\n") {
			t.Errorf("%s: header %s = %q, sent %q", what, k, g, v)
		}
	}
}

func TestGatewayForwardsAReadAndAWriteUnchangedAndRecordsThem(t *testing.T) {
	bothUpstreams(t, nil, func(t *testing.T, e *env) {
		c := e.goodSUT()
		e.g.Begin()

		readHeader := e.readHeader()
		read := e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, readHeader, nil)

		runID := uuid.NewString()
		body := prescription(t, runID)
		writeHeader := e.writeHeader()
		writeHeader.Set("Prefer", "return=representation")
		write := e.mustDo(c, "POST", e.g.URL+"/MedicationRequest", writeHeader, body)
		e.settled(e.g, 2)
		calls := e.g.End()

		taps := e.answers()
		if len(taps) != 2 {
			t.Fatalf("the simulator answered %d requests, want 2", len(taps))
		}
		// The SUT gets the simulator's answer as the simulator sent it.
		for i, x := range []struct {
			name   string
			got    answer
			header http.Header
			status int
		}{{"read", read, readHeader, 200}, {"write", write, writeHeader, 201}} {
			tp := taps[i]
			if x.got.status != x.status || tp.status != x.status {
				t.Errorf("%s: SUT got %d, simulator sent %d, want %d: %s", x.name, x.got.status, tp.status, x.status, x.got.body)
			}
			if !bytes.Equal(x.got.body, tp.body) {
				t.Errorf("%s: SUT got body\n%s\nthe simulator sent\n%s", x.name, x.got.body, tp.body)
			}
			if id := x.got.header.Get("X-Request-ID"); id != x.header.Get("X-Request-ID") {
				t.Errorf("%s: x-request-id echoed %q, sent %q", x.name, id, x.header.Get("X-Request-ID"))
			}
			checkSentHeaders(t, x.name+" at the simulator", tp.header, x.header)
		}
		if ct := write.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
			t.Errorf("write answer Content-Type %q", ct)
		}
		if !strings.Contains(write.header.Get("Location"), "MedicationRequest/") {
			t.Errorf("write answer Location %q", write.header.Get("Location"))
		}
		// The simulator stored the body the SUT sent.
		var stored map[string]any
		if err := json.Unmarshal(write.body, &stored); err != nil {
			t.Fatalf("write answer is not JSON: %v: %s", err, write.body)
		}
		if !strings.Contains(string(write.body), runID) || stored["authoredOn"] != time.Now().Format("2006-01-02") {
			t.Errorf("the stored prescription is not the one sent: %s", write.body)
		}

		// The gateway recorded both calls, in order, as they were.
		if len(calls) != 2 {
			t.Fatalf("recorded %d calls, want 2: %+v", len(calls), calls)
		}
		if unattributed := e.g.Unattributed(); len(unattributed) != 0 {
			t.Errorf("calls inside a scenario were also recorded as unattributed: %+v", unattributed)
		}
		wantSubject := c.cert.Subject.String()
		if !strings.Contains(wantSubject, "konform testklient") {
			t.Fatalf("test setup: client subject %q", wantSubject)
		}
		for i, x := range []struct {
			method, path string
			header       http.Header
			reqBody      []byte
			got          answer
		}{
			{"GET", "Patient/" + patientID, readHeader, nil, read},
			{"POST", "MedicationRequest", writeHeader, body, write},
		} {
			rc := calls[i]
			if rc.Method != x.method || rc.Path != x.path || rc.Target != e.s.BasePath()+"/"+x.path || rc.RawQuery != "" {
				t.Errorf("call %d: %s %q target %q query %q, want %s %q", i, rc.Method, rc.Path, rc.Target, rc.RawQuery, x.method, x.path)
			}
			checkSentHeaders(t, "recorded call", rc.ReqHeader, x.header)
			if !bytes.Equal(rc.ReqBody, x.reqBody) {
				t.Errorf("call %d: recorded request body %q, sent %q", i, rc.ReqBody, x.reqBody)
			}
			if rc.Status != x.got.status || !bytes.Equal(rc.RespBody, x.got.body) {
				t.Errorf("call %d: recorded %d %q, SUT got %d %q", i, rc.Status, rc.RespBody, x.got.status, x.got.body)
			}
			if rc.RespHeader.Get("X-Request-ID") != x.header.Get("X-Request-ID") || rc.RespHeader.Get("Content-Type") != x.got.header.Get("Content-Type") {
				t.Errorf("call %d: recorded answer headers %v, SUT got %v", i, rc.RespHeader, x.got.header)
			}
			if rc.ClientSubject != wantSubject {
				t.Errorf("call %d: ClientSubject %q, want %q", i, rc.ClientSubject, wantSubject)
			}
			if rc.Upstream != "forwarded" || rc.Err != "" || rc.Refused != "" || rc.Truncated {
				t.Errorf("call %d: Upstream %q Err %q Refused %q Truncated %v", i, rc.Upstream, rc.Err, rc.Refused, rc.Truncated)
			}
			if rc.Duration <= 0 || rc.Started.IsZero() || time.Since(rc.Started) > time.Minute {
				t.Errorf("call %d: Started %v Duration %v", i, rc.Started, rc.Duration)
			}
			if rc.TLSVersion == "" || rc.Cipher == "" {
				t.Errorf("call %d: TLS %q cipher %q", i, rc.TLSVersion, rc.Cipher)
			}
		}
		if calls[0].Seq < 1 || calls[1].Seq != calls[0].Seq+1 {
			t.Errorf("Seq %d then %d, want n ≥ 1 then n+1", calls[0].Seq, calls[1].Seq)
		}
		if !calls[1].Started.After(calls[0].Started) {
			t.Errorf("second call started %v, not after the first %v", calls[1].Started, calls[0].Started)
		}
	})
}

func TestGatewayKeepsCallsOutsideAScenarioUnattributed(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	get := func() string {
		h := e.readHeader()
		if a := e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil); a.status != 200 {
			t.Fatalf("read: %d %s", a.status, a.body)
		}
		return h.Get("X-Request-ID")
	}
	ids := func(calls []*gateway.Call) []string {
		var out []string
		for _, c := range calls {
			out = append(out, c.ReqHeader.Get("X-Request-ID"))
		}
		return out
	}

	before := get()
	e.unattributed(1)
	if got := e.g.Calls(); got != nil {
		t.Errorf("Calls() outside a scenario = %v, want none", got)
	}
	e.g.Begin()
	inside := get()
	e.settled(e.g, 1)
	if got := ids(e.g.Calls()); len(got) != 1 || got[0] != inside {
		t.Errorf("Calls() during the scenario = %v, want [%s]", got, inside)
	}
	scenario := e.g.End()
	after := get()
	e.unattributed(2)
	e.g.Begin()
	next := e.g.End()

	if got := ids(scenario); len(got) != 1 || got[0] != inside {
		t.Errorf("the scenario's calls = %v, want [%s] (not %s before it)", got, inside, before)
	}
	if got := ids(next); len(got) != 0 {
		t.Errorf("a later scenario got calls made before it began: %v", got)
	}
	un := e.g.Unattributed()
	if got := ids(un); len(got) != 2 || got[0] != before || got[1] != after {
		t.Fatalf("unattributed = %v, want [%s %s]", got, before, after)
	}
	if !(un[0].Seq < scenario[0].Seq && scenario[0].Seq < un[1].Seq) {
		t.Errorf("Seq %d, %d, %d do not follow the order of the calls", un[0].Seq, scenario[0].Seq, un[1].Seq)
	}
}

func TestGatewayRefusesBadClientCertificatesAtTheHandshake(t *testing.T) {
	e := newEnv(t, nil)
	good := e.goodSUT()
	for _, tc := range []struct {
		name, cert, key, refused string
	}{
		{"no certificate", "", "", "no client certificate"},
		{"unknown CA", pki.UnknownCACertFile, pki.UnknownCAKeyFile, "unknown authority"},
		{"expired", pki.ExpiredCertFile, pki.ExpiredKeyFile, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := e.sut(tc.cert, tc.key)
			seen := len(e.answers())
			e.g.Begin()
			a, err := e.do(bad, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil)
			if err == nil {
				t.Fatalf("a client with %s got an answer: %d %s", tc.name, a.status, a.body)
			}
			e.settled(e.g, 1)
			calls := e.g.End()
			if len(e.answers()) != seen {
				t.Errorf("a refused call reached the simulator")
			}
			if len(calls) != 1 {
				t.Fatalf("recorded %d calls, want the one refusal: %+v", len(calls), calls)
			}
			rc := calls[0]
			if rc.Refused == "" || !strings.Contains(rc.Refused, tc.refused) {
				t.Errorf("Refused = %q, want it to say %q", rc.Refused, tc.refused)
			}
			if rc.Upstream != "refused" || rc.Status != 0 || rc.Method != "" || rc.Seq < 1 {
				t.Errorf("refusal recorded as Upstream %q Status %d Method %q Seq %d", rc.Upstream, rc.Status, rc.Method, rc.Seq)
			}
			want := ""
			if bad.cert != nil {
				want = bad.cert.Subject.String()
			}
			if rc.ClientSubject != want {
				t.Errorf("ClientSubject %q, want %q", rc.ClientSubject, want)
			}
			if want != "" && !strings.Contains(rc.Refused, want) {
				t.Errorf("Refused %q does not name the certificate %q", rc.Refused, want)
			}

			// The gateway goes on serving a good client.
			if a := e.mustDo(good, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil); a.status != 200 {
				t.Errorf("after the refusal a good client got %d %s", a.status, a.body)
			}
		})
	}
}

// A Go (or Java) client picks its certificate by the CAs the server names in its certificate
// request. The gateway names the dev CA there, so a Go client does not even send a certificate
// from an unknown CA: the gateway must still refuse it, and records it as presenting none (the
// log shows what was recorded).
func TestGatewayRefusesAGoClientWithAnUnknownCACertificate(t *testing.T) {
	e := newEnv(t, nil)
	id, err := pki.LoadIdentity(e.d.Path(pki.UnknownCACertFile), e.d.Path(pki.UnknownCAKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: pki.ClientTLS(e.roots, id)}
	defer tr.CloseIdleConnections()
	e.g.Begin()
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get(e.g.URL + "/metadata")
	calls := e.g.End()
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a client with an unknown CA's certificate got %d", resp.StatusCode)
	}
	if len(calls) != 1 || calls[0].Refused == "" || calls[0].Upstream != "refused" {
		t.Fatalf("recorded %+v, want one refusal", calls)
	}
	if n := len(e.answers()); n != 0 {
		t.Errorf("%d requests reached the simulator", n)
	}
	t.Logf("recorded: Refused %q, ClientSubject %q", calls[0].Refused, calls[0].ClientSubject)
}

func TestGatewaySimulatesOutages(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	url := e.g.URL + "/Patient/" + patientID

	e.g.Begin()
	e.g.SetUpstream(gateway.Unavailable)
	a := e.mustDo(c, "GET", url, e.readHeader(), nil)
	if a.status != http.StatusServiceUnavailable {
		t.Errorf("Unavailable: status %d, want 503", a.status)
	}
	if ra := a.header.Get("Retry-After"); ra != "30" {
		t.Errorf("Unavailable: Retry-After %q, want \"30\"", ra)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(a.body), "<html") {
		t.Errorf("Unavailable: %q body %q, want an HTML page", ct, a.body)
	}
	if n := len(e.answers()); n != 0 {
		t.Errorf("Unavailable: %d requests reached the simulator", n)
	}

	e.g.SetUpstream(gateway.Dropped)
	// A fresh connection, so that net/http does not retry the GET on another one.
	dropping := e.sut(pki.ClientCertFile, pki.ClientKeyFile)
	dropping.Transport.(*http.Transport).DisableKeepAlives = true
	if a, err := e.do(dropping, "GET", url, e.readHeader(), nil); err == nil {
		t.Errorf("Dropped: the SUT got an answer %d %q", a.status, a.body)
	}
	if n := len(e.answers()); n != 0 {
		t.Errorf("Dropped: %d requests reached the simulator", n)
	}
	e.settled(e.g, 2)
	calls := e.g.End()

	if len(calls) != 2 {
		t.Fatalf("recorded %d calls, want 2: %+v", len(calls), calls)
	}
	if u := calls[0]; u.Upstream != "unavailable" || u.Status != 503 || !bytes.Equal(u.RespBody, a.body) || u.RespHeader.Get("Retry-After") != "30" {
		t.Errorf("unavailable call recorded as %q %d %q %v", u.Upstream, u.Status, u.RespBody, u.RespHeader)
	}
	if d := calls[1]; d.Upstream != "dropped" || d.Status != 0 || d.Err == "" || d.Method != "GET" {
		t.Errorf("dropped call recorded as %q %d %q %q", d.Upstream, d.Status, d.Err, d.Method)
	}

	// End makes the upstream available again.
	if a := e.mustDo(c, "GET", url, e.readHeader(), nil); a.status != 200 {
		t.Errorf("after End: %d %s", a.status, a.body)
	}
	if n := len(e.answers()); n != 1 {
		t.Errorf("after End: %d requests reached the simulator, want 1", n)
	}
	if un := e.unattributed(1); len(un) != 1 || un[0].Upstream != "forwarded" {
		t.Errorf("after End: unattributed %+v, want one forwarded call", un)
	}

	// Begin starts a scenario with the upstream available, whatever the last one left.
	e.g.SetUpstream(gateway.Unavailable)
	e.g.Begin()
	if a := e.mustDo(c, "GET", url, e.readHeader(), nil); a.status != 200 {
		t.Errorf("after Begin: %d %s", a.status, a.body)
	}
	e.g.End()
}

func TestGatewayRefusesARequestBodyOverMaxBody(t *testing.T) {
	const limit = 1024
	e := newEnv(t, func(cfg *gateway.Config) { cfg.MaxBody = limit })
	c := e.goodSUT()
	url := e.g.URL + "/MedicationRequest"

	e.g.Begin()
	big := bytes.Repeat([]byte("x"), 4*limit)
	a := e.mustDo(c, "POST", url, e.writeHeader(), big)
	// A body of exactly the limit is forwarded (the simulator finds it is not JSON).
	exact := bytes.Repeat([]byte("y"), limit)
	b := e.mustDo(c, "POST", url, e.writeHeader(), exact)
	e.settled(e.g, 2)
	calls := e.g.End()

	if a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body of %d bytes: %d %s, want 413", len(big), a.status, a.body)
	}
	if b.status == http.StatusRequestEntityTooLarge || b.status/100 != 4 {
		t.Errorf("a body of exactly %d bytes: %d %s, want the simulator's 4xx", limit, b.status, b.body)
	}
	taps := e.answers()
	if len(taps) != 1 || taps[0].status != b.status {
		t.Errorf("the simulator answered %d requests, want only the one within the limit", len(taps))
	}
	if len(calls) != 2 {
		t.Fatalf("recorded %d calls, want 2", len(calls))
	}
	rc := calls[0]
	if rc.Status != 413 || rc.Upstream != "refused" || !rc.Truncated || !bytes.Equal(rc.ReqBody, big[:limit]) ||
		!strings.Contains(rc.Err, "1024") {
		t.Errorf("oversized call recorded as %d %q truncated %v body %d bytes, Err %q", rc.Status, rc.Upstream, rc.Truncated, len(rc.ReqBody), rc.Err)
	}
	if rc := calls[1]; rc.Upstream != "forwarded" || rc.Truncated || !bytes.Equal(rc.ReqBody, exact) {
		t.Errorf("call at the limit recorded as %q truncated %v body %d bytes", rc.Upstream, rc.Truncated, len(rc.ReqBody))
	}
}

// TestGatewayBoundsWhatACaseKeeps: a system that floods the gateway has its calls forwarded, but
// the case keeps at most MaxCaseBytes of bodies and MaxCaseCalls calls; the calls over the bounds
// are named (NotKept), so that the case ends without a verdict instead of being judged on part of
// them, or holding them all in memory.
func TestGatewayBoundsWhatACaseKeeps(t *testing.T) {
	e := newEnv(t, func(cfg *gateway.Config) { cfg.MaxCaseBytes, cfg.MaxCaseCalls = 2500, 3 })
	c := e.goodSUT()
	e.g.Begin()
	for range 5 {
		if a := e.mustDo(c, "GET", e.g.URL+"/Medication?_count=1", e.readHeader(), nil); a.status != 200 {
			t.Fatalf("a call over the bounds is still forwarded: %d %s", a.status, a.body)
		}
	}
	e.settled(e.g, 3)
	calls := e.g.End()
	if len(calls) != 4 {
		t.Fatalf("kept %d calls, want the 3 of MaxCaseCalls and one for the rest", len(calls))
	}
	kept := 0
	for _, c := range calls[:3] {
		if c.NotKept == "" {
			kept++
			continue
		}
		if c.RespBody != nil || !strings.Contains(c.NotKept, "more than 2500 bytes") {
			t.Errorf("a call over MaxCaseBytes: body %d bytes, NotKept %q", len(c.RespBody), c.NotKept)
		}
	}
	if kept != 2 {
		t.Errorf("%d of 3 calls kept whole; two search answers (about 1 kB each) fit in 2500 bytes, three do not", kept)
	}
	if last := calls[3]; !strings.Contains(last.NotKept, "did not keep 2 of them, the last GET") || last.RespBody != nil {
		t.Errorf("the calls over MaxCaseCalls: %q", last.NotKept)
	}
}

// endless is a request body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'z'
	}
	return len(p), nil
}

func TestGatewayRefusesABodyThatNeverEndsWithoutReadingItAll(t *testing.T) {
	e := newEnv(t, func(cfg *gateway.Config) { cfg.MaxBody = 1024 })
	c := e.goodSUT()
	c.Timeout = 5 * time.Second
	req, err := http.NewRequest("POST", e.g.URL+"/MedicationRequest", endless{})
	if err != nil {
		t.Fatal(err)
	}
	req.Header = e.writeHeader()
	e.g.Begin()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("a body over the limit got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	e.settled(e.g, 1)
	if calls := e.g.End(); len(calls) != 1 || calls[0].Upstream != "refused" || len(calls[0].ReqBody) != 1024 {
		t.Errorf("recorded %+v", calls)
	}
	if n := len(e.answers()); n != 0 {
		t.Errorf("%d requests reached the simulator", n)
	}
}

func TestGatewayForwardsALargeAnswerWholeAndRecordsItTruncated(t *testing.T) {
	const limit = 1024
	bothUpstreams(t, func(cfg *gateway.Config) { cfg.MaxBody = limit }, func(t *testing.T, e *env) {
		c := e.goodSUT()
		e.g.Begin()
		a := e.mustDo(c, "GET", e.g.URL+"/Patient?_count=50", e.readHeader(), nil)
		e.settled(e.g, 1)
		calls := e.g.End()
		taps := e.answers()
		if a.status != 200 || len(taps) != 1 || len(taps[0].body) <= limit {
			t.Fatalf("test setup: want a 200 answer over %d bytes, got %d with %d bytes", limit, a.status, len(a.body))
		}
		if !bytes.Equal(a.body, taps[0].body) {
			t.Errorf("the SUT got %d bytes, the simulator sent %d", len(a.body), len(taps[0].body))
		}
		if len(calls) != 1 {
			t.Fatalf("recorded %d calls", len(calls))
		}
		if rc := calls[0]; !rc.Truncated || !bytes.Equal(rc.RespBody, taps[0].body[:limit]) || rc.RawQuery != "_count=50" {
			t.Errorf("recorded truncated %v, %d bytes of the answer, query %q", rc.Truncated, len(rc.RespBody), rc.RawQuery)
		}
	})
}

func TestGatewayNamesAPortInUse(t *testing.T) {
	e := newEnv(t, nil)
	_, port, err := net.SplitHostPort(e.g.Addr)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := gateway.Start(e.config(e.srv.URL, func(cfg *gateway.Config) { cfg.Addr = e.g.Addr }))
	if err == nil {
		g2.Close()
		t.Fatalf("a second gateway started on %s", e.g.Addr)
	}
	if !strings.Contains(err.Error(), port) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("error %q does not name port %s as in use", err, port)
	}
}

func TestGatewayAnswers502WhenNLLCannotBeReached(t *testing.T) {
	e := newEnv(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	g := e.start(e.config("https://"+closed+e.s.BasePath(), nil))
	c := e.goodSUT()

	g.Begin()
	a := e.mustDo(c, "GET", g.URL+"/Patient/"+patientID, e.readHeader(), nil)
	e.settled(g, 1)
	calls := g.End()
	if a.status != http.StatusBadGateway {
		t.Errorf("SUT got %d %s, want 502", a.status, a.body)
	}
	if len(calls) != 1 {
		t.Fatalf("recorded %d calls", len(calls))
	}
	rc := calls[0]
	if rc.Status != 502 || !strings.Contains(rc.Err, "connection refused") || !strings.Contains(rc.Err, closed) {
		t.Errorf("recorded %d with Err %q, want 502 naming %s and the refused connection", rc.Status, rc.Err, closed)
	}
	if !strings.Contains(string(a.body), "connection refused") {
		t.Errorf("the SUT's 502 does not say why: %q", a.body)
	}
}

func TestGatewayDropsHopByHopHeaders(t *testing.T) {
	bothUpstreams(t, nil, func(t *testing.T, e *env) {
		c := e.goodSUT()
		h := e.readHeader()
		h.Set("Connection", "X-Hop-Only")
		h.Set("X-Hop-Only", "for the gateway")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("X-User-Agent", "TestJournal/4.2")
		e.g.Begin()
		if a := e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil); a.status != 200 {
			t.Fatalf("read: %d %s", a.status, a.body)
		}
		e.settled(e.g, 1)
		calls := e.g.End()
		taps := e.answers()
		if len(taps) != 1 {
			t.Fatalf("the simulator answered %d requests", len(taps))
		}
		got := taps[0].header
		for _, k := range []string{"Connection", "X-Hop-Only", "Keep-Alive"} {
			if v, ok := got[k]; ok {
				t.Errorf("hop-by-hop header %s: %q reached the simulator", k, v)
			}
		}
		if got.Get("X-User-Agent") != "TestJournal/4.2" {
			t.Errorf("X-User-Agent reached the simulator as %q", got.Get("X-User-Agent"))
		}
		checkSentHeaders(t, "the simulator", got, http.Header{"X-Request-Id": h["X-Request-Id"], "Authorization": h["Authorization"]})
		// The record keeps what the SUT sent, hop-by-hop headers included.
		if len(calls) != 1 || calls[0].ReqHeader.Get("X-Hop-Only") != "for the gateway" || calls[0].ReqHeader.Get("X-User-Agent") != "TestJournal/4.2" {
			t.Errorf("recorded request headers %v", calls)
		}
	})
}

// A call that arrived during a scenario belongs to its evidence even when it is still running
// at End: it must be returned by End (or at least recorded somewhere), not lost.
func TestGatewayEndKeepsACallInFlight(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.s.SetFaults([]sim.Fault{{Path: "Patient", Latency: 400 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	c := e.goodSUT()
	e.g.Begin()
	done := make(chan error, 1)
	go func() {
		_, err := e.do(c, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil)
		done <- err
	}()
	time.Sleep(150 * time.Millisecond) // the call is at the simulator now
	calls := e.g.End()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if len(calls) == 0 && len(e.g.Unattributed()) == 0 {
		t.Errorf("a call that arrived during the scenario and ended after End is in no record")
	}
}

// End is documented to return the scenario's calls in the order they arrived.
func TestGatewayEndReturnsCallsInOrderOfArrival(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.s.SetFaults([]sim.Fault{{Path: "Patient/" + patientID, Latency: 300 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	c := e.goodSUT()
	e.g.Begin()
	slow := e.readHeader()
	done := make(chan error, 1)
	go func() {
		_, err := e.do(c, "GET", e.g.URL+"/Patient/"+patientID, slow, nil)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	fast := e.readHeader()
	if a := e.mustDo(c, "GET", e.g.URL+"/Medication?_count=1", fast, nil); a.status != 200 {
		t.Fatalf("fast call: %d %s", a.status, a.body)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.settled(e.g, 2)
	calls := e.g.End()
	if len(calls) != 2 {
		t.Fatalf("recorded %d calls", len(calls))
	}
	if calls[0].Started.After(calls[1].Started) || calls[0].Seq > calls[1].Seq {
		t.Errorf("End returned the call that arrived second first: Seq %d %s started %s, then Seq %d %s started %s",
			calls[0].Seq, calls[0].Path, calls[0].Started.Format("15:04:05.000"),
			calls[1].Seq, calls[1].Path, calls[1].Started.Format("15:04:05.000"))
	}
}

// The SUT's call has ended when it has its answer; End right after must hold it.
func TestGatewayRecordsACallBeforeTheSUTHasTheAnswer(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	const n = 500
	missing := 0
	for i := 0; i < n; i++ {
		e.g.Begin()
		if a := e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil); a.status != 200 {
			t.Fatalf("read: %d", a.status)
		}
		if calls := e.g.End(); len(calls) != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("End right after the SUT had its answer missed the call %d times in %d", missing, n)
	}
}

// TestGatewayRecordsAGzipAnswerDecoded: NLL's gzip-encoded answer reaches the system as it came,
// and the record holds it decoded (so that checks and redaction read it), with the encoding
// named; a gzip-encoded request is recorded decoded too.
func TestGatewayRecordsAGzipAnswerDecoded(t *testing.T) {
	var e *env
	e = newEnv(t, func(cfg *gateway.Config) {
		cfg.UpstreamHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			e.s.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(rec.Body.Bytes())
			zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			w.Write(z.Bytes())
		})
	})
	c := e.goodSUT()
	e.g.Begin()
	h := e.readHeader()
	h.Set("Accept-Encoding", "gzip")
	a := e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(`{"resourceType":"Parameters"}`))
	zw.Close()
	h = e.readHeader()
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Type", "application/fhir+json")
	e.do(c, "POST", e.g.URL+"/$verify", h, z.Bytes())
	e.settled(e.g, 2)
	calls := e.g.End()
	zr, err := gzip.NewReader(bytes.NewReader(a.body))
	if err != nil {
		t.Fatalf("the system did not get the answer gzip-encoded: %v", err)
	}
	plain, _ := io.ReadAll(zr)
	rc := calls[0]
	if !bytes.Equal(rc.RespBody, plain) || rc.RespDecoded != "gzip" || !bytes.Contains(plain, []byte(patientID)) {
		t.Errorf("recorded %q (decoded from %q), the system got %q", rc.RespBody, rc.RespDecoded, plain)
	}
	if rc := calls[1]; string(rc.ReqBody) != `{"resourceType":"Parameters"}` || rc.ReqDecoded != "gzip" {
		t.Errorf("the gzip request is recorded as %q (decoded from %q)", rc.ReqBody, rc.ReqDecoded)
	}
}

// A call that comes while a scenario runs but before its first action, or after its last step,
// cannot be the scenario's own: the gateway marks it stray. Settle waits for a call in flight and
// then for the system to be quiet, and marks what arrives meanwhile as after the last step.
func TestGatewayMarksCallsNoActionAskedFor(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	get := func(path string) {
		if a := e.mustDo(c, "GET", e.g.URL+"/"+path, e.readHeader(), nil); a.status != 200 {
			t.Errorf("GET %s: %d %s", path, a.status, a.body)
		}
	}
	if err := e.s.SetFaults([]sim.Fault{{Path: "Patient", Latency: 300 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	e.g.Begin()
	get("Medication?_count=1") // before the first action
	e.g.Acting()
	get("Medication?_count=2")
	slow := make(chan struct{})
	go func() { defer close(slow); get("Patient/" + patientID) }() // in flight when the steps end
	time.Sleep(50 * time.Millisecond)
	late := make(chan time.Time, 1)
	go func() {
		time.Sleep(150 * time.Millisecond)
		get("Medication?_count=3") // a late call from an outbound queue
		late <- time.Now()
	}()
	const quiet = 200 * time.Millisecond
	e.g.Settle(context.Background(), quiet)
	settled := time.Now()
	<-slow
	lastAnswer := <-late
	if settled.Sub(lastAnswer) < quiet-20*time.Millisecond {
		t.Errorf("Settle returned %s after the late call's answer, before the system was quiet for %s", settled.Sub(lastAnswer), quiet)
	}
	calls := e.g.End()
	want := []struct{ target, stray string }{
		{"_count=1", gateway.BeforeFirstAction}, {"_count=2", ""}, {"Patient/", ""}, {"_count=3", gateway.AfterLastStep},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d calls, want %d", len(calls), len(want))
	}
	for i, w := range want {
		if !strings.Contains(calls[i].Target, w.target) || calls[i].Stray != w.stray {
			t.Errorf("call %d: %s stray %q, want %s stray %q", i+1, calls[i].Target, calls[i].Stray, w.target, w.stray)
		}
	}
}

// A system that never stops calling does not hold the run: Settle gives up after three times
// the quiet time, and returns at once when its context ends.
func TestGatewaySettleGivesUpOnASystemThatNeverStops(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	e.g.Begin()
	e.g.Acting()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				_, _ = e.do(c, "GET", e.g.URL+"/Medication?_count=1", e.readHeader(), nil)
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	waitFor(t, func() bool { return len(e.g.Calls()) >= 2 }, "the system's first calls")
	start := time.Now()
	e.g.Settle(context.Background(), 100*time.Millisecond)
	if took := time.Since(start); took < 280*time.Millisecond || took > 3*time.Second {
		t.Errorf("Settle took %s against a system that never stops; want about 300ms", took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	e.g.Settle(ctx, time.Minute)
	if took := time.Since(start); took > time.Second {
		t.Errorf("Settle with an ended context took %s", took)
	}
}

// TestGatewayRecordsThePathTheCallAddressed checks that a call's Path is the resource it
// addressed, however many slashes the system wrote (the simulator reads them so), while Target
// keeps what it wrote: a check for "no call POST MedicationDispense" must see
// "MedicationDispense/".
func TestGatewayRecordsThePathTheCallAddressed(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	e.g.Begin()
	defer e.g.End()
	for _, p := range []string{"/Patient/" + patientID + "/", "//Patient//" + patientID} {
		e.mustDo(c, "GET", e.g.URL+p, e.readHeader(), nil)
	}
	e.settled(e.g, 2)
	for _, call := range e.g.Calls() {
		if call.Path != "Patient/"+patientID || !strings.Contains(call.Target, "/Patient") {
			t.Errorf("path %q, target %q; want Patient/%s and the target as sent", call.Path, call.Target, patientID)
		}
	}
}

// TestGatewayNamesTheFirstCallOfAReusedRequestID checks that a call whose x-request-id an
// earlier call of the run sent, in another case too, names that call: NLL asks for a random and
// unique id on every request, and a system whose counter starts again each session reuses them.
func TestGatewayNamesTheFirstCallOfAReusedRequestID(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	h := e.readHeader()
	e.g.Begin()
	e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil)
	e.settled(e.g, 1)
	first := e.g.End()
	e.g.Begin()
	e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil) // the same id, in the next case
	e.settled(e.g, 1)
	second := e.g.End()
	if first[0].RequestIDUsed != "" || !strings.HasPrefix(second[0].RequestIDUsed, "GET Patient/"+patientID+" (") {
		t.Fatalf("RequestIDUsed %q, then %q; want none, then the first call", first[0].RequestIDUsed, second[0].RequestIDUsed)
	}
	// A long id is remembered by its digest, not kept whole, and its reuse still seen.
	h.Set("X-Request-ID", strings.Repeat("7", 100000))
	e.g.Begin()
	e.do(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil)
	e.do(c, "GET", e.g.URL+"/Patient/"+patientID, h, nil)
	e.settled(e.g, 2)
	if long := e.g.End(); long[0].RequestIDUsed != "" || long[1].RequestIDUsed == "" {
		t.Fatalf("a long id: RequestIDUsed %q, then %q", long[0].RequestIDUsed, long[1].RequestIDUsed)
	}
}

// TestACallUnfinishedWhenTheScenarioEndsIsNamed checks that a call whose body is still coming
// when the scenario ends is among End's calls, marked Unfinished: it used to be left out, and a
// check had passed the scenario without it.
func TestACallUnfinishedWhenTheScenarioEndsIsNamed(t *testing.T) {
	e := newEnv(t, nil)
	c := e.goodSUT()
	e.g.Begin()
	hold, done := e.trickle(c, "/MedicationDispense") // the headers and part of the body are there
	time.Sleep(200 * time.Millisecond)
	calls := e.g.End()
	hold.Close()
	<-done
	if len(calls) != 1 || calls[0].Stray != gateway.Unfinished || calls[0].Method != "POST" || calls[0].Path != "MedicationDispense" {
		t.Fatalf("End's calls: %+v; want the POST, marked %q", calls, gateway.Unfinished)
	}
}

// TestACheckSeesACallThatOutlastsItsWait checks that a call still unfinished when Calls has
// waited the gateway's timeout is returned as it arrived, with no answer: a check must judge it
// even so (a dispense whose body trickles in for longer than the wait).
func TestACheckSeesACallThatOutlastsItsWait(t *testing.T) {
	e := newEnv(t, func(c *gateway.Config) { c.Timeout = 200 * time.Millisecond })
	c := e.goodSUT()
	e.g.Begin()
	defer e.g.End()
	hold, done := e.trickle(c, "/MedicationDispense")
	time.Sleep(100 * time.Millisecond)
	calls := e.g.Calls()
	hold.Close()
	<-done
	if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "MedicationDispense" || calls[0].Status != 0 || calls[0].Err == "" {
		t.Fatalf("Calls: %+v; want the unfinished POST with no answer", calls)
	}
}

// trickle starts a POST through c whose headers and part of its body are sent and whose body
// then waits; closing hold ends it, and done closes when the call has its answer.
func (e *env) trickle(c *sut, path string) (hold *io.PipeWriter, done chan struct{}) {
	e.t.Helper()
	body, hold := io.Pipe()
	req, err := http.NewRequest("POST", e.g.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range e.writeHeader() {
		req.Header[k] = v
	}
	done = make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	hold.Write([]byte(`{"resourceType":`))
	return hold, done
}

// A hostile or broken NLL that sends its header and then trickles the body, or never ends it,
// holds a call no longer than the gateway's timeout (docs/sut.md, Limits): the SUT gets a 502
// or an answer that breaks off, and the call is recorded with why.
func TestGatewayBoundsAnAnswerThatNeverEnds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chunk int
		pause time.Duration
	}{
		{"trickling", 1, 50 * time.Millisecond},
		{"endless", 32 << 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/fhir+json")
				w.WriteHeader(http.StatusOK)
				buf := bytes.Repeat([]byte("a"), tc.chunk)
				for {
					if _, err := w.Write(buf); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
						return
					case <-time.After(tc.pause):
					}
				}
			}))
			g := e.start(e.config(e.upstream(up)+"/fhir-server/fhir", func(cfg *gateway.Config) {
				cfg.Timeout, cfg.MaxBody = time.Second, 1<<20
			}))
			c := e.goodSUT()
			g.Begin()
			start := time.Now()
			err := e.discard(c, "GET", g.URL+"/Patient/"+patientID, e.readHeader())
			took := time.Since(start)
			calls := g.End()
			if took > 5*time.Second {
				t.Fatalf("the call took %v (err %v); the gateway's timeout is 1s", took, err)
			}
			if len(calls) != 1 {
				t.Fatalf("recorded %d calls", len(calls))
			}
			t.Logf("recorded: %d, Err %q", calls[0].Status, calls[0].Err)
			if calls[0].Err == "" && calls[0].Status == http.StatusOK && !calls[0].Truncated {
				t.Errorf("the call is recorded as a whole answer: %d, Err %q", calls[0].Status, calls[0].Err)
			}
		})
	}
}

// konform gateway writes no evidence: with KeepNoUnattributed it hands each call to OnCall and
// keeps none, so that a system calling it for hours (8 MiB bodies: 600 calls held 4.9 GB) does
// not grow its memory.
func TestGatewayKeepsNoCallWhenAskedTo(t *testing.T) {
	var mu sync.Mutex
	seen := 0
	e := newEnv(t, func(cfg *gateway.Config) {
		cfg.KeepNoUnattributed = true
		cfg.OnCall = func(*gateway.Call) { mu.Lock(); seen++; mu.Unlock() }
	})
	c := e.goodSUT()
	for range 3 {
		e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil)
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return seen == 3 }, "3 calls handed to OnCall")
	if n := len(e.g.Unattributed()); n != 0 {
		t.Errorf("kept %d calls", n)
	}
	// A scenario's calls are still its own.
	e.g.Begin()
	e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil)
	e.settled(e.g, 1)
	if calls := e.g.End(); len(calls) != 1 {
		t.Errorf("the scenario has %d calls, want 1", len(calls))
	}
}

// A CA's own certificate is no client certificate: the gateway refuses the root of client_ca
// itself, and a CA below it, although both verify (a CA certificate without extended key usage
// may be used for anything).
func TestGatewayRefusesACACertificateAsTheClients(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Leverantörens test-CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(cfg *gateway.Config) { cfg.ServerTLS.ClientCAs.AddCert(ca) })
	pair := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: ca}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.roots,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }}}
	defer tr.CloseIdleConnections()
	e.g.Begin()
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get(e.g.URL + "/Patient/" + patientID)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a client presenting a CA certificate got %d", resp.StatusCode)
	}
	e.settled(e.g, 1)
	calls := e.g.End()
	if len(calls) != 1 || !strings.Contains(calls[0].Refused, "is a CA certificate") {
		t.Errorf("recorded %+v, want one refusal saying it is a CA certificate", calls)
	}
}

// TestGatewayBoundsTheCallsInFlight: a system that opens more calls at once than the gateway
// forwards (each may hold MaxBody of request and of answer) has the extra ones wait for a place;
// one that waits longer than the timeout gets 503 and is recorded as refused, never forwarded.
func TestGatewayBoundsTheCallsInFlight(t *testing.T) {
	e := newEnv(t, nil)
	release := make(chan struct{})
	var forwarded atomic.Int32
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forwarded.Add(1)
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release // the answer's body comes when the test says
		io.WriteString(w, `{"resourceType":"Patient","id":"p"}`)
	}))
	g := e.start(e.config(e.upstream(up)+"/fhir-server/fhir", func(cfg *gateway.Config) {
		cfg.Timeout, cfg.MaxConcurrentCalls = 500*time.Millisecond, 1
	}))
	g.Begin()
	first := make(chan answer, 1)
	go func() {
		a, _ := e.do(e.goodSUT(), "GET", g.URL+"/Patient/"+patientID, e.readHeader(), nil)
		first <- a
	}()
	waitFor(t, func() bool { return forwarded.Load() == 1 }, "the first call forwarded")
	second := e.mustDo(e.goodSUT(), "GET", g.URL+"/Patient/"+patientID, e.readHeader(), nil)
	close(release)
	if a := <-first; a.status != http.StatusOK {
		t.Errorf("the call that had the place: %d %s", a.status, a.body)
	}
	if second.status != http.StatusServiceUnavailable || !strings.Contains(string(second.body), "at most 1 calls at once") {
		t.Errorf("the call over the bound: %d %s, want 503", second.status, second.body)
	}
	if third := e.mustDo(e.goodSUT(), "GET", g.URL+"/Patient/"+patientID, e.readHeader(), nil); third.status != http.StatusOK {
		t.Errorf("a call once the place is free: %d %s", third.status, third.body)
	}
	e.settled(g, 3)
	calls := g.End()
	if forwarded.Load() != 2 {
		t.Errorf("NLL got %d calls, want 2: the refused one is never forwarded", forwarded.Load())
	}
	refused := 0
	for _, c := range calls {
		if c.Upstream == "refused" && c.Status == http.StatusServiceUnavailable && strings.Contains(c.Err, "waited") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d calls recorded as refused for want of a place, want 1", refused)
	}
}

// TestEndReturnsACallFinishingAtThatMomentOnce: a call filed while End runs is returned once. It
// used to be filed among the scenario's calls and only then taken out of those in flight, so that
// an End in between returned it twice, the second time as unfinished (a case error for a call
// that had its answer); OnCall, which runs in between, holds the call there.
func TestEndReturnsACallFinishingAtThatMomentOnce(t *testing.T) {
	filed, release := make(chan struct{}), make(chan struct{})
	e := newEnv(t, func(cfg *gateway.Config) {
		cfg.OnCall = func(*gateway.Call) { filed <- struct{}{}; <-release }
	})
	c := e.goodSUT()
	e.g.Begin()
	e.g.Acting()
	done := make(chan answer, 1)
	go func() { done <- e.mustDo(c, "GET", e.g.URL+"/Patient/"+patientID, e.readHeader(), nil) }()
	<-filed
	calls := e.g.End()
	close(release)
	if a := <-done; a.status != http.StatusOK {
		t.Fatalf("read: %d %s", a.status, a.body)
	}
	if len(calls) != 1 || calls[0].Stray != "" || calls[0].Status != http.StatusOK {
		for _, c := range calls {
			t.Logf("Seq %d %s %s: status %d, stray %q, Err %q", c.Seq, c.Method, c.Path, c.Status, c.Stray, c.Err)
		}
		t.Fatalf("End returned %d calls, want the one answered call once", len(calls))
	}
}
