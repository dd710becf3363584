package cli

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// TestSimPolicyFromFlags: --personality picks the policy; --version-conflict and --page-size
// change it only when given.
func TestSimPolicyFromFlags(t *testing.T) {
	alt, _ := sim.Personality("alt")
	alt409, alt20 := alt, alt
	alt409.VersionConflictStatus, alt20.PageSize = 409, 20
	def412 := sim.DefaultPolicy()
	def412.VersionConflictStatus = 412
	cases := []struct {
		name string
		o    simOptions
		want sim.Policy
		err  string
	}{
		{"default", simOptions{personality: "default", conflict: 409, pageSz: 50}, sim.DefaultPolicy(), ""},
		{"alt", simOptions{personality: "alt", conflict: 409, pageSz: 50}, alt, ""},
		{"alt with 409", simOptions{personality: "alt", conflict: 409, conflictSet: true, pageSz: 50}, alt409, ""},
		{"alt with pages of 20", simOptions{personality: "alt", conflict: 409, pageSz: 20, pageSzSet: true}, alt20, ""},
		{"default with 412", simOptions{personality: "default", conflict: 412, conflictSet: true, pageSz: 50}, def412, ""},
		{"unknown personality", simOptions{personality: "lax"}, sim.Policy{}, "--personality: unknown simulator personality"},
		{"bad conflict status", simOptions{personality: "default", conflict: 500, conflictSet: true}, sim.Policy{}, "--version-conflict must be 409 or 412"},
		{"bad page size", simOptions{personality: "default", pageSz: 0, pageSzSet: true}, sim.Policy{}, "--page-size must be from 1"},
	}
	for _, c := range cases {
		got, err := c.o.policy()
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		case c.err == "" && (err != nil || !reflect.DeepEqual(got, c.want)):
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
}

// TestSimServesTheAltPersonality: konform sim --personality alt serves the alt simulator (its
// base is /fhir) and says so; an unknown personality is a usage error.
func TestSimServesTheAltPersonality(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	sys := System{Stdout: out, Stderr: errb, Getenv: func(string) string { return "" }, Now: time.Now}
	done := make(chan int)
	go func() {
		done <- Main(ctx, sys, []string{"sim", "--addr", "127.0.0.1:0", "--certs", t.TempDir(), "--personality", "alt"})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(errb.String(), "personality alt") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if url := strings.TrimSpace(out.String()); !strings.HasPrefix(url, "https://127.0.0.1:") || !strings.HasSuffix(url, "/fhir") {
		t.Errorf("stdout %q, want the alt base URL ending in /fhir", url)
	}
	if !strings.Contains(errb.String(), "personality alt") {
		t.Errorf("stderr does not name the personality:\n%s", errb)
	}
	sys2, _, errb2 := system(nil)
	if code := Main(context.Background(), sys2, []string{"sim", "--personality", "lax", "--certs", t.TempDir()}); code != run.ExitUsage ||
		!strings.Contains(errb2.String(), "default or alt") {
		t.Errorf("unknown personality: exit %d %s", code, errb2)
	}
}
