package run

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/konform/konform/fixtures"
	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/refsys"
	"github.com/konform/konform/steps"
)

// SUTTag marks the scenarios that drive the supplier's system under test.
const SUTTag = "@sut"

// Drivers lists the values of --sut.
var Drivers = []string{"ref"}

// sutLoop is the system under test in the loop: the gateway it calls NLL through and the driver
// that makes it act. It implements steps.SUT.
type sutLoop struct {
	gw      *gateway.Gateway
	drv     driver.Driver
	system  *evidence.System
	timeout time.Duration
	info    *evidence.SUTInfo
	close   func()
}

func (s *sutLoop) Act(ctx context.Context, a driver.Action) (driver.Result, error) {
	return s.drv.Act(ctx, a)
}
func (s *sutLoop) Calls() []*gateway.Call        { return s.gw.Calls() }
func (s *sutLoop) SetUpstream(o gateway.Outage)  { s.gw.SetUpstream(o) }
func (s *sutLoop) System() *evidence.System      { return s.system }
func (s *sutLoop) ActionTimeout() time.Duration  { return s.timeout }
func (s *sutLoop) begin()                        { s.drv.Reset(); s.gw.Begin() }
func (s *sutLoop) end() []*gateway.Call          { return s.gw.End() }
func (s *sutLoop) unattributed() []*gateway.Call { return s.gw.Unattributed() }
func (s *sutLoop) shutdown()                     { s.close() }

var _ steps.SUT = (*sutLoop)(nil)

// startSUT starts the gateway in front of the target and the driver of the system under test.
// The gateway reaches NLL with the run's own client identity; the reference system presents the
// dev PKI's client certificate to it.
func startSUT(opts Options, tgt *target, system *evidence.System, runID string) (*sutLoop, error) {
	if opts.SUT != "ref" {
		return nil, fmt.Errorf("--sut %q is not a driver konform has; use --sut ref (konform's reference connecting system)", opts.SUT)
	}
	if err := refsys.CheckDefect(opts.SUTDefect); err != nil {
		return nil, err
	}
	side, err := gatewaySideOf(opts, tgt, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := tgt.devPKI
	sutID, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		return nil, err
	}
	if _, err := sutID.Leaf.Verify(x509.VerifyOptions{Roots: side.tls.ClientCAs, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return nil, fmt.Errorf("the gateway's client_ca (%s) does not accept the reference system's certificate %s; for --sut ref add the dev CA %s to it, or leave client_ca out",
			side.clientCA, d.Path(pki.ClientCertFile), d.Path(pki.CAFile))
	}
	gw, err := startGateway(opts, tgt, side, nil)
	if err != nil {
		return nil, err
	}
	users := map[string]http.Header{}
	for _, role := range []steps.Role{steps.Prescriber, steps.Pharmacist} {
		if h, err := tgt.credentialsFor(role); err == nil {
			users[string(role)] = h
		}
	}
	sutTLS := pki.ClientTLS(side.trust, sutID)
	sutTLS.ServerName = side.serverName
	ref, err := refsys.New(refsys.Config{BaseURL: gw.URL, TLS: sutTLS, Templates: fixtures.FS,
		RunID: runID, Version: opts.Version, Defect: opts.SUTDefect, Users: users})
	if err != nil {
		gw.Close()
		return nil, err
	}
	if system == nil {
		system = &evidence.System{Name: refsys.Name, Version: opts.Version}
	}
	return &sutLoop{gw: gw, drv: ref, system: system, timeout: opts.SUTTimeout,
		info:  &evidence.SUTInfo{Driver: opts.SUT, Defect: opts.SUTDefect, Gateway: gw.URL},
		close: func() { ref.Close(); gw.Close() }}, nil
}

// gatewaySide is the gateway's side towards the system under test.
type gatewaySide struct {
	tls *tls.Config // the server certificate, and in ClientCAs the CAs of the system's certificates
	// cert and clientCA name the files, for messages.
	cert, clientCA string
	addr           string         // where to listen
	trust          *x509.CertPool // what a system needs to trust to accept the gateway's certificate
	serverName     string         // a name the certificate holds, to call the gateway by
}

// gatewaySideOf reads the gateway section of the configuration file: its server certificate and
// the CAs of the system's client certificates, each from the dev PKI when not configured, and the
// address (--gateway-addr, else the file's, else addr).
func gatewaySideOf(opts Options, tgt *target, addr string) (*gatewaySide, error) {
	cfg, err := config.LookupGateway(opts.Config)
	if err != nil {
		return nil, err
	}
	d := tgt.devPKI
	side := &gatewaySide{cert: d.Path(pki.ServerCertFile), clientCA: d.Path(pki.CAFile), addr: opts.GatewayAddr}
	key := d.Path(pki.ServerKeyFile)
	if cfg.Cert != "" {
		side.cert, key = cfg.Cert, cfg.Key
	}
	if cfg.ClientCA != "" {
		side.clientCA = cfg.ClientCA
	}
	if side.addr == "" {
		side.addr = cfg.Addr
	}
	if side.addr == "" {
		side.addr = addr
	}
	clientCAs, err := pki.CertPool(side.clientCA)
	if err != nil {
		return nil, fmt.Errorf("gateway client_ca: %v", err)
	}
	side.tls, err = pki.ServerTLS(side.cert, key, clientCAs)
	if err != nil {
		return nil, fmt.Errorf("gateway: %v", err)
	}
	leaf, err := x509.ParseCertificate(side.tls.Certificates[0].Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %v", side.cert, err)
	}
	if err := checkServerCert(leaf, time.Now()); err != nil {
		return nil, fmt.Errorf("gateway: %s: %v", side.cert, err)
	}
	// A system is told to trust the CA that issued the gateway's certificate; konform's own
	// reference system trusts exactly the certificate served (it may come from any CA).
	side.trust = x509.NewCertPool()
	side.trust.AddCert(leaf)
	if len(leaf.IPAddresses) == 0 && len(leaf.DNSNames) > 0 {
		side.serverName = leaf.DNSNames[0]
	}
	return side, nil
}

// checkServerCert refuses a gateway certificate no system would accept: expired or not yet valid,
// a CA certificate, or one whose extended key usages leave out serverAuth.
func checkServerCert(c *x509.Certificate, now time.Time) error {
	switch {
	case now.After(c.NotAfter):
		return fmt.Errorf("the certificate expired on %s; renew it", c.NotAfter.Format(time.DateOnly))
	case now.Before(c.NotBefore):
		return fmt.Errorf("the certificate is valid from %s only", c.NotBefore.Format(time.DateOnly))
	case c.IsCA:
		return errors.New("this is a CA certificate; give the gateway's own server certificate")
	case len(c.ExtKeyUsage) > 0 && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny):
		return errors.New("the certificate's extended key usage leaves out serverAuth; a system would refuse it")
	}
	return nil
}

// startGateway starts the gateway in front of the target: side towards the system under test,
// and the run's own client identity towards NLL.
func startGateway(opts Options, tgt *target, side *gatewaySide, onCall func(*gateway.Call)) (*gateway.Gateway, error) {
	upstreamRoots, err := pki.CertPool(tgt.roots)
	if err != nil {
		return nil, err
	}
	return gateway.Start(gateway.Config{Upstream: tgt.baseURL, UpstreamTLS: pki.ClientTLS(upstreamRoots, tgt.identity),
		ServerTLS: side.tls, Addr: side.addr, Timeout: tgt.reach.timeout, Proxy: tgt.reach.proxy, OnCall: onCall})
}

// writeSUTCalls writes the system's calls to <folder>/sut-NNN.http, scrubbed unless --no-redact,
// and returns references to them.
func (r *recorder) writeSUTCalls(folder string, calls []*gateway.Call) ([]evidence.ExchangeRef, []string) {
	if len(calls) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Join(r.dir, folder), 0o755); err != nil {
		return nil, []string{"cannot write the system's calls: " + err.Error()}
	}
	var refs []evidence.ExchangeRef
	var problems []string
	for i, c := range calls {
		e := &evidence.Exchange{Attempt: 1, Started: c.Started, Duration: c.Duration, Method: c.Method, URL: c.Target,
			ReqHeader: c.ReqHeader, ReqBody: c.ReqBody, Status: c.Status, RespHeader: c.RespHeader, RespBody: c.RespBody,
			Err: c.Err, TLSVersion: c.TLSVersion, Cipher: c.Cipher, Origin: "sut", ClientSubject: c.ClientSubject, Upstream: c.Upstream}
		file := filepath.ToSlash(filepath.Join(folder, fmt.Sprintf("sut-%03d.http", i+1)))
		if err := os.WriteFile(filepath.Join(r.dir, file), []byte(e.Format(r.redactor, r.redact)), 0o644); err != nil {
			problems = append(problems, "cannot write "+file+": "+err.Error())
			continue
		}
		summary := e.Summary()
		if r.redact {
			summary = r.redactor.Scrub(summary)
		}
		refs = append(refs, evidence.ExchangeRef{File: file, Summary: summary})
	}
	return refs, problems
}
