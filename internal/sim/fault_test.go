package sim

import (
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	f, err := ParseFault("method=get,path=Patient,status=503,retryAfter=30,latency=2s,html,truncate=false")
	want := Fault{Method: "GET", Path: "Patient", Status: 503, RetryAfter: 30, Latency: 2 * time.Second, HTML: true}
	if err != nil || f != want {
		t.Errorf("got %+v %v", f, err)
	}
	if again, err := ParseFault(f.String()); err != nil || again != f {
		t.Errorf("String %q does not parse back: %+v %v", f.String(), again, err)
	}
	for _, bad := range []string{"status=x", "color=red", "status=42", "reset=maybe", "latency=soon"} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
