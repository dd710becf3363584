package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "konform.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBuiltinSim(t *testing.T) {
	env, err := Lookup("sim", filepath.Join(t.TempDir(), "none.yaml"))
	if err != nil || !env.Simulated || env.Kind != Test {
		t.Fatalf("sim: %+v %v", env, err)
	}
}

func TestEnvironmentFromFile(t *testing.T) {
	path := write(t, `environments:
  ext5-x2:
    kind: test
    base_url: https://ext5.example.test/fhir
    ca: ca.pem
    client: {p12: client.p12, password_env: P12_PASSWORD}
    users:
      förskrivare: {token_env: NLL_TOKEN, org_info: '{"orgenhetsId":"x","orgenhetsIdTyp":"HSA"}'}
    timeout: 20s
`)
	env, err := Lookup("ext5-x2", path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if env.CA != filepath.Join(dir, "ca.pem") || env.Client.P12 != filepath.Join(dir, "client.p12") || env.Timeout.Seconds() != 20 {
		t.Errorf("paths not resolved: %+v", env)
	}
	tok, err := env.Users["förskrivare"].Token(func(string) string { return " abc \n" })
	if err != nil || tok != "abc" {
		t.Errorf("token %q %v", tok, err)
	}
	if _, err := env.Users["förskrivare"].Token(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "NLL_TOKEN is empty") {
		t.Errorf("empty token: %v", err)
	}
}

func TestBadConfigurationsAreRefused(t *testing.T) {
	cases := map[string]string{
		"environments:\n  x:\n    kind: production\n    base_url: https://a\n    ca: c\n": "konform.yaml:2: environment x is marked production",
		"environments:\n  x:\n    base_url: https://a\n    ca: c\n":                       "needs kind: test",
		"environments:\n  x:\n    kind: test\n    base_url: http://a\n    ca: c\n":        "must be an absolute https URL",
		"environments:\n  x:\n    kind: test\n    base_url: https://a\n":                  "needs ca",
		"environments:\n  x:\n    kind: test\n    baseurl: https://a\n":                   "line 4: field baseurl not found",
		"environments:\n  y:\n    kind: test\n    base_url: https://a\n    ca: c\n":       `unknown environment "x"; known: sim, y`,
	}
	for body, want := range cases {
		_, err := Lookup("x", write(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
	if _, err := Lookup("x", "/nowhere/konform.yaml"); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("a missing explicit file: %v", err)
	}
	if _, err := Lookup("x", ""); err == nil || !strings.Contains(err.Error(), `unknown environment "x"; known: sim`) {
		t.Errorf("no default file: %v", err)
	}
}
