package sim

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/konform/konform/internal/pki"
)

// Server serves a handler over mutual TLS on a real socket.
type Server struct {
	// URL is the base URL of the FHIR endpoint, such as https://127.0.0.1:40123/fhir-server/fhir.
	URL string
	// Addr is the address the server listens on.
	Addr string
	srv  *http.Server
	done chan struct{}
}

// Serve starts serving h over TLS on addr ("127.0.0.1:0" picks a free port). The caller
// configures tlsCfg first, including client-certificate verification. errLog receives the
// server's own errors (failed handshakes); nil discards them. basePath is appended to URL.
func Serve(h http.Handler, tlsCfg *tls.Config, addr, basePath string, errLog io.Writer) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v", addr, err)
	}
	if errLog == nil {
		errLog = io.Discard
	}
	cfg := tlsCfg.Clone()
	cfg.NextProtos = []string{"http/1.1"} // NLL is reached over HTTP/1.1
	s := &Server{
		Addr: ln.Addr().String(),
		URL:  "https://" + ln.Addr().String() + basePath,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(errLog, "sim: ", 0),
			TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(tls.NewListener(ln, cfg))
	}()
	return s, nil
}

// Close stops accepting connections and waits up to five seconds for requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// ServeDevPKI serves s over mutual TLS with the dev PKI: the server certificate of d, and client
// certificates verified against d's CA. tweaks may change the TLS configuration first (tests
// use this to serve a broken server).
func ServeDevPKI(s *Simulator, d pki.DevPKI, addr string, errLog io.Writer, tweaks ...func(*tls.Config)) (*Server, error) {
	pool, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		return nil, err
	}
	tlsCfg, err := pki.ServerTLS(d.Path(pki.ServerCertFile), d.Path(pki.ServerKeyFile), pool)
	if err != nil {
		return nil, err
	}
	if s.broken("mtls-any-ca") {
		tlsCfg.ClientAuth = tls.RequireAnyClientCert
	}
	for _, tweak := range tweaks {
		tweak(tlsCfg)
	}
	return Serve(s, tlsCfg, addr, s.BasePath(), errLog)
}
