// Package bench measures konform's parts under load. Run with make bench or
// go test -run '^$' -bench . ./bench/ ; docs/performance.md records the figures.
package bench

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/interop"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

const patientID = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01" // 189001019802

// BenchmarkThroughput sends the same reads and searches over mutual TLS with keep-alive to the
// simulator and to the interop peer (@medplum/fhir-router behind Node https), side by side.
func BenchmarkThroughput(b *testing.B) {
	d, _, err := pki.EnsureDevPKI(b.TempDir(), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	header := http.Header{
		"Authorization": {"Bearer " + s.Token(sim.PrescriberClaims(time.Now()))},
		"X-Org-Info":    {`{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`},
		"X-Purpose":     {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"},
	}
	targets := []struct{ name, url string }{{"simulator", srv.URL}}
	if node, err := interop.Node("../interop"); err == nil {
		peer, err := interop.Start(node, "../interop", d.Dir, "../nllpack/fixtures")
		if err != nil {
			b.Fatal(err)
		}
		defer peer.Stop()
		targets = append(targets, struct{ name, url string }{"medplum", peer.URL})
	} else {
		b.Logf("interop peer not measured: %v", err)
	}
	search := url.Values{"identifier": {"http://electronichealth.se/identifier/personnummer|189001019802"}}
	workloads := []struct {
		name string
		req  fhirclient.Request
	}{
		{"read", fhirclient.Request{Method: "GET", Path: "Patient/" + patientID, Header: header}},
		{"search", fhirclient.Request{Method: "GET", Path: "Patient", Query: search, Header: header}},
	}
	for _, tg := range targets {
		c := client(b, d, tg.url)
		for _, w := range workloads {
			b.Run(tg.name+"/"+w.name, func(b *testing.B) {
				b.SetParallelism(4)
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						ex, err := c.Do(context.Background(), w.req)
						if err != nil || ex.Response.Status != 200 {
							b.Errorf("%s %s: %v", tg.name, w.name, err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			})
		}
	}
}

func client(b *testing.B, d pki.DevPKI, base string) *fhirclient.Client {
	id, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		b.Fatal(err)
	}
	roots, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		b.Fatal(err)
	}
	c, err := fhirclient.New(fhirclient.Config{BaseURL: base, TLS: pki.ClientTLS(roots, id)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
