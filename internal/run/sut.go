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
	"sync"
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
var Drivers = []string{"ref", "command", "http"}

// sutLoop is the system under test in the loop: the gateway it calls NLL through and the driver
// that makes it act. It implements steps.SUT.
type sutLoop struct {
	gw      *gateway.Gateway
	drv     driver.Driver
	system  *evidence.System
	timeout time.Duration
	info    *evidence.SUTInfo
	close   func()

	mu   sync.Mutex
	logs []driverLog // what the driver saw of each action of the running scenario
}

// driverLog is an action as the driver saw it.
type driverLog struct{ summary, text string }

func (s *sutLoop) Act(ctx context.Context, a driver.Action) (driver.Result, error) {
	res, err := s.drv.Act(ctx, a)
	if res.Log != "" {
		summary := a.Name
		if err != nil {
			summary += " → " + err.Error()
		} else if res.Status != 0 {
			summary += fmt.Sprintf(" → the system showed %d", res.Status)
		}
		s.mu.Lock()
		s.logs = append(s.logs, driverLog{summary: summary, text: res.Log})
		s.mu.Unlock()
	}
	return res, err
}
func (s *sutLoop) Calls() []*gateway.Call       { return s.gw.Calls() }
func (s *sutLoop) SetUpstream(o gateway.Outage) { s.gw.SetUpstream(o) }
func (s *sutLoop) System() *evidence.System     { return s.system }
func (s *sutLoop) ActionTimeout() time.Duration { return s.timeout }
func (s *sutLoop) shutdown()                    { s.close() }

// begin starts a scenario: a new session of the system, and the gateway's calls and the
// driver's logs from now on belong to it.
func (s *sutLoop) begin(caseID, name string) {
	s.drv.Reset()
	if n, ok := s.drv.(interface{ Scenario(id, name string) }); ok {
		n.Scenario(caseID, name)
	}
	s.mu.Lock()
	s.logs = nil
	s.mu.Unlock()
	s.gw.Begin()
}

// driverLogs returns the driver's logs of the scenario.
func (s *sutLoop) driverLogs() []driverLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	logs := s.logs
	s.logs = nil
	return logs
}
func (s *sutLoop) end() []*gateway.Call          { return s.gw.End() }
func (s *sutLoop) unattributed() []*gateway.Call { return s.gw.Unattributed() }

var _ steps.SUT = (*sutLoop)(nil)

// startSUT starts the gateway in front of the target and the driver of the system under test:
// konform's reference system (ref), the supplier's command or its test hook (cfg). The gateway
// reaches NLL with the run's own client identity.
func startSUT(opts Options, cfg config.SUT, tgt *target, system *evidence.System, runID string) (*sutLoop, error) {
	switch {
	case !slices.Contains(Drivers, opts.SUT):
		return nil, fmt.Errorf("--sut %q is not a driver konform has; use ref (konform's reference connecting system), command or http", opts.SUT)
	case opts.SUT != "ref" && cfg.Driver != opts.SUT:
		return nil, fmt.Errorf("--sut %s needs a sut: section with driver: %s in the configuration file (docs/sut.md)", opts.SUT, opts.SUT)
	}
	if err := refsys.CheckDefect(opts.SUTDefect); err != nil {
		return nil, err
	}
	timeout := opts.SUTTimeout
	if timeout == 0 {
		timeout = config.DefaultSUTTimeout
		if cfg.Driver == opts.SUT && cfg.Timeout > 0 {
			timeout = cfg.Timeout
		}
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
	if opts.SUT == "ref" {
		if _, err := sutID.Leaf.Verify(x509.VerifyOptions{Roots: side.tls.ClientCAs, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return nil, fmt.Errorf("the gateway's client_ca (%s) does not accept the reference system's certificate %s; for --sut ref add the dev CA %s to it, or leave client_ca out",
				side.clientCA, d.Path(pki.ClientCertFile), d.Path(pki.CAFile))
		}
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
	var drv driver.Driver
	closeDrv := func() {}
	xctx := driver.Context{RunID: runID, Gateway: gw.URL, Users: func(role string) map[string]string {
		h := users[role]
		if h == nil || tgt.token == nil { // only the simulator's users, which exist for this run; against EXT the system has its own
			return nil
		}
		return map[string]string{"authorization": h.Get("Authorization"), "x-org-info": h.Get("X-Org-Info")}
	}, Env: map[string]string{"KONFORM_GATEWAY_CA": side.certFile, "KONFORM_CLIENT_CERT": d.Path(pki.ClientCertFile), "KONFORM_CLIENT_KEY": d.Path(pki.ClientKeyFile)}}
	switch opts.SUT {
	case "ref":
		sutTLS := pki.ClientTLS(side.trust, sutID)
		sutTLS.ServerName = side.serverName
		ref, err := refsys.New(refsys.Config{BaseURL: gw.URL, TLS: sutTLS, Templates: fixtures.FS,
			RunID: runID, Version: opts.Version, Defect: opts.SUTDefect, Users: users})
		if err != nil {
			gw.Close()
			return nil, err
		}
		drv, closeDrv = ref, ref.Close
		if system == nil {
			system = &evidence.System{Name: refsys.Name, Version: opts.Version}
		}
	case "command":
		drv, err = driver.NewCommand(cfg.Command, cfg.Dir, xctx)
	case "http":
		drv, err = newHook(cfg, xctx)
	}
	if err != nil {
		gw.Close()
		return nil, err
	}
	// Without --system an external driver's system is not named: the x-user-agent check then
	// says to pass --system rather than guess.
	return &sutLoop{gw: gw, drv: drv, system: system, timeout: timeout,
		info:  &evidence.SUTInfo{Driver: opts.SUT, Defect: opts.SUTDefect, Gateway: gw.URL},
		close: func() { closeDrv(); gw.Close() }}, nil
}

// newHook makes the http driver: the hook's CA when configured, the token from its variable.
func newHook(cfg config.SUT, xctx driver.Context) (driver.Driver, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CA != "" {
		roots, err := pki.CertPool(cfg.CA)
		if err != nil {
			return nil, fmt.Errorf("sut ca: %v", err)
		}
		tlsConfig.RootCAs = roots
	}
	token := ""
	if cfg.TokenEnv != "" {
		if token = os.Getenv(cfg.TokenEnv); token == "" {
			return nil, fmt.Errorf("sut token_env: the variable %s is empty; set it to the test hook's token", cfg.TokenEnv)
		}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return driver.NewHook(cfg.URL, token, client, xctx), nil
}

// gatewaySide is the gateway's side towards the system under test.
type gatewaySide struct {
	tls *tls.Config // the server certificate, and in ClientCAs the CAs of the system's certificates
	// cert and clientCA name the files, for messages.
	cert, clientCA string
	certFile       string         // a PEM file a system can trust the gateway's certificate by
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
	side := &gatewaySide{cert: d.Path(pki.ServerCertFile), clientCA: d.Path(pki.CAFile), addr: opts.GatewayAddr, certFile: d.Path(pki.CAFile)}
	key := d.Path(pki.ServerKeyFile)
	if cfg.Cert != "" {
		side.cert, key, side.certFile = cfg.Cert, cfg.Key, cfg.Cert
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

// writeDriverLogs writes what the driver saw of each action to <folder>/driver-NNN.txt, scrubbed
// unless --no-redact, and returns references to them.
func (r *recorder) writeDriverLogs(folder string, logs []driverLog) ([]evidence.ExchangeRef, []string) {
	if len(logs) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Join(r.dir, folder), 0o755); err != nil {
		return nil, []string{"cannot write the driver's logs: " + err.Error()}
	}
	var refs []evidence.ExchangeRef
	var problems []string
	for i, l := range logs {
		text, summary := l.text, l.summary
		if r.redact {
			text, summary = r.redactor.Scrub(text), r.redactor.Scrub(summary)
		}
		file := filepath.ToSlash(filepath.Join(folder, fmt.Sprintf("driver-%03d.txt", i+1)))
		if err := os.WriteFile(filepath.Join(r.dir, file), []byte(text), 0o644); err != nil {
			problems = append(problems, "cannot write "+file+": "+err.Error())
			continue
		}
		refs = append(refs, evidence.ExchangeRef{File: file, Summary: summary})
	}
	return refs, problems
}
