package fhirclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-resty/resty/v2"
)

// Exchange is one request and its answer, as the evidence records it.
type Exchange struct {
	// Attempt numbers the tries of one logical request, from 1.
	Attempt int
	// Started is when the request was sent, in UTC.
	Started time.Time
	// Duration is the time from sending to the last byte of the answer.
	Duration time.Duration
	// Request is what was sent.
	Request Message
	// Response is what came back; nil when no complete answer came.
	Response *Message
	// Timings break Duration down (DNS, connect, TLS, server).
	Timings Timings
	// TLS describes the connection; nil when no answer came.
	TLS *TLSInfo
	// Err says why no answer came, in words a supplier can act on; empty when one came.
	Err string
	// Earlier holds the earlier attempts of a retried request, oldest first.
	Earlier []*Exchange
	// Handshake says whether the server asked for a client certificate on a new connection and
	// what was presented; nil on a reused connection or when no request came.
	Handshake *Handshake
}

// Message is a request or a response.
type Message struct {
	// Method and URL are set on requests.
	Method, URL string
	// Status is set on responses.
	Status int
	// Header holds the headers as sent or received.
	Header http.Header
	// Body is the raw body.
	Body []byte
}

// Timings are the phases of an exchange.
type Timings struct {
	DNS, Connect, TLSHandshake, Server, Total time.Duration
	// Reused is true when a kept-alive connection carried the request.
	Reused bool
}

// TLSInfo summarises the TLS connection an answer came over.
type TLSInfo struct {
	Version     string
	CipherSuite string
	// PeerSubject is the subject of the server's certificate.
	PeerSubject string
	// PeerIssuer is the issuer of the server's certificate.
	PeerIssuer string
}

func timingsOf(t resty.TraceInfo) Timings {
	return Timings{DNS: t.DNSLookup, Connect: t.TCPConnTime, TLSHandshake: t.TLSHandshake,
		Server: t.ServerTime, Total: t.TotalTime, Reused: t.IsConnReused}
}

func tlsInfoOf(cs *tls.ConnectionState) *TLSInfo {
	if cs == nil {
		return nil
	}
	info := &TLSInfo{Version: tls.VersionName(cs.Version), CipherSuite: cipherName(cs.CipherSuite)}
	if len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		if last := lastPeer.Load(); last != nil && last.leaf == leaf {
			info.PeerSubject, info.PeerIssuer = last.subject, last.issuer
		} else {
			info.PeerSubject, info.PeerIssuer = leaf.Subject.String(), leaf.Issuer.String()
			lastPeer.Store(&peerNames{leaf, info.PeerSubject, info.PeerIssuer})
		}
	}
	return info
}

// cipherNames holds the names of the cipher suites seen: tls.CipherSuiteName lists every suite
// Go knows to find one.
var cipherNames sync.Map // uint16 → string

func cipherName(id uint16) string {
	if name, ok := cipherNames.Load(id); ok {
		return name.(string)
	}
	name := tls.CipherSuiteName(id)
	cipherNames.Store(id, name)
	return name
}

// peerNames is a server certificate's subject and issuer as text.
type peerNames struct {
	leaf            *x509.Certificate
	subject, issuer string
}

// lastPeer keeps the names of the last server certificate seen: the requests on a kept-alive
// connection share one, and writing the names out costs more than the rest of the record.
var lastPeer atomic.Pointer[peerNames]

// TransportError means no complete answer came: the harness or the connection broke, so the
// scenario gets no verdict (outcome "error").
type TransportError struct {
	Method, URL string
	Err         error
	// Timeout is the per-request limit that was in force.
	Timeout time.Duration
	// Connect is the limit on the TCP connect and the TLS handshake that was in force.
	Connect time.Duration
	// Handshake is set when the server asked for a client certificate before the failure.
	Handshake *Handshake
	// MaxBody is the body limit that was in force.
	MaxBody int64
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("no answer to %s %s: %s", e.Method, e.URL, e.Cause())
}

func (e *TransportError) Unwrap() error { return e.Err }

// Cause names what went wrong in words a supplier can act on.
func (e *TransportError) Cause() string {
	var verr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(e.Err, resty.ErrResponseBodyTooLarge):
		limit := fmt.Sprintf("%d MiB", e.MaxBody>>20)
		if e.MaxBody%(1<<20) != 0 {
			limit = fmt.Sprintf("%d bytes", e.MaxBody)
		}
		return fmt.Sprintf("the answer's body is larger than konform's limit of %s; if NLL really sends answers this large, raise it with konform run --max-body", limit)
	case errors.As(e.Err, &dnsErr):
		return fmt.Sprintf("the host name %s does not resolve (%s); check the URL and the DNS or proxy settings", dnsErr.Name, dnsErr.Err)
	case remoteAlert(e.Err) != "":
		return fmt.Sprintf("the server refused the TLS connection (%s); check that the client certificate is valid and issued by a CA the service accepts", remoteAlert(e.Err))
	case errors.As(e.Err, &unknownAuth), errors.As(e.Err, &verr) && errors.As(verr.Err, &unknownAuth):
		return "the server's certificate is not issued by a CA in the CA bundle; check the environment's CA file"
	case errors.As(e.Err, &hostErr):
		return "the server's certificate does not match the host name: " + hostErr.Error()
	case errors.As(e.Err, &verr):
		return "the server's certificate was not accepted: " + verr.Err.Error()
	case notTLS(e.Err):
		return "the server does not speak TLS on this port (it answered like plain HTTP or another protocol); check that the base URL names the service's HTTPS port"
	case handshakeTimedOut(e.Err):
		return fmt.Sprintf("the TLS handshake did not finish within %s (connect_timeout): something accepts connections on this port but does not complete TLS; check the base URL's port, the proxy and the firewall", e.Connect)
	case errors.Is(e.Err, context.DeadlineExceeded) || errors.As(e.Err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("timed out after %s; check that the service is up or raise the timeout", e.Timeout)
	case errors.Is(e.Err, syscall.ECONNREFUSED):
		return "connection refused; check the URL and that the service is running"
	case closedEarly(e.Err):
		return "the server closed the connection without an answer"
	case errors.Is(e.Err, io.ErrUnexpectedEOF):
		return "the answer was cut off before its end"
	}
	return e.Err.Error()
}

// Refused reports whether the server refused the connection, as it must when the client
// certificate is missing, expired or issued by a CA it does not accept: with a TLS alert, or by
// closing the connection before any answer (some TLS stacks close without an alert; with TLS 1.3
// the client learns of the refusal only when it reads).
//
// It is true only when the handshake got as far as the server asking for a client certificate,
// so that a refusal proves the certificate (or its absence) was actually tried: a name that does
// not resolve, a closed port or a timeout is no refusal.
func (e *TransportError) Refused() bool {
	return e.Handshake != nil && (remoteAlert(e.Err) != "" || closedEarly(e.Err))
}

// Unreachable reports whether the service could not be reached at all: the name did not resolve,
// no TCP connection or proxy tunnel was made, the port does not speak TLS or never finishes its
// handshake, the server closed the connection before it asked for a client certificate, or the
// server's own certificate was not trusted.
// Every request of a run would then fail the same way. It judges a run's first request, on a new
// connection: on a kept-alive one, Handshake is nil too.
func (e *TransportError) Unreachable() bool {
	var dnsErr *net.DNSError
	var op *net.OpError
	var verr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	return errors.As(e.Err, &dnsErr) || errors.Is(e.Err, syscall.ECONNREFUSED) ||
		errors.As(e.Err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") ||
		errors.As(e.Err, &verr) || errors.As(e.Err, &unknownAuth) || errors.As(e.Err, &hostErr) ||
		notTLS(e.Err) || handshakeTimedOut(e.Err) ||
		e.Handshake == nil && (errors.Is(e.Err, context.DeadlineExceeded) || closedEarly(e.Err))
}

// notTLS reports whether the server answered the TLS client hello with something that is not
// TLS: net/http's ErrSchemeMismatch when it looks like HTTP, else crypto/tls's record header error.
func notTLS(err error) bool {
	var rec tls.RecordHeaderError
	return errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &rec)
}

// handshakeTimedOut reports whether the TLS handshake outlasted the transport's limit; net/http
// reports it with an unexported error type, so it is known by its words.
func handshakeTimedOut(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout() && strings.Contains(err.Error(), "TLS handshake timeout")
}

func closedEarly(err error) bool {
	// net/http reports a connection the server closed before answering as the unexported
	// errServerClosedIdle when the handshake had already completed on the client's side.
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "http: server closed idle connection")
}

// remoteAlert returns the TLS alert the peer sent ("tls: certificate required"), or "".
// crypto/tls reports a received alert as a *net.OpError with Op "remote error".
func remoteAlert(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		return op.Err.Error()
	}
	return ""
}
