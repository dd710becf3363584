package gateway_test

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/sim"
)

// TestInProcessUpstreamAnswersAsTheTLSHopDoes sends the same calls, sound and broken by the
// simulator's faults, through a gateway that reaches the simulator over a second mutual-TLS
// connection and through one that hands the call to it in process (Config.UpstreamHandler), and
// asks that the SUT gets the same answer and the gateway records the same call either way.
func TestInProcessUpstreamAnswersAsTheTLSHopDoes(t *testing.T) {
	const timeout = 400 * time.Millisecond
	e := newEnv(t, func(cfg *gateway.Config) { cfg.Timeout = timeout })
	inProc := e.start(e.config(e.srv.URL, func(cfg *gateway.Config) { cfg.Timeout, cfg.UpstreamHandler = timeout, e.s }))
	overTLS := e.g
	c := e.goodSUT()
	runID := uuid.NewString()

	for _, x := range []struct {
		name       string
		fault      *sim.Fault
		method     string
		path       string
		write      bool
		status     int
		sameBody   bool   // the two answers' bodies are equal (no ids or times the simulator makes)
		searchset  bool   // the body is a searchset, equal but for the Bundle's own id
		recordsErr string // the recorded call's Err contains this, "" for none
	}{
		{name: "read", method: "GET", path: "/Patient/" + patientID, status: 200, sameBody: true},
		{name: "large search", method: "GET", path: "/Patient?_count=50", status: 200, sameBody: true, searchset: true},
		{name: "not found", method: "GET", path: "/Patient/00000000-0000-0000-0000-000000000000", status: 404},
		{name: "create", method: "POST", path: "/MedicationRequest", write: true, status: 201},
		{name: "status fault", fault: &sim.Fault{Path: "Patient", Status: 500}, method: "GET", path: "/Patient/" + patientID, status: 500, sameBody: true},
		{name: "HTML page", fault: &sim.Fault{Path: "Patient", HTML: true, RetryAfter: 7}, method: "GET", path: "/Patient/" + patientID, status: 503, sameBody: true},
		{name: "dropped header", fault: &sim.Fault{Path: "Patient", DropHeader: "Content-Type"}, method: "GET", path: "/Patient/" + patientID, status: 200, sameBody: true},
		{name: "truncated body", fault: &sim.Fault{Path: "Patient", Truncate: true}, method: "GET", path: "/Patient/" + patientID, status: 502, recordsErr: "unexpected EOF"},
		{name: "reset", fault: &sim.Fault{Path: "Patient", Reset: true}, method: "GET", path: "/Patient/" + patientID, status: 502, recordsErr: "EOF"},
		{name: "no answer in time", fault: &sim.Fault{Path: "Patient", Latency: 5 * timeout}, method: "GET", path: "/Patient/" + patientID, status: 502, recordsErr: "timeout awaiting response headers"},
	} {
		t.Run(x.name, func(t *testing.T) {
			var answers []answer
			var calls []*gateway.Call
			for _, g := range []*gateway.Gateway{overTLS, inProc} {
				var faults []sim.Fault
				if x.fault != nil {
					faults = []sim.Fault{*x.fault}
				}
				if err := e.s.SetFaults(faults); err != nil {
					t.Fatal(err)
				}
				h, body := e.readHeader(), []byte(nil)
				if x.write {
					h, body = e.writeHeader(), prescription(t, runID)
				}
				g.Begin()
				a := e.mustDo(c, x.method, g.URL+x.path, h, body)
				e.settled(g, 1)
				got := g.End()
				if a.status != x.status {
					t.Fatalf("%s: the SUT got %d, want %d: %s", g.URL, a.status, x.status, a.body)
				}
				if len(got) != 1 {
					t.Fatalf("%s: recorded %d calls", g.URL, len(got))
				}
				if !strings.Contains(got[0].Err, x.recordsErr) || (x.recordsErr == "") != (got[0].Err == "") {
					t.Errorf("%s: recorded Err %q, want one containing %q", g.URL, got[0].Err, x.recordsErr)
				}
				if x.recordsErr == "" && got[0].Status != x.status {
					t.Errorf("%s: recorded status %d, want %d", g.URL, got[0].Status, x.status)
				}
				answers, calls = append(answers, a), append(calls, got[0])
			}
			_ = e.s.SetFaults(nil)
			tlsA, inA := answers[0], answers[1]
			if x.searchset {
				tlsA.body, inA.body = bundleID.ReplaceAll(tlsA.body, nil), bundleID.ReplaceAll(inA.body, nil)
				calls[0].RespBody, calls[1].RespBody = bundleID.ReplaceAll(calls[0].RespBody, nil), bundleID.ReplaceAll(calls[1].RespBody, nil)
			}
			if x.sameBody && !bytes.Equal(tlsA.body, inA.body) {
				t.Errorf("bodies differ:\nover TLS   %s\nin process %s", tlsA.body, inA.body)
			}
			// The same headers, and the same values but for those that name the request or the moment.
			// Content-Length is there or not alike (a long answer is chunked), but the gateway's own
			// 502 page names the error, whose wording may differ.
			volatile := []string{"Date", "X-Request-Id", "Location", "Etag", "Last-Modified", "Content-Length"}
			for _, pair := range [][2]http.Header{{tlsA.header, inA.header}, {calls[0].RespHeader, calls[1].RespHeader}} {
				for _, k := range keysOf(pair[0], pair[1]) {
					if slices.Contains(volatile, k) {
						if (pair[0].Get(k) == "") != (pair[1].Get(k) == "") {
							t.Errorf("header %s: over TLS %q, in process %q", k, pair[0].Get(k), pair[1].Get(k))
						}
						continue
					}
					if !slices.Equal(pair[0][k], pair[1][k]) {
						t.Errorf("header %s: over TLS %q, in process %q", k, pair[0][k], pair[1][k])
					}
				}
			}
			if calls[0].Upstream != calls[1].Upstream || calls[0].Truncated != calls[1].Truncated {
				t.Errorf("recorded upstream %q/%q, truncated %v/%v", calls[0].Upstream, calls[1].Upstream, calls[0].Truncated, calls[1].Truncated)
			}
			if x.sameBody && !bytes.Equal(calls[0].RespBody, calls[1].RespBody) {
				t.Errorf("recorded bodies differ")
			}
		})
	}
}

// bundleID is the id a searchset Bundle gets anew for every search.
var bundleID = regexp.MustCompile(`"id":"[0-9a-f-]{36}","link"`)

// keysOf is the header names of a and b together.
func keysOf(a, b http.Header) []string {
	var keys []string
	for _, h := range []http.Header{a, b} {
		for k := range h {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// A simulator that crashes gives the SUT a 502, as a closed connection would, and the crash is
// told in the gateway's error log rather than lost.
func TestInProcessUpstreamTellsACrash(t *testing.T) {
	e := newEnv(t, nil)
	var log syncBuffer
	g := e.start(e.config(e.srv.URL, func(cfg *gateway.Config) {
		cfg.ErrorLog = &log
		cfg.UpstreamHandler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("index out of range") })
	}))
	g.Begin()
	a := e.mustDo(e.goodSUT(), "GET", g.URL+"/Patient/"+patientID, e.readHeader(), nil)
	e.settled(g, 1)
	calls := g.End()
	if a.status != http.StatusBadGateway || len(calls) != 1 || calls[0].Err == "" {
		t.Fatalf("the SUT got %d %s; recorded %v", a.status, a.body, calls)
	}
	if got := log.String(); !strings.Contains(got, "crashed serving GET") || !strings.Contains(got, "index out of range") {
		t.Errorf("the error log says %q", got)
	}
}

// syncBuffer is a bytes.Buffer safe for the gateway's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
