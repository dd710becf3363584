package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/google/uuid"

	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// served is one simulator on loopback with the dev PKI, configured as environment "bench" of a
// konform.yaml, so that a bare client, konform's client and konform's scenarios all call the same
// server.
type served struct {
	dir, cfg, certs, url string
	dev                  pki.DevPKI
}

func serve(b testing.TB) served {
	b.Helper()
	dir := b.TempDir()
	certs := filepath.Join(dir, "certs")
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
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
	b.Cleanup(func() { srv.Close() })
	cfg := filepath.Join(dir, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("environments:\n  bench:\n    kind: test\n    base_url: %s\n    ca: certs/ca.pem\n    client: {cert: certs/client.pem, key: certs/client.key}\n", srv.URL)), 0o644)
	return served{dir: dir, cfg: cfg, certs: certs, url: srv.URL, dev: d}
}

// pingFeature writes a feature file: scenarios scenarios of steps requests each.
func pingFeature(b testing.TB, dir string, scenarios, steps int) string {
	return feature(b, dir, scenarios, steps, ping, check)
}

const (
	ping  = "    När systemet hämtar \"$ping\"\n"
	check = "    Så är svarets statuskod 200\n"
)

// feature writes a feature file: scenarios scenarios of steps copies of step each, then tail.
func feature(b testing.TB, dir string, scenarios, steps int, step, tail string) string {
	var f bytes.Buffer
	f.WriteString("# language: sv\nEgenskap: Kostnad per steg\n")
	for i := 0; i < scenarios; i++ {
		fmt.Fprintf(&f, "\n  @tc:BENCH-%05d @valfri\n  Scenario: ping %d\n", i, i)
		for j := 0; j < steps; j++ {
			f.WriteString(step)
		}
		f.WriteString(tail)
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%d-%d-%x.feature", scenarios, steps, len(step)))
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkStepCost makes the same request ($ping over mutual TLS with keep-alive, to one
// simulator) four ways and reports each one's cost as a multiple of the bare Go client's
// (x-bare): the bare client, konform's fhirclient, a request step of a scenario (one scenario of
// many steps, evidence included) and one-request scenarios (evidence and cleanup included). Two
// more show the floors DESIGN.md's dependencies set: resty's own request, and a step that sends
// nothing.
func BenchmarkStepCost(b *testing.B) {
	sv := serve(b)
	pool, err := pki.CertPool(sv.dev.Path(pki.CAFile))
	if err != nil {
		b.Fatal(err)
	}
	id, err := pki.LoadIdentity(sv.dev.Path(pki.ClientCertFile), sv.dev.Path(pki.ClientKeyFile), "")
	if err != nil {
		b.Fatal(err)
	}
	var bare float64
	ratio := func(b *testing.B) {
		ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		if bare > 0 {
			b.ReportMetric(ns/bare, "x-bare")
		}
	}
	b.Run("bare", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.ClientTLS(pool, id)}}
		for i := 0; i < b.N; i++ {
			req, _ := http.NewRequest(http.MethodGet, sv.url+"/$ping", nil)
			req.Header.Set("Accept", "application/fhir+json")
			req.Header.Set("X-Request-ID", uuid.NewString())
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		bare = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	// resty is the floor DESIGN.md's client sets: resty's own request, with the bare client's
	// headers, no trace, no timeout and no record of the exchange.
	b.Run("resty", func(b *testing.B) {
		r := resty.NewWithClient(&http.Client{Transport: &http.Transport{TLSClientConfig: pki.ClientTLS(pool, id)}})
		for i := 0; i < b.N; i++ {
			_, err := r.R().SetHeader("Accept", "application/fhir+json").SetHeader("X-Request-ID", uuid.NewString()).
				Execute(http.MethodGet, sv.url+"/$ping")
			if err != nil {
				b.Fatal(err)
			}
		}
		ratio(b)
	})
	b.Run("fhirclient", func(b *testing.B) {
		c, err := fhirclient.New(fhirclient.Config{BaseURL: sv.url, TLS: pki.ClientTLS(pool, id)})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			if _, err := c.Do(context.Background(), fhirclient.Request{Method: http.MethodGet, Path: "$ping"}); err != nil {
				b.Fatal(err)
			}
		}
		ratio(b)
	})
	execute := func(b *testing.B, feature string, concurrency int) {
		var out, errb bytes.Buffer
		code := run.Execute(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now},
			run.Options{Env: "bench", Config: sv.cfg, CertsDir: sv.certs, Out: filepath.Join(sv.dir, "reports"),
				Paths: []string{feature}, Concurrency: concurrency})
		if code != run.ExitOK {
			b.Fatalf("exit %d\n%s", code, errb.String())
		}
	}
	b.Run("step", func(b *testing.B) {
		feature := pingFeature(b, b.TempDir(), 1, b.N)
		b.ResetTimer()
		execute(b, feature, 1)
		ratio(b)
	})
	// noop is the floor DESIGN.md's step runner sets: a step that sends nothing (it sets a header
	// for the scenario's next request), in one scenario of b.N such steps, evidence included.
	b.Run("noop-step", func(b *testing.B) {
		feature := feature(b, b.TempDir(), 1, b.N, "    Givet att begäran har headern \"X-Bench\" med värdet \"1\"\n", ping+check)
		b.ResetTimer()
		execute(b, feature, 1)
		ratio(b)
	})
	b.Run("scenario", func(b *testing.B) {
		feature := pingFeature(b, b.TempDir(), b.N, 1)
		b.ResetTimer()
		execute(b, feature, 1)
		ratio(b)
	})
}

// BenchmarkTenThousandScenarios runs konform's binary over 10,000 one-request scenarios at
// --concurrency 4 against one simulator and reports the wall time and the peak resident memory,
// the evidence included.
func BenchmarkTenThousandScenarios(b *testing.B) {
	sv := serve(b)
	bin := filepath.Join(sv.dir, "konform")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/konform").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	feature := pingFeature(b, sv.dir, 10000, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "run", "--config", sv.cfg, "--env", "bench", "--certs", sv.certs, "--concurrency", "4",
			"--out", filepath.Join(sv.dir, "reports"), feature)
		var errb strings.Builder
		cmd.Stderr = &errb
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v\n%s", err, errb.String())
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/run")
		b.ReportMetric(float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024, "MB-peak-RSS")
	}
}
