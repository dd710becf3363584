package refsys

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/konform/konform/internal/hostile"
)

// TestAnswerCutByTheDeadlineIsAnError: an NLL that sends its JSON and then never ends the answer
// has not answered, however often the deadline's cut read ends as a clean EOF (net/http).
func TestAnswerCutByTheDeadlineIsAnError(t *testing.T) {
	srv := httptest.NewTLSServer(hostile.NeverEnding("application/fhir+json", `{"resourceType":"Patient","id":"p"}`, 5*time.Millisecond))
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
