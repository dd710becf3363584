package driver

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzResult reads what a supplier's command printed or its test hook answered, from outside:
// an answer in the driver's form, an answer that is JSON in another form (an error that says
// so), or text kept as what the system showed, one line of at most 500 bytes and valid UTF-8.
func FuzzResult(f *testing.F) {
	for _, seed := range []string{`{"status":201,"shown":"Sparad","values":{"id":"abc"}}`, "log line\n{\"status\":422}",
		`{"status":"201"}`, `{"values":{"id":1}}`, "Sparad\n", "\xff\xfe{", `{"status":1e400}`, "{\"shown\":\"\\ud800\"}", strings.Repeat("å", 400)} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := result(out)
		if err == nil && !bytes.Contains(out, []byte("{")) { // no JSON object: text
			if len(r.Shown) > 500+len("…") || strings.Contains(r.Shown, "\n") {
				t.Fatalf("text kept as %d bytes over lines: %q", len(r.Shown), r.Shown)
			}
			if utf8.Valid(out) && !utf8.ValidString(r.Shown) {
				t.Fatalf("valid text kept as invalid UTF-8: %q", r.Shown)
			}
		}
	})
}
