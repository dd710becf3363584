package run

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/pki"
)

// checkSUT reports on the system under test when a driver is chosen (--sut or sut.driver): where
// the gateway will listen, its certificate, and that the driver can be reached.
func (d *doctor) checkSUT(ctx context.Context, sys IO, opts Options, dev pki.DevPKI, id *pki.Identity, now time.Time) {
	cfg, err := config.LookupSUT(opts.sutConfig(), opts.Env)
	if err != nil {
		d.fail("sut", err.Error(), ExitUsage)
		return
	}
	name := opts.SUT
	if name == "" {
		name = cfg.Driver
	}
	if name == "" {
		return
	}
	gw, err := config.LookupGateway(opts.sutConfig())
	if err != nil {
		d.fail("gateway", err.Error(), ExitUsage)
		return
	}
	addr := opts.GatewayAddr
	if addr == "" {
		addr = gw.Addr
	}
	if addr == "" {
		d.ok("gateway port", "a free loopback port at each run (set gateway.addr or --gateway-addr for a fixed one)")
	} else if ln, err := net.Listen("tcp", addr); err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			d.fail("gateway port", addr+" is in use; stop what listens there or choose another address", ExitUsage)
		} else {
			d.fail("gateway port", fmt.Sprintf("cannot listen on %s: %v", addr, err), ExitUsage)
		}
	} else {
		ln.Close()
		d.ok("gateway port", addr+" is free")
	}
	cert, key := dev.Path(pki.ServerCertFile), dev.Path(pki.ServerKeyFile)
	if gw.Cert != "" {
		cert, key = gw.Cert, gw.Key
	}
	if t, err := pki.ServerTLS(cert, key, x509.NewCertPool()); err != nil {
		d.fail("gateway cert", err.Error(), ExitUsage)
	} else if leaf, err := x509.ParseCertificate(t.Certificates[0].Certificate[0]); err != nil {
		d.fail("gateway cert", err.Error(), ExitUsage)
	} else if err := checkServerCert(leaf, now); err != nil {
		d.fail("gateway cert", cert+": "+err.Error(), ExitUsage)
	} else {
		d.ok("gateway cert", fmt.Sprintf("%s, valid until %s, for %s", leaf.Subject, leaf.NotAfter.UTC().Format(time.DateOnly),
			strings.Join(append(leaf.DNSNames, ipStrings(leaf.IPAddresses)...), ", ")))
	}
	clientCA := dev.Path(pki.CAFile)
	if gw.ClientCA != "" {
		clientCA = gw.ClientCA
	}
	if pool, err := pki.CertPool(clientCA); err != nil {
		d.fail("gateway CAs", "client_ca: "+err.Error(), ExitUsage)
	} else if ref, err := pki.LoadIdentity(dev.Path(pki.ClientCertFile), dev.Path(pki.ClientKeyFile), ""); name == "ref" && err == nil &&
		verifyClient(ref, pool) != nil {
		d.fail("gateway CAs", fmt.Sprintf("%s does not accept the reference system's certificate %s; for --sut ref add the dev CA %s", clientCA, dev.Path(pki.ClientCertFile), dev.Path(pki.CAFile)), ExitUsage)
	} else {
		d.ok("gateway CAs", "the system's client certificate must be issued by a CA of "+clientCA)
	}
	switch name {
	case "ref":
		d.ok("driver", "ref: konform's reference connecting system")
	case "command":
		d.checkCommand(ctx, cfg)
	case "http":
		d.checkHook(ctx, cfg, id)
	case "manual":
		if sys.Ask == nil {
			d.warn("driver", "manual: there is no terminal here (or CI is set), so the manual cases will be skipped")
		} else {
			d.ok("driver", "manual: an operator at this terminal answers; --operator names them in the evidence")
		}
	default:
		d.fail("driver", fmt.Sprintf("%q is not a driver konform has; use ref, command, http or manual", name), ExitUsage)
	}
}

// checkCommand checks that the driver's program exists and is executable, and runs the probe.
func (d *doctor) checkCommand(ctx context.Context, cfg config.SUT) {
	path, err := findProgram(cfg)
	if err != nil {
		d.fail("driver", err.Error(), ExitUsage)
		return
	}
	d.ok("driver", "command: "+path)
	if len(cfg.Probe) == 0 {
		d.warn("driver probe", "none configured; add probe: to the sut section (such as [./sut.sh, --help]) to see the system answer before a run")
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	probe := exec.CommandContext(pctx, cfg.Probe[0], cfg.Probe[1:]...)
	probe.Dir = cfg.Dir
	out := &driver.Tail{Max: 4096}
	probe.Stdout, probe.Stderr, probe.WaitDelay = out, out, 2*time.Second
	if err := probe.Run(); err != nil {
		d.fail("driver probe", fmt.Sprintf("%s: %v: %s", strings.Join(cfg.Probe, " "), err, lastLine(string(out.Bytes()))), ExitHarness)
		return
	}
	d.ok("driver probe", strings.Join(cfg.Probe, " ")+" exited 0")
}

// checkHook checks that the test hook answers at all (any HTTP status: konform only POSTs to it).
func (d *doctor) checkHook(ctx context.Context, cfg config.SUT, id *pki.Identity) {
	client, err := hookClient(cfg, id)
	if err != nil {
		d.fail("driver", err.Error(), ExitUsage)
		return
	}
	status, err := probeHook(ctx, client, cfg.URL)
	if err != nil {
		d.fail("driver", err.Error(), ExitHarness)
		return
	}
	d.ok("driver", fmt.Sprintf("http: the test hook %s answers (GET → %d)", cfg.URL, status))
}

// findProgram is the path of the command driver's program, or why it cannot run: not on PATH,
// not found, not executable.
func findProgram(cfg config.SUT) (string, error) {
	prog := cfg.Command[0]
	path := prog
	if strings.ContainsRune(prog, filepath.Separator) && !filepath.IsAbs(prog) {
		path = filepath.Join(cfg.Dir, prog)
	}
	if !strings.ContainsRune(prog, filepath.Separator) {
		found, err := exec.LookPath(prog)
		if err != nil {
			return "", fmt.Errorf("command: %s is not on PATH", prog)
		}
		path = found
	}
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return "", fmt.Errorf("command: %s was not found (%s)", prog, path)
	case info.IsDir() || info.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("command: %s is not executable (chmod +x)", path)
	}
	return path, nil
}

// probeHook GETs the test hook and returns the status of its answer (any status: konform only
// POSTs to it), or an error when it does not answer within 10 seconds.
func probeHook(ctx context.Context, client *http.Client, url string) (int, error) {
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("http: the test hook %s: %v", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("http: the test hook %s does not answer: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// verifyClient checks a client certificate against the gateway's client CAs, as the gateway does.
func verifyClient(id *pki.Identity, pool *x509.CertPool) error {
	_, err := id.Leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return err
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
