package run

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/konform/konform/fixtures"
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
// The gateway serves the dev PKI's server certificate and accepts client certificates of the dev
// CA; it reaches NLL with the run's own client identity.
func startSUT(opts Options, tgt *target, system *evidence.System, runID string) (*sutLoop, error) {
	if opts.SUT != "ref" {
		return nil, fmt.Errorf("--sut %q is not a driver konform has; use --sut ref (konform's reference connecting system)", opts.SUT)
	}
	if err := refsys.CheckDefect(opts.SUTDefect); err != nil {
		return nil, err
	}
	gw, err := startGateway(opts, tgt, nil)
	if err != nil {
		return nil, err
	}
	d := tgt.devPKI
	devRoots, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		gw.Close()
		return nil, err
	}
	sutID, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		gw.Close()
		return nil, err
	}
	users := map[string]http.Header{}
	for _, role := range []steps.Role{steps.Prescriber, steps.Pharmacist} {
		if h, err := tgt.credentialsFor(role); err == nil {
			users[string(role)] = h
		}
	}
	ref, err := refsys.New(refsys.Config{BaseURL: gw.URL, TLS: pki.ClientTLS(devRoots, sutID), Templates: fixtures.FS,
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

// startGateway starts the gateway in front of the target: the dev PKI's server certificate,
// client certificates of the dev CA, and the run's own client identity towards NLL.
func startGateway(opts Options, tgt *target, onCall func(*gateway.Call)) (*gateway.Gateway, error) {
	d := tgt.devPKI
	upstreamRoots, err := pki.CertPool(tgt.roots)
	if err != nil {
		return nil, err
	}
	devRoots, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		return nil, err
	}
	serverTLS, err := pki.ServerTLS(d.Path(pki.ServerCertFile), d.Path(pki.ServerKeyFile), devRoots)
	if err != nil {
		return nil, err
	}
	return gateway.Start(gateway.Config{Upstream: tgt.baseURL, UpstreamTLS: pki.ClientTLS(upstreamRoots, tgt.identity),
		ServerTLS: serverTLS, Addr: opts.GatewayAddr, Timeout: tgt.reach.timeout, Proxy: tgt.reach.proxy, OnCall: onCall})
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
