package evidence

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redactor replaces personnummer and samordningsnummer with pseudonyms that stay the same within
// one run, so that a reader can still follow one patient through the evidence without seeing the
// number.
type Redactor struct {
	mu    sync.Mutex
	names map[string]string
	// secrets are values Scrub replaces wherever they occur; set before the run starts.
	secrets []string
}

// NewRedactor returns a redactor with no pseudonyms yet.
func NewRedactor() *Redactor { return &Redactor{names: map[string]string{}} }

// MinSecret is the length a value needs before Scrub hides it wherever it occurs: a shorter one
// would hide ordinary words and numbers too.
const MinSecret = 8

// Secret makes Scrub hide each value wherever it occurs: the run's tokens and the values of
// secret headers (SecretHeader) from konform.yaml, which a server might echo in a body. Values
// shorter than MinSecret are left to the header rule. Call it before the run starts.
func (r *Redactor) Secret(values ...string) {
	for _, v := range values {
		if len(v) < MinSecret {
			continue
		}
		r.secrets = append(r.secrets, v)
		// as a JSON string carries it, when a server echoes it in a body
		for _, escapeHTML := range []bool{true, false} {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(escapeHTML)
			enc.Encode(v)
			if quoted := strings.TrimSuffix(b.String(), "\n"); quoted[1:len(quoted)-1] != v && !slices.Contains(r.secrets, quoted[1:len(quoted)-1]) {
				r.secrets = append(r.secrets, quoted[1:len(quoted)-1])
			}
		}
	}
}

// Redact returns s with every personnummer and samordningsnummer replaced by its pseudonym. It
// finds them written as ÅÅÅÅMMDDNNNN or ÅÅMMDDNNNN, or with a separator between date and number
// (idSeparators: a hyphen or dash, + or a space, also URL-encoded), when the date is one (the day plus 60 in a
// samordningsnummer, whose month and day may also be 00 when the birth date is not known) and
// the check digit is right. A number must stand alone: no digit right before or after it, and for
// the ten-digit forms no letter either (ids, UUID fragments), but for the end of a URL escape
// such as %7C. The same number in any of its forms gets the same pseudonym. A number inside
// standard base64 (NLL's x-provenance) is replaced too: see redactBase64.
func (r *Redactor) Redact(s string) string {
	s = r.redactBase64(s)
	var b strings.Builder
	last := 0
	eachIDNumber(s, func(start, end int, key string) {
		b.WriteString(s[last:start])
		b.WriteString(r.pseudonym(key))
		last = end
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// IDNumbers returns each personnummer and samordningsnummer in s that Redact would hide, as its
// ten digits ÅÅMMDDNNNN, so that the same person written in any form compares equal.
func IDNumbers(s string) []string {
	var keys []string
	eachIDNumber(s, func(_, _ int, key string) { keys = append(keys, key) })
	return keys
}

// eachIDNumber calls found for each personnummer and samordningsnummer in s, in order, with
// where it starts and ends and its ten digits.
func eachIDNumber(s string, found func(start, end int, key string)) {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && isDigit(s[i-1]) {
			continue // a number starts after a non-digit
		}
		end, key := findIDNumber(s, i)
		if end < 0 || inUUID(s, i, end) {
			continue
		}
		found(i, end, key)
		i = end - 1
	}
}

// inUUID reports whether s[i:end] lies in a UUID (8-4-4-4-12 hex digits), whose first group
// with the second, or whose last group, can read as a personnummer: the ids of FHIR resources
// and x-request-id are UUIDs.
func inUUID(s string, i, end int) bool {
	for _, start := range []int{i, i - 24} { // a match starts a UUID's first group or its last
		if start >= 0 && start+36 <= len(s) && end <= start+36 && isUUID(s[start:start+36]) &&
			(start == 0 || !isHex(s[start-1])) && (start+36 == len(s) || !isHex(s[start+36])) {
			return true
		}
	}
	return false
}

// isUUID reports whether s is 36 characters of hex digits in groups of 8-4-4-4-12.
func isUUID(s string) bool {
	for j := 0; j < len(s); j++ {
		if j == 8 || j == 13 || j == 18 || j == 23 {
			if s[j] != '-' {
				return false
			}
		} else if !isHex(s[j]) {
			return false
		}
	}
	return true
}

// findIDNumber looks for a personnummer or samordningsnummer at s[i:], where s[i] is a digit
// that no digit precedes. It returns where the number ends and its ten digits ÅÅMMDDNNNN
// (the same person whatever the form), or -1.
func findIDNumber(s string, i int) (int, string) {
	if d, end := datedDigits(s, i, 8); end > 0 && (d[:2] == "18" || d[:2] == "19" || d[:2] == "20") &&
		validIDNumber(d[2:]) && (end == len(s) || !isDigit(s[end])) {
		return end, d[2:]
	}
	if i > 0 && isAlnum(s[i-1]) && !(i >= 3 && s[i-3] == '%' && isHex(s[i-2]) && isHex(s[i-1])) {
		return -1, "" // part of an id, but for a URL escape such as %7C
	}
	if d, end := datedDigits(s, i, 6); end > 0 && validIDNumber(d) && (end == len(s) || !isAlnum(s[end])) {
		return end, d
	}
	return -1, ""
}

// idSeparators stand between the date and the number: a hyphen (also as a word processor or a
// URL writes it, and with spaces around it), a plus or a space; a URL encodes + and the space.
// The longer come first: the first that stands there is taken.
var idSeparators = []string{" - ", " \u2013 ", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212", "%2D", "%2d", "+", " ", "\u00a0", "%20", "%2B", "%2b"}

// datedDigits reads n digits at s[i:], an optional separator, then four digits. It returns the
// n+4 digits and where they end, or an end of -1.
func datedDigits(s string, i, n int) (string, int) {
	if !allDigits(s, i, n) {
		return "", -1
	}
	j := i + n
	for _, sep := range idSeparators {
		if strings.HasPrefix(s[j:], sep) {
			j += len(sep)
			break
		}
	}
	if !allDigits(s, j, 4) {
		return "", -1
	}
	return s[i:i+n] + s[j:j+4], j + 4
}

func allDigits(s string, i, n int) bool {
	if i+n > len(s) {
		return false
	}
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// validIDNumber reports whether d, ten digits ÅÅMMDDNNNN, is a personnummer (a date) or a
// samordningsnummer (the day plus 60; month and day 00 when not known) with a valid check digit.
func validIDNumber(d string) bool {
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	day := int(d[4]-'0')*10 + int(d[5]-'0')
	switch {
	case day >= 60 && day <= 91: // samordningsnummer
		if month > 12 {
			return false
		}
	case month < 1 || month > 12 || day < 1 || day > 31:
		return false
	}
	return luhn(d)
}

// luhn reports whether the last of the ten digits d is their check digit.
func luhn(d string) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		n := int(d[i] - '0')
		if i%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return (10-sum%10)%10 == int(d[9]-'0')
}

func (r *Redactor) pseudonym(key string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	name, ok := r.names[key]
	if !ok {
		name = fmt.Sprintf("[personnummer-%d]", len(r.names)+1)
		r.names[key] = name
	}
	return name
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }

func isHex(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// ValidPersonnummer reports whether p is 12 digits whose last is the check digit (Luhn over
// the last ten).
func ValidPersonnummer(p string) bool {
	if len(p) != 12 || !allDigits(p, 0, 12) {
		return false
	}
	return luhn(p[2:])
}

// minBase64 is the shortest run of base64 that redactBase64 decodes.
const minBase64 = 16

// redactBase64 replaces each run of standard, padded base64 (minBase64 characters or more) that
// decodes to UTF-8 text with a personnummer or samordningsnummer in it by the base64 of that text
// redacted. NLL's x-provenance header, and a transaction entry's nllProvenanceDetails, are a
// base64-encoded Provenance whose reason a system may fill with the patient's number: redaction
// that read only the encoded form left it in clear. Other runs are left as they are.
func (r *Redactor) redactBase64(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isBase64Byte(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isBase64Byte(s[i]) {
			i++
		}
		for pad := 0; pad < 2 && i < len(s) && s[i] == '='; pad++ {
			i++
		}
		run := s[start:i]
		if len(run) < minBase64 || len(run)%4 != 0 {
			continue
		}
		dec, err := base64.StdEncoding.DecodeString(run)
		if err != nil || !utf8.Valid(dec) || len(IDNumbers(string(dec))) == 0 {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(r.Redact(string(dec)))))
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isBase64Byte(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }
