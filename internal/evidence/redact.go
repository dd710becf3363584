package evidence

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// personnummerPattern finds 12-digit personnummer (also samordningsnummer, day + 60), with or
// without a separator. Redact checks that no digit stands right before or after a match.
var personnummerPattern = regexp.MustCompile(`(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])[-+]?\d{4}`)

// Redactor replaces personnummer with pseudonyms that stay the same within one run, so that a
// reader can still follow one patient through the evidence without seeing the number.
type Redactor struct {
	mu    sync.Mutex
	names map[string]string
}

// NewRedactor returns a redactor with no pseudonyms yet.
func NewRedactor() *Redactor { return &Redactor{names: map[string]string{}} }

// Redact returns s with every personnummer (valid check digit) replaced by its pseudonym.
func (r *Redactor) Redact(s string) string {
	matches := personnummerPattern.FindAllStringIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		if (m[0] > 0 && isDigit(s[m[0]-1])) || (m[1] < len(s) && isDigit(s[m[1]])) {
			continue // part of a longer number
		}
		digits := strings.NewReplacer("-", "", "+", "").Replace(s[m[0]:m[1]])
		if !ValidPersonnummer(digits) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(r.pseudonym(digits))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func (r *Redactor) pseudonym(pnr string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	name, ok := r.names[pnr]
	if !ok {
		name = fmt.Sprintf("[personnummer-%d]", len(r.names)+1)
		r.names[pnr] = name
	}
	return name
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ValidPersonnummer reports whether p is 12 digits whose last is the check digit (Luhn over
// the last ten).
func ValidPersonnummer(p string) bool {
	if len(p) != 12 {
		return false
	}
	sum := 0
	for i := 2; i < 12; i++ {
		c := p[i]
		if c < '0' || c > '9' || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return false
		}
		if i == 11 {
			break
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10-sum%10)%10 == int(p[11]-'0')
}
