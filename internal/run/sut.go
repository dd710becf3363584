package run

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

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

// ManualTag marks the @sut scenarios only an operator can carry out: they run with the manual
// driver and are skipped, with the reason, under the others.
const ManualTag = "@manuell"

// Drivers lists the values of --sut.
var Drivers = []string{"ref", "command", "http", "manual"}

// sutLoop is the system under test in the loop: the gateway it calls NLL through and the driver
// that makes it act. It implements steps.SUT.
type sutLoop struct {
	gw      *gateway.Gateway
	drv     driver.Driver
	system  *evidence.System
	timeout time.Duration
	// settle is how long the system must be quiet after a scenario's last step.
	settle time.Duration
	info   *evidence.SUTInfo
	close  func()

	// skip, when set, is why the @sut cases cannot run (the manual driver without a terminal).
	skip string
	// secret is the test hook's token, which the evidence never shows.
	secret string

	mu   sync.Mutex
	logs []driverLog // what the driver saw of each action of the running scenario
}

// driverLog is an action as the driver saw it, with the files the operator attached.
type driverLog struct {
	summary, text string
	attachments   []driver.Attachment
}

func (s *sutLoop) Act(ctx context.Context, a driver.Action) (driver.Result, error) {
	s.gw.Acting()
	res, err := s.drv.Act(ctx, a)
	summary := a.Name
	if err != nil {
		summary += " → " + err.Error()
	} else if res.Status != 0 {
		summary += fmt.Sprintf(" → the system showed %d", res.Status)
	}
	s.note(summary, res)
	return res, err
}

// Confirm asks the manual driver's operator whether a claim holds.
func (s *sutLoop) Confirm(ctx context.Context, claim string) (bool, string, int, error) {
	m, ok := s.drv.(*driver.Manual)
	if !ok {
		return false, "", 0, fmt.Errorf("the %s driver has no operator to ask; run the case with the manual driver", s.info.Driver)
	}
	s.gw.Acting() // the operator may act on the system to see what it shows
	yes, res, err := m.Confirm(ctx, claim)
	s.note(map[bool]string{true: "confirmed: ", false: "not confirmed: "}[yes]+claim, res)
	return yes, res.Shown, len(res.Attachments), err
}

// note keeps what the driver saw of an action for the scenario's evidence.
func (s *sutLoop) note(summary string, res driver.Result) {
	if res.Log == "" && len(res.Attachments) == 0 {
		return
	}
	s.mu.Lock()
	s.logs = append(s.logs, driverLog{summary: summary, text: res.Log, attachments: res.Attachments})
	s.mu.Unlock()
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
func (s *sutLoop) end() []*gateway.Call { return s.gw.End() }

// quiet waits, after a scenario's last step, until the system has made no call for settle.
func (s *sutLoop) quiet(ctx context.Context)     { s.gw.Settle(ctx, s.settle) }
func (s *sutLoop) unattributed() []*gateway.Call { return s.gw.Unattributed() }

var _ steps.SUT = (*sutLoop)(nil)

// startSUT starts the gateway in front of the target and the driver of the system under test:
// konform's reference system (ref), the supplier's command or its test hook (cfg). The gateway
// reaches NLL with the run's own client identity.
func startSUT(ctx context.Context, sys IO, opts Options, cfg config.SUT, tgt *target, system *evidence.System, runID string, templates fs.FS, testData map[string]string) (*sutLoop, error) {
	switch {
	case !slices.Contains(Drivers, opts.SUT):
		return nil, fmt.Errorf("--sut %q is not a driver konform has; use ref (konform's reference connecting system), command, http or manual", opts.SUT)
	case opts.SUT != "ref" && opts.SUT != "manual" && cfg.Driver != opts.SUT:
		return nil, fmt.Errorf("--sut %s needs a sut: section with driver: %s in the configuration file (docs/sut.md)", opts.SUT, opts.SUT)
	}
	if err := refsys.CheckDefect(opts.SUTDefect); err != nil {
		return nil, err
	}
	settle := config.DefaultSUTSettle
	switch {
	case opts.SUTSettle != nil:
		settle = *opts.SUTSettle
	case cfg.Driver == opts.SUT && cfg.Settle != nil:
		settle = *cfg.Settle
	case opts.SUT == "ref" && !refsys.Asynchronous(opts.SUTDefect):
		settle = 0 // konform's reference system has made its calls when an action returns
	}
	timeout := opts.SUTTimeout
	switch {
	case timeout > 0:
	case cfg.Driver == opts.SUT:
		timeout = cfg.Timeout // 0 for manual: an operator has no time limit
	case opts.SUT != "manual":
		timeout = config.DefaultSUTTimeout
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
	refID := sutID
	if opts.SUTDefect == refsys.ProductionCertificate {
		if refID, err = pki.IssueClient(refsys.ProductionCA, sys.Now()); err != nil {
			return nil, err
		}
		// A gateway whose client_ca holds the production CA, as a misconfigured test setup would:
		// the certificate is accepted, and only the check of its issuer (3.7.1) can catch it.
		side.tls.ClientCAs.AddCert(refID.Chain[0])
	}
	if opts.SUT == "ref" && opts.SUTDefect != refsys.ProductionCertificate {
		if err := verifyClient(sutID, side.tls.ClientCAs); err != nil {
			return nil, fmt.Errorf("the gateway's client_ca (%s) does not accept the reference system's certificate %s; for --sut ref add the dev CA %s to it, or leave client_ca out",
				side.clientCA, d.Path(pki.ClientCertFile), d.Path(pki.CAFile))
		}
	}
	gw, err := startGateway(opts, tgt, side, refusalsTo(sys.Stderr, !opts.NoRedact), false)
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
	var skip, secret string
	closeDrv := func() {}
	xctx := driver.Context{RunID: runID, Gateway: gw.URL, Users: func(role string) map[string]string {
		h := users[role]
		if h == nil || tgt.token == nil { // only the simulator's users, which exist for this run; against EXT the system has its own
			return nil
		}
		return map[string]string{"authorization": h.Get("Authorization"), "x-org-info": h.Get("X-Org-Info")}
	}, Env: map[string]string{"KONFORM_GATEWAY_CA": absolute(side.certFile), "KONFORM_CLIENT_CERT": absolute(d.Path(pki.ClientCertFile)), "KONFORM_CLIENT_KEY": absolute(d.Path(pki.ClientKeyFile))},
		TestData: testData}
	switch opts.SUT {
	case "ref":
		sutTLS := pki.ClientTLS(side.trust, refID)
		sutTLS.ServerName = side.serverName
		ref, err := refsys.New(refsys.Config{BaseURL: gw.URL, TLS: sutTLS, Templates: templates, TestData: testData,
			RunID: runID, Version: opts.Version, Defect: opts.SUTDefect, Transactions: opts.SUTTransactions, Users: users})
		if err != nil {
			gw.Close()
			return nil, err
		}
		drv, closeDrv = ref, ref.Close
		if system == nil {
			system = &evidence.System{Name: refsys.Name, Version: opts.Version}
		}
	case "command":
		// A program that cannot run is the configuration's error, said once before any request,
		// not once for every case.
		if _, err = findProgram(cfg); err != nil {
			err = fmt.Errorf("sut %v; fix sut.command (konform doctor checks it)", err)
		} else {
			drv, err = driver.NewCommand(cfg.Command, cfg.Dir, xctx)
		}
	case "http":
		if drv, secret, err = newHook(cfg, xctx, tgt.identity); err == nil {
			var client *http.Client
			if client, err = hookClient(cfg, tgt.identity); err == nil {
				if _, err = probeHook(ctx, client, cfg.URL); err != nil {
					err = sutUnreachable{fmt.Errorf("sut %v; start the system under test, or check sut.url (konform doctor checks it)", err)}
				}
			}
		}
	case "manual":
		if sys.Ask == nil {
			skip = "the manual driver needs an operator at a terminal, and this run has none (CI); run the manual cases at a terminal"
		}
		drv = driver.NewManual(sys.Ask, sys.Stderr, opts.Lang, operator(opts.Operator), sys.Now, xctx)
		if skip == "" { // the operator points the system at the gateway before the first case
			fmt.Fprintf(sys.Stderr, "The system under test calls NLL at %s (konform's gateway in front of %s)\n", gw.URL, tgt.baseURL)
			describeGateway(sys.Stderr, side, tgt)
		}
	}
	if err != nil {
		gw.Close()
		return nil, err
	}
	// Without --system an external driver's system is not named: the x-user-agent check then
	// says to pass --system rather than guess.
	return &sutLoop{gw: gw, drv: drv, system: system, timeout: timeout, settle: settle, skip: skip, secret: secret,
		info:  &evidence.SUTInfo{Driver: opts.SUT, Defect: opts.SUTDefect, Transactions: opts.SUTTransactions, Gateway: gw.URL},
		close: func() { closeDrv(); gw.Close() }}, nil
}

// refusalsTo says on w, once for each reason, why the gateway refused a connection of the
// system under test: the system itself sees only a TLS alert, and the reason is otherwise only
// in the evidence. Personal data in a certificate's names is scrubbed when redact is set.
func refusalsTo(w io.Writer, redact bool) func(*gateway.Call) {
	var mu sync.Mutex
	said := map[string]bool{}
	redactor := evidence.NewRedactor()
	return func(c *gateway.Call) {
		if c.Refused == "" {
			return
		}
		why := c.Refused
		if redact {
			why = redactor.Scrub(why)
		}
		mu.Lock()
		defer mu.Unlock()
		if said[why] {
			return
		}
		said[why] = true
		fmt.Fprintf(w, "konform: the gateway refused a connection of the system under test: %s; the system must present its test certificate, issued by a CA of gateway.client_ca (docs/sut.md)\n", why)
	}
}

// sutUnreachable is startSUT's error when the system under test's test hook does not answer: a
// connection error (exit 3), not one of the configuration (exit 2).
type sutUnreachable struct{ error }

// newHook makes the http driver: the hook's CA when configured, konform's identity with mtls,
// the token from its variable, which it returns too.
func newHook(cfg config.SUT, xctx driver.Context, id *pki.Identity) (driver.Driver, string, error) {
	client, err := hookClient(cfg, id)
	if err != nil {
		return nil, "", err
	}
	token := ""
	if cfg.TokenEnv != "" {
		if token = os.Getenv(cfg.TokenEnv); token == "" {
			return nil, "", fmt.Errorf("sut token_env: the variable %s is empty; set it to the test hook's token", cfg.TokenEnv)
		}
	}
	return driver.NewHook(cfg.URL, token, client, xctx), token, nil
}

// hookClient is the client of the test hook: its CA when configured (else the system's roots),
// konform's client identity id when mtls is set, no proxy, no redirects.
func hookClient(cfg config.SUT, id *pki.Identity) (*http.Client, error) {
	var roots *x509.CertPool
	if cfg.CA != "" {
		var err error
		if roots, err = pki.CertPool(cfg.CA); err != nil {
			return nil, fmt.Errorf("sut ca: %v", err)
		}
	}
	tlsConfig := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cfg.MTLS {
		tlsConfig = pki.ClientTLS(roots, id)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
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
	cfg, err := config.LookupGateway(opts.sutConfig())
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
// and the run's own client identity towards NLL; keepNone keeps no call outside a scenario
// (konform gateway, which writes no evidence).
func startGateway(opts Options, tgt *target, side *gatewaySide, onCall func(*gateway.Call), keepNone bool) (*gateway.Gateway, error) {
	upstreamRoots, err := pki.CertPool(tgt.roots)
	if err != nil {
		return nil, err
	}
	return gateway.Start(gateway.Config{Upstream: tgt.baseURL, UpstreamTLS: pki.ClientTLS(upstreamRoots, tgt.identity),
		ServerTLS: side.tls, Addr: side.addr, Timeout: tgt.reach.timeout, Proxy: tgt.reach.proxy, OnCall: onCall,
		UpstreamHandler: tgt.handler, KeepNoUnattributed: keepNone})
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
			Err: c.Err, TLSVersion: c.TLSVersion, Cipher: c.Cipher, Origin: "sut", ClientSubject: c.ClientSubject, Upstream: c.Upstream,
			ReqDecoded: c.ReqDecoded, RespDecoded: c.RespDecoded}
		file := filepath.ToSlash(filepath.Join(folder, fmt.Sprintf("sut-%03d.http", i+1)))
		if err := os.WriteFile(filepath.Join(r.dir, file), []byte(e.Format(r.redactor, r.redact)), 0o644); err != nil {
			problems = append(problems, "cannot write "+file+": "+err.Error())
			continue
		}
		summary := e.Summary() + steps.TransactionOf(c)
		if r.redact {
			summary = r.redactor.Scrub(summary)
		}
		refs = append(refs, evidence.ExchangeRef{File: file, Summary: summary})
	}
	return refs, problems
}

// writeDriverLogs writes what the driver saw of each action to <folder>/driver-NNN.txt, scrubbed
// unless --no-redact, copies the files the operator attached to <folder>/NNN-<name>, and returns
// references to both.
func (r *recorder) writeDriverLogs(folder string, logs []driverLog) (refs, attachments []evidence.ExchangeRef, problems []string) {
	if len(logs) == 0 {
		return nil, nil, nil
	}
	if err := os.MkdirAll(filepath.Join(r.dir, folder), 0o755); err != nil {
		return nil, nil, []string{"cannot write the driver's logs: " + err.Error()}
	}
	n := 0
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
		for _, a := range l.attachments {
			n++
			name := filepath.Base(a.Path) // the operator's file name may hold a personnummer
			if r.redact {
				name = r.redactor.Scrub(name)
			}
			file := filepath.ToSlash(filepath.Join(folder, fmt.Sprintf("%03d-%s", n, safeName(name))))
			if err := copyAttachment(a, filepath.Join(r.dir, file)); err != nil {
				problems = append(problems, "cannot attach "+name+": "+err.Error())
				continue
			}
			attachments = append(attachments, evidence.ExchangeRef{File: file,
				Summary: fmt.Sprintf("%s, attached by the operator to %q (%d bytes, sha256 %s)", name, summary, a.Size, a.SHA256)})
		}
	}
	return refs, attachments, problems
}

// copyAttachment copies an operator's file into the evidence; it must still be the file that was
// attached (same SHA-256).
func copyAttachment(a driver.Attachment, to string) error {
	in, err := os.Open(a.Path)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(in, driver.MaxAttachment+1)); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != a.SHA256 {
		os.Remove(to)
		return fmt.Errorf("the file changed after it was attached (sha256 %s, attached as %s)", got, a.SHA256)
	}
	return nil
}

// sutConfig is the file that holds the sut: and gateway: sections.
func (o Options) sutConfig() string {
	if o.SUTConfig != "" {
		return o.SUTConfig
	}
	return o.Config
}

// absolute makes a path handed to the system under test absolute: its command runs in the
// folder of its configuration (or its dir:), not in konform's.
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
