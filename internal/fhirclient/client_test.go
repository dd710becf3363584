package fhirclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/hostile"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// world is a simulator served over mTLS with a dev PKI, as konform run starts it.
type world struct {
	pki pki.DevPKI
	srv *sim.Server
	sim *sim.Simulator
}

func start(t *testing.T, faults ...sim.Fault) *world {
	t.Helper()
	d, _, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pki.ServerTLS(d.Path(pki.ServerCertFile), d.Path(pki.ServerKeyFile), pool)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.Serve(s, cfg, "127.0.0.1:0", s.BasePath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &world{pki: d, srv: srv, sim: s}
}

func (w *world) client(t *testing.T, cert, key string) *fhirclient.Client {
	t.Helper()
	pool, err := pki.CertPool(w.pki.Path(pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	var id *pki.Identity
	if cert != "" {
		id, err = pki.LoadIdentity(w.pki.Path(cert), w.pki.Path(key), "")
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := fhirclient.New(fhirclient.Config{BaseURL: w.srv.URL, TLS: pki.ClientTLS(pool, id), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPingOverMutualTLSRecordsTheExchange(t *testing.T) {
	w := start(t)
	c := w.client(t, pki.ClientCertFile, pki.ClientKeyFile)
	ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Response.Status != 200 || !strings.Contains(string(ex.Response.Body), `"Parameters"`) {
		t.Fatalf("got %d %s", ex.Response.Status, ex.Response.Body)
	}
	sent := ex.Request.Header.Get("X-Request-ID")
	if sent == "" || ex.Response.Header.Get("X-Request-ID") != sent {
		t.Errorf("x-request-id sent %q, echoed %q", sent, ex.Response.Header.Get("X-Request-ID"))
	}
	if ex.TLS == nil || ex.TLS.Version != "TLS 1.3" || !strings.Contains(ex.TLS.PeerSubject, "konform NLL simulator") {
		t.Errorf("TLS summary %+v", ex.TLS)
	}
	if ex.Timings.Total <= 0 {
		t.Errorf("no timings recorded: %+v", ex.Timings)
	}
}

func TestServerRefusesClientsWithoutAcceptedCertificate(t *testing.T) {
	w := start(t)
	for name, c := range map[string]*fhirclient.Client{
		"none":       w.client(t, "", ""),
		"expired":    w.client(t, pki.ExpiredCertFile, pki.ExpiredKeyFile),
		"unknown CA": w.client(t, pki.UnknownCACertFile, pki.UnknownCAKeyFile),
	} {
		ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
		var terr *fhirclient.TransportError
		if !errors.As(err, &terr) || !terr.Refused() {
			t.Errorf("%s: want a TLS refusal, got %v", name, err)
			continue
		}
		if ex.Response != nil || ex.Err == "" {
			t.Errorf("%s: exchange should record the error and no answer: %+v", name, ex)
		}
		if ex.Handshake == nil || (name == "none") != (ex.Handshake.Presented == "") {
			t.Errorf("%s: the exchange does not record what was presented: %+v", name, ex.Handshake)
		}
	}
}

// TestEveryCertificateIsPresentedWhateverCAsTheServerNames: a server that advertises only the dev
// CA but accepts any certificate must see the unknown-CA and the expired certificate, so a check
// that they are refused fails against it (Go's default would silently send none).
func TestEveryCertificateIsPresentedWhateverCAsTheServerNames(t *testing.T) {
	d, _, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := pki.CertPool(d.Path(pki.CAFile))
	cfg, err := pki.ServerTLS(d.Path(pki.ServerCertFile), d.Path(pki.ServerKeyFile), pool)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientAuth = tls.RequireAnyClientCert // names the dev CA, accepts any certificate
	seen := make(chan string, 1)
	srv, err := sim.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.TLS.PeerCertificates[0].Subject.String()
	}), cfg, "127.0.0.1:0", "/fhir", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, file := range [][2]string{{pki.UnknownCACertFile, pki.UnknownCAKeyFile}, {pki.ExpiredCertFile, pki.ExpiredKeyFile}} {
		id, err := pki.LoadIdentity(d.Path(file[0]), d.Path(file[1]), "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL, TLS: pki.ClientTLS(pool, id), Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
		if err != nil {
			t.Fatalf("%s: %v", file[0], err)
		}
		if got := <-seen; got != id.Leaf.Subject.String() || ex.Handshake == nil || ex.Handshake.SHA256 != id.Fingerprint() {
			t.Errorf("%s: server saw %q, exchange recorded %+v", file[0], got, ex.Handshake)
		}
	}
}

// TestUnreachableIsNoRefusal: a name that does not resolve or a closed port is no certificate
// refusal; the error says the service is unreachable.
func TestUnreachableIsNoRefusal(t *testing.T) {
	w := start(t)
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()
	pool, _ := pki.CertPool(w.pki.Path(pki.CAFile))
	for _, base := range []string{"https://konform-no-such-host.invalid/fhir", "https://" + closed + "/fhir"} {
		c, err := fhirclient.New(fhirclient.Config{BaseURL: base, TLS: pki.ClientTLS(pool, nil), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
		var terr *fhirclient.TransportError
		if !errors.As(err, &terr) || terr.Refused() || !terr.Unreachable() {
			t.Errorf("%s: want unreachable and not refused, got %v", base, err)
		}
	}
}

func TestTruncatedAnswerIsATransportError(t *testing.T) {
	w := start(t, sim.Fault{Path: "$ping", Truncate: true})
	_, err := w.client(t, pki.ClientCertFile, pki.ClientKeyFile).Do(context.Background(), fhirclient.Request{Method: "GET", Path: "$ping"})
	var terr *fhirclient.TransportError
	if !errors.As(err, &terr) || !strings.Contains(terr.Error(), "cut off") {
		t.Fatalf("want a cut-off transport error, got %v", err)
	}
}

func TestTimeoutNamesTheURL(t *testing.T) {
	w := start(t, sim.Fault{Path: "$ping", Latency: 5 * time.Second})
	_, err := w.client(t, pki.ClientCertFile, pki.ClientKeyFile).Do(context.Background(), fhirclient.Request{Method: "GET", Path: "$ping"})
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "$ping") {
		t.Fatalf("want a timeout naming the URL, got %v", err)
	}
}

func TestSearchSendsQuery(t *testing.T) {
	w := start(t)
	q := url.Values{"identifier": {"http://electronichealth.se/identifier/personnummer|189001019802"}}
	h := http.Header{
		"Authorization": {"Bearer " + w.sim.Token(sim.PrescriberClaims(time.Now()))},
		"X-Org-Info":    {`{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`},
		"X-Purpose":     {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"},
	}
	ex, err := w.client(t, pki.ClientCertFile, pki.ClientKeyFile).Do(context.Background(), fhirclient.Request{Method: "GET", Path: "Patient", Query: q, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ex.Response.Body), `"total":1`) {
		t.Fatalf("search answer %s", ex.Response.Body)
	}
}

func TestRetriesOnlyIdempotentRequestsAndRecordsEveryAttempt(t *testing.T) {
	w := start(t, sim.Fault{Path: "$ping", Status: 503, RetryAfter: 1})
	pool, _ := pki.CertPool(w.pki.Path(pki.CAFile))
	id, _ := pki.LoadIdentity(w.pki.Path(pki.ClientCertFile), w.pki.Path(pki.ClientKeyFile), "")
	c, err := fhirclient.New(fhirclient.Config{BaseURL: w.srv.URL, TLS: pki.ClientTLS(pool, id),
		Retries: fhirclient.Retries{Max: 2, Wait: 10 * time.Millisecond, MaxWait: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
	if err != nil || ex.Response.Status != 503 || ex.Attempt != 3 || len(ex.Earlier) != 2 || ex.Earlier[0].Attempt != 1 {
		t.Fatalf("GET: %v attempt %d, %d earlier", err, ex.Attempt, len(ex.Earlier))
	}
	if time.Since(start) < 2*time.Second {
		t.Errorf("Retry-After: 1 was not honoured: %s for three attempts", time.Since(start))
	}
	ex, err = c.Do(context.Background(), fhirclient.Request{Method: http.MethodPost, Path: "$ping"})
	if err != nil || ex.Attempt != 1 || len(ex.Earlier) != 0 {
		t.Errorf("a POST was retried: attempt %d", ex.Attempt)
	}
}

// TestLinksResolveAgainstTheBaseAndStayOnIt: a Location or next link may be absolute,
// absolute-path or relative (RFC 3986); each lands on the base's scheme, host and port, and a link
// elsewhere is refused before anything is sent.
func TestLinksResolveAgainstTheBaseAndStayOnIt(t *testing.T) {
	w := start(t)
	c := w.client(t, pki.ClientCertFile, pki.ClientKeyFile)
	base, _ := url.Parse(w.srv.URL)
	origin := base.Scheme + "://" + base.Host
	for path, want := range map[string]string{
		"$ping":                                                        w.srv.URL + "/$ping",
		"MedicationRequest/1/_history/2":                               w.srv.URL + "/MedicationRequest/1/_history/2",
		base.Path + "/MedicationRequest/1":                             w.srv.URL + "/MedicationRequest/1",
		w.srv.URL + "/MedicationRequest?_offset=5":                     w.srv.URL + "/MedicationRequest?_offset=5",
		"MedicationRequest?patient=x&_offset=50":                       w.srv.URL + "/MedicationRequest?patient=x&_offset=50",
		"https://" + strings.ToUpper(base.Host) + base.Path + "/$ping": origin + base.Path + "/$ping",
	} {
		ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: path})
		if ex == nil {
			t.Errorf("%s: nothing sent: %v", path, err)
			continue
		}
		if !strings.EqualFold(ex.Request.URL, want) {
			t.Errorf("%s was sent to %s, want %s", path, ex.Request.URL, want)
		}
	}
	for _, path := range []string{
		"http://" + base.Host + base.Path + "/$ping",   // another scheme: the token would go in clear
		"https://" + base.Hostname() + ":1/fhir/$ping", // another port
		"https://example.org" + base.Path + "/$ping",   // another host
		"//example.org/fhir/$ping",                     // network-path reference
	} {
		ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: path})
		if err == nil || ex != nil {
			t.Errorf("%s: followed (%v)", path, err)
		}
	}
}

// hostileServer serves handler over TLS on loopback and returns a client for it with the given limit.
func hostileServer(t *testing.T, maxBody int64, handler http.HandlerFunc) (*fhirclient.Client, string) {
	t.Helper()
	srv := httptest.NewTLSServer(handler)
	t.Cleanup(srv.Close)
	tlsCfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL + "/fhir", TLS: tlsCfg, Timeout: 10 * time.Second, MaxBody: maxBody})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv.URL
}

// TestEndlessAnswerIsCutAtTheLimit: a server that never stops sending is a transport error naming
// the limit once the body passes it, not an out-of-memory death.
func TestEndlessAnswerIsCutAtTheLimit(t *testing.T) {
	c, _ := hostileServer(t, 1<<20, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	start := time.Now()
	ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "Patient"})
	var terr *fhirclient.TransportError
	if !errors.As(err, &terr) || !strings.Contains(terr.Cause(), "larger than konform's limit of 1 MiB") || ex.Response != nil {
		t.Fatalf("want a body-limit transport error, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s to give up", time.Since(start))
	}
}

// TestRedirectsAreNotFollowed: a redirect is NLL's answer, judged as it is; konform never follows
// it, so the token cannot go to another scheme or host that way.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed bool
	c, base := hostileServer(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "Patient", Header: http.Header{"Authorization": {"Bearer x"}}})
	if err != nil || ex.Response.Status != http.StatusTemporaryRedirect || followed {
		t.Fatalf("status %v, followed %v, err %v (base %s)", ex.Response, followed, err, base)
	}
}

// tcpServer accepts connections on loopback and hands each to handle, one at a time, until the
// test ends; it returns the address.
func tcpServer(t *testing.T, handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			handle(conn)
		}
	}()
	return ln.Addr().String()
}

// TestNoTLSIsUnreachable: a port that answers in plain HTTP, or accepts the connection and never
// finishes the TLS handshake, is unreachable (every request of a run would fail the same way)
// and no certificate refusal; the cause says what the server did.
func TestNoTLSIsUnreachable(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	silent := tcpServer(t, func(conn net.Conn) { t.Cleanup(func() { conn.Close() }) }) // held open, never answered
	closer := tcpServer(t, func(conn net.Conn) { conn.Close() })                       // accepted, then closed without a word
	w := start(t)
	pool, _ := pki.CertPool(w.pki.Path(pki.CAFile))
	for base, want := range map[string]string{
		"https://" + closer + "/fhir":                         "closed the connection",
		"https://" + plain.Listener.Addr().String() + "/fhir": "does not speak TLS",
		"https://" + silent + "/fhir":                         "TLS handshake did not finish within 300ms",
	} {
		c, err := fhirclient.New(fhirclient.Config{BaseURL: base, TLS: pki.ClientTLS(pool, nil), ConnectTimeout: 300 * time.Millisecond, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
		var terr *fhirclient.TransportError
		if !errors.As(err, &terr) || terr.Refused() || !terr.Unreachable() || !strings.Contains(terr.Cause(), want) {
			t.Errorf("%s: want unreachable, not refused, a cause with %q; got %v", base, want, err)
		}
	}
}

// TestATrickleCutByTheTimeoutIsNoAnswer: an answer whose body is still coming when the timeout
// ends is a transport error, never a whole answer. net/http may end such a read with a clean EOF.
func TestATrickleCutByTheTimeoutIsNoAnswer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(hostile.NeverEnding("application/fhir+json", "", 10*time.Millisecond))
	t.Cleanup(srv.Close)
	tlsCfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL + "/fhir", TLS: tlsCfg, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		ex, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "Patient"})
		var terr *fhirclient.TransportError
		if !errors.As(err, &terr) || ex.Response != nil || !strings.Contains(terr.Cause(), "100ms") {
			t.Fatalf("a trickle cut by the timeout: %v, answer %v", err, ex.Response)
		}
	}
}
