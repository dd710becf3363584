// Package fhircheck decides whether a JSON document konform ships or reads from a test pack (a
// test patient, medication or related person among the fixtures, or a request template with
// {{placeholders}}) is a valid FHIR R4 resource, and says why not in short lines.
//
// It owns that one question and answers it with the FHIR model package of the project,
// github.com/samply/golang-fhir-models (fhir-models): each element name is looked up in the
// library's Go type for its resourceType, each required-binding code goes through the library's
// own code type (so Patient.gender "okand" or Bundle.type "searchsett" is refused), required
// elements must be there, and the library's Unmarshal function must accept the resource too. On
// top of that it does what fhir-models does not: it refuses element names the type lacks
// ("gendr"), checks contained resources and the resources inside Bundle entries and Parameters,
// and knows FHIR JSON's own rules (no null, no empty string, array or object, no duplicate
// element, primitive extensions in "_name" companions).
//
// It does not check the formats of primitives (dates, ids, URIs are strings to fhir-models),
// invariants, profiles, references, or codes beyond the required bindings fhir-models has types
// for; nor what a placeholder's real value will be.
//
// It only checks. The body konform sends stays the raw JSON of the template: fhir-models drops
// contained resources and "_name" companions and can marshal invalid JSON for choice types, so a
// body that went through its types would no longer be the body the test case meant.
package fhircheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxSize is the largest document Resource and Template check, in bytes (4 MiB); a larger one
// is refused with one problem.
const MaxSize = 4 << 20

const (
	// maxProblems bounds the report for one document; one more line counts the rest.
	maxProblems = 50
	// maxLine is the longest problem line, in bytes.
	maxLine = 200
	// maxResourceDepth bounds resources inside resources (Bundle in a Bundle, contained).
	maxResourceDepth = 16
)

// Resource checks one JSON document, a FHIR R4 resource, and returns its problems, one short
// line each, in document order; none means valid. A problem names the element's path, such as
// `Patient.gender: "okand" is not a valid code; one of male, female, other, unknown`.
func Resource(data []byte) []string {
	if len(data) > MaxSize {
		return []string{tooLarge(len(data))}
	}
	return check(data, false, func(off int) (int, int) { return position(data, off) })
}

// Template checks a request template. Its {{placeholders}} are first replaced by plausible
// values: inside a JSON string by text of the right shape ({{today}} by a date, {{uuid}} by a
// UUID, {{base64:…}} by base64; a value only the scenario knows, such as {{var.name}}, by a
// value that is accepted wherever a string or code goes); standing where a JSON value stands,
// as in `"quantity": {{amount}}`, by a value accepted wherever any value goes. Then the template
// is checked as Resource checks a document. Whether a placeholder's real value will be a valid
// code is not known here and not checked.
func Template(data []byte) []string {
	if len(data) > MaxSize {
		return []string{tooLarge(len(data))}
	}
	f := fill(data)
	return check(f.doc, true, func(off int) (int, int) { return position(data, f.origin(off)) })
}

// check is Resource, or Template's second half when template is set. at gives the line and
// column of an offset in data as the author sees them.
func check(data []byte, template bool, at func(off int) (line, col int)) []string {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return []string{"not well-formed JSON at line 1, column 1: the document starts with a byte order mark; remove it"}
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return []string{malformed(data, err, at)}
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		line, col := at(off)
		return []string{fmt.Sprintf("not UTF-8 at line %d, column %d: FHIR JSON is UTF-8", line, col)}
	}
	root := parse(data)
	c := &checker{template: template}
	if root.kind != '{' && !c.isValueMarker(root) {
		return []string{"not a FHIR resource: the document is " + root.describe() + ", not a JSON object"}
	}
	c.resource("", root, false)
	return c.report()
}

// tooLarge is the problem of a document over MaxSize.
func tooLarge(n int) string {
	return fmt.Sprintf("document is %d bytes; the limit is %d bytes (4 MiB)", n, MaxSize)
}

// malformed turns encoding/json's complaint about data into one line with a line:column.
func malformed(data []byte, err error, at func(off int) (line, col int)) string {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return oneLine("not well-formed JSON: " + err.Error())
	}
	msg := strings.TrimPrefix(syntax.Error(), "json: ")
	if len(bytes.TrimSpace(data)) == 0 {
		return "not well-formed JSON: the document is empty"
	}
	// Offset counts the bytes read, the offending one included.
	line, col := at(max(int(syntax.Offset)-1, 0))
	return oneLine(fmt.Sprintf("not well-formed JSON at line %d, column %d: %s", line, col, msg))
}

// position gives the 1-based line and column (in characters) of byte offset at in data.
func position(data []byte, at int) (line, col int) {
	at = min(at, len(data))
	before := data[:at]
	line = bytes.Count(before, []byte("\n")) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// oneLine makes s one line of at most maxLine bytes: control characters become spaces, and a
// longer line is cut at a character boundary and ends in "…".
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return clip(s, maxLine)
}

// clip cuts s to at most n bytes at a character boundary, marking a cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
