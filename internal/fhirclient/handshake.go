package fhirclient

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"sync"
)

// Handshake is what konform learnt of the TLS handshake an exchange made: whether the server
// asked for a client certificate and which one was presented. It is nil when the exchange reused
// a connection or no handshake got as far as the server's certificate request.
type Handshake struct {
	// Presented is the subject of the certificate sent, "" when the client had none to send.
	Presented string
	// SHA256 is the presented certificate's fingerprint in hex.
	SHA256 string
}

// handshakeKey carries a *handshake in a request's context to the TLS callback; net/http keeps a
// request's context values for the dial it starts.
type handshakeKey struct{}

type handshake struct {
	mu sync.Mutex
	hs *Handshake
}

func (h *handshake) get() *Handshake {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hs
}

// recordingTLS wraps a client TLS configuration so that each handshake notes, in the context of
// the request that started it, that the server asked for a certificate and what was presented.
// A configuration without GetClientCertificate presents its first certificate whatever CA list
// the server advertises, as pki.ClientTLS does.
func recordingTLS(cfg *tls.Config) *tls.Config {
	cfg = cfg.Clone()
	choose := cfg.GetClientCertificate
	if choose == nil {
		cert := &tls.Certificate{}
		if len(cfg.Certificates) > 0 {
			cert = &cfg.Certificates[0]
		}
		choose = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		cert, err := choose(cri)
		if h, ok := cri.Context().Value(handshakeKey{}).(*handshake); ok && err == nil {
			hs := &Handshake{}
			if cert != nil && len(cert.Certificate) > 0 {
				sum := sha256.Sum256(cert.Certificate[0])
				hs.SHA256 = hex.EncodeToString(sum[:])
				if cert.Leaf != nil {
					hs.Presented = cert.Leaf.Subject.String()
				} else {
					hs.Presented = "sha256 " + hs.SHA256
				}
			}
			h.mu.Lock()
			h.hs = hs
			h.mu.Unlock()
		}
		return cert, err
	}
	return cfg
}
