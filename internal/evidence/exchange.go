package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Exchange is one HTTP exchange as the evidence keeps it.
type Exchange struct {
	Attempt    int
	Started    time.Time
	Duration   time.Duration
	Method     string
	URL        string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int // 0 when no answer came
	RespHeader http.Header
	RespBody   []byte
	// Err says why no answer came.
	Err string
	// TLS summary of the connection.
	TLSVersion, Cipher, PeerSubject string
	// Origin is "sut" for a call the system under test made through the gateway, "" for konform's own.
	Origin string
	// ClientSubject is the client certificate presented: by the system under test to the gateway,
	// or by konform on a new connection.
	ClientSubject string
	// Handshake is true when konform's request made a new TLS connection on which the server asked
	// for a client certificate.
	Handshake bool
	// Upstream says what the gateway did with a SUT call: forwarded, unavailable, dropped, refused.
	Upstream string
	// ReqDecoded and RespDecoded name the Content-Encoding a body is shown decoded from.
	ReqDecoded, RespDecoded string
}

// ExchangesFile holds konform's own exchanges of a whole run, below the evidence folder.
const ExchangesFile = "exchanges.http"

// ExchangeRef points from a case to one of its exchanges: a part of the run's exchanges.http, or a
// whole file (a call of the system under test, exchanges/<case>/sut-NNN.http).
type ExchangeRef struct {
	// File is the path below the evidence folder: exchanges.http, or a file of its own.
	File string `json:"file"`
	// Part numbers the case's exchanges in File from 1: the part starts with the line
	// "### <case> #<part>  <summary>". 0 when the file holds this exchange alone.
	Part int `json:"part,omitempty"`
	// Offset and Size are where the exchange's text lies in File, in bytes, when Part is set.
	Offset int64 `json:"offset,omitempty"`
	Size   int64 `json:"size,omitempty"`
	// Summary is one line: method, URL, status, time.
	Summary string `json:"summary"`
}

// Name is how a person finds the exchange next to its case's id: the file, and "#N" for a part.
func (e ExchangeRef) Name() string {
	if e.Part == 0 {
		return e.File
	}
	return e.File + " #" + strconv.Itoa(e.Part)
}

// ExchangeLog is the run's exchanges.http: the exchanges of each case in turn, appended as the
// case finishes, each headed "### <case> #N  <summary>" and ended by an empty line. One file for
// the run, as a recording proxy keeps one traffic log: creating a file per case or per exchange
// costs more than the request itself on many file systems (docs/performance.md). Safe for
// concurrent use.
type ExchangeLog struct {
	path string

	mu   sync.Mutex
	f    *os.File // opened by the first Append
	size int64
	err  error // the first write error; the log writes nothing after it
}

// NewExchangeLog returns the exchange log of the evidence folder dir; the file is created when
// the first case with exchanges finishes.
func NewExchangeLog(dir string) *ExchangeLog {
	return &ExchangeLog{path: filepath.Join(dir, ExchangesFile)}
}

// CaseExchange is one exchange as a case hands it to the log: its text (Exchange.Format) and
// one-line summary, both already redacted.
type CaseExchange struct{ Text, Summary string }

// Append writes a case's exchanges and returns the references to them.
func (l *ExchangeLog) Append(caseID string, exchanges []CaseExchange) ([]ExchangeRef, error) {
	if len(exchanges) == 0 {
		return nil, nil
	}
	var block bytes.Buffer
	size := 0
	for _, e := range exchanges {
		size += len(caseID) + len(e.Summary) + len(e.Text) + 32
	}
	block.Grow(size)
	refs := make([]ExchangeRef, len(exchanges))
	for i, e := range exchanges {
		fmt.Fprintf(&block, "### %s #%d  %s\n", caseID, i+1, e.Summary)
		refs[i] = ExchangeRef{File: ExchangesFile, Part: i + 1, Offset: int64(block.Len()), Size: int64(len(e.Text)), Summary: e.Summary}
		block.WriteString(e.Text)
		if !strings.HasSuffix(e.Text, "\n") {
			block.WriteByte('\n')
		}
		block.WriteByte('\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil && l.err == nil {
		l.f, l.err = os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if l.err != nil {
		return nil, l.err
	}
	if _, err := l.f.Write(block.Bytes()); err != nil {
		l.err = err
		return nil, err
	}
	for i := range refs {
		refs[i].Offset += l.size
	}
	l.size += int64(block.Len())
	return refs, nil
}

// Close closes the file; the log takes no more cases.
func (l *ExchangeLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		l.err = errors.New("the exchange log is closed")
		return nil
	}
	err := l.f.Close()
	l.f, l.err = nil, errors.New("the exchange log is closed")
	return err
}

var (
	jwtPattern        = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	privateKeyPattern = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`)
	// A private key cut short keeps only one of its armour lines: the end of a command's output
	// (the last 300 bytes in an error message) has the key's last lines and its END line, and
	// output or a body cut at its limit has the BEGIN line and the first lines. The base64 lines
	// beside the armour line go with it; they are separated by white space, or by \n as JSON
	// writes a key.
	orphanKeyEndPattern   = regexp.MustCompile(`(?:[A-Za-z0-9+/=]*(?:\s|\\[nr])+)?(?:[A-Za-z0-9+/=]{16,}(?:\s|\\[nr])+)*(?:[A-Za-z0-9+/=]+(?:\s|\\[nr])*)?-----END [A-Z ]*PRIVATE KEY-----`)
	orphanKeyBeginPattern = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----(?:(?:\s|\\[nr])+[A-Za-z0-9+/=:,-]+)*`)
	secretField           = regexp.MustCompile(`(?i)("(?:password|passwd|client_secret|secret|refresh_token|access_token|id_token|token|api_?key)"\s*:\s*)"[^"]*"`)
	// bearerPattern is a credential after its scheme, whatever its shape (curl -v prints them).
	bearerPattern = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}`)
)

// secretHeaders never reach the evidence in clear.
var secretHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true}

// secretWords are the words of a header name (between its dashes and underscores) that say it
// carries a secret: an API gateway's key (X-Api-Key, Ocp-Apim-Subscription-Key), a token, a
// password or a signature.
var secretWords = map[string]bool{"key": true, "apikey": true, "token": true, "secret": true, "password": true, "passwd": true,
	"auth": true, "authorization": true, "signature": true, "credential": true, "credentials": true, "cookie": true, "jwt": true,
	"sessionid": true}

// secretEndings end a word of a header name that carries a secret (X-AccessToken, X-ClientSecret).
var secretEndings = []string{"token", "secret", "apikey", "password"}

// SecretHeader reports whether a header's value is kept out of the evidence: credentials and
// cookies, and every header with a word of secretWords in its name, or a word ending in one of
// secretEndings (a supplier's own headers in konform.yaml included), and a session id
// (X-Session-Id). X-Turnkey-Build, X-Author and X-Session-Lang are no secrets.
func SecretHeader(name string) bool {
	if secretHeaders[name] {
		return true
	}
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '-' || r == '_' })
	for i, word := range words {
		if secretWords[word] || word == "session" && i+1 < len(words) && words[i+1] == "id" { // X-Session-Id
			return true
		}
		for _, end := range secretEndings {
			if strings.HasSuffix(word, end) {
				return true
			}
		}
	}
	return false
}

// Scrub removes secrets and personal data from text: personnummer become the run's pseudonyms,
// tokens, private keys and password fields become markers.
func (r *Redactor) Scrub(s string) string {
	// The literal patterns run only where their literal occurs. The case-insensitive ones are
	// matched by hand (scrubCredentials, scrubSecretFields): the regexp engine would try them at
	// every position of every exchange, which cost more than the rest of writing it.
	if strings.Contains(s, "PRIVATE KEY-----") {
		s = scrubPrivateKeys(s)
	}
	if strings.Contains(s, "eyJ") {
		s = jwtPattern.ReplaceAllString(s, "[token redacted]")
	}
	if strings.Contains(s, "\u017f") || strings.Contains(s, "\u212a") {
		// (?i) also folds ſ to s and the Kelvin sign to k, which the hand matchers do not.
		s = bearerPattern.ReplaceAllString(s, "$1$2[token redacted]")
		s = secretField.ReplaceAllString(s, `$1"[redacted]"`)
	} else {
		s = scrubSecretFields(scrubCredentials(s))
	}
	if strings.IndexByte(s, '=') >= 0 {
		s = scrubQuerySecrets(s)
	}
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return r.Redact(s)
}

// querySecrets are the names of query and form parameters whose value is a secret: OAuth's
// access_token in a URL (RFC 6750 allows it), a client's secret in a token request, an API key.
var querySecrets = map[string]bool{"access_token": true, "id_token": true, "refresh_token": true, "token": true, "jwt": true,
	"api_key": true, "apikey": true, "key": true, "client_secret": true, "secret": true, "password": true, "passwd": true,
	"session": true, "session_id": true, "sessionid": true}

// scrubQuerySecrets replaces the value of every parameter named in querySecrets (any case) with a
// marker: name=value after ?, & or ; (a URL's query) or at the start of a line (a form body).
func scrubQuerySecrets(s string) string {
	var b strings.Builder
	last := 0
	for i := strings.IndexByte(s, '='); i >= 0 && i < len(s); {
		k := i
		for k > 0 && (isAlnum(s[k-1]) || s[k-1] == '_') {
			k--
		}
		end := i + 1
		if (k == 0 || strings.IndexByte("?&;\n", s[k-1]) >= 0) && k < i && querySecrets[strings.ToLower(s[k:i])] {
			for end < len(s) && strings.IndexByte("&; \t\r\n#\"'<>", s[end]) < 0 {
				end++
			}
			if end > i+1 && s[i+1:end] != "[redacted]" {
				b.WriteString(s[last : i+1])
				b.WriteString("[redacted]")
				last = end
			}
		}
		next := strings.IndexByte(s[end:], '=')
		if next < 0 {
			break
		}
		i = end + next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// scrubPrivateKeys replaces every private key in PEM, whole or cut short, with a marker.
func scrubPrivateKeys(s string) string {
	s = privateKeyPattern.ReplaceAllString(s, "[private key redacted]")
	s = orphanKeyEndPattern.ReplaceAllString(s, "[private key redacted]")
	return orphanKeyBeginPattern.ReplaceAllString(s, "[private key redacted]")
}

// scrubCredentials does what bearerPattern does, in a text without ſ or the Kelvin sign: the
// credential after "bearer" or "basic" (any case, not inside a word) and white space becomes a
// marker when it has 8 characters or more.
func scrubCredentials(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != 'b' || i > 0 && isWordByte(s[i-1]) {
			continue
		}
		j := i
		switch {
		case hasPrefixFold(s[i:], "bearer"):
			j += len("bearer")
		case hasPrefixFold(s[i:], "basic"):
			j += len("basic")
		default:
			continue
		}
		k := j
		for k < len(s) && isSpaceByte(s[k]) {
			k++
		}
		end := k
		for end < len(s) && isCredentialByte(s[end]) {
			end++
		}
		if k == j || end-k < 8 {
			continue
		}
		b.WriteString(s[last:k])
		b.WriteString("[token redacted]")
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// secretKeys are the JSON keys whose string values secretField hides.
var secretKeys = []string{"password", "passwd", "client_secret", "secret", "refresh_token", "access_token", "id_token", "token", "api_key", "apikey"}

// scrubSecretFields does what secretField does, in a text without ſ or the Kelvin sign: the
// string value of a key of secretKeys (any case) becomes a marker.
func scrubSecretFields(s string) string {
	var b strings.Builder
	last := 0
	for i := strings.IndexByte(s, '"'); i >= 0 && i < len(s); {
		j := secretKeyEnd(s, i+1) // after the key's closing quote, or -1
		if j >= 0 {
			for j < len(s) && isSpaceByte(s[j]) {
				j++
			}
			if j < len(s) && s[j] == ':' {
				j++
				for j < len(s) && isSpaceByte(s[j]) {
					j++
				}
				if j < len(s) && s[j] == '"' {
					if q := strings.IndexByte(s[j+1:], '"'); q >= 0 {
						b.WriteString(s[last:j])
						b.WriteString(`"[redacted]"`)
						last = j + 1 + q + 1
						next := strings.IndexByte(s[last:], '"')
						if next < 0 {
							break
						}
						i = last + next
						continue
					}
				}
			}
		}
		next := strings.IndexByte(s[i+1:], '"')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// secretKeyEnd returns where a key of secretKeys and its closing quote end, when one starts at
// s[i:], or -1.
func secretKeyEnd(s string, i int) int {
	for _, k := range secretKeys {
		if hasPrefixFold(s[i:], k) && i+len(k) < len(s) && s[i+len(k)] == '"' {
			return i + len(k) + 1
		}
	}
	return -1
}

// hasPrefixFold reports whether s begins with the ASCII word prefix, in any ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c, p := s[i], prefix[i]
		if c != p && (c|0x20 != p || p < 'a' || p > 'z') {
			return false
		}
	}
	return true
}

// isWordByte is \w of the regexp package: an ASCII letter, digit or underscore.
func isWordByte(c byte) bool { return isAlnum(c) || c == '_' }

// isSpaceByte is \s of the regexp package.
func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// isCredentialByte is a character bearerPattern takes for a credential's.
func isCredentialByte(c byte) bool { return isAlnum(c) || strings.IndexByte("._~+/=-", c) >= 0 }

// Format renders an exchange as plain text, the request and then the response, as a part of
// exchanges.http (or a sut-NNN.http file) holds it. With redact, secrets and personal data are scrubbed.
func (e *Exchange) Format(r *Redactor, redact bool) string {
	var b strings.Builder
	if e.Origin == "sut" {
		fmt.Fprintf(&b, "# call of the system under test, through konform's gateway · received %s · %d ms · gateway: %s\n",
			e.Started.UTC().Format(time.RFC3339Nano), e.Duration.Milliseconds(), e.Upstream)
		fmt.Fprintf(&b, "# %s · %s · client certificate %s\n", e.TLSVersion, e.Cipher, quoteOrDash(e.ClientSubject))
	} else {
		fmt.Fprintf(&b, "# attempt %d · sent %s · %d ms\n", e.Attempt, e.Started.UTC().Format(time.RFC3339Nano), e.Duration.Milliseconds())
	}
	if e.TLSVersion != "" && e.Origin != "sut" {
		fmt.Fprintf(&b, "# %s · %s · server %s\n", e.TLSVersion, e.Cipher, e.PeerSubject)
	}
	if e.Handshake && e.Origin != "sut" {
		fmt.Fprintf(&b, "# new connection: the server asked for a client certificate; presented %s\n", quoteOrDash(e.ClientSubject))
	}
	if e.Method == "" {
		fmt.Fprintf(&b, "\n# no request: %s\n", e.Err)
	} else {
		fmt.Fprintf(&b, "\n%s %s\n", e.Method, e.URL)
	}
	writeHeaders(&b, e.ReqHeader, redact)
	writeBody(&b, e.ReqBody, e.ReqHeader, e.ReqDecoded)
	if e.Status == 0 && e.Method != "" {
		fmt.Fprintf(&b, "\n# no answer: %s\n", e.Err)
	} else if e.Status != 0 {
		fmt.Fprintf(&b, "\nHTTP %d %s\n", e.Status, http.StatusText(e.Status))
		writeHeaders(&b, e.RespHeader, redact)
		writeBody(&b, e.RespBody, e.RespHeader, e.RespDecoded)
	}
	if !redact {
		return b.String()
	}
	return r.Scrub(b.String())
}

func quoteOrDash(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Summary is the exchange in one line.
func (e *Exchange) Summary() string {
	if e.Method == "" {
		return "connection refused by the gateway: " + e.Err
	}
	if e.Status == 0 {
		return fmt.Sprintf("%s %s → no answer: %s", e.Method, e.URL, e.Err)
	}
	return fmt.Sprintf("%s %s → %d (%d ms)", e.Method, e.URL, e.Status, e.Duration.Milliseconds())
}

func writeHeaders(b *strings.Builder, h http.Header, redact bool) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			if redact && SecretHeader(k) {
				scheme, _, _ := strings.Cut(v, " ")
				if scheme == v {
					scheme = ""
				}
				v = strings.TrimSpace(scheme + " [redacted]")
			}
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

func writeBody(b *strings.Builder, body []byte, h http.Header, decodedFrom string) {
	if len(body) == 0 {
		return
	}
	if decodedFrom != "" {
		fmt.Fprintf(b, "\n# the body came %s-encoded; shown decoded\n", decodedFrom)
	} else if !utf8.Valid(body) {
		// Bytes that are not text (compressed, or binary) could hold personal data that
		// redaction cannot read: they are never written.
		enc := ""
		if v := h.Get("Content-Encoding"); v != "" {
			enc = ", Content-Encoding " + strconv.Quote(v)
		}
		fmt.Fprintf(b, "\n# a body of %d bytes that is not text%s: not kept, since redaction cannot read it\n", len(body), enc)
		return
	}
	b.WriteString("\n")
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") == nil {
		b.Write(pretty.Bytes())
	} else {
		b.Write(body)
	}
	b.WriteString("\n")
}
