// Package gateway is the recording reverse proxy between the supplier's system under test (SUT)
// and NLL. It presents NLL's FHIR base URL to the SUT over mutual TLS, forwards every call
// unchanged (but for hop-by-hop headers) to the upstream NLL with the run's own client identity,
// and records each call for the scenario that is running. It can make the upstream unavailable,
// for the outage cases. Forwarding is net/http/httputil.ReverseProxy; nothing here rewrites a body.
package gateway

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxBody bounds what the gateway records of one body, and what it accepts from the SUT.
const DefaultMaxBody = 8 << 20

// Config configures a gateway.
type Config struct {
	// Upstream is NLL's base URL, such as https://127.0.0.1:40123/fhir-server/fhir. The gateway
	// serves the same path, so the SUT's base URL differs from NLL's only in host and port.
	Upstream string
	// UpstreamTLS is the client side towards NLL: the run's client identity and NLL's CA.
	UpstreamTLS *tls.Config
	// ServerTLS is the side the SUT sees: the gateway's server certificate, and in ClientCAs the
	// CAs whose client certificates the gateway accepts from the SUT. ClientAuth is ignored: the
	// gateway verifies the SUT's certificate itself, so that a missing or wrong one becomes a
	// finding in the evidence rather than a silent handshake failure.
	ServerTLS *tls.Config
	// Addr is where to listen, such as 127.0.0.1:0 (a free port) or 127.0.0.1:9443.
	Addr string
	// Timeout bounds one forwarded call; zero means 60 seconds.
	Timeout time.Duration
	// MaxBody bounds a request body from the SUT (larger ones get 413) and what is recorded of
	// an answer; zero means DefaultMaxBody.
	MaxBody int64
	// Proxy, when set, is the HTTP CONNECT proxy towards the upstream.
	Proxy *url.URL
	// UpstreamHandler, when set, is the upstream NLL itself, running in this process (konform's
	// simulator). The gateway then hands each call to it as its server would, presenting the
	// client identity of UpstreamTLS, instead of opening a second mutual-TLS connection to
	// Upstream; Upstream still names the base URL. Proxy is then unused.
	UpstreamHandler http.Handler
	// ErrorLog receives the server's own errors; nil discards them.
	ErrorLog io.Writer
	// OnCall, when set, sees every call once it is recorded (konform gateway prints a line each).
	OnCall func(*Call)
	// KeepNoUnattributed hands a call outside any scenario to OnCall only, and keeps it nowhere:
	// konform gateway writes no evidence, and kept, a system's calls (each with up to MaxBody of
	// request and of answer) grew its memory for as long as it ran.
	KeepNoUnattributed bool
	// MaxCaseBytes and MaxCaseCalls bound what a case keeps of the system's calls (zero means
	// DefaultMaxCaseBytes and DefaultMaxCaseCalls): over MaxCaseBytes of bodies a call is kept
	// without them, over MaxCaseCalls not at all, and the case cannot be judged.
	MaxCaseBytes int64
	MaxCaseCalls int
	// MaxConcurrentCalls bounds the calls the gateway reads and forwards at once (zero means
	// DefaultMaxConcurrentCalls), each holding up to MaxBody of request and of answer: a system
	// that opens many calls at once does not exhaust konform's memory. A call over the bound waits
	// for a place up to Timeout, then gets 503 and is recorded as refused.
	MaxConcurrentCalls int
}

// Call is one call of the SUT as the gateway saw it.
type Call struct {
	// Seq numbers the calls of the gateway's whole life in order of arrival, from 1.
	Seq int
	// Started is when the request arrived; Duration runs until NLL's answer was read.
	Started  time.Time
	Duration time.Duration
	// Method and Target are the request line as the SUT sent it (path and query).
	Method, Target string
	// Path is the part of the target's path below the base URL, such as MedicationRequest/7,
	// without leading, trailing or repeated slashes (CleanPath): the resource the call addressed,
	// however the system wrote it; Target keeps what it wrote. RawQuery is its query.
	Path, RawQuery string
	// RequestIDUsed, when the call's x-request-id was sent before in this gateway's life (an
	// earlier case of the run, or this one), names the first call that sent it: "GET Patient
	// (10:02:03)". NLL asks for a random and unique id on every request.
	RequestIDUsed string
	ReqHeader     http.Header
	ReqBody       []byte
	// Status is the answer's status, 0 when none came.
	Status     int
	RespHeader http.Header
	RespBody   []byte
	// Truncated is true when a body was larger than the gateway records.
	Truncated bool
	// NotKept says why the gateway did not keep this call's bodies, or stands for the calls it
	// did not keep at all: the case's calls went over Config.MaxCaseBytes or MaxCaseCalls. Such a
	// case cannot be judged. "" for a call kept whole.
	NotKept string
	// ReqDecoded and RespDecoded name the Content-Encoding (gzip) a body came in when the
	// record holds it decoded, so that it can be read, checked and redacted; the body went on
	// as it came.
	ReqDecoded, RespDecoded string
	// Err says why the SUT got no answer from NLL (the upstream broke, or the gateway refused).
	Err string
	// ClientSubject is the subject of the client certificate the SUT presented, "" when none;
	// ClientChain is the certificate and the chain it came with, as presented.
	ClientSubject string
	ClientChain   []*x509.Certificate
	// Refused is set when the gateway refused the SUT's connection at the TLS handshake: no client
	// certificate, or one NLL would not accept. Such a call has no request.
	Refused string
	// Upstream says what the gateway did: "forwarded", or the outage it simulated.
	Upstream string
	// TLSVersion and Cipher describe the SUT's connection to the gateway.
	TLSVersion, Cipher string
	// Stray, when set, says why the call cannot be the scenario's own although it came while the
	// scenario ran: it arrived before the scenario's first action, or after its last step.
	Stray string
	// Of and Entry are set on a view of one entry of a transaction (POST [base]/ with a Bundle
	// of type transaction), which the checks make so that an entry is judged as the call it
	// stands for: Of is the transaction, Entry the entry's number from 1. The gateway records
	// calls only; it never sets them.
	Of    *Call
	Entry int
}

// Why a call that came during a scenario is not its own.
const (
	BeforeFirstAction = "before the case's first action"
	AfterLastStep     = "after the case's last step"
	// Unfinished marks a copy, in End's calls, of a call that had arrived in the scenario and
	// had no answer yet when it ended: no check could see it.
	Unfinished = "unfinished when the case ended"
)

// Outage is what the upstream looks like to the SUT.
type Outage int

// The outages a scenario can ask for.
const (
	// Available forwards every call (the default).
	Available Outage = iota
	// Unavailable answers every call 503 with Retry-After and a non-FHIR body, as a load balancer
	// in front of a service that is down does.
	Unavailable
	// Dropped closes every connection without an answer.
	Dropped
)

// RetryAfterSeconds is the Retry-After the gateway sends while the upstream is Unavailable.
const RetryAfterSeconds = 30

// Gateway is a running gateway.
type Gateway struct {
	// URL is the base URL the SUT points at, with the upstream's path.
	URL string
	// Addr is the address the gateway listens on.
	Addr string

	basePath string
	upstream *url.URL
	maxBody  int64
	timeout  time.Duration
	// maxCaseBytes and maxCaseCalls are Config's MaxCaseBytes and MaxCaseCalls.
	maxCaseBytes int64
	maxCaseCalls int
	slots        chan struct{} // a place for each call read and forwarded at once
	verify       func(cs tls.ConnectionState) error
	proxy        *httputil.ReverseProxy
	srv          *http.Server
	done         chan struct{}

	onCall func(*Call)
	forget bool // KeepNoUnattributed

	mu           sync.Mutex
	seq          int
	scope        *scope
	unattributed []*Call
	outage       Outage
	requestIDs   map[string]string // each x-request-id seen, and the first call that sent it
	inflight     int               // calls that arrived and are not filed yet
	lastSeen     time.Time         // when a call last arrived or was filed
}

// scope collects the calls of one scenario.
type scope struct {
	mu       sync.Mutex
	calls    []*Call
	acting   bool // an action has started: the calls from now on may be the scenario's
	settling bool // the steps have ended: a call that arrives now is not the scenario's
	ended    bool // End has returned the calls; a call that finishes later is unattributed
	inflight int  // calls that arrived in the scenario and are not filed yet
	// pending holds, for each call in flight, its request line as it arrived, for End.
	pending map[*Call]Call
	kept    int64 // bytes of bodies kept
	// overflow counts the calls not kept at all (over ScopeMaxCalls); last is the last of them.
	overflow int
	last     Call
}

// The most a case keeps of the system's calls by default: a system that floods the gateway does
// not exhaust konform's memory or fill the evidence (Config.MaxCaseBytes, Config.MaxCaseCalls).
const (
	DefaultMaxCaseBytes = 64 << 20
	DefaultMaxCaseCalls = 1000
	// DefaultMaxConcurrentCalls is Config.MaxConcurrentCalls's default: with DefaultMaxBody,
	// at most 256 MiB of bodies in flight.
	DefaultMaxConcurrentCalls = 16
)

// withOverflow is calls with a call standing for those not kept, if any. s.mu must be held.
func (s *scope) withOverflow(calls []*Call) []*Call {
	if s.overflow == 0 {
		return calls
	}
	c := s.last
	c.ReqHeader, c.RespHeader, c.ReqBody, c.RespBody = nil, nil, nil, nil
	c.NotKept = fmt.Sprintf("the system made more than %d calls in the case; the gateway did not keep %d of them, the last %s %s", len(calls), s.overflow, c.Method, c.Path)
	return append(calls, &c)
}

// stray says why a call arriving now cannot be the scenario's own, "" when it may be.
func (s *scope) stray() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.settling:
		return AfterLastStep
	case !s.acting:
		return BeforeFirstAction
	}
	return ""
}

// Start listens on cfg.Addr and serves until Close.
func Start(cfg Config) (*Gateway, error) {
	up, err := url.Parse(cfg.Upstream)
	if err != nil || up.Scheme != "https" || up.Host == "" {
		return nil, fmt.Errorf("gateway: upstream %q is not an https URL", cfg.Upstream)
	}
	if cfg.ServerTLS == nil || len(cfg.ServerTLS.Certificates) == 0 || cfg.ServerTLS.ClientCAs == nil {
		return nil, errors.New("gateway: a server certificate and the CAs of the SUT's client certificates are needed")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxCaseBytes == 0 {
		cfg.MaxCaseBytes = DefaultMaxCaseBytes
	}
	if cfg.MaxCaseCalls == 0 {
		cfg.MaxCaseCalls = DefaultMaxCaseCalls
	}
	if cfg.MaxConcurrentCalls <= 0 {
		cfg.MaxConcurrentCalls = DefaultMaxConcurrentCalls
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("gateway port %s is in use; stop what listens there or choose another address", cfg.Addr)
		}
		return nil, fmt.Errorf("gateway cannot listen on %s: %v", cfg.Addr, err)
	}
	g := &Gateway{Addr: ln.Addr().String(), basePath: strings.TrimSuffix(up.Path, "/"), upstream: up,
		maxBody: cfg.MaxBody, timeout: cfg.Timeout, done: make(chan struct{}), onCall: cfg.OnCall, forget: cfg.KeepNoUnattributed,
		maxCaseBytes: cfg.MaxCaseBytes, maxCaseCalls: cfg.MaxCaseCalls, slots: make(chan struct{}, cfg.MaxConcurrentCalls)}
	g.URL = "https://" + g.Addr + g.basePath

	transport := &http.Transport{
		TLSClientConfig:       cfg.UpstreamTLS,
		DisableCompression:    true, // the SUT gets NLL's bytes, compressed or not, as NLL sent them
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	if cfg.Proxy != nil {
		transport.Proxy = http.ProxyURL(cfg.Proxy)
	}
	var upstream http.RoundTripper = transport
	if cfg.UpstreamHandler != nil {
		upstream = newInProcess(cfg.UpstreamHandler, cfg.UpstreamTLS, cfg.Timeout, cfg.ErrorLog)
	}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host, pr.Out.Host = up.Scheme, up.Host, up.Host
			for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := pr.In.Header[h]; ok { // Rewrite drops them; the SUT's own pass unchanged
					pr.Out.Header[h] = v
				}
			}
		},
		BufferPool:     &bufferPool{},
		Transport:      upstream,
		FlushInterval:  -1,
		ModifyResponse: g.recordResponse,
		ErrorHandler:   g.upstreamFailed,
		ErrorLog:       log.New(io.Discard, "", 0),
	}

	roots := cfg.ServerTLS.ClientCAs
	serverTLS := cfg.ServerTLS.Clone()
	serverTLS.ClientAuth = tls.RequestClientCert
	serverTLS.ClientCAs = nil // advertise no CA list, so that a client sends whatever certificate it has and the evidence names it
	serverTLS.NextProtos = []string{"http/1.1"}
	g.verify = func(cs tls.ConnectionState) error {
		return verifyClient(cs, roots)
	}
	serverTLS.VerifyConnection = func(cs tls.ConnectionState) error {
		if err := g.verify(cs); err != nil {
			g.refused(cs, err)
			return err
		}
		return nil
	}
	errLog := cfg.ErrorLog
	if errLog == nil {
		errLog = io.Discard
	}
	g.srv = &http.Server{
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, &connInfo{})
		},
		Handler:           g,
		ReadHeaderTimeout: 10 * time.Second,
		// A body that trickles in is cut once the upstream's timeout has passed as well, so
		// that no call stays in flight past what a check waits for.
		ReadTimeout:  10*time.Second + cfg.Timeout,
		ErrorLog:     log.New(errLog, "gateway: ", 0),
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	go func() {
		defer close(g.done)
		_ = g.srv.Serve(tls.NewListener(ln, serverTLS))
	}()
	return g, nil
}

// verifyClient checks the SUT's client certificate as NLL checks the supplier's: present, within
// its validity, issued by an accepted CA, for client authentication.
func verifyClient(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the system presented no client certificate")
	}
	leaf := cs.PeerCertificates[0]
	if leaf.IsCA || leaf.KeyUsage&x509.KeyUsageCertSign != 0 {
		// NLL takes a function certificate, never a CA's own: konform refuses one as its own
		// client certificate too. A root of client_ca would otherwise verify as itself.
		return fmt.Errorf("the system's client certificate %q is a CA certificate; present the system's own client certificate, issued by the CA", leaf.Subject.String())
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return fmt.Errorf("the system's client certificate %q is not accepted: %v", leaf.Subject.String(), err)
	}
	return nil
}

// refused records a connection the gateway refused at the handshake, as a finding.
func (g *Gateway) refused(cs tls.ConnectionState, why error) {
	c := &Call{Started: time.Now().UTC(), Refused: why.Error(), Err: why.Error(), Upstream: "refused",
		TLSVersion: tls.VersionName(cs.Version), Cipher: tls.CipherSuiteName(cs.CipherSuite)}
	if len(cs.PeerCertificates) > 0 {
		c.ClientSubject, c.ClientChain = cs.PeerCertificates[0].Subject.String(), cs.PeerCertificates
	}
	s := g.currentScope()
	c.Stray = s.stray()
	g.mu.Lock()
	g.lastSeen = time.Now()
	g.mu.Unlock()
	g.arrived(c)
	g.add(s, c)
}

// Close stops accepting connections and waits up to five seconds for calls in flight.
func (g *Gateway) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := g.srv.Shutdown(ctx)
	<-g.done
	if t, ok := g.proxy.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
	return err
}

// Begin attributes every call from now on to a new scenario, until End.
func (g *Gateway) Begin() {
	g.mu.Lock()
	g.scope = &scope{}
	g.outage = Available
	g.mu.Unlock()
}

// End stops attributing calls, makes the upstream available again, and returns the scenario's
// calls in the order they arrived.
func (g *Gateway) End() []*Call {
	g.mu.Lock()
	s := g.scope
	g.scope, g.outage = nil, Available
	g.mu.Unlock()
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	calls := s.withOverflow(append([]*Call(nil), s.calls...))
	for _, v := range s.pending {
		v.Stray, v.Err = Unfinished, "no answer yet when the case ended"
		calls = append(calls, &v)
	}
	return sorted(calls)
}

// Acting notes that the running scenario has asked the system to act: calls from now on may be
// the scenario's own; a call before it cannot be.
func (g *Gateway) Acting() {
	if s := g.currentScope(); s != nil {
		s.mu.Lock()
		s.acting = true
		s.mu.Unlock()
	}
}

// Settle is called when a scenario's steps have ended. Calls that arrive from now on are marked
// as after its last step. It waits until the system is quiet: no call in flight (for up to the
// gateway's timeout) and none arrived or finished for quiet (for up to three times quiet, so that
// a system that never stops calling does not hold the run). It returns early when ctx ends.
func (g *Gateway) Settle(ctx context.Context, quiet time.Duration) {
	if s := g.currentScope(); s != nil {
		s.mu.Lock()
		s.settling = true
		s.mu.Unlock()
	}
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		g.mu.Lock()
		inflight, since := g.inflight, time.Since(g.lastSeen)
		g.mu.Unlock()
		waited := time.Since(start)
		switch {
		case inflight > 0 && waited < g.timeout:
		case inflight == 0 && since < quiet && waited < 3*quiet:
		default:
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Calls returns the calls of the running scenario so far, in order of arrival. A call that has
// arrived but is not finished (its body still coming, or NLL's answer) is waited for, up to the
// gateway's timeout, so that a check never judges the scenario's calls without one the system
// made in the background; one still unfinished then is returned as it arrived, with no answer
// and Err saying so, so that the check sees it all the same.
func (g *Gateway) Calls() []*Call {
	s := g.currentScope()
	if s == nil {
		return nil
	}
	deadline := time.Now().Add(g.timeout + time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.inflight > 0 && time.Now().Before(deadline) {
		s.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		s.mu.Lock()
	}
	calls := s.withOverflow(append([]*Call(nil), s.calls...))
	for _, v := range s.pending {
		v.Err = "no answer yet when the check looked"
		calls = append(calls, &v)
	}
	return sorted(calls)
}

// Unattributed returns the calls that arrived while no scenario was running, or finished after
// their scenario ended.
func (g *Gateway) Unattributed() []*Call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return sorted(g.unattributed)
}

// SetUpstream makes the upstream available or simulates an outage, until changed or End.
func (g *Gateway) SetUpstream(o Outage) {
	g.mu.Lock()
	g.outage = o
	g.mu.Unlock()
}

func (g *Gateway) currentScope() *scope {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.scope
}

// arrived numbers a call in order of arrival.
func (g *Gateway) arrived(c *Call) {
	g.mu.Lock()
	g.seq++
	c.Seq = g.seq
	g.mu.Unlock()
}

// maxRequestIDs bounds the x-request-ids a gateway remembers, each in at most about 300 bytes (a
// long id by its SHA-256, the first call's path cut short).
const maxRequestIDs = 1 << 18

// noteRequestID remembers the call's x-request-id, and sets RequestIDUsed when an earlier call
// sent it.
func (g *Gateway) noteRequestID(c *Call) {
	id := strings.TrimSpace(c.ReqHeader.Get("X-Request-ID"))
	if id == "" {
		return
	}
	if len(id) > 128 {
		sum := sha256.Sum256([]byte(id))
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if first, ok := g.requestIDs[id]; ok {
		c.RequestIDUsed = first
		return
	}
	if g.requestIDs == nil {
		g.requestIDs = map[string]string{}
	}
	if len(g.requestIDs) < maxRequestIDs {
		path := c.Path
		if len(path) > 120 {
			path = strings.ToValidUTF8(path[:120], "") + "…"
		}
		g.requestIDs[id] = c.Method + " " + path + " (" + c.Started.Format("15:04:05") + ")"
	}
}

// CleanPath is p without leading, trailing or repeated slashes. "MedicationDispense/" and
// "//MedicationDispense" address MedicationDispense, as konform's simulator reads them; an inner
// "//" the simulator answers with 404, but the checks still see which type the call was for
// ("har systemet inte anropat NLL med POST …" must see it), and its status says the rest.
func CleanPath(p string) string {
	p = strings.Trim(p, "/")
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	return p
}

// sorted returns a copy of calls in order of arrival.
func sorted(calls []*Call) []*Call {
	out := append([]*Call(nil), calls...)
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// add files a refused connection under its scenario, or as unattributed when it
// belongs to none (or finished after its scenario ended).
func (g *Gateway) add(s *scope, c *Call) {
	filed := false
	if s != nil {
		s.mu.Lock()
		filed = s.file(c, g.maxCaseCalls, g.maxCaseBytes)
		s.mu.Unlock()
	}
	g.keep(c, filed)
}

// file keeps c among the scope's calls, bounded, unless End has returned them; it reports
// whether it did. s.mu must be held.
func (s *scope) file(c *Call, maxCalls int, maxBytes int64) bool {
	if s.ended {
		return false
	}
	switch size := int64(len(c.ReqBody) + len(c.RespBody)); {
	case len(s.calls) >= maxCalls:
		s.overflow++
		s.last = *c
	case s.kept+size > maxBytes:
		c.ReqBody, c.RespBody = nil, nil
		c.NotKept = fmt.Sprintf("the system's calls in the case came to more than %d bytes; the gateway kept %s %s without its bodies", maxBytes, c.Method, c.Path)
		s.calls = append(s.calls, c)
	default:
		s.kept += size
		s.calls = append(s.calls, c)
	}
	return true
}

// keep keeps a call no scope filed among the unattributed ones (unless the gateway keeps none),
// and hands every call to OnCall.
func (g *Gateway) keep(c *Call, filed bool) {
	if !filed && !g.forget {
		g.mu.Lock()
		g.unattributed = append(g.unattributed, c)
		g.mu.Unlock()
	}
	if g.onCall != nil {
		g.onCall(c)
	}
}

type callKey struct{}

type connKey struct{}

// connInfo is what the gateway works out once for a connection of the SUT.
type connInfo struct {
	subject string // the client certificate's subject
}

// subjectOf is the subject of the client certificate of r's connection, worked out on its first
// request (a kept-alive connection carries many).
func subjectOf(r *http.Request) string {
	ci, _ := r.Context().Value(connKey{}).(*connInfo)
	if ci == nil {
		return r.TLS.PeerCertificates[0].Subject.String()
	}
	if ci.subject == "" { // requests on one connection come one after another
		ci.subject = r.TLS.PeerCertificates[0].Subject.String()
	}
	return ci.subject
}

// pending is a call in progress. It is filed once, before the SUT has the whole answer, so that
// a scenario's next step, which runs as soon as the SUT has its answer, sees the call.
type pending struct {
	g    *Gateway
	s    *scope
	c    *Call
	once sync.Once
}

func (p *pending) file() {
	p.once.Do(func() {
		p.c.Duration = time.Since(p.c.Started)
		p.g.mu.Lock()
		p.g.inflight--
		p.g.lastSeen = time.Now()
		p.g.mu.Unlock()
		// Filed and no longer in flight at once: an End in between would return the call twice,
		// the second time as unfinished.
		filed := false
		if p.s != nil {
			p.s.mu.Lock()
			filed = p.s.file(p.c, p.g.maxCaseCalls, p.g.maxCaseBytes)
			p.s.inflight--
			delete(p.s.pending, p.c)
			p.s.mu.Unlock()
		}
		p.g.keep(p.c, filed)
	})
}

// ServeHTTP records one call of the SUT and forwards it, or simulates the outage set.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	s, outage := g.scope, g.outage
	g.inflight++
	g.lastSeen = time.Now()
	g.mu.Unlock()
	c := &Call{Started: time.Now().UTC(), Method: r.Method, Target: r.URL.RequestURI(), RawQuery: r.URL.RawQuery,
		Path: CleanPath(strings.TrimPrefix(r.URL.Path, g.basePath)), ReqHeader: r.Header.Clone(), Stray: s.stray()}
	if r.TLS != nil {
		c.TLSVersion, c.Cipher = tls.VersionName(r.TLS.Version), tls.CipherSuiteName(r.TLS.CipherSuite)
		if len(r.TLS.PeerCertificates) > 0 {
			c.ClientSubject, c.ClientChain = subjectOf(r), r.TLS.PeerCertificates
		}
	}
	g.arrived(c)
	g.noteRequestID(c)
	if s != nil {
		s.mu.Lock()
		s.inflight++
		if s.pending == nil {
			s.pending = map[*Call]Call{}
		}
		s.pending[c] = Call{Started: c.Started, Method: c.Method, Target: c.Target, Path: c.Path, RawQuery: c.RawQuery, Seq: c.Seq,
			ReqHeader: c.ReqHeader, ClientSubject: c.ClientSubject, TLSVersion: c.TLSVersion, Cipher: c.Cipher, Stray: c.Stray, RequestIDUsed: c.RequestIDUsed}
		s.mu.Unlock()
	}
	p := &pending{g: g, s: s, c: c}
	defer p.file()

	// The call holds a place while its bodies are read and forwarded. It arrived above, so a
	// check waits for it while it waits for a place.
	wait := time.NewTimer(g.timeout)
	select {
	case g.slots <- struct{}{}:
		wait.Stop()
		defer func() { <-g.slots }()
	case <-wait.C:
		c.Err = fmt.Sprintf("the gateway forwards at most %d calls at once, and this one waited %v for a place", cap(g.slots), g.timeout)
		c.Status, c.Upstream = http.StatusServiceUnavailable, "refused"
		p.file()
		w.Header().Set("Retry-After", "1")
		http.Error(w, c.Err, c.Status)
		return
	case <-r.Context().Done():
		wait.Stop()
		c.Err, c.Upstream = "the system gave up the call while it waited for a place in the gateway", "refused"
		p.file()
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
	if err != nil {
		c.Err, c.Status = "the gateway could not read the request body: "+err.Error(), http.StatusBadRequest
		p.file()
		http.Error(w, c.Err, http.StatusBadRequest)
		return
	}
	c.ReqBody = body
	if int64(len(body)) <= g.maxBody {
		c.ReqBody, c.ReqDecoded = decoded(r.Header, body, g.maxBody)
	}
	if int64(len(body)) > g.maxBody {
		c.ReqBody, c.Truncated = body[:g.maxBody], true
		c.Err = fmt.Sprintf("the request body is larger than the gateway accepts (%d bytes)", g.maxBody)
		c.Status, c.Upstream = http.StatusRequestEntityTooLarge, "refused"
		p.file()
		http.Error(w, c.Err, c.Status)
		return
	}

	switch outage {
	case Unavailable:
		page := "<html><body><h1>503 Service Unavailable</h1></body></html>\n"
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Retry-After", fmt.Sprint(RetryAfterSeconds))
		c.Upstream, c.Status, c.RespHeader, c.RespBody = "unavailable", http.StatusServiceUnavailable, w.Header().Clone(), []byte(page)
		p.file()
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, page)
		return
	case Dropped:
		c.Upstream, c.Err = "dropped", "the gateway closed the connection without an answer (simulated outage)"
		p.file()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}

	c.Upstream = "forwarded"
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	// The whole forwarded call, NLL's answer and its body included, ends a second after the
	// timeout (by which NLL's header must have come): an NLL that trickles its answer, or never
	// ends it, does not hold the SUT and the case.
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), callKey{}, p), g.timeout+time.Second)
	defer cancel()
	g.proxy.ServeHTTP(w, r.WithContext(ctx))
}

// recordResponse copies NLL's answer into the call, bounded, files the call, and passes the
// answer on untouched.
func (g *Gateway) recordResponse(resp *http.Response) error {
	p, _ := resp.Request.Context().Value(callKey{}).(*pending)
	if p == nil {
		return nil
	}
	c := p.c
	c.Status, c.RespHeader = resp.StatusCode, resp.Header.Clone()
	head, err := io.ReadAll(io.LimitReader(resp.Body, g.maxBody))
	if err == nil && int64(len(head)) < g.maxBody {
		// A read cut by the call's deadline may end as a clean EOF (net/http), which would pass a
		// trickling answer on, and record it, as whole.
		err = resp.Request.Context().Err()
	}
	if err != nil {
		c.Err = "NLL's answer broke off: " + err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			c.Err = fmt.Sprintf("NLL's answer did not end within the gateway's timeout (%v, and a second)", g.timeout)
		}
		return err
	}
	c.RespBody = head
	if int64(len(head)) < g.maxBody {
		c.RespBody, c.RespDecoded = decoded(resp.Header, head, g.maxBody)
	}
	if int64(len(head)) == g.maxBody {
		c.Truncated = true
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	} else {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(head))
	}
	p.file()
	return nil
}

// decoded returns a gzip-encoded body decoded for the record, with the encoding's name, when it
// decodes whole within max bytes; otherwise the body as it is, and "". The evidence never shows
// a body that is not text (evidence.Exchange), so what cannot be decoded is never written raw.
func decoded(h http.Header, body []byte, max int64) ([]byte, string) {
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
	if len(body) == 0 || enc != "gzip" && enc != "x-gzip" {
		return body, ""
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return body, ""
	}
	plain, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil || int64(len(plain)) > max {
		return body, ""
	}
	return plain, enc
}

// upstreamFailed answers 502 when NLL could not be reached, and records why.
func (g *Gateway) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	p, _ := r.Context().Value(callKey{}).(*pending)
	msg := "the gateway could not reach NLL: " + err.Error()
	if p != nil {
		if p.c.Err == "" {
			p.c.Err = msg
		}
		p.c.Status = http.StatusBadGateway
		p.file()
	}
	http.Error(w, msg, http.StatusBadGateway)
}

// bufferPool reuses the proxy's copy buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
