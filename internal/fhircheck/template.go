package fhircheck

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
)

// placeholder is a {{name}} in a template, as the steps that fill templates find it.
var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

// Template writes these markers for values it cannot know. They begin with U+0000, which no
// valid FHIR string holds, and are only honoured when checking a template.
const (
	markerPrefix = "\x00konform:"
	valueMarker  = markerPrefix + "value" // a placeholder where a JSON value goes
	markerJSON   = `\u0000konform:`       // markerPrefix as it stands in JSON text
)

// Plausible values for the placeholders whose shape is known.
const (
	sampleDate    = "2025-01-15"
	sampleInstant = "2025-01-15T12:00:00Z"
	sampleUUID    = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e99"
	sampleRunID   = "20250115T120000Z-0a1b2c"
	samplePnr     = "191212121212"
)

// filled is a template with its placeholders replaced.
type filled struct {
	doc  []byte
	reps []replacement // in order
}

// replacement is one placeholder: where it was in the template and where its value is in doc.
type replacement struct{ inStart, inEnd, outStart, outEnd int }

// origin maps an offset in the filled document back to the template: a place inside a
// placeholder's value is the placeholder's start.
func (f filled) origin(off int) int {
	delta := 0
	for _, r := range f.reps {
		if off < r.outStart {
			break
		}
		if off < r.outEnd {
			return r.inStart
		}
		delta = r.inEnd - r.outEnd
	}
	return off + delta
}

// fill replaces the placeholders of template data: one inside a JSON string by text of the
// shape its name promises (or a marker, when only the scenario knows the value), one where a
// JSON value stands by a marker string. A placeholder's own text does not move the string
// state, just as its value does not once filled.
func fill(data []byte) filled {
	matches := placeholder.FindAllIndex(data, -1)
	if len(matches) == 0 {
		return filled{doc: data}
	}
	var out bytes.Buffer
	out.Grow(len(data) + 16*len(matches))
	reps := make([]replacement, 0, len(matches))
	inString, escaped, last := false, false, 0
	for _, m := range matches {
		for _, b := range data[last:m[0]] {
			switch {
			case escaped:
				escaped = false
			case inString && b == '\\':
				escaped = true
			case b == '"':
				inString = !inString
			}
		}
		escaped = false
		out.Write(data[last:m[0]])
		name := strings.TrimSpace(string(data[m[0]+2 : m[1]-2]))
		start := out.Len()
		if inString {
			out.WriteString(sample(name))
		} else {
			out.WriteString(`"` + markerJSON + `value"`)
		}
		reps = append(reps, replacement{inStart: m[0], inEnd: m[1], outStart: start, outEnd: out.Len()})
		last = m[1]
	}
	out.Write(data[last:])
	return filled{doc: out.Bytes(), reps: reps}
}

// sample is the text a placeholder stands for inside a JSON string, safe to put there as it is.
func sample(name string) string {
	switch {
	case name == "today" || strings.HasPrefix(name, "today+") || strings.HasPrefix(name, "today-"):
		return sampleDate
	case name == "now" || strings.HasPrefix(name, "now+") || strings.HasPrefix(name, "now-"):
		return sampleInstant
	case name == "uuid" || name == "patient.id" || name == "created.id":
		return sampleUUID
	case name == "run.id":
		return sampleRunID
	case name == "patient.personnummer":
		return samplePnr
	case strings.HasPrefix(name, "base64:"):
		return base64.StdEncoding.EncodeToString([]byte(strings.TrimPrefix(name, "base64:")))
	}
	return markerJSON + "string" // {{var.name}} and the like: only the scenario knows
}
