// Package fhirclient is konform's HTTP client for NLL's FHIR interface: resty over mutual TLS,
// NLL's message headers, and a record of every exchange. It is the only importer of resty.
package fhirclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/google/uuid"
	"github.com/hashicorp/go-retryablehttp"
)

// FHIRJSON is the media type NLL speaks.
const FHIRJSON = "application/fhir+json"

// Config configures a Client.
type Config struct {
	// BaseURL is the FHIR base, such as https://127.0.0.1:8443/fhir-server/fhir.
	BaseURL string
	// TLS is the mutual-TLS configuration from package pki. It must not be nil.
	TLS *tls.Config
	// Timeout bounds each request from connect to the last byte; zero means 30 seconds.
	Timeout time.Duration
	// Header holds headers sent with every request (x-org-info, authorization and so on).
	Header http.Header
	// UserAgent identifies konform in the User-Agent header.
	UserAgent string
	// ConnectTimeout bounds the TCP connect and the TLS handshake; zero means 10 seconds.
	ConnectTimeout time.Duration
	// Proxy, when set, tunnels through this HTTP proxy; nil means HTTPS_PROXY and NO_PROXY.
	Proxy *url.URL
	// MaxBody bounds an answer's body in bytes; zero means DefaultMaxBody. A larger answer is no
	// answer: the exchange ends with a transport error (outcome error).
	MaxBody int64
	// Retries, when Max > 0, retries GET requests on 429, 502, 503, 504 and connection errors
	// (go-retryablehttp's policy), waiting as its backoff says (Retry-After honoured).
	Retries Retries
}

// DefaultMaxBody is the largest answer body konform reads unless told otherwise: far above any
// FHIR answer NLL sends, far below what would exhaust a CI runner's memory.
const DefaultMaxBody = 16 << 20

// Retries is a retry policy. The zero value retries nothing.
type Retries struct {
	Max           int
	Wait, MaxWait time.Duration
}

// Client sends FHIR requests and records each exchange. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	r       *resty.Client
	timeout time.Duration
	connect time.Duration
	header  http.Header
	retries Retries
	maxBody int64
}

// New builds a client. The transport is built here from cfg.TLS, because resty ignores its TLS
// setters on a custom transport; retries are off so a tester sees the service's real answers.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("base URL %q must be an absolute https URL", cfg.BaseURL)
	}
	if cfg.TLS == nil {
		return nil, errors.New("fhirclient: Config.TLS is nil")
	}
	connect := cfg.ConnectTimeout
	if connect == 0 {
		connect = 10 * time.Second
	}
	proxy := http.ProxyFromEnvironment
	if cfg.Proxy != nil {
		proxy = http.ProxyURL(cfg.Proxy)
	}
	transport := &http.Transport{
		Proxy:               proxy,
		TLSClientConfig:     recordingTLS(cfg.TLS),
		DialContext:         (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: connect,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	// Redirects are not followed: an answer is judged as NLL gave it, and a redirect can never
	// take the token to another scheme or host.
	r := resty.NewWithClient(&http.Client{Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})
	r.SetRetryCount(0)
	maxBody := cfg.MaxBody
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	r.SetResponseBodyLimit(int(maxBody))
	r.SetLogger(quietLogger{})
	ua := cfg.UserAgent
	if ua == "" {
		ua = "konform"
	}
	header := cfg.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Set("User-Agent", ua)
	retries := cfg.Retries
	if retries.Wait == 0 {
		retries.Wait = time.Second
	}
	if retries.MaxWait == 0 {
		retries.MaxWait = 30 * time.Second
	}
	return &Client{base: base, r: r, timeout: timeout, connect: connect, header: header, retries: retries, maxBody: maxBody}, nil
}

// BaseURL returns the FHIR base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// CloseIdle closes idle keep-alive connections.
func (c *Client) CloseIdle() { c.r.GetClient().CloseIdleConnections() }

// Request is one FHIR interaction.
type Request struct {
	// Method is GET, POST or PUT.
	Method string
	// Path is relative to the base ("Patient/123", "$ping") or an absolute URL on the same host.
	Path string
	// Query holds search parameters.
	Query url.Values
	// Header holds headers for this request only; they override the client's.
	Header http.Header
	// Body is sent as application/fhir+json when not nil.
	Body []byte
	// Omit names headers to leave out, even ones the client adds by default (X-Request-ID),
	// for negative tests.
	Omit []string
}

// Do sends req and returns the exchange. The error is a *TransportError when no complete answer
// came (TLS refusal, network, timeout, truncated body); any HTTP status is an answer, not an error.
// With a retry policy, a GET is sent again as the policy says; the returned exchange is the last
// attempt and Earlier holds the others, so that every attempt is in the evidence.
func (c *Client) Do(ctx context.Context, req Request) (*Exchange, error) {
	var earlier []*Exchange
	for attempt := 1; ; attempt++ {
		ex, resp, err := c.attempt(ctx, req)
		if ex != nil {
			ex.Attempt = attempt
		}
		if c.retries.Max < attempt || (req.Method != http.MethodGet && req.Method != http.MethodHead) || ex == nil {
			return withEarlier(ex, earlier), err
		}
		retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, unwrapTransport(err))
		if !retry {
			return withEarlier(ex, earlier), err
		}
		wait := retryablehttp.DefaultBackoff(c.retries.Wait, c.retries.MaxWait, attempt-1, resp)
		earlier = append(earlier, ex)
		select {
		case <-ctx.Done():
			return withEarlier(ex, earlier[:len(earlier)-1]), err
		case <-time.After(wait):
		}
	}
}

func withEarlier(ex *Exchange, earlier []*Exchange) *Exchange {
	if ex != nil {
		ex.Earlier = earlier
	}
	return ex
}

func unwrapTransport(err error) error {
	var terr *TransportError
	if errors.As(err, &terr) {
		return terr.Err
	}
	return err
}

// attempt sends req once.
func (c *Client) attempt(ctx context.Context, req Request) (*Exchange, *http.Response, error) {
	target, err := c.resolve(req.Path)
	if err != nil {
		return nil, nil, err
	}
	if len(req.Query) > 0 {
		target.RawQuery = req.Query.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	header := c.header.Clone()
	for k, v := range req.Header {
		header[k] = v
	}
	if header.Get("X-Request-ID") == "" {
		header.Set("X-Request-ID", uuid.NewString())
	}
	if header.Get("Accept") == "" {
		header.Set("Accept", FHIRJSON)
	}
	for _, name := range req.Omit {
		header.Del(name)
	}
	if req.Body != nil && header.Get("Content-Type") == "" {
		header.Set("Content-Type", FHIRJSON+"; charset=utf-8")
	}
	hs := &handshake{}
	ctx = context.WithValue(ctx, handshakeKey{}, hs)
	to := target.String()
	ex := &Exchange{Attempt: 1, Started: time.Now().UTC(), Request: Message{
		Method: req.Method, URL: to, Header: header, Body: req.Body,
	}}
	r := c.r.R().SetContext(ctx).EnableTrace()
	r.Header = header
	if req.Body != nil {
		r.SetBody(req.Body)
	}
	resp, err := r.Execute(req.Method, to)
	if err == nil && ctx.Err() != nil {
		// A body whose read the timeout cut may end as a clean EOF (net/http): not a whole answer.
		err = ctx.Err()
	}
	ex.Duration = time.Since(ex.Started)
	ex.Handshake = hs.get()
	if resp != nil && resp.Request != nil {
		ex.Timings = timingsOf(resp.Request.TraceInfo())
		// The request and the answer as sent and received: both are this exchange's alone now
		// that resty is done with them, so they are kept as they are.
		if raw := resp.Request.RawRequest; raw != nil {
			ex.Request.Header = raw.Header
		}
	}
	if resp != nil && resp.RawResponse != nil {
		ex.Response = &Message{Status: resp.StatusCode(), Header: resp.Header(), Body: resp.Body()}
		ex.TLS = tlsInfoOf(resp.RawResponse.TLS)
	}
	var raw *http.Response
	if resp != nil {
		raw = resp.RawResponse
	}
	if err != nil {
		terr := &TransportError{Method: req.Method, URL: to, Err: err, Timeout: c.timeout, Connect: c.connect, Handshake: ex.Handshake, MaxBody: c.maxBody}
		ex.Err = terr.Cause()
		ex.Response = nil // a partial answer is no answer; its bytes stay out of assertions
		return ex, raw, terr
	}
	return ex, raw, nil
}

// resolve turns a request path into a URL on the environment's base. A path from a scenario is
// relative to the base ("Patient/123", "$ping"); a link from an answer (Location, a Bundle's next
// link) may be absolute ("https://host/fhir/Patient/123"), absolute-path ("/fhir/Patient/123") or
// relative. Each is resolved per RFC 3986 against the base taken as a folder, and the result must
// keep the base's scheme, host and port: konform never sends its token elsewhere.
func (c *Client) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("bad path %q: %v", path, err)
	}
	folder := *c.base
	folder.Path = strings.TrimSuffix(c.base.Path, "/") + "/"
	folder.RawPath = ""
	u := folder.ResolveReference(ref)
	if u.Scheme != c.base.Scheme || hostPort(u) != hostPort(c.base) {
		return nil, fmt.Errorf("%s is not on the environment's base %s://%s; konform follows no link to another scheme, host or port", path, c.base.Scheme, c.base.Host)
	}
	return u, nil
}

// hostPort is the URL's host and port, with https's default port made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" && u.Scheme == "https" {
		port = "443"
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

// quietLogger keeps resty's warnings out of the terminal: every problem reaches the caller as
// an error or an exchange instead.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
