package run

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/konform/konform/internal/pack"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
	"github.com/konform/konform/steps"
)

// doctor runs the preflight checks and prints one line per check.
type doctor struct {
	out   io.Writer
	worst int // the exit code so far
}

func (d *doctor) line(status, check, detail string, code int) {
	fmt.Fprintf(d.out, "%-4s  %-12s  %s\n", status, check, detail)
	if code > d.worst && !(d.worst == ExitUsage && code == ExitHarness) {
		d.worst = code
	}
}

func (d *doctor) ok(check, detail string)   { d.line("ok", check, detail, ExitOK) }
func (d *doctor) warn(check, detail string) { d.line("warn", check, detail, ExitOK) }

// fail records a failed check; code is ExitUsage for configuration and certificate problems,
// ExitHarness for the network, TLS and the service.
func (d *doctor) fail(check, detail string, code int) { d.line("FAIL", check, detail, code) }

// Doctor checks, before any test case, everything a run needs: the configuration, the client
// certificate (readable, key matching, valid, clientAuth, chain, test issuer), DNS, TCP, the TLS
// handshake, $ping without and with a token, and the clock against the server. It prints one line
// per check to stdout and returns 0 when nothing failed (warnings allowed), 2 for a configuration
// or certificate problem, 3 for a network, TLS or service problem.
func Doctor(ctx context.Context, sys IO, opts Options) int {
	opts.setDefaults()
	if sys.Getenv == nil {
		sys.Getenv = func(string) string { return "" }
	}
	d := &doctor{out: sys.Stdout}
	now := sys.Now()
	env, err := config.Lookup(opts.Env, opts.Config)
	if err != nil {
		d.fail("environment", err.Error(), ExitUsage)
		return d.worst
	}
	d.ok("environment", fmt.Sprintf("%s (%s)", env.Name, env.Kind))
	d.checkTestData(env, opts)
	dev, made, err := pki.EnsureDevPKI(opts.CertsDir, now)
	if err != nil {
		d.fail("dev PKI", err.Error(), ExitUsage)
		return d.worst
	}
	if made {
		d.ok("dev PKI", "generated in "+opts.CertsDir+" (--certs names another folder)")
	}
	baseURL, caFile := env.BaseURL, env.CA
	var creds map[steps.Role]http.Header
	if env.Simulated {
		s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Faults: opts.Faults, Policy: opts.SimPolicy})
		if err != nil {
			d.fail("simulator", err.Error(), ExitHarness)
			return d.worst
		}
		srv, err := sim.ServeDevPKI(s, dev, "127.0.0.1:0", nil)
		if err != nil {
			d.fail("simulator", err.Error(), ExitHarness)
			return d.worst
		}
		defer srv.Close()
		baseURL, caFile = srv.URL, dev.Path(pki.CAFile)
		creds = map[steps.Role]http.Header{steps.DefaultRole: simCredentials(s, now)[steps.DefaultRole]} // the simulator's tokens are its own
	} else if creds, err = configuredCredentials(ctx, env, sys.Getenv); err != nil {
		d.fail("token", err.Error(), ExitUsage)
	}
	id := d.checkCertificate(env, opts, dev, caFile, sys, now)
	roots, err := pki.CertPool(caFile)
	if err != nil {
		d.fail("CA bundle", err.Error(), ExitUsage)
		return d.worst
	}
	d.ok("CA bundle", caFile)
	r := reachOf(env, opts)
	if env.Simulated {
		r = reach{timeout: opts.Timeout, maxBody: opts.MaxBody}
	}
	d.checkNetwork(ctx, baseURL, roots, id, creds, r, opts.Version)
	d.checkSUT(ctx, sys, opts, dev, id, now)
	if ctx.Err() != nil {
		fmt.Fprintln(d.out, "interrupted")
		return ExitInterrupted
	}
	return d.worst
}

// checkTestData reports whether the environment gives the values of the pack's test_data that
// only the simulator knows, such as the test article: without them EXT's article register refuses
// every prescription the pack makes.
func (d *doctor) checkTestData(env config.Environment, opts Options) {
	p, err := pack.Select(opts.Pack, nil, "")
	if err != nil {
		return // the pack's own problems are run's and check's to report
	}
	if _, err := mergeTestData(p, env); err != nil {
		d.fail("test data", err.Error(), ExitUsage)
		return
	}
	if env.Simulated {
		d.ok("test data", "the simulator's test articles (pack.yaml test_data)")
		return
	}
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(p.TestData())) {
		if _, ok := env.TestData[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		d.warn("test data", fmt.Sprintf("%s are the simulator's (pack.yaml); give values %s knows under test_data, or it refuses the prescriptions of articles it does not have and finds patients the pack takes for unknown (docs/ext.md)", strings.Join(missing, ", "), env.Name))
		return
	}
	d.ok("test data", fmt.Sprintf("%d values from environment %s", len(env.TestData), env.Name))
}

// checkCertificate reports on the client certificate and returns it (nil when unreadable).
func (d *doctor) checkCertificate(env config.Environment, opts Options, dev pki.DevPKI, caFile string, sys IO, now time.Time) *pki.Identity {
	id, err := clientIdentity(env, opts, dev, sys)
	if err != nil {
		d.fail("certificate", err.Error(), ExitUsage)
		return nil
	}
	d.ok("certificate", fmt.Sprintf("%s readable, key matches: %s", id.Source, id.Leaf.Subject))
	switch left := id.Leaf.NotAfter.Sub(now); {
	case left < 0 || now.Before(id.Leaf.NotBefore):
		d.fail("validity", id.CheckValidity(now).Error(), ExitUsage)
	case left < 30*24*time.Hour:
		d.warn("validity", fmt.Sprintf("expires %s, in %d days; order a new certificate", id.Leaf.NotAfter.UTC().Format("2006-01-02"), int(left.Hours()/24)))
	default:
		d.ok("validity", "valid until "+id.Leaf.NotAfter.UTC().Format("2006-01-02"))
	}
	if err := id.CheckUsage(); err != nil {
		d.fail("usage", err.Error(), ExitUsage)
	} else if len(id.Leaf.ExtKeyUsage) == 0 && len(id.Leaf.UnknownExtKeyUsage) == 0 {
		d.ok("usage", "no extended key usage: any use, clientAuth included (RFC 5280)")
	} else {
		d.ok("usage", "clientAuth")
	}
	if err := env.CheckIssuer(id.Source, id.Leaf, id.Chain); err != nil {
		d.fail("issuer", err.Error(), ExitUsage)
	} else {
		d.ok("issuer", id.Leaf.Issuer.CommonName+" (not a production CA)")
	}
	if roots, err := pki.CertPool(caFile); err == nil {
		inter := x509.NewCertPool()
		for _, c := range id.Chain {
			inter.AddCert(c)
		}
		_, err := id.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		if err != nil {
			d.warn("chain", fmt.Sprintf("the certificate does not chain to a CA in %s (%v); the service may refuse it", caFile, err))
		} else {
			d.ok("chain", "chains to a CA in "+caFile)
		}
	}
	return id
}

// checkNetwork resolves, connects, shakes hands and pings, reaching the environment as a run does
// (its proxy, timeouts and body limit). Through a proxy, DNS and TCP are the proxy's: the checks
// start at $ping, and the TLS line comes from its answer.
func (d *doctor) checkNetwork(ctx context.Context, baseURL string, roots *x509.CertPool, id *pki.Identity, users map[steps.Role]http.Header, r reach, version string) {
	u, err := url.Parse(baseURL)
	if err != nil {
		d.fail("base URL", err.Error(), ExitUsage)
		return
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	connect := r.connect
	if connect == 0 {
		connect = 10 * time.Second
	}
	proxy := r.proxyFor(baseURL)
	if proxy != nil {
		d.ok("proxy", fmt.Sprintf("through %s (DNS and TCP to %s are the proxy's)", proxy.Redacted(), host))
	} else if !d.checkDirect(ctx, host, port, roots, id, connect) {
		return
	}
	c, err := r.client(baseURL, pki.ClientTLS(roots, id), version)
	if err != nil {
		d.fail("$ping", err.Error(), ExitUsage)
		return
	}
	ex := d.ping(ctx, c, "$ping", http.Header{}, "without token")
	if proxy != nil && ex != nil && ex.TLS != nil {
		d.ok("TLS", fmt.Sprintf("%s, %s, server %s issued by %s", ex.TLS.Version, ex.TLS.CipherSuite, ex.TLS.PeerSubject, ex.TLS.PeerIssuer))
	}
	roles := withToken(users)
	switch {
	case users == nil: // the tokens could not be read, which is said above
	case len(roles) == 0 && users[steps.DefaultRole].Get("Authorization") != "":
		d.ping(ctx, c, "$ping+token", users[steps.DefaultRole], "with the user's token")
	case len(roles) == 0:
		d.warn("$ping+token", "no token configured for this environment; add users: with a token_env, token_file or token_command to the configuration")
	}
	for _, role := range roles {
		d.ping(ctx, c, "$ping+token", users[role], "with the token of user "+string(role))
	}
	if ex != nil && ex.Response != nil {
		if date, err := http.ParseTime(ex.Response.Header.Get("Date")); err == nil {
			offset := date.Add(500 * time.Millisecond).Sub(ex.Started.Add(ex.Duration / 2))
			if offset > ClockTolerance || offset < -ClockTolerance {
				d.warn("clock", fmt.Sprintf("differs from the server's by %s; synchronise it (the agency's requirement 3.6.1)", offset.Round(time.Millisecond)))
			} else {
				d.ok("clock", fmt.Sprintf("within a second of the server's (%s)", offset.Round(time.Millisecond)))
			}
		}
	}
}

// checkDirect resolves the host, connects and shakes hands without a proxy, each bounded by the
// connect timeout; it reports false when the checks cannot go on.
func (d *doctor) checkDirect(ctx context.Context, host, port string, roots *x509.CertPool, id *pki.Identity, connect time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*connect)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		d.fail("DNS", fmt.Sprintf("cannot resolve %s: %v; check the base URL and the network (HTTPS_PROXY?)", host, err), ExitHarness)
		return false
	}
	d.ok("DNS", fmt.Sprintf("%s → %v", host, addrs))
	conn, err := (&net.Dialer{Timeout: connect}).DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		d.fail("TCP", fmt.Sprintf("cannot connect to %s:%s: %v; check the firewall opening for this environment, or set proxy: in the configuration", host, port, err), ExitHarness)
		return false
	}
	defer conn.Close()
	d.ok("TCP", net.JoinHostPort(host, port))
	hsCtx, hsCancel := context.WithTimeout(ctx, connect)
	defer hsCancel()
	tconn := tls.Client(conn, func() *tls.Config { c := pki.ClientTLS(roots, id); c.ServerName = host; return c }())
	if err := tconn.HandshakeContext(hsCtx); err != nil {
		var rec tls.RecordHeaderError
		switch {
		case errors.As(err, &rec):
			d.fail("TLS", fmt.Sprintf("%s:%s does not speak TLS (it answered like plain HTTP or another protocol); check that the base URL names the service's HTTPS port", host, port), ExitHarness)
		case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
			d.fail("TLS", fmt.Sprintf("%s:%s closed the connection during the TLS handshake; check that the base URL names the service's HTTPS port and that the firewall opening is in place", host, port), ExitHarness)
		case errors.Is(err, context.DeadlineExceeded):
			d.fail("TLS", fmt.Sprintf("the handshake with %s:%s did not finish within %s (connect_timeout): something accepts connections there but does not complete TLS; check the port, the proxy and the firewall", host, port, connect), ExitHarness)
		default:
			d.fail("TLS", fmt.Sprintf("handshake with %s failed: %v", host, err), ExitHarness)
		}
		return false
	}
	cs := tconn.ConnectionState()
	tconn.Close()
	d.ok("TLS", fmt.Sprintf("%s, %s, server %s issued by %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite),
		cs.PeerCertificates[0].Subject, cs.PeerCertificates[0].Issuer.CommonName))
	return true
}

func (d *doctor) ping(ctx context.Context, c *fhirclient.Client, check string, header http.Header, how string) *fhirclient.Exchange {
	ex, err := c.Do(ctx, fhirclient.Request{Method: http.MethodGet, Path: "$ping", Header: header})
	if err != nil {
		d.fail(check, err.Error(), ExitHarness)
		return nil
	}
	var params struct {
		ResourceType string `json:"resourceType"`
		Parameter    []struct {
			Name        string `json:"name"`
			ValueString string `json:"valueString"`
		} `json:"parameter"`
	}
	_ = json.Unmarshal(ex.Response.Body, &params)
	result := ""
	for _, p := range params.Parameter {
		if p.ValueString != "" {
			result += p.Name + "=" + p.ValueString + " "
		}
	}
	switch status := ex.Response.Status; {
	case header.Get("Authorization") != "" && status == http.StatusUnauthorized:
		d.fail(check, fmt.Sprintf("%s answered %d %s: the environment refused the token; renew it, or check token_env, token_file or token_command under users: in the configuration",
			how, status, http.StatusText(status)), ExitUsage)
	case status != http.StatusOK:
		d.fail(check, fmt.Sprintf("%s answered %d %s", how, status, http.StatusText(status)), ExitHarness)
	case params.ResourceType != "Parameters" && params.ResourceType != "OperationOutcome":
		// Any 200 is not enough: a search page or a web server's start page also answers 200.
		got := params.ResourceType
		if got == "" {
			got = "no FHIR resource (" + ex.Response.Header.Get("Content-Type") + ")"
		}
		d.fail(check, fmt.Sprintf("%s answered 200 with %s, not the Parameters or OperationOutcome of $ping; check that the base URL is NLL's FHIR base", how, got), ExitHarness)
	default:
		d.ok(check, fmt.Sprintf("%s: 200 %s %s(%d ms)", how, params.ResourceType, result, ex.Duration.Milliseconds()))
	}
	return ex
}
