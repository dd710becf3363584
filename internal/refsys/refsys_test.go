package refsys

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAnswerCutByTheDeadlineIsAnError: an NLL that sends its JSON and then never ends the answer
// has not answered, however often the deadline's cut read ends as a clean EOF (net/http).
func TestAnswerCutByTheDeadlineIsAnError(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write([]byte(`{"resourceType":"Patient","id":"p"}`))
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	sys, err := New(Config{BaseURL: srv.URL + "/fhir", TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	for range 40 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		a, err := sys.send(ctx, request{role: Prescriber, method: http.MethodGet, path: "Patient/p"}, false)
		cancel()
		if err == nil {
			t.Fatalf("an answer that never ended is taken as NLL's: %d %q", a.status, a.body)
		}
	}
}
