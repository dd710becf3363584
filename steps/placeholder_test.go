package steps

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestComputedPlaceholders: {{uuid}} is one value per scenario, dates move from the run's date,
// instants from now, base64 encodes; a malformed offset is an error naming the right form, and
// konform check knows the same names.
func TestComputedPlaceholders(t *testing.T) {
	w := NewWorld(context.Background(), &Env{Today: "2026-11-23"})
	got, err := w.fill("{{uuid}} {{uuid}} {{today+14d}} {{today-1d}} {{now-5m}}")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Fields(got)
	if len(parts) != 5 || parts[0] != parts[1] || !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(parts[0]) {
		t.Fatalf("uuid: %q", got)
	}
	if parts[2] != "2026-12-07" || parts[3] != "2026-11-22" {
		t.Errorf("dates: %q %q", parts[2], parts[3])
	}
	then, err := time.Parse(time.RFC3339, parts[4])
	if err != nil || time.Since(then) < 4*time.Minute || time.Since(then) > 6*time.Minute {
		t.Errorf("now-5m: %q", parts[4])
	}
	if other, _ := NewWorld(context.Background(), &Env{}).fill("{{uuid}}"); other == parts[0] {
		t.Error("two scenarios share a {{uuid}}")
	}
	if enc, _ := w.fill("{{base64:hej}}"); enc != "aGVq" {
		t.Errorf("base64: %q", enc)
	}
	for _, bad := range []string{"{{today+2h}}", "{{now+5}}", "{{today+1y}}"} {
		if _, err := w.fill(bad); err == nil || !strings.Contains(err.Error(), "{{today+14d}}") && !strings.Contains(err.Error(), "days only") {
			t.Errorf("%s: %v", bad, err)
		}
		if len(UnknownPlaceholders(bad)) != 1 {
			t.Errorf("konform check accepts %s", bad)
		}
	}
	if bad := UnknownPlaceholders("{{uuid}} {{today+14d}} {{now}} {{base64:x}} {{var.a}}"); len(bad) != 0 {
		t.Errorf("konform check refuses %v", bad)
	}
}
