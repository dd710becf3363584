package pack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheckTags: any tag expression is accepted or refused with an error, never a panic, and an
// accepted one loads the pack without a panic in godog.
func FuzzCheckTags(f *testing.F) {
	for _, seed := range []string{"", "@obligatorisk && ~@sim", "@tc:NLL-TA05-01,@tc:NLL-TA05-02", "@a &&", "~", "not @sim", " @a , ~@b ", "@@", "&&,&&"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if err := CheckTags(expr); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		_, _ = Load(nil, expr)
	})
}

// FuzzFeatureFile: any feature file loads or is refused with a one-line error, never a panic.
func FuzzFeatureFile(f *testing.F) {
	seeds, _ := filepath.Glob("../../features/*/*.feature")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("# language: sv\nEgenskap: E\n  @tc:X-1 @valfri\n  Abstrakt Scenario: r <n>\n    Givet x <n>\n    Exempel:\n      | n |\n      | 1 |\n"))
	f.Add([]byte("\x1b[2J\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "f.feature")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load([]string{file}, "")
		if err != nil && strings.ContainsAny(err.Error(), "\n\r\x1b\x00") {
			t.Fatalf("error not one printable line: %q", err)
		}
	})
}
