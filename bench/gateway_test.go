package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// freshEvery is how many prescriptions a simulator stores before the benchmark replaces it: the
// simulator scans every stored prescription on a create (duplicate check), so without a bound
// the slower path would be measured against a smaller store than the faster one.
const freshEvery = 256

// swappableSim serves the current simulator, so that the create workloads can start over with an
// empty store behind the same server (and the same gateway connection).
type swappableSim struct{ p atomic.Pointer[sim.Simulator] }

func (h *swappableSim) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.p.Load().ServeHTTP(w, r) }

// gatewayBench is the simulator over mutual TLS, a gateway in front of it, and the SUT side.
type gatewayBench struct {
	dev      pki.DevPKI
	h        *swappableSim
	token    string // valid for the current simulator
	body     []byte // the filled prescription template
	prov     string // X-Provenance
	creates  int    // prescriptions stored in the current simulator
	direct   *http.Client
	through  *http.Client
	overTLS  *http.Client
	srvURL   string
	gw       *gateway.Gateway // hands calls to the simulator in process, as konform run does
	gwURL    string
	gwTLS    *gateway.Gateway // reaches the simulator over a second mutual-TLS connection, as towards EXT
	gwTLSURL string
	closeAll func()
}

func newGatewayBench(b *testing.B) *gatewayBench {
	d, _, err := pki.EnsureDevPKI(b.TempDir(), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	roots, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		b.Fatal(err)
	}
	id, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		b.Fatal(err)
	}
	serverTLS, err := pki.ServerTLS(d.Path(pki.ServerCertFile), d.Path(pki.ServerKeyFile), roots)
	if err != nil {
		b.Fatal(err)
	}
	gb := &gatewayBench{dev: d, h: &swappableSim{}}
	gb.freshSimulator(b)
	srv, err := sim.Serve(gb.h, serverTLS, "127.0.0.1:0", sim.DefaultBasePath, nil)
	if err != nil {
		b.Fatal(err)
	}
	g, err := gateway.Start(gateway.Config{Upstream: srv.URL, UpstreamTLS: pki.ClientTLS(roots, id),
		ServerTLS: serverTLS, Addr: "127.0.0.1:0", UpstreamHandler: gb.h})
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	gTLS, err := gateway.Start(gateway.Config{Upstream: srv.URL, UpstreamTLS: pki.ClientTLS(roots, id),
		ServerTLS: serverTLS, Addr: "127.0.0.1:0"})
	if err != nil {
		g.Close()
		srv.Close()
		b.Fatal(err)
	}
	gb.srvURL, gb.gw, gb.gwURL, gb.gwTLS, gb.gwTLSURL = srv.URL, g, g.URL, gTLS, gTLS.URL
	// The SUT: the same plain net/http client code for both paths, one client each.
	newSUT := func() (*http.Client, *http.Transport) {
		tr := &http.Transport{TLSClientConfig: pki.ClientTLS(roots, id), MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
		return &http.Client{Transport: tr, Timeout: 30 * time.Second}, tr
	}
	var trD, trG, trT *http.Transport
	gb.direct, trD = newSUT()
	gb.through, trG = newSUT()
	gb.overTLS, trT = newSUT()
	gb.closeAll = func() {
		trD.CloseIdleConnections()
		trG.CloseIdleConnections()
		trT.CloseIdleConnections()
		g.Close()
		gTLS.Close()
		srv.Close()
	}

	raw, err := fs.ReadFile(nllpack.FS, "templates/forskrivning.json")
	if err != nil {
		b.Fatal(err)
	}
	gb.body = []byte(strings.NewReplacer("{{patient.id}}", patientID, "{{run.id}}", uuid.NewString(),
		"{{today}}", time.Now().Format("2006-01-02"), "{{testdata.article.nplpackid}}", "20110119100011",
		"{{testdata.article.name}}", "Paracetamol Test").Replace(string(raw)))
	prov, _ := json.Marshal(map[string]any{"resourceType": "Provenance", "recorded": time.Now().UTC().Format(time.RFC3339),
		"activity": map[string]any{"text": "förskrivning"}, "reason": []any{map[string]any{"text": "benchmark"}}})
	gb.prov = base64.StdEncoding.EncodeToString(prov)
	return gb
}

// freshSimulator puts a simulator with the seeded store only behind the server.
func (gb *gatewayBench) freshSimulator(b *testing.B) {
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		b.Fatal(err)
	}
	gb.token = s.Token(sim.PrescriberClaims(time.Now()))
	gb.h.p.Store(s)
	gb.creates = 0
}

// workload is one SUT call: the request for a base URL, and the status it must get.
type workload struct {
	name   string
	writes bool
	status int
	req    func(gb *gatewayBench, base string) *http.Request
}

var gatewayWorkloads = []workload{
	{"read", false, http.StatusOK, func(gb *gatewayBench, base string) *http.Request {
		r, _ := http.NewRequest("GET", base+"/Patient/"+patientID, nil)
		gb.header(r)
		return r
	}},
	{"create", true, http.StatusCreated, func(gb *gatewayBench, base string) *http.Request {
		r, _ := http.NewRequest("POST", base+"/MedicationRequest", bytes.NewReader(gb.body))
		gb.header(r)
		r.Header.Set("Content-Type", "application/fhir+json")
		r.Header.Set("Prefer", "return=minimal")
		r.Header.Set("X-Provenance", gb.prov)
		return r
	}},
}

func (gb *gatewayBench) header(r *http.Request) {
	r.Header.Set("Authorization", "Bearer "+gb.token)
	r.Header.Set("X-Org-Info", `{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`)
	r.Header.Set("X-Purpose", "VARD")
	r.Header.Set("X-Access", "TILLFALLIGT_SAMTYCKE")
	r.Header.Set("X-Request-ID", uuid.NewString())
}

// call makes one SUT call and reads the whole answer.
func (gb *gatewayBench) call(b *testing.B, c *http.Client, base string, w workload) {
	resp, err := c.Do(w.req(gb, base))
	if err != nil {
		b.Fatalf("%s %s: %v", w.name, base, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != w.status {
		b.Fatalf("%s %s: %d %v %s", w.name, base, resp.StatusCode, err, body)
	}
	if w.writes {
		gb.creates++
	}
}

// bound replaces the simulator, outside the measured time, when it has stored freshEvery
// prescriptions.
func (gb *gatewayBench) bound(b *testing.B) {
	if gb.creates >= freshEvery {
		b.StopTimer()
		gb.freshSimulator(b)
		b.StartTimer()
	}
}

// BenchmarkGateway measures the same SUT call straight to the simulator and through the
// recording gateway, sequentially over keep-alive connections, for a read and a create: through
// the gateway as konform run uses it with its simulator (the call handed to the simulator in
// process), and through a gateway that reaches the simulator over a second mutual-TLS connection,
// as it reaches EXT. The paired sub-benchmarks alternate the three paths call by call and report
// gateway/direct, the cost of a call through the gateway relative to the direct call (the target
// is at most 1.5), and gateway-tls/direct.
func BenchmarkGateway(b *testing.B) {
	gb := newGatewayBench(b)
	defer gb.closeAll()
	type path struct {
		name string
		c    *http.Client
		base string
		g    *gateway.Gateway
	}
	paths := []path{{"direct", gb.direct, gb.srvURL, nil}, {"gateway", gb.through, gb.gwURL, gb.gw}, {"gateway-tls", gb.overTLS, gb.gwTLSURL, gb.gwTLS}}
	record := func(p path) func() { // record as during a scenario; End drops what was recorded
		if p.g == nil {
			return func() {}
		}
		p.g.Begin()
		return func() { p.g.End() }
	}

	nsPerOp := map[string]float64{}
	for _, w := range gatewayWorkloads {
		for _, p := range paths {
			b.Run(p.name+"/"+w.name, func(b *testing.B) {
				defer record(p)()
				gb.freshSimulator(b)
				for range 100 { // warm up: connections, TLS sessions, pools
					gb.call(b, p.c, p.base, w)
				}
				gb.freshSimulator(b)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					gb.bound(b)
					gb.call(b, p.c, p.base, w)
				}
				b.StopTimer()
				nsPerOp[p.name+"/"+w.name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			})
		}
	}
	for _, w := range gatewayWorkloads {
		b.Run("paired/"+w.name, func(b *testing.B) {
			for _, p := range paths {
				defer record(p)()
			}
			gb.freshSimulator(b)
			for range 100 {
				for _, p := range paths {
					gb.call(b, p.c, p.base, w)
				}
			}
			gb.freshSimulator(b)
			spent := make([]time.Duration, len(paths))
			b.ResetTimer()
			for range b.N {
				for i, p := range paths {
					gb.bound(b)
					t0 := time.Now()
					gb.call(b, p.c, p.base, w)
					spent[i] += time.Since(t0)
				}
			}
			b.StopTimer()
			for i, p := range paths {
				b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N), p.name+"-ns/call")
				if i > 0 {
					b.ReportMetric(float64(spent[i])/float64(spent[0]), p.name+"/direct")
				}
			}
			// The same ratio from the separate sub-benchmarks above, when they ran.
			if d, g := nsPerOp["direct/"+w.name], nsPerOp["gateway/"+w.name]; d > 0 && g > 0 {
				b.ReportMetric(g/d, "separate-gateway/direct")
			}
		})
	}
}
