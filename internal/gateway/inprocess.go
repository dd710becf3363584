package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// inProcess is the gateway's transport to an upstream NLL that runs in this process (konform's
// simulator). It hands each request to the handler as net/http's server hands over a request it
// has read off a mutual-TLS connection, and gives the answer back as http.Transport gives back
// one it has read: the status, the headers the server adds (Date, Content-Length, a sniffed
// Content-Type), the body, and the same errors for an answer that never came or broke off. What
// it saves is the second TLS connection on loopback, which costs as much as the simulator's whole
// work for a read. TestInProcessUpstreamAnswersAsTheTLSHopDoes holds it to the TLS hop.
type inProcess struct {
	h       http.Handler
	tls     *tls.ConnectionState // the connection as the handler sees it: the run's client identity
	timeout time.Duration        // for the answer's header, as http.Transport's ResponseHeaderTimeout
	errLog  io.Writer            // where a handler's crash is told, as net/http's server tells it
}

// newInProcess is the transport to h, presenting the client identity of upstreamTLS.
func newInProcess(h http.Handler, upstreamTLS *tls.Config, timeout time.Duration, errLog io.Writer) *inProcess {
	cs := &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, NegotiatedProtocol: "http/1.1",
		CipherSuite: tls.TLS_AES_128_GCM_SHA256}
	if upstreamTLS != nil && len(upstreamTLS.Certificates) > 0 {
		for _, der := range upstreamTLS.Certificates[0].Certificate {
			if c, err := x509.ParseCertificate(der); err == nil {
				cs.PeerCertificates = append(cs.PeerCertificates, c)
			}
		}
	}
	if errLog == nil {
		errLog = io.Discard
	}
	return &inProcess{h: h, tls: cs, timeout: timeout, errLog: errLog}
}

// errNoAnswer is what the transport says when the upstream closed the connection without an
// answer, as http.Transport does.
var errNoAnswer = io.EOF

// RoundTrip serves out with the handler and returns its answer.
func (t *inProcess) RoundTrip(out *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(out.Context())
	header := out.Header.Clone()
	if header.Get("User-Agent") == "" {
		header.Del("User-Agent") // an empty User-Agent is not sent on the wire
	}
	if out.ContentLength > 0 {
		header.Set("Content-Length", strconv.FormatInt(out.ContentLength, 10))
	}
	body := out.Body
	if body == nil {
		body = http.NoBody
	}
	in := (&http.Request{Method: out.Method, URL: &url.URL{Path: out.URL.Path, RawPath: out.URL.RawPath, RawQuery: out.URL.RawQuery},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: header, Body: body, ContentLength: out.ContentLength,
		Host: out.URL.Host, RemoteAddr: "127.0.0.1:0", RequestURI: out.URL.RequestURI(), TLS: t.tls}).WithContext(ctx)

	w := &answerWriter{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil { // http.ErrAbortHandler or a crash: net/http closes the connection
				w.aborted = true
				if v != http.ErrAbortHandler {
					fmt.Fprintf(t.errLog, "gateway: the simulator crashed serving %s %s: %v\n", in.Method, in.RequestURI, v)
				}
			}
		}()
		t.h.ServeHTTP(w, in)
	}()
	var timeout <-chan time.Time
	if t.timeout > 0 {
		timer := time.NewTimer(t.timeout)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-done:
	case <-ctx.Done():
		cancel()
		return nil, ctx.Err()
	case <-timeout:
		cancel()
		return nil, errors.New("net/http: timeout awaiting response headers")
	}
	cancel()
	if w.aborted && !w.flushed {
		return nil, errNoAnswer // net/http drops what the handler had not flushed
	}
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.response(out), nil
}

// answerWriter is the handler's side: it keeps the header as sent and the body.
type answerWriter struct {
	header  http.Header // what the handler changes
	sent    http.Header // the header at WriteHeader, as net/http sends it
	status  int
	wrote   bool
	body    bytes.Buffer
	flushed bool // the handler flushed: what it wrote so far went out
	aborted bool // the handler panicked: the connection closed after what was flushed
}

func (w *answerWriter) Header() http.Header { return w.header }

func (w *answerWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http
	}
	if w.wrote || (code >= 100 && code < 200) {
		return
	}
	w.wrote, w.status, w.sent = true, code, w.header.Clone()
}

func (w *answerWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(p)
}

// Flush marks what was written as sent; the answer still goes back whole when the handler
// returns.
func (w *answerWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	w.flushed = true
}

// chunkingAfter is how much of an answer without Content-Length net/http's server buffers
// before it sends the header and chunks the rest (its bufferBeforeChunkingSize).
const chunkingAfter = 2048

// bodyAllowed reports whether an answer with status may have a body, as net/http decides.
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && (status < 100 || status > 199)
}

// response is the answer as http.Transport would return it after reading it off the wire.
func (w *answerWriter) response(req *http.Request) *http.Response {
	h, body := w.sent, w.body.Bytes()
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if _, set := h["Content-Type"]; !set && len(body) > 0 && h.Get("Content-Encoding") == "" {
		h.Set("Content-Type", http.DetectContentType(body))
	}
	length := int64(len(body))
	if bodyAllowed(w.status) {
		cl, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
		switch {
		case err == nil && cl > length:
			length = cl // the handler promised more than it wrote: the body breaks off below
		case err != nil && (w.flushed || len(body) > chunkingAfter):
			length = -1 // net/http chunks an answer of unknown length that outgrew its buffer
			h.Del("Content-Length")
		default:
			h.Set("Content-Length", strconv.FormatInt(length, 10))
		}
	} else {
		h.Del("Content-Length")
		length = 0
	}
	var rb io.ReadCloser = io.NopCloser(bytes.NewReader(body))
	switch {
	case req.Method == http.MethodHead || !bodyAllowed(w.status):
		rb = http.NoBody
	case w.aborted || length > int64(len(body)):
		// The connection closed before the end of the body.
		rb = io.NopCloser(io.MultiReader(bytes.NewReader(body), brokenOff{}))
	}
	return &http.Response{Status: strconv.Itoa(w.status) + " " + http.StatusText(w.status), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Body: rb, ContentLength: length, Request: req}
}

// brokenOff is the end of a body whose connection closed before Content-Length was reached.
type brokenOff struct{}

func (brokenOff) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
