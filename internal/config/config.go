// Package config resolves the environment a run targets: the built-in simulator, or an
// environment from konform.yaml (the agency's EXT environments, or any FHIR server over mutual
// TLS), and refuses production environments.
package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
	"gopkg.in/yaml.v3"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/userfile"
)

// Kind tells test environments from production ones; konform runs against test environments only.
type Kind string

// The kinds of environment.
const (
	Test       Kind = "test"
	Production Kind = "production"
)

// DefaultFile is the configuration file konform reads when --config is not given.
const DefaultFile = "konform.yaml"

// Environment is a target NLL.
type Environment struct {
	// Name is what --env takes.
	Name string `yaml:"-"`
	// Where is "<file>:<line>" of the environment in konform.yaml, for messages; "" for the
	// built-in simulator.
	Where string `yaml:"-"`
	// Kind is test or production; konform refuses production.
	Kind Kind `yaml:"kind"`
	// Simulated is true for the built-in simulator, which the run starts in-process.
	Simulated bool `yaml:"-"`
	// Description says what the environment is.
	Description string `yaml:"description"`
	// BaseURL is the FHIR base, https only.
	BaseURL string `yaml:"base_url"`
	// CA is the PEM bundle of the CAs that issue the server's certificate.
	CA string `yaml:"ca"`
	// Client is the client identity.
	Client Client `yaml:"client"`
	// Users holds the credentials of each role (förskrivare, farmaceut, sjuksköterska, farmaceut inom
	// vården, dietist, apotekspersonal, privatperson: the names the steps use); the default user is
	// the förskrivare, else the first by name.
	Users map[string]User `yaml:"users"`
	// Timeout bounds each request from connect to the last byte (a Go duration such as 30s).
	Timeout time.Duration `yaml:"timeout"`
	// ConnectTimeout bounds the TCP connect and the TLS handshake (default 10s).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// Proxy is an HTTP proxy for CONNECT tunnels; empty means HTTPS_PROXY (and NO_PROXY).
	Proxy string `yaml:"proxy"`
	// Headers are sent with every request (for example a fixed x-user-agent).
	Headers map[string]string `yaml:"headers"`
	// TestData replaces values of the pack's test_data (pack.yaml) that this environment does not
	// know, such as the test article (article.nplpackid, article.name): EXT's article register is
	// not the simulator's. The run checks the keys against the pack's.
	TestData map[string]string `yaml:"test_data"`
	// SUT, when set, is the driver of the system under test against this environment, in place
	// of the top-level sut section.
	SUT *SUT `yaml:"sut"`
	// Retries retries idempotent requests (GET) on 429, 502, 503, 504 and connection errors.
	Retries Retries `yaml:"retries"`
	// ProductionIssuers adds issuer names to the built-in list of production CAs.
	ProductionIssuers []string `yaml:"production_issuers"`
	// DenyURLs lists parts of URLs konform must never connect to (production hosts).
	DenyURLs []string `yaml:"deny_urls"`

	line    int             // where the environment starts in the file, for messages
	set     map[string]bool // the keys the file sets, nested ones as "retries.wait"
	sutKeys map[string]int  // where each key of its sut section is, for messages
}

// Retries is an environment's retry policy; the default is no retries, so that a tester sees the
// service's real answers.
type Retries struct {
	// Max is the number of retries after the first attempt.
	Max int `yaml:"max"`
	// Wait is the shortest wait between attempts (a Retry-After header can make it longer).
	Wait time.Duration `yaml:"wait"`
	// MaxWait bounds one wait.
	MaxWait time.Duration `yaml:"max_wait"`
}

// Client is a client certificate: PEM (cert and key) or PKCS#12 (p12, password from an
// environment variable).
type Client struct {
	Cert        string `yaml:"cert"`
	Key         string `yaml:"key"`
	P12         string `yaml:"p12"`
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile names a file holding the PKCS#12 password.
	PasswordFile string `yaml:"password_file"`
}

// User is how a role's user identifies itself: a token and a workplace.
type User struct {
	// TokenEnv names an environment variable holding the access token.
	TokenEnv string `yaml:"token_env"`
	// TokenFile names a file holding the access token.
	TokenFile string `yaml:"token_file"`
	// TokenCommand runs a command that prints the access token (the agency's token exchange
	// stays on the supplier's side).
	TokenCommand []string `yaml:"token_command"`
	// OrgInfo is the x-org-info JSON of the workplace.
	OrgInfo string `yaml:"org_info"`
}

// Gateway is where konform's gateway meets the supplier's system under test: its server
// certificate and the CAs of the system's client certificates. What is left out comes from the
// dev PKI in certs/ (the default, for a system that can be told to trust the dev CA).
type Gateway struct {
	// Cert is the gateway's server certificate (PEM, leaf first, with any intermediates), for the
	// name the system calls it by; Key is its private key (PEM).
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA is the PEM bundle of the CAs that issue the system's client certificates.
	ClientCA string `yaml:"client_ca"`
	// Addr is where the gateway listens, such as 0.0.0.0:9443; --addr and --gateway-addr win.
	Addr string `yaml:"addr"`
}

// SUT is the driver of the supplier's system under test, for the @sut cases (docs/sut.md).
type SUT struct {
	// Driver is ref (konform's reference system), command, http or manual (an operator).
	Driver string `yaml:"driver"`
	// Timeout bounds one action; zero means DefaultSUTTimeout, and no limit for manual.
	Timeout time.Duration `yaml:"timeout"`
	// Command is the program and its arguments, run directly (no shell), with placeholders such
	// as {{action}} and {{patient.pnr}} (driver command).
	Command []string `yaml:"command"`
	// Dir is the folder the command runs in; default the configuration file's.
	Dir string `yaml:"dir"`
	// URL is the system's test hook (driver http).
	URL string `yaml:"url"`
	// TokenEnv names a variable holding a bearer token for the hook.
	TokenEnv string `yaml:"token_env"`
	// CA is the PEM bundle that issues an https hook's certificate; default the system's roots.
	CA string `yaml:"ca"`
	// Probe is a command konform doctor runs, in Dir, to see that the system can be driven
	// (driver command); exit 0 is ready.
	Probe []string `yaml:"probe"`
	// MTLS presents konform's client identity (the environment's) to an https test hook.
	MTLS bool `yaml:"mtls"`
	// Settle is how long the system must have made no call after a scenario's last step before
	// the scenario ends, so that a late call is caught in the scenario that caused it; nil means
	// DefaultSUTSettle.
	Settle *time.Duration `yaml:"settle"`
}

// DefaultSUTTimeout bounds one action of the system under test unless sut.timeout says otherwise.
const DefaultSUTTimeout = 2 * time.Minute

// DefaultSUTSettle is how long a system driven by command, http or an operator must be quiet
// after a scenario's last step unless sut.settle says otherwise. NLL does not come into it: it
// is konform's guess at how late a system's outbound queue sends, and costs that much a case.
const DefaultSUTSettle = time.Second

// File is konform.yaml.
type File struct {
	Environments map[string]*Environment `yaml:"environments"`
	// Gateway configures the gateway of the system under test; nil means the dev PKI's.
	Gateway *Gateway `yaml:"gateway"`
	// SUT configures the driver of the system under test; nil means none (--sut chooses).
	SUT *SUT `yaml:"sut"`

	lines       map[string]int // where each environment starts, for messages
	gatewayLine int            // where the gateway section starts
	sutLine     int            // where the sut section starts
	sutKeys     map[string]int // where each key of the sut section is, for messages
}

var builtin = map[string]Environment{
	"sim": {Name: "sim", Kind: Test, Simulated: true, Description: "the built-in NLL simulator, started in-process on a free loopback port"},
}

// Lookup returns the environment called name: a built-in one, or one of the configuration file
// path (DefaultFile when empty; a missing default file is no error). Relative paths in the file
// are taken from the file's folder. The file is read for a built-in environment too, so that a
// broken file or one that defines a reserved name (sim) is reported rather than ignored.
func Lookup(name, path string) (Environment, error) {
	file, path, err := load(path)
	if err != nil {
		return Environment{}, err
	}
	return file.lookup(name, path)
}

// lookup returns the environment called name of a file read from path, checked and resolved.
func (f *File) lookup(name, path string) (Environment, error) {
	if env, ok := builtin[name]; ok {
		return env, nil
	}
	env, ok := f.Environments[name]
	if !ok {
		return Environment{}, fmt.Errorf("unknown environment %q; known: %s", name, strings.Join(names(f), ", "))
	}
	if env == nil {
		return Environment{}, fmt.Errorf("%s:%d: environment %s is empty; it needs kind: test, base_url, ca and client (see konform.example.yaml)", path, f.lines[name], name)
	}
	e := *env
	e.Name, e.Where = name, fmt.Sprintf("%s:%d", path, f.lines[name])
	if err := e.check(path); err != nil {
		return Environment{}, err
	}
	e.resolve(filepath.Dir(path))
	return e, nil
}

// LookupGateway returns the gateway section of the configuration file path (DefaultFile when
// empty; no file or no section gives the zero Gateway: the dev PKI's), checked, with relative
// paths taken from the file's folder.
func LookupGateway(path string) (Gateway, error) {
	file, path, err := load(path)
	if err != nil {
		return Gateway{}, err
	}
	return file.gateway(path)
}

// gateway returns the gateway section of a file read from path, checked and resolved.
func (f *File) gateway(path string) (Gateway, error) {
	if f.Gateway == nil {
		return Gateway{}, nil
	}
	g := *f.Gateway
	where := fmt.Sprintf("%s:%d: gateway", path, f.gatewayLine)
	switch {
	case g.Cert != "" && g.Key == "":
		return Gateway{}, fmt.Errorf("%s: cert needs key: the PEM private key of the gateway's server certificate", where)
	case g.Key != "" && g.Cert == "":
		return Gateway{}, fmt.Errorf("%s: key needs cert: the PEM server certificate the key belongs to", where)
	}
	if g.Addr != "" {
		if _, port, err := net.SplitHostPort(g.Addr); err != nil || port == "" {
			return Gateway{}, fmt.Errorf("%s: addr %q must be host:port, such as 0.0.0.0:9443", where, g.Addr)
		}
	}
	dir := filepath.Dir(path)
	for _, p := range []*string{&g.Cert, &g.Key, &g.ClientCA} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return g, nil
}

// LookupSUT returns the sut section for the environment env of the configuration file path
// (DefaultFile when empty): the environment's own, else the top-level one; none gives the zero SUT
// (no driver). It is checked, and relative paths are taken from the file's folder.
func LookupSUT(path, env string) (SUT, error) {
	file, path, err := load(path)
	if err != nil {
		return SUT{}, err
	}
	return file.sut(path, env)
}

// sut returns the sut section for env of a file read from path, checked and resolved.
func (f *File) sut(path, env string) (SUT, error) {
	section, line, name, keys := f.SUT, f.sutLine, "sut", f.sutKeys
	if e := f.Environments[env]; e != nil && e.SUT != nil {
		section, line, name, keys = e.SUT, f.lines[env], "environment "+env+": sut", e.sutKeys
	}
	if section == nil {
		return SUT{}, nil
	}
	// at names the line of a key of the section, or the section's when the file does not set it.
	at := func(key string) string {
		if n, ok := keys[key]; ok {
			return fmt.Sprintf("%s:%d: %s", path, n, name)
		}
		return fmt.Sprintf("%s:%d: %s", path, line, name)
	}
	where := at("")
	s := *section
	switch s.Driver {
	case "ref", "manual":
	case "command":
		if err := driver.CheckArgv(s.Command); err != nil {
			return SUT{}, fmt.Errorf("%s: %v", at("command"), err)
		}
	case "http":
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return SUT{}, fmt.Errorf("%s: url %q must be the http(s) URL of the system's test hook", at("url"), s.URL)
		}
	default:
		return SUT{}, fmt.Errorf("%s: driver %q is not one konform has; use ref, command, http or manual", at("driver"), s.Driver)
	}
	if (s.Command != nil || s.Probe != nil) && s.Driver != "command" || s.URL != "" && s.Driver != "http" {
		return SUT{}, fmt.Errorf("%s: command and probe belong to driver command, url to driver http", where)
	}
	if s.TokenEnv != "" && !strings.HasPrefix(strings.ToLower(s.URL), "https://") {
		return SUT{}, fmt.Errorf("%s: token_env needs an https url; konform sends no token in clear", at("token_env"))
	}
	if s.MTLS && s.Driver != "http" {
		return SUT{}, fmt.Errorf("%s: mtls belongs to driver http", at("mtls"))
	}
	if s.Probe != nil && (len(s.Probe) == 0 || strings.TrimSpace(s.Probe[0]) == "") {
		return SUT{}, fmt.Errorf("%s: probe needs a program first, such as [./sut.sh, --help]", at("probe"))
	}
	if s.Timeout < 0 {
		return SUT{}, fmt.Errorf("%s: timeout must be more than zero, such as 2m", at("timeout"))
	}
	if s.Timeout == 0 && s.Driver != "manual" { // an operator has no time limit
		s.Timeout = DefaultSUTTimeout
	}
	if s.Settle != nil && (*s.Settle < 0 || *s.Settle > time.Minute) {
		return SUT{}, fmt.Errorf("%s: settle must be from 0 to 1m, such as 1s", at("settle"))
	}
	dir := filepath.Dir(path)
	if s.Dir == "" {
		s.Dir = dir
	}
	for _, p := range []*string{&s.Dir, &s.CA} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return s, nil
}

func load(path string) (*File, string, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := userfile.Read(path, userfile.Config)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return &File{}, path, nil
		}
		return nil, path, fmt.Errorf("cannot read %s: %v", path, err)
	}
	f, err := parse(path, data)
	return f, path, err
}

// parse reads konform.yaml's bytes (path is for messages) and checks what concerns the whole
// file: one YAML document, known keys only, and environment names that are names and not
// reserved. Each environment's own settings are checked when it is looked up.
func parse(path string, data []byte) (*File, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return nil, fmt.Errorf("%s: %s", path, yamlProblem(err))
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) && !(err == nil && empty(&more)) {
		return nil, fmt.Errorf("%s holds more than one YAML document; keep one (the environments: mapping)", path)
	}
	f.lines = map[string]int{}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) > 0 {
		if k := key(doc.Content[0], "gateway"); k != nil {
			f.gatewayLine = k.Line
		}
		if k := key(doc.Content[0], "sut"); k != nil {
			f.sutLine = k.Line
			f.sutKeys = keyLines(child(doc.Content[0], "sut"))
		}
		envs := child(doc.Content[0], "environments")
		for i := 0; envs != nil && i+1 < len(envs.Content); i += 2 {
			key, body := envs.Content[i], envs.Content[i+1]
			f.lines[key.Value] = key.Line
			if e := f.Environments[key.Value]; e != nil {
				e.line = key.Line
				e.set = keysOf(body)
				e.sutKeys = keyLines(child(body, "sut"))
			}
		}
	}
	for _, name := range names(&f) {
		if _, ok := f.Environments[name]; !ok {
			continue
		}
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, f.lines[name], err)
		}
		if _, ok := builtin[name]; ok {
			return nil, fmt.Errorf("%s:%d: environment %s is reserved for the built-in simulator (--env %s), which konform starts itself; rename this one (for example to %s-remote)", path, f.lines[name], name, name, name)
		}
	}
	return &f, nil
}

// yamlTypes names konform.yaml's parts where the YAML library names Go types.
var yamlTypes = strings.NewReplacer(
	"map[string]*config.Environment", "environments (a mapping of names)",
	"map[string]config.User", "users (a mapping of roles)",
	"map[string]string", "a mapping",
	"[]string", "a list",
	"config.File", "the top level (environments:, gateway:, sut:)",
	"time.Duration", "a duration (such as 90s, 2m or 1h30m)",
	"*config.Gateway", "gateway (a mapping)",
	"*config.SUT", "sut (a mapping)",
	"config.SUT", "sut (a mapping)",
	"config.Gateway", "gateway (a mapping)",
	"config.Environment", "an environment (a mapping)",
	"config.Client", "client (a mapping)",
	"config.Retries", "retries (a mapping)",
	"config.User", "a user (a mapping)",
	"config.Kind", "kind (test)",
)

// yamlProblem is a YAML error on one line of printable text, without the library's prefix and
// naming konform.yaml's parts rather than Go types. The library quotes values cut at a byte
// count, which can split a character.
func yamlProblem(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = unknownField.ReplaceAllStringFunc(msg, func(m string) string {
		g := unknownField.FindStringSubmatch(m)
		if best := closestKey(g[1], yamlKeys(knownTypes[g[2]])); best != "" {
			return m + " (did you mean " + best + "?)"
		}
		return m
	})
	msg = yamlTypes.Replace(strings.ToValidUTF8(msg, ""))
	return strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
}

// unknownField matches the YAML library's error for a key a part of the file does not have.
var unknownField = regexp.MustCompile(`field (\S{1,100}) not found in type (\S+)`)

// knownTypes are the parts of konform.yaml by the Go type the YAML library names.
var knownTypes = map[string]reflect.Type{
	"config.File": reflect.TypeFor[File](), "config.SUT": reflect.TypeFor[SUT](), "config.Gateway": reflect.TypeFor[Gateway](),
	"config.Environment": reflect.TypeFor[Environment](), "config.Client": reflect.TypeFor[Client](),
	"config.Retries": reflect.TypeFor[Retries](), "config.User": reflect.TypeFor[User](),
}

// yamlKeys are the keys of a struct in konform.yaml (its fields' yaml names); none for nil.
func yamlKeys(t reflect.Type) []string {
	if t == nil {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// closestKey is the key a mistyped one most likely meant (a letter or two off), or "".
func closestKey(s string, keys []string) string {
	best, bestDist := "", max(1, min(2, len(s)/3))+1
	for _, k := range keys {
		if d := levenshtein.ComputeDistance(strings.ToLower(s), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// empty reports whether a decoded YAML document holds nothing (a trailing "---").
func empty(n *yaml.Node) bool {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return n.Kind == 0 || (n.Kind == yaml.DocumentNode && len(n.Content) == 0) || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// keysOf returns the keys set in a YAML mapping, nested ones as "parent.key".
func keysOf(m *yaml.Node) map[string]bool {
	set := map[string]bool{}
	var walk func(m *yaml.Node, prefix string)
	walk = func(m *yaml.Node, prefix string) {
		for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
			k := prefix + m.Content[i].Value
			set[k] = true
			if prefix == "" && m.Content[i].Value == "retries" {
				walk(m.Content[i+1], k+".")
			}
		}
	}
	walk(m, "")
	return set
}

// keyLines returns the line of each key of a YAML mapping; nil for none.
func keyLines(m *yaml.Node) map[string]int {
	if m == nil {
		return nil
	}
	lines := map[string]int{}
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		lines[m.Content[i].Value] = m.Content[i].Line
	}
	return lines
}

// checkName refuses an environment name that --env could not take or a message could not show.
func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("an environment needs a name")
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return fmt.Errorf("environment name %q holds a control character; use letters, digits and dashes", name)
		}
	}
	return nil
}

// child returns the value of name in a YAML mapping node, or nil.
func child(m *yaml.Node, name string) *yaml.Node {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return m.Content[i+1]
		}
	}
	return nil
}

// key returns the key node name in a YAML mapping node, or nil.
func key(m *yaml.Node, name string) *yaml.Node {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return m.Content[i]
		}
	}
	return nil
}

func names(f *File) []string {
	seen := map[string]bool{}
	var out []string
	for n := range builtin {
		seen[n] = true
		out = append(out, n)
	}
	for n := range f.Environments {
		if !seen[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// check refuses environments konform must not run against, and settings it would not honour,
// before any connection.
func (e *Environment) check(path string) error {
	where := fmt.Sprintf("%s:%d: environment %s", path, e.line, e.Name)
	switch e.Kind {
	case Test:
	case Production:
		return fmt.Errorf("%s is marked production; konform runs against test environments only (the agency's requirement 3.7.1 keeps test and production apart)", where)
	default:
		return fmt.Errorf("%s needs kind: test", where)
	}
	if err := e.checkBaseURL(); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	if e.CA == "" {
		return fmt.Errorf("%s needs ca: the PEM bundle that issues the server's certificate", where)
	}
	if err := e.Client.check(); err != nil {
		return fmt.Errorf("%s: client: %v", where, err)
	}
	if e.Proxy != "" {
		if p, err := url.Parse(e.Proxy); err != nil || p.Host == "" || p.Port() == "" && strings.HasSuffix(p.Host, ":") || (p.Scheme != "http" && p.Scheme != "https") {
			return fmt.Errorf("%s: proxy %q must be an http(s) URL such as http://proxy.example:3128", where, e.Proxy)
		}
	}
	if err := e.checkDurations(); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	if e.Retries.Max < 0 || e.Retries.Max > 10 {
		return fmt.Errorf("%s: retries.max must be from 0 to 10", where)
	}
	for _, role := range sortedKeys(e.Users) {
		if checkName(role) != nil {
			return fmt.Errorf("%s: user name %q must be printable and not blank, such as förskrivare or farmaceut", where, role)
		}
		if err := e.Users[role].check(); err != nil {
			return fmt.Errorf("%s: user %s: %v", where, role, err)
		}
	}
	for _, h := range sortedKeys(e.Headers) {
		if err := checkHeader(h, e.Headers[h]); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
	}
	return e.CheckURL()
}

func (e *Environment) checkBaseURL() error {
	u, err := url.Parse(e.BaseURL)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("base_url %q must be an absolute https URL", e.BaseURL)
	case u.User != nil:
		return errors.New("base_url must not hold a user or password; the client certificate and users: identify konform")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return errors.New("base_url must not have a query or a fragment; give the FHIR base, such as https://host/fhir")
	}
	return nil
}

// checkDurations refuses timeouts that are set but zero or negative, and negative waits. An
// unset timeout takes its default.
func (e *Environment) checkDurations() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"timeout", e.Timeout}, {"connect_timeout", e.ConnectTimeout}} {
		if (e.set[d.key] || d.v != 0) && d.v <= 0 {
			return fmt.Errorf("%s must be more than zero, such as 30s; leave it out for the default", d.key)
		}
	}
	if e.Retries.Wait < 0 || e.Retries.MaxWait < 0 {
		return errors.New("retries.wait and retries.max_wait must not be negative")
	}
	if e.Retries.MaxWait != 0 && e.Retries.MaxWait < e.Retries.Wait {
		return errors.New("retries.max_wait must not be shorter than retries.wait")
	}
	return nil
}

// check refuses a client section konform would read only in part.
func (c Client) check() error {
	switch {
	case c.P12 != "" && c.Cert != "":
		return errors.New("both p12 and cert; give one")
	case c.P12 != "" && c.Key != "":
		return errors.New("key belongs to cert (PEM), not to p12; the PKCS#12 file holds its key")
	case c.Key != "" && c.Cert == "":
		return errors.New("key needs cert: the PEM certificate the key belongs to")
	case c.Cert != "" && (c.PasswordEnv != "" || c.PasswordFile != ""):
		return errors.New("password_env and password_file belong to p12; a PEM key is not password protected")
	case c.PasswordEnv != "" && c.PasswordFile != "":
		return errors.New("both password_env and password_file; give one")
	}
	return nil
}

// check refuses a user konform would read only in part.
func (u User) check() error {
	n := 0
	for _, set := range []bool{u.TokenEnv != "", u.TokenFile != "", len(u.TokenCommand) > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("give one of token_env, token_file and token_command")
	}
	if len(u.TokenCommand) > 0 && strings.TrimSpace(u.TokenCommand[0]) == "" {
		return errors.New("token_command needs a program first")
	}
	if u.OrgInfo != "" {
		var obj map[string]any
		if json.Unmarshal([]byte(u.OrgInfo), &obj) != nil || obj == nil {
			return errors.New(`org_info must be a JSON object, such as '{"orgenhetsId":"SE…","orgenhetsIdTyp":"HSA"}'`)
		}
	}
	return nil
}

// ownHeaders are headers konform sets itself, per user or per request.
var ownHeaders = map[string]string{
	"Authorization": "give each user's token under users:",
	"X-Org-Info":    "give each user's workplace as org_info under users:",
	"X-Request-Id":  "konform sends a fresh one with every request",
}

// checkHeader refuses a header Go would refuse to send, or one konform sets itself.
func checkHeader(name, value string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenRune(r) }) >= 0 {
		return fmt.Errorf("header %q is not a valid HTTP header name", name)
	}
	if next, ok := ownHeaders[http.CanonicalHeaderKey(name)]; ok {
		return fmt.Errorf("header %s is konform's to set; %s", http.CanonicalHeaderKey(name), next)
	}
	for _, r := range value {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return fmt.Errorf("header %s: the value holds a control character", name)
		}
	}
	return nil
}

// isTokenRune reports whether r may appear in an HTTP header name (RFC 9110's tchar).
func isTokenRune(r rune) bool {
	return r < 0x7f && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolve makes relative paths relative to the configuration file's folder.
func (e *Environment) resolve(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&e.CA)
	abs(&e.Client.Cert)
	abs(&e.Client.Key)
	abs(&e.Client.P12)
	abs(&e.Client.PasswordFile)
	for role, u := range e.Users {
		abs(&u.TokenFile)
		e.Users[role] = u
	}
}

// TokenCommandTimeout bounds a token_command's run; TokenCommandMax its output.
const (
	TokenCommandTimeout = 30 * time.Second
	TokenCommandMax     = 64 << 10
)

// Token reads a user's token from its environment variable, file or command; "" when none is
// configured. A command runs within TokenCommandTimeout and ctx (its whole process group is
// killed at the end), and may print at most TokenCommandMax bytes.
func (u User) Token(ctx context.Context, getenv func(string) string) (string, error) {
	switch {
	case u.TokenEnv != "":
		t := strings.TrimSpace(getenv(u.TokenEnv))
		if t == "" {
			return "", fmt.Errorf("the token variable %s is empty; set it to the access token", u.TokenEnv)
		}
		return t, nil
	case u.TokenFile != "":
		data, err := userfile.Read(u.TokenFile, userfile.Credential)
		if err != nil {
			return "", fmt.Errorf("cannot read the token file %s: %v", u.TokenFile, err)
		}
		t := strings.TrimSpace(string(data))
		if t == "" {
			return "", fmt.Errorf("the token file %s is empty; write the access token into it", u.TokenFile)
		}
		return t, nil
	case len(u.TokenCommand) > 0:
		out, err := runTokenCommand(ctx, u.TokenCommand)
		if err != nil {
			return "", err
		}
		t := strings.TrimSpace(string(out))
		if t == "" {
			return "", fmt.Errorf("the token command %s printed no token", u.TokenCommand[0])
		}
		return t, nil
	}
	return "", nil
}

// runTokenCommand runs a token_command with its bounds.
func runTokenCommand(ctx context.Context, argv []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, TokenCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	driver.KillGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	out := &boundedBuffer{max: TokenCommandMax}
	stderr := &driver.Tail{Max: 512}
	cmd.Stdout, cmd.Stderr = out, stderr
	err := cmd.Run()
	switch {
	case out.over:
		return nil, fmt.Errorf("the token command %s printed more than %d KiB; it must print the token alone", argv[0], TokenCommandMax>>10)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("the token command %s did not finish within %s; check that it runs without a terminal", argv[0], TokenCommandTimeout)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("the token command %s was interrupted", argv[0])
	case err != nil:
		msg := strings.TrimSpace(string(stderr.Bytes()))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg != "" {
			msg = ": " + msg
		}
		return nil, fmt.Errorf("the token command %s failed: %v%s", argv[0], err, msg)
	}
	return out.buf, nil
}

// boundedBuffer keeps at most max bytes and notes that more came; it refuses them, so that a
// command printing without end meets a closed pipe. (It has no ReadFrom, which io.Copy would
// use to go round the limit.)
type boundedBuffer struct {
	buf  []byte
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > b.max {
		b.over = true
		return 0, errors.New("output over the limit")
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Password returns the PKCS#12 password: from password_file, from password_env, or else fallback
// (KONFORM_CERT_PASSWORD).
func (c Client) Password(getenv func(string) string, fallback string) (string, error) {
	switch {
	case c.PasswordFile != "":
		data, err := userfile.Read(c.PasswordFile, userfile.Credential)
		if err != nil {
			return "", fmt.Errorf("cannot read the password file %s: %v", c.PasswordFile, err)
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	case c.PasswordEnv != "":
		return getenv(c.PasswordEnv), nil
	}
	return fallback, nil
}
