package run

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/nllpack"
	"github.com/konform/konform/steps"
)

// GatewayOptions configure konform gateway.
type GatewayOptions struct {
	// Env and Config name the upstream NLL: "sim" (the built-in simulator) or an environment.
	Env, Config string
	// Addr is where the gateway listens; empty takes addr of the configuration file's gateway
	// section, else DefaultGatewayAddr.
	Addr string
	// CertsDir holds the dev PKI: the gateway's server certificate and the CA of the SUT's
	// client certificates, unless the configuration file's gateway section names others.
	CertsDir string
	// SUTConfig is a file with the gateway: section in place of Config's.
	SUTConfig string
	// Cert, Key and Password name the client identity towards NLL (as for konform run).
	Cert, Key, Password string
}

// DefaultGatewayAddr is where konform gateway listens unless told otherwise.
const DefaultGatewayAddr = "127.0.0.1:9443"

// ServeGateway serves the recording gateway in front of an environment (or the simulator, started
// in-process) until ctx ends, printing its base URL on stdout and a line per call of the system
// on stderr. It returns konform's exit code.
func ServeGateway(ctx context.Context, sys IO, o GatewayOptions) int {
	if sys.Getenv == nil {
		sys.Getenv = func(string) string { return "" }
	}
	opts := Options{Env: o.Env, Config: o.Config, CertsDir: o.CertsDir, Cert: o.Cert, Key: o.Key, Password: o.Password, GatewayAddr: o.Addr, SUTConfig: o.SUTConfig}
	opts.setDefaults()
	env, err := config.Lookup(opts.Env, opts.Config)
	if err != nil {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return ExitUsage
	}
	tgt, err := startTarget(ctx, env, opts, sys)
	if err != nil {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return ExitUsage
	}
	defer tgt.close()
	side, err := gatewaySideOf(opts, tgt, DefaultGatewayAddr)
	if err != nil {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return ExitUsage
	}
	var mu sync.Mutex
	redactor := evidence.NewRedactor()
	gw, err := startGateway(opts, tgt, side, func(c *gateway.Call) {
		mu.Lock()
		defer mu.Unlock()
		printCall(sys.Stderr, c, redactor)
	}, true)
	if err != nil {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return ExitUsage
	}
	defer gw.Close()
	// The start lines come before the URL on stdout, which tells a script the gateway is ready,
	// and under the lock, so no call's line cuts into them.
	mu.Lock()
	fmt.Fprintf(sys.Stderr, "konform's gateway at %s, in front of %s (%s)\n", gw.URL, env.Name, tgt.baseURL)
	describeGateway(sys.Stderr, side, tgt)
	fmt.Fprint(sys.Stderr, tgt.generatedPKI(opts.CertsDir))
	fmt.Fprintf(sys.Stderr, "Point the system's NLL base URL at %s. Every call is printed below; Ctrl-C stops.\n", gw.URL)
	mu.Unlock()
	fmt.Fprintln(sys.Stdout, gw.URL)
	<-ctx.Done()
	fmt.Fprintln(sys.Stderr, "stopping the gateway")
	return ExitOK
}

// shownEntries is how many entries of a transaction konform gateway prints.
const shownEntries = 50

// printCall writes one line for a call of the system, with personal data and secrets (in its
// path, the certificate's names, its headers) scrubbed as the evidence scrubs them.
func printCall(out io.Writer, c *gateway.Call, r *evidence.Redactor) {
	var w strings.Builder
	defer func() { _, _ = io.WriteString(out, r.Scrub(w.String())) }()
	switch {
	case c.Refused != "":
		fmt.Fprintf(&w, "%s  refused: %s\n", c.Started.Format("15:04:05"), c.Refused)
	case c.Status == 0:
		fmt.Fprintf(&w, "%s  %s /%s → no answer: %s\n", c.Started.Format("15:04:05"), c.Method, c.Path, c.Err)
	default:
		fmt.Fprintf(&w, "%s  %s /%s → %d (%d ms) from %s, x-user-agent %s, x-request-id %s\n", c.Started.Format("15:04:05"), c.Method, c.Path, c.Status,
			c.Duration.Milliseconds(), or(c.ClientSubject, "no client certificate"), or(c.ReqHeader.Get("X-User-Agent"), "(none)"), or(c.ReqHeader.Get("X-Request-ID"), "(none)"))
	}
	// A transaction's entries, each as konform's checks judge it.
	if es, tx := steps.Entries(c); tx {
		for i, e := range es {
			if i == shownEntries {
				fmt.Fprintf(&w, "          and %d entries more\n", len(es)-i)
				break
			}
			answer := "no answer"
			if e.Status != 0 {
				answer = strconv.Itoa(e.Status)
			}
			fmt.Fprintf(&w, "          entry %d: %s %s → %s\n", e.Entry, e.Method, e.Target, answer)
		}
		if left := steps.EntriesLeftOut(c); left != "" {
			fmt.Fprintf(&w, "          %s\n", left)
		}
	}
}

// describeGateway prints what a system needs to call NLL through the gateway: what to trust, the
// client certificate, and in front of the simulator its test users.
func describeGateway(w io.Writer, side *gatewaySide, tgt *target) {
	d := tgt.devPKI
	if side.cert == d.Path(pki.ServerCertFile) {
		fmt.Fprintf(w, "  the system trusts:        %s\n", d.Path(pki.CAFile))
	} else {
		fmt.Fprintf(w, "  the system trusts:        the CA that issued %s\n", side.cert)
	}
	if side.clientCA == d.Path(pki.CAFile) {
		fmt.Fprintf(w, "  its client certificate:   issued by %s, such as %s + %s\n", side.clientCA, d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile))
	} else {
		fmt.Fprintf(w, "  its client certificate:   issued by a CA of %s\n", side.clientCA)
	}
	if tgt.token != nil { // the simulator's users exist only while konform runs
		for _, role := range []steps.Role{steps.Prescriber, steps.Pharmacist} {
			if h, err := tgt.credentialsFor(role); err == nil {
				fmt.Fprintf(w, "  %s (simulator test user): Authorization: %s\n      X-Org-Info: %s\n", role, h.Get("Authorization"), h.Get("X-Org-Info"))
			}
		}
		// and what to call NLL about: the simulator's test patients and the bundled pack's article
		if patients, err := fs.Glob(nllpack.Fixtures(), "patients/*.json"); err == nil && len(patients) > 0 {
			first := strings.TrimSuffix(path.Base(patients[0]), ".json")
			fmt.Fprintf(w, "  test patients (simulator): personnummer %s and %d more, in nllpack/fixtures/patients/\n", first, len(patients)-1)
		}
		if p, err := pack.Bundled(); err == nil && p.Info.TestData["article.nplpackid"] != "" {
			fmt.Fprintf(w, "  test article:             nplpackid %s (%s)\n", p.Info.TestData["article.nplpackid"], p.Info.TestData["article.name"])
		}
	}
}

// or is s, or fallback when s is empty.
func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
