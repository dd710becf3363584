// Package config resolves the environment a run targets: the built-in simulator, or an
// environment from konform.yaml (the agency's EXT environments, or any FHIR server over mutual
// TLS), and refuses production environments.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
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
	// Users holds the credentials of each role (förskrivare, farmaceut); the first is the default.
	Users map[string]User `yaml:"users"`
	// Timeout bounds each request from connect to the last byte (a Go duration such as 30s).
	Timeout time.Duration `yaml:"timeout"`
	// ConnectTimeout bounds the TCP connect and the TLS handshake (default 10s).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// Proxy is an HTTP proxy for CONNECT tunnels; empty means HTTPS_PROXY (and NO_PROXY).
	Proxy string `yaml:"proxy"`
	// Headers are sent with every request (for example a fixed x-user-agent).
	Headers map[string]string `yaml:"headers"`
	// Retries retries idempotent requests (GET) on 429, 502, 503, 504 and connection errors.
	Retries Retries `yaml:"retries"`
	// ProductionIssuers adds issuer names to the built-in list of production CAs.
	ProductionIssuers []string `yaml:"production_issuers"`
	// DenyURLs lists parts of URLs konform must never connect to (production hosts).
	DenyURLs []string `yaml:"deny_urls"`

	line int // where the environment starts in the file, for messages
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

// File is konform.yaml.
type File struct {
	Environments map[string]*Environment `yaml:"environments"`
}

var builtin = map[string]Environment{
	"sim": {Name: "sim", Kind: Test, Simulated: true, Description: "the built-in NLL simulator, started in-process on a free loopback port"},
}

// Lookup returns the environment called name: a built-in one, or one of the configuration file
// path (DefaultFile when empty; a missing default file is no error). Relative paths in the file
// are taken from the file's folder.
func Lookup(name, path string) (Environment, error) {
	if env, ok := builtin[name]; ok {
		return env, nil
	}
	file, path, err := load(path)
	if err != nil {
		return Environment{}, err
	}
	env, ok := file.Environments[name]
	if !ok {
		return Environment{}, fmt.Errorf("unknown environment %q; known: %s", name, strings.Join(names(file), ", "))
	}
	env.Name = name
	if err := env.check(path); err != nil {
		return Environment{}, err
	}
	env.resolve(filepath.Dir(path))
	return *env, nil
}

func load(path string) (*File, string, error) {
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return &File{}, path, nil
		}
		return nil, path, fmt.Errorf("cannot read %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return nil, path, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) == nil && len(doc.Content) > 0 {
		envs := child(doc.Content[0], "environments")
		for i := 0; envs != nil && i+1 < len(envs.Content); i += 2 {
			if e := f.Environments[envs.Content[i].Value]; e != nil {
				e.line = envs.Content[i].Line
			}
		}
	}
	return &f, path, nil
}

// child returns the value of key in a YAML mapping node, or nil.
func child(m *yaml.Node, key string) *yaml.Node {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func names(f *File) []string {
	var out []string
	for n := range builtin {
		out = append(out, n)
	}
	for n := range f.Environments {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// check refuses environments konform must not run against, before any connection.
func (e *Environment) check(path string) error {
	where := fmt.Sprintf("%s:%d: environment %s", path, e.line, e.Name)
	switch e.Kind {
	case Test:
	case Production:
		return fmt.Errorf("%s is marked production; konform runs against test environments only (the agency's requirement 3.7.1 keeps test and production apart)", where)
	default:
		return fmt.Errorf("%s needs kind: test", where)
	}
	u, err := url.Parse(e.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%s: base_url %q must be an absolute https URL", where, e.BaseURL)
	}
	if e.CA == "" {
		return fmt.Errorf("%s needs ca: the PEM bundle that issues the server's certificate", where)
	}
	if e.Client.P12 != "" && e.Client.Cert != "" {
		return fmt.Errorf("%s: client has both p12 and cert; give one", where)
	}
	if e.Proxy != "" {
		if p, err := url.Parse(e.Proxy); err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			return fmt.Errorf("%s: proxy %q must be an http(s) URL such as http://proxy.example:3128", where, e.Proxy)
		}
	}
	if e.Retries.Max < 0 || e.Retries.Max > 10 {
		return fmt.Errorf("%s: retries.max must be from 0 to 10", where)
	}
	return e.CheckURL()
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

// Token reads a user's token from its environment variable or file; "" when none is configured.
func (u User) Token(getenv func(string) string) (string, error) {
	switch {
	case u.TokenEnv != "":
		t := strings.TrimSpace(getenv(u.TokenEnv))
		if t == "" {
			return "", fmt.Errorf("the token variable %s is empty; set it to the access token", u.TokenEnv)
		}
		return t, nil
	case u.TokenFile != "":
		data, err := os.ReadFile(u.TokenFile)
		if err != nil {
			return "", fmt.Errorf("cannot read the token file %s: %v", u.TokenFile, err)
		}
		return strings.TrimSpace(string(data)), nil
	case len(u.TokenCommand) > 0:
		out, err := exec.Command(u.TokenCommand[0], u.TokenCommand[1:]...).Output()
		if err != nil {
			return "", fmt.Errorf("the token command %s failed: %v", u.TokenCommand[0], err)
		}
		t := strings.TrimSpace(string(out))
		if t == "" {
			return "", fmt.Errorf("the token command %s printed no token", u.TokenCommand[0])
		}
		return t, nil
	}
	return "", nil
}

// Password returns the PKCS#12 password: from password_file, from password_env, or else fallback
// (KONFORM_CERT_PASSWORD).
func (c Client) Password(getenv func(string) string, fallback string) (string, error) {
	switch {
	case c.PasswordFile != "":
		data, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("cannot read the password file %s: %v", c.PasswordFile, err)
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	case c.PasswordEnv != "":
		return getenv(c.PasswordEnv), nil
	}
	return fallback, nil
}
