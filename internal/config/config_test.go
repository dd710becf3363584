package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
	env, err := Lookup("sim", "") // no konform.yaml in this folder
	if err != nil || !env.Simulated || env.Kind != Test {
		t.Fatalf("sim: %+v %v", env, err)
	}
	if env, err = Lookup("sim", write(t, valid)); err != nil || !env.Simulated {
		t.Fatalf("sim with a file: %+v %v", env, err)
	}
	// a file named with --config must be there, whichever environment is chosen
	if _, err := Lookup("sim", filepath.Join(t.TempDir(), "none.yaml")); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Fatalf("sim with a missing --config: %v", err)
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
	tok, err := env.Users["förskrivare"].Token(context.Background(), func(string) string { return " abc \n" })
	if err != nil || tok != "abc" {
		t.Errorf("token %q %v", tok, err)
	}
	if _, err := env.Users["förskrivare"].Token(context.Background(), func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "NLL_TOKEN is empty") {
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

// valid is an environment that passes every check; the cases below change one line of it.
const valid = `environments:
  x:
    kind: test
    base_url: https://ext5.example.test/fhir
    ca: ca.pem
    client: {p12: c.p12, password_env: P12}
    users:
      förskrivare: {token_env: NLL_TOKEN, org_info: '{"orgenhetsId":"x"}'}
    headers: {X-User-Agent: Journalia/4.2}
    timeout: 30s
    connect_timeout: 10s
    retries: {max: 1, wait: 1s, max_wait: 5s}
`

// TestEverySettingIsCheckedBeforeAnyConnection: an environment without a body made run, doctor
// and cleanup panic; a sim environment was replaced by the built-in one without a word; zero or
// negative timeouts, credentials or a query in base_url, and settings that are never read were
// accepted. Each is now one line naming the file, the line and what to do.
func TestEverySettingIsCheckedBeforeAnyConnection(t *testing.T) {
	if _, err := Lookup("x", write(t, valid)); err != nil {
		t.Fatalf("the valid environment: %v", err)
	}
	edit := func(old, new string) string {
		if !strings.Contains(valid, old) {
			t.Fatalf("%q is not in the valid environment", old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	cases := []struct {
		name, body, want string
		wholeFile        bool // the problem concerns the whole file, so --env sim reports it too
	}{
		{"no body", "environments:\n  x:\n", "konform.yaml:2: environment x is empty; it needs kind: test, base_url, ca and client", false},
		{"null body", "environments:\n  y: {kind: test}\n  x: ~\n", "konform.yaml:3: environment x is empty", false},
		{"sim", valid + "  sim:\n    kind: test\n    base_url: https://sim.example.test/\n    ca: ca.pem\n", "konform.yaml:13: environment sim is reserved for the built-in simulator", true},
		{"zero timeout", edit("timeout: 30s", "timeout: 0s"), "konform.yaml:2: environment x: timeout must be more than zero", false},
		{"negative timeout", edit("timeout: 30s", "timeout: -5s"), "timeout must be more than zero", false},
		{"zero connect_timeout", edit("connect_timeout: 10s", "connect_timeout: 0s"), "connect_timeout must be more than zero", false},
		{"negative connect_timeout", edit("connect_timeout: 10s", "connect_timeout: -1ms"), "connect_timeout must be more than zero", false},
		{"negative retries.wait", edit("wait: 1s", "wait: -1s"), "retries.wait and retries.max_wait must not be negative", false},
		{"max_wait below wait", edit("max_wait: 5s", "max_wait: 500ms"), "retries.max_wait must not be shorter than retries.wait", false},
		{"a number for a timeout", edit("timeout: 30s", "timeout: 30"), "line 10: cannot unmarshal !!int `30` into a duration (such as 90s, 2m or 1h30m)", true},
		{"proxy without a scheme", edit("timeout: 30s", "proxy: proxy.example:3128"), "proxy \"proxy.example:3128\" must be an http(s) URL", false},
		{"proxy socks", edit("timeout: 30s", "proxy: socks5://proxy.example:1080"), "must be an http(s) URL", false},
		{"proxy bad port", edit("timeout: 30s", "proxy: http://proxy.example:port"), "must be an http(s) URL", false},
		{"base_url http", edit("https://ext5", "http://ext5"), "base_url \"http://ext5.example.test/fhir\" must be an absolute https URL", false},
		{"base_url without host", edit("https://ext5.example.test/fhir", "https:///fhir"), "must be an absolute https URL", false},
		{"base_url with credentials", edit("https://ext5", "https://lev:hemligt@ext5"), "base_url must not hold a user or password", false},
		{"base_url with a query", edit("/fhir", "/fhir?a=1"), "base_url must not have a query or a fragment", false},
		{"base_url with a fragment", edit("/fhir", "/fhir#a"), "base_url must not have a query or a fragment", false},
		{"unknown key", edit("timeout: 30s", "timout: 30s"), "line 10: field timout not found", true},
		{"unknown client key", edit("password_env: P12", "pasword_env: P12"), "field pasword_env not found", true},
		{"p12 and key", edit("p12: c.p12", "p12: c.p12, key: c.key"), "client: key belongs to cert (PEM), not to p12", false},
		{"key without cert", edit("p12: c.p12, password_env: P12", "key: c.key"), "client: key needs cert", false},
		{"password for PEM", edit("p12: c.p12", "cert: c.pem"), "client: password_env and password_file belong to p12", false},
		{"two token sources", edit("token_env: NLL_TOKEN", "token_env: NLL_TOKEN, token_file: t.jwt"), "user förskrivare: give one of token_env, token_file and token_command", false},
		{"a blank user name", edit("förskrivare:", `" ":`), `user name " " must be printable and not blank`, false},
		{"a user name with a control character", edit("förskrivare:", `"a\tb":`), `user name "a\tb" must be printable`, false},
		{"org_info not JSON", edit(`'{"orgenhetsId":"x"}'`, `'orgenhetsId=x'`), "user förskrivare: org_info must be a JSON object", false},
		{"bad header name", edit("X-User-Agent", `"X User Agent"`), `header "X User Agent" is not a valid HTTP header name`, false},
		{"header value with a newline", edit("Journalia/4.2", `"a\nb"`), "header X-User-Agent: the value holds a control character", false},
		{"authorization header", edit("X-User-Agent", "Authorization"), "header Authorization is konform's to set; give each user's token under users:", false},
		{"environments as a list", "environments: [a]\n", "konform.yaml: line 1: cannot unmarshal !!seq into environments (a mapping of names)", true},
		{"a cut value", "environments: '000000\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5\u00e5'\n", "cannot unmarshal !!str", true},
		{"two documents", valid + "---\nenvironments: {}\n", "konform.yaml holds more than one YAML document; keep one", true},
		{"an empty name", valid + "  \"\": {kind: test}\n", "konform.yaml:13: an environment needs a name", true},
		{"a name with a control character", valid + "  \"a\\tb\": {kind: test}\n", `konform.yaml:13: environment name "a\tb" holds a control character`, true},
	}
	for _, c := range cases {
		for _, name := range []string{"x", "sim"} {
			if name == "sim" && !c.wholeFile {
				continue
			}
			_, err := Lookup(name, write(t, c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || !utf8.ValidString(err.Error()) {
				t.Errorf("%s (--env %s): %v, want %q", c.name, name, err, c.want)
			}
		}
	}
}

// TestOneEmptyEnvironmentDoesNotBlockTheOthers: the checks of an environment run when it is
// chosen; only what concerns the whole file (syntax, unknown keys, reserved names) blocks every
// environment.
func TestOneEmptyEnvironmentDoesNotBlockTheOthers(t *testing.T) {
	path := write(t, valid+"  leer:\n")
	if _, err := Lookup("x", path); err != nil {
		t.Errorf("x: %v", err)
	}
	if _, err := Lookup("sim", path); err != nil {
		t.Errorf("sim: %v", err)
	}
}

// TestGatewaySection reads the gateway section: absent is the dev PKI's (zero), paths are taken
// from the file's folder, and one of cert and key alone is refused with the line.
func TestGatewaySection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "konform.yaml")
	for _, c := range []struct{ yaml, want, err string }{
		{"", "{Cert: Key: ClientCA: Addr:}", ""},
		{"environments: {}\n", "{Cert: Key: ClientCA: Addr:}", ""},
		{"environments: {}\ngateway:\n  cert: gw.pem\n  key: /abs/gw.key\n  client_ca: ca.pem\n  addr: 0.0.0.0:9443\n",
			fmt.Sprintf("{Cert:%s Key:/abs/gw.key ClientCA:%s Addr:0.0.0.0:9443}", filepath.Join(dir, "gw.pem"), filepath.Join(dir, "ca.pem")), ""},
		{"environments: {}\ngateway:\n  key: gw.key\n", "", "konform.yaml:2: gateway: key needs cert"},
		{"gateway: {addr: '9443'}\n", "", "must be host:port"},
		{"gateway: {client: x}\n", "", "field client not found in type gateway"},
	} {
		if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		g, err := LookupGateway(path)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one with %q", c.yaml, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.yaml, err)
		case c.err == "" && fmt.Sprintf("%+v", g) != c.want:
			t.Errorf("%q: %+v, want %s", c.yaml, g, c.want)
		}
	}
	if g, err := LookupGateway(""); err != nil || g != (Gateway{}) {
		t.Errorf("no file: %+v, %v; want the zero gateway", g, err)
	}
}

// TestSUTSection reads the sut section: the driver's settings, checked, with the defaults.
func TestSUTSection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "konform.yaml")
	for _, c := range []struct{ yaml, want, err string }{
		{"sut: {driver: ref}\nenvironments:\n  sim-x: {sut: {driver: manual}}\n", "{Driver:ref Timeout:2m0s Command:[] Dir:" + dir + " URL: TokenEnv: CA: Probe:[] MTLS:false Settle:<nil>}", ""},
		{"", "{Driver: Timeout:0s Command:[] Dir: URL: TokenEnv: CA: Probe:[] MTLS:false Settle:<nil>}", ""},
		{"sut:\n  driver: command\n  command: [./sut.sh, '{{action}}']\n",
			fmt.Sprintf("{Driver:command Timeout:2m0s Command:[./sut.sh {{action}}] Dir:%s URL: TokenEnv: CA: Probe:[] MTLS:false Settle:<nil>}", dir), ""},
		{"sut: {driver: http, url: 'https://localhost:8088/hook', timeout: 10s, ca: ca.pem}\n",
			fmt.Sprintf("{Driver:http Timeout:10s Command:[] Dir:%s URL:https://localhost:8088/hook TokenEnv: CA:%s Probe:[] MTLS:false Settle:<nil>}", dir, filepath.Join(dir, "ca.pem")), ""},
		{"environments: {}\nsut:\n  driver: selenium\n", "", "konform.yaml:3: sut: driver \"selenium\""},
		{"sut: {driver: command}\n", "", "needs a program"},
		{"sut: {driver: command, command: [x, '{{patinet}}']}\n", "", "unknown placeholder"},
		{"sut: {driver: http, url: 'ftp://x/'}\n", "", "test hook"},
		{"sut: {driver: ref, url: 'http://x/'}\n", "", "url to driver http"},
		{"sut: {driver: ref, timeout: -1s}\n", "", "timeout"},
		{"sut: {driver: ref, settle: -1s}\n", "", "settle must be from 0 to 1m"},
		{"sut: {driver: ref, settle: 2m}\n", "", "settle must be from 0 to 1m"},
		{"sut: {driver: http, url: 'http://localhost:8088/hook', token_env: T}\n", "", "token_env needs an https url"},
		{"sut: {driver: manual}\n", "{Driver:manual Timeout:0s Command:[] Dir:" + dir + " URL: TokenEnv: CA: Probe:[] MTLS:false Settle:<nil>}", ""},
		{"sut: {driver: ref, argv: [x]}\n", "", "field argv not found in type sut"},
		{"sut:\n  driver: command\n  comand: [./sut.sh]\n", "", "line 3: field comand not found in type sut (a mapping) (did you mean command?)"},
		{"sut:\n  driver: command\n  command: [./sut.sh, '{{patient.pnrr}}']\n", "", "konform.yaml:3: sut: command: unknown placeholder {{patient.pnrr}}"},
		{"sut:\n  driver: ref\n  timeout: 2 minutes\n", "", "line 3: cannot unmarshal !!str `2 minutes` into a duration (such as 90s, 2m or 1h30m)"},
		{"gatway:\n  addr: 127.0.0.1:0\n", "", "field gatway not found in type the top level (environments:, gateway:, sut:) (did you mean gateway?)"},
		{"environments:\n  sim-x:\n    sut:\n      driver: http\n      url: 'ftp://x/'\n", "", "konform.yaml:5: environment sim-x: sut: url"},
	} {
		if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		env := "sim"
		if strings.Contains(c.yaml, "sim-x:\n    sut:") {
			env = "sim-x"
		}
		s, err := LookupSUT(path, env)
		got := fmt.Sprintf("%+v", s)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one with %q", c.yaml, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.yaml, err)
		case c.err == "" && got != c.want:
			t.Errorf("%q: %s, want %s", c.yaml, got, c.want)
		}
	}
}

// TestSUTSettle reads sut.settle, 0 included (the default is the run's, so unset stays nil).
func TestSUTSettle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "konform.yaml")
	for yaml, want := range map[string]time.Duration{"sut: {driver: manual, settle: 3s}\n": 3 * time.Second, "sut: {driver: manual, settle: 0s}\n": 0} {
		os.WriteFile(path, []byte(yaml), 0o644)
		if s, err := LookupSUT(path, "sim"); err != nil || s.Settle == nil || *s.Settle != want {
			t.Errorf("%q: %+v %v, want settle %s", yaml, s, err, want)
		}
	}
}

// TestSUTOfAnEnvironment: an environment's own sut section wins over the top-level one.
func TestSUTOfAnEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "konform.yaml")
	os.WriteFile(path, []byte("sut: {driver: ref}\nenvironments:\n  ext5-x2:\n    sut: {driver: http, url: 'https://sut.example:8443/hook', mtls: true}\n"), 0o644)
	if s, err := LookupSUT(path, "ext5-x2"); err != nil || s.Driver != "http" || !s.MTLS {
		t.Errorf("ext5-x2: %+v %v", s, err)
	}
	if s, err := LookupSUT(path, "sim"); err != nil || s.Driver != "ref" {
		t.Errorf("sim: %+v %v", s, err)
	}
	os.WriteFile(path, []byte("environments:\n  ext5-x2:\n    sut: {driver: ref, mtls: true}\n"), 0o644)
	if _, err := LookupSUT(path, "ext5-x2"); err == nil || !strings.Contains(err.Error(), "environment ext5-x2: sut") {
		t.Errorf("mtls without http: %v", err)
	}
}

// TestAnEmptyTokenIsAnError: a token variable, file or command that gives nothing is a
// configuration error naming where the token should be, not a run without a token.
func TestAnEmptyTokenIsAnError(t *testing.T) {
	dir := t.TempDir()
	empty, blank := filepath.Join(dir, "empty"), filepath.Join(dir, "blank")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(blank, []byte(" \n\t\n"), 0o600)
	getenv := func(string) string { return "  " }
	for _, u := range []User{{TokenFile: empty}, {TokenFile: blank}, {TokenEnv: "KONFORM_TOKEN"}, {TokenCommand: []string{"true"}}} {
		if tok, err := u.Token(context.Background(), getenv); err == nil || !strings.Contains(err.Error(), "empty") && !strings.Contains(err.Error(), "no token") {
			t.Errorf("%+v: token %q, error %v; want an error", u, tok, err)
		}
	}
	os.WriteFile(blank, []byte("abc.def.ghi\n"), 0o600)
	if tok, err := (User{TokenFile: blank}).Token(context.Background(), getenv); err != nil || tok != "abc.def.ghi" {
		t.Errorf("token %q, %v", tok, err)
	}
}

// TestATokenCommandIsBounded: a token command that prints without end, or never ends, is an
// error that says so, not an exhausted machine or a hung run; an interrupt ends it (and what it
// started) at once; one that fails names its last line of stderr.
func TestATokenCommandIsBounded(t *testing.T) {
	getenv := func(string) string { return "" }
	if _, err := (User{TokenCommand: []string{"yes"}}).Token(context.Background(), getenv); err == nil || !strings.Contains(err.Error(), "printed more than 64 KiB") {
		t.Errorf("yes: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := (User{TokenCommand: []string{"sh", "-c", "sleep 1000 & wait"}}).Token(ctx, getenv)
	if err == nil || !strings.Contains(err.Error(), "was interrupted") || time.Since(start) > 5*time.Second {
		t.Errorf("an interrupted command: %v after %s", err, time.Since(start))
	}
	if _, err := (User{TokenCommand: []string{"sh", "-c", "echo first >&2; echo 'no credentials found' >&2; exit 3"}}).Token(context.Background(), getenv); err == nil ||
		!strings.Contains(err.Error(), "exit status 3: no credentials found") {
		t.Errorf("a failing command: %v", err)
	}
	if tok, err := (User{TokenCommand: []string{"sh", "-c", "echo abc.def.ghi; echo warning >&2"}}).Token(context.Background(), getenv); err != nil || tok != "abc.def.ghi" {
		t.Errorf("a good command: %q %v", tok, err)
	}
}
