package run

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
	"github.com/konform/konform/steps"
)

// target is the NLL a run talks to, with a client per identity.
type target struct {
	baseURL  string
	identity *pki.Identity
	devPKI   pki.DevPKI
	madePKI  bool   // devPKI was generated for this run
	roots    string // CA bundle file
	reach    reach
	version  string

	// credentials holds the headers that identify each role's user.
	credentials map[steps.Role]http.Header
	// token issues tokens with changed claims; nil outside the simulator.
	token func(steps.Role, map[string]any) (string, error)
	// handler is the simulator itself when it runs in this process with its usual TLS: the
	// gateway hands the system's calls to it without a second TLS connection. Nil otherwise.
	handler http.Handler

	mu      sync.Mutex
	clients map[steps.Identity]*fhirclient.Client
	closers []func()
}

// Workplaces (x-org-info) of the simulator's test users: a care unit by HSA id and a pharmacy by GLN.
const (
	careUnitOrgInfo = `{"orgNamn":"Testvardgivaren","orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA","orgenhetsNamn":"Vardcentralen Test","orgenhetsOrt":"Stockholm"}`
	pharmacyOrgInfo = `{"orgNamn":"Testapoteket AB","orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN","orgenhetsNamn":"Apoteket Test","orgenhetsOrt":"Stockholm"}`
)

// simCredentials gives each role a token from the simulator and a workplace.
func simCredentials(s *sim.Simulator, now time.Time) map[steps.Role]http.Header {
	user := func(c sim.Claims, orgInfo string) http.Header {
		return http.Header{"Authorization": {"Bearer " + s.Token(c)}, "X-Org-Info": {orgInfo}}
	}
	creds := map[steps.Role]http.Header{}
	for role, simRole := range simRoles {
		org := careUnitOrgInfo
		if simRole == sim.RolePharmacist || simRole == sim.RolePharmacyStaff || simRole == sim.RolePrivate { // a private person reads through a pharmacy's web shop
			org = pharmacyOrgInfo
		}
		creds[role] = user(sim.RoleClaims(simRole, now), org)
	}
	creds[steps.DefaultRole] = creds[steps.Prescriber]
	return creds
}

// simRoles maps the roles a scenario can take to the simulator's roles.
var simRoles = map[steps.Role]string{
	steps.Prescriber: sim.RolePrescriber, steps.Pharmacist: sim.RolePharmacist, steps.Nurse: sim.RoleNurse,
	steps.CarePharmacist: sim.RoleCarePharmacist, steps.Dietitian: sim.RoleDietitian, steps.PharmacyStaff: sim.RolePharmacyStaff,
	steps.PrivatePerson: sim.RolePrivate,
}

// simToken issues simulator tokens for a role's test user with some claims changed.
func simToken(s *sim.Simulator, now time.Time) func(steps.Role, map[string]any) (string, error) {
	return func(role steps.Role, changes map[string]any) (string, error) {
		base := sim.RoleClaims(simRoles[role], now) // the default role is a prescriber's
		claims := map[string]any{}
		raw, _ := json.Marshal(base)
		_ = json.Unmarshal(raw, &claims)
		for k, v := range changes {
			claims[k] = v
		}
		raw, _ = json.Marshal(claims)
		var c sim.Claims
		if err := json.Unmarshal(raw, &c); err != nil {
			return "", fmt.Errorf("token claims %v do not fit NLL's claims: %v", changes, err)
		}
		return s.Token(c), nil
	}
}

// credentialsFor returns a copy of the headers of a role's user.
func (t *target) credentialsFor(role steps.Role) (http.Header, error) {
	h, ok := t.credentials[role]
	if !ok {
		return nil, fmt.Errorf("no credentials for role %q in this environment", role)
	}
	return h.Clone(), nil
}

// secrets are the values of the configured users' headers that must never reach the evidence:
// each token, and every header evidence.SecretHeader names (an API key in konform.yaml's
// headers:). The simulator's tokens are JWTs, which the scrubber finds by their form.
func (t *target) secrets() []string {
	if t.handler != nil || t.token != nil {
		return nil
	}
	var out []string
	for _, h := range t.credentials {
		for name, values := range h {
			if !evidence.SecretHeader(name) {
				continue
			}
			for _, v := range values {
				if scheme, cred, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
					v = cred
				}
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// startTarget prepares the environment a run talks to: the simulator, started in-process, or a
// configured environment.
func startTarget(ctx context.Context, env config.Environment, opts Options, sys IO) (*target, error) {
	if env.Simulated {
		return startSimulator(opts, sys, io.Discard)
	}
	return connectRemote(ctx, env, opts, sys)
}

// generatedPKI is the status line for a dev PKI that konform generated for this run or gateway
// (missing or no longer valid): a run started in another folder makes a new one there.
func (t *target) generatedPKI(dir string) string {
	if !t.madePKI {
		return ""
	}
	return fmt.Sprintf("generated konform's development PKI (test certificates for the simulator, the gateway and the certificate cases) in %s; --certs names another folder\n", dir)
}

// connectRemote loads a configured environment's CA bundle, client identity and users.
func connectRemote(ctx context.Context, env config.Environment, opts Options, sys IO) (*target, error) {
	now := sys.Now()
	d, made, err := pki.EnsureDevPKI(opts.CertsDir, now) // the negative identities come from the dev PKI
	if err != nil {
		return nil, err
	}
	if _, err := pki.CertPool(env.CA); err != nil {
		return nil, fmt.Errorf("environment %s: %v", env.Name, err)
	}
	id, err := clientIdentity(env, opts, d, sys)
	if err != nil {
		return nil, err
	}
	if err := id.CheckValidity(now); err != nil {
		return nil, err
	}
	if err := env.CheckIssuer(id.Source, id.Leaf, id.Chain); err != nil {
		return nil, err
	}
	creds, err := configuredCredentials(ctx, env, sys.Getenv)
	if err != nil {
		return nil, err
	}
	return &target{baseURL: env.BaseURL, identity: id, devPKI: d, madePKI: made, roots: env.CA, reach: reachOf(env, opts), version: opts.Version,
		clients: map[steps.Identity]*fhirclient.Client{}, credentials: creds}, nil
}

// reach is how konform reaches an environment: timeouts, proxy, retries and the body limit. run,
// doctor and cleanup all build their clients from it, so they reach NLL the same way.
type reach struct {
	timeout, connect time.Duration
	proxy            *url.URL // nil: HTTPS_PROXY and NO_PROXY
	retries          fhirclient.Retries
	maxBody          int64
}

// reachOf takes the environment's settings, with the command line's --timeout and --max-body
// before them.
func reachOf(env config.Environment, opts Options) reach {
	r := reach{timeout: opts.Timeout, connect: env.ConnectTimeout, maxBody: opts.MaxBody,
		retries: fhirclient.Retries{Max: env.Retries.Max, Wait: env.Retries.Wait, MaxWait: env.Retries.MaxWait}}
	if r.timeout == 0 {
		r.timeout = env.Timeout
	}
	if env.Proxy != "" {
		r.proxy, _ = url.Parse(env.Proxy) // checked by config
	}
	return r
}

// client builds a FHIR client for baseURL with this reach.
func (r reach) client(baseURL string, tlsCfg *tls.Config, version string) (*fhirclient.Client, error) {
	return fhirclient.New(fhirclient.Config{BaseURL: baseURL, TLS: tlsCfg, Timeout: r.timeout, UserAgent: "konform/" + version,
		Retries: r.retries, ConnectTimeout: r.connect, Proxy: r.proxy, MaxBody: r.maxBody})
}

// proxyFor returns the proxy a request to baseURL goes through, nil for none.
func (r reach) proxyFor(baseURL string) *url.URL {
	if r.proxy != nil {
		return r.proxy
	}
	req, err := http.NewRequest(http.MethodGet, baseURL, nil)
	if err != nil {
		return nil
	}
	p, _ := http.ProxyFromEnvironment(req)
	return p
}

// configuredCredentials builds each configured role's headers; the förskrivare (or else the
// first role) is the default user.
func configuredCredentials(ctx context.Context, env config.Environment, getenv func(string) string) (map[steps.Role]http.Header, error) {
	creds := map[steps.Role]http.Header{}
	roles := make([]string, 0, len(env.Users))
	for r := range env.Users {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	for _, r := range roles {
		u := env.Users[r]
		h := http.Header{}
		token, err := u.Token(ctx, getenv)
		if err != nil {
			return nil, fmt.Errorf("environment %s, user %s: %v", env.Name, r, err)
		}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
		if u.OrgInfo != "" {
			h.Set("X-Org-Info", u.OrgInfo)
		}
		for k, v := range env.Headers {
			h.Set(k, v)
		}
		creds[steps.Role(r)] = h
	}
	base := http.Header{}
	for k, v := range env.Headers {
		base.Set(k, v)
	}
	switch {
	case creds[steps.Prescriber] != nil:
		creds[steps.DefaultRole] = creds[steps.Prescriber]
	case len(roles) > 0:
		creds[steps.DefaultRole] = creds[steps.Role(roles[0])]
	default:
		creds[steps.DefaultRole] = base
	}
	return creds, nil
}

// startSimulator starts the NLL simulator in-process on a free loopback port, with the dev PKI of
// opts.CertsDir (generated when missing), and loads the run's client identity.
func startSimulator(opts Options, sys IO, errLog io.Writer) (*target, error) {
	now := sys.Now()
	d, made, err := pki.EnsureDevPKI(opts.CertsDir, now)
	if err != nil {
		return nil, err
	}
	id, err := clientIdentity(config.Environment{Name: "sim", Simulated: true}, opts, d, sys)
	if err != nil {
		return nil, err
	}
	if err := id.CheckValidity(now); err != nil {
		return nil, err
	}
	if err := (config.Environment{Name: "sim"}).CheckIssuer(id.Source, id.Leaf, id.Chain); err != nil {
		return nil, err
	}
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), PackFixtures: opts.packFixtures, Faults: opts.Faults, Tap: opts.SimTap, Policy: opts.SimPolicy, Defects: opts.SimDefects})
	if err != nil {
		return nil, err
	}
	var tweaks []func(*tls.Config)
	if opts.SimTLS != nil {
		tweaks = append(tweaks, opts.SimTLS)
	}
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", errLog, tweaks...)
	if err != nil {
		return nil, err
	}
	t := &target{baseURL: srv.URL, identity: id, devPKI: d, madePKI: made, roots: d.Path(pki.CAFile), reach: reach{timeout: opts.Timeout, maxBody: opts.MaxBody},
		version: opts.Version, clients: map[steps.Identity]*fhirclient.Client{}, credentials: simCredentials(s, now),
		token: simToken(s, now)}
	if opts.SimTLS == nil {
		t.handler = s
	}
	t.closers = append(t.closers, func() { srv.Close() })
	return t, nil
}

// clientIdentity loads the run's client certificate: --cert, else the environment's client:,
// else (for the simulator) the dev PKI's client.
func clientIdentity(env config.Environment, opts Options, dev pki.DevPKI, sys IO) (*pki.Identity, error) {
	switch {
	case opts.Cert != "":
		return loadIdentity(sys, opts.Cert, opts.Key, opts.Password)
	case env.Client.P12 != "":
		password, err := env.Client.Password(sys.Getenv, opts.Password)
		if err != nil {
			return nil, err
		}
		return loadIdentity(sys, env.Client.P12, "", password)
	case env.Client.Cert != "":
		return pki.LoadIdentity(env.Client.Cert, env.Client.Key, "")
	case env.Simulated:
		return pki.LoadIdentity(dev.Path(pki.ClientCertFile), dev.Path(pki.ClientKeyFile), "")
	}
	return nil, fmt.Errorf("environment %s has no client certificate; add client: {p12: …} or {cert: …, key: …} to the configuration, or pass --cert", env.Name)
}

// loadIdentity loads a client identity, asking for a PKCS#12 password on a terminal when none
// was given.
func loadIdentity(sys IO, cert, key, password string) (*pki.Identity, error) {
	id, err := pki.LoadIdentity(cert, key, password)
	if errors.Is(err, pki.ErrNeedsPassword) && sys.Prompt != nil {
		asked, perr := sys.Prompt(fmt.Sprintf("Password for %s: ", cert))
		if perr != nil {
			return nil, fmt.Errorf("cannot read the password for %s: %v", cert, perr)
		}
		return pki.LoadIdentity(cert, key, asked)
	}
	return id, err
}

// client returns the FHIR client for an identity, building it once.
func (t *target) client(which steps.Identity) (*fhirclient.Client, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.clients[which]; ok {
		return c, nil
	}
	id, err := t.identityOf(which)
	if err != nil {
		return nil, err
	}
	roots, err := pki.CertPool(t.roots)
	if err != nil {
		return nil, err
	}
	c, err := t.reach.client(t.baseURL, pki.ClientTLS(roots, id), t.version)
	if err != nil {
		return nil, err
	}
	t.clients[which] = c
	return c, nil
}

// identityOf loads the certificate and key of an identity a scenario may connect with; nil for
// NoCertificate.
func (t *target) identityOf(which steps.Identity) (*pki.Identity, error) {
	switch which {
	case steps.RunIdentity:
		return t.identity, nil
	case steps.NoCertificate:
		return nil, nil
	case steps.ExpiredCertificate:
		return pki.LoadIdentity(t.devPKI.Path(pki.ExpiredCertFile), t.devPKI.Path(pki.ExpiredKeyFile), "")
	case steps.UnknownCACertificate:
		return pki.LoadIdentity(t.devPKI.Path(pki.UnknownCACertFile), t.devPKI.Path(pki.UnknownCAKeyFile), "")
	}
	return nil, fmt.Errorf("unknown identity %q", which)
}

// fingerprint is the SHA-256 fingerprint (hex) of an identity's certificate, "" for
// NoCertificate: what a refused handshake must have presented (steps.Env.Fingerprint).
func (t *target) fingerprint(which steps.Identity) (string, error) {
	id, err := t.identityOf(which)
	if err != nil || id == nil {
		return "", err
	}
	sum := sha256.Sum256(id.Leaf.Raw)
	return hex.EncodeToString(sum[:]), nil
}

// preflight sends the run's first request, $ping with the run's certificate, and returns the
// cause when the target cannot be reached at all (no name, no connection, an untrusted server
// certificate); "" when it answered or refused the certificate, which the cases then judge.
// It also returns what the answer showed of the server: its certificate (nil when none was
// seen), and whether the answer came from konform's simulator (sim.Header).
func (t *target) preflight(ctx context.Context) (why string, server *evidence.ServerInfo, simulator bool) {
	c, err := t.client(steps.RunIdentity)
	if err != nil {
		return err.Error(), nil, false
	}
	ex, err := c.Do(ctx, fhirclient.Request{Method: http.MethodGet, Path: "$ping"})
	var terr *fhirclient.TransportError
	if errors.As(err, &terr) && terr.Unreachable() {
		return terr.Cause(), nil, false
	}
	if ex == nil {
		return "", nil, false
	}
	if ex.TLS != nil {
		server = &evidence.ServerInfo{Subject: ex.TLS.PeerSubject, Issuer: ex.TLS.PeerIssuer}
	}
	simulator = ex.Response != nil && ex.Response.Header.Get(sim.Header) != ""
	// A 404 or a 5xx without FHIR is a front end's page, not NLL's answer: the base URL leads
	// elsewhere (a wrong path), or NLL is not there. Every case would "fail" on such pages, which
	// says nothing of NLL, so the run has no verdict.
	if r := ex.Response; r != nil && (r.Status == http.StatusNotFound || r.Status >= 500) && !fhirJSON(r.Body) {
		kind := r.Header.Get("Content-Type")
		if kind == "" {
			kind = "no Content-Type"
		}
		return fmt.Sprintf("$ping answered %d %s (%s), not FHIR: the base URL does not lead to NLL's FHIR interface (check base_url and its path), or NLL is not available behind it",
			r.Status, http.StatusText(r.Status), kind), server, simulator
	}
	return "", server, simulator
}

// fhirJSON reports whether body is a FHIR resource in JSON (it names its resourceType).
func fhirJSON(body []byte) bool {
	var doc struct {
		ResourceType string `json:"resourceType"`
	}
	return json.Unmarshal(body, &doc) == nil && doc.ResourceType != ""
}

// checkUsers sends $ping with each configured user's token, as NLL's connectivity test checks a
// user's credentials, and returns what to do when the service refuses one (401 where the
// same $ping without a token was answered): every case of that user would otherwise fail on its
// token and mislead as a conformance failure. "" when all were accepted, and for the simulator,
// whose tokens konform issues itself.
func (t *target) checkUsers(ctx context.Context) string {
	if t.token != nil {
		return ""
	}
	c, err := t.client(steps.RunIdentity)
	if err != nil {
		return ""
	}
	for _, role := range withToken(t.credentials) {
		ex, err := c.Do(ctx, fhirclient.Request{Method: http.MethodGet, Path: "$ping", Header: t.credentials[role].Clone()})
		if err != nil || ex.Response == nil {
			continue // the cases will meet the same trouble and say so
		}
		if status := ex.Response.Status; status == http.StatusUnauthorized {
			return fmt.Sprintf("the token of user %s was refused ($ping with it answered %d %s); renew it, or check token_env, token_file or token_command under users: %s in the configuration",
				role, status, http.StatusText(status), role)
		}
	}
	return ""
}

// withToken lists, in order, the roles whose users carry a token; the default role, which is one
// of them again, is left out.
func withToken(users map[steps.Role]http.Header) []steps.Role {
	var roles []steps.Role
	for role, h := range users {
		if role != steps.DefaultRole && h.Get("Authorization") != "" {
			roles = append(roles, role)
		}
	}
	slices.Sort(roles)
	return roles
}

// close releases the clients' connections and stops the simulator.
func (t *target) close() {
	t.mu.Lock()
	for _, c := range t.clients {
		c.CloseIdle()
	}
	t.mu.Unlock()
	for _, f := range t.closers {
		f()
	}
}
