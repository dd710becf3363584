package fhircheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/agnivade/levenshtein"
	"github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// checker walks one document against fhir-models' Go types and collects its problems.
type checker struct {
	template bool // placeholders were filled with markers that any matching value accepts
	problems []string
	more     int // problems past maxProblems, only counted
	depth    int // resources being walked, one inside another
}

// add records one problem.
func (c *checker) add(format string, args ...any) {
	if len(c.problems) >= maxProblems {
		c.more++
		return
	}
	c.problems = append(c.problems, oneLine(fmt.Sprintf(format, args...)))
}

// full reports whether further problems are only counted, so a message need not be made.
func (c *checker) full() bool { return len(c.problems) >= maxProblems }

// count is how many problems have been found so far.
func (c *checker) count() int { return len(c.problems) + c.more }

// report returns the problems, the uncounted ones as one last line.
func (c *checker) report() []string {
	if c.more > 0 {
		return append(c.problems, fmt.Sprintf("… and %d more problems", c.more))
	}
	return c.problems
}

// isValueMarker reports whether n stands for a placeholder that Template found where a JSON
// value goes.
func (c *checker) isValueMarker(n *node) bool {
	return c.template && n.kind == '"' && n.text == valueMarker
}

// isTemplated reports whether the string s holds a placeholder whose value Template cannot know.
func (c *checker) isTemplated(s string) bool {
	return c.template && strings.Contains(s, markerPrefix)
}

// resource checks n as a resource found at path ("" for the document itself): its resourceType,
// its elements, and then fhir-models' own Unmarshal function. inContained is set for the
// resources of a "contained" list, which may not have their own.
func (c *checker) resource(path string, n *node, inContained bool) {
	if c.isValueMarker(n) {
		return
	}
	at := ""
	if path != "" {
		at = path + ": "
	}
	if n.kind != '{' {
		c.add("%sexpected a resource (a JSON object), found %s", at, n.describe())
		return
	}
	rt := n.member("resourceType")
	switch {
	case rt == nil:
		c.add("%smissing resourceType", at)
		return
	case c.isValueMarker(rt):
		return // a placeholder names the type; nothing to go by
	case rt.kind != '"':
		c.add("%sresourceType must be a string, found %s", at, rt.describe())
		return
	}
	k, ok := kinds[rt.text]
	if !ok && c.full() {
		c.more++
		return
	}
	if !ok {
		c.add("%sunknown resourceType %s%s", at, quote(rt.text), suggest(rt.text, kindNames()))
		return
	}
	if c.depth >= maxResourceDepth {
		c.add("%sresources nested more than %d deep are not checked", at, maxResourceDepth)
		return
	}
	if path == "" {
		path = rt.text
	}
	c.depth++
	defer func() { c.depth-- }()
	before := c.count()
	c.object(path, n, k.typ, &resourceInfo{inContained: inContained})
	// The library's verdict, for what the walk might not know; it cannot judge a value that is
	// still a placeholder.
	if c.count() == before && !(c.template && bytes.Contains(n.raw, []byte(markerJSON))) {
		if err := k.unmarshal(n.raw); err != nil {
			c.add("%s: fhir-models refuses it: %s", path, libraryError(err))
		}
	}
}

// resourceInfo tells object that the object is a resource and where it stands.
type resourceInfo struct {
	inContained bool
}

// object checks the members of the JSON object n against the Go struct type t at path. For a
// resource, res is set: resourceType is known then, and contained where t is a DomainResource.
func (c *checker) object(path string, n *node, t reflect.Type, res *resourceInfo) {
	if len(n.keys) == 0 {
		c.add("%s: empty object; FHIR JSON has none", path)
		return
	}
	info := structOf(t)
	seen := make(map[string]bool, len(n.keys))
	for i, key := range n.keys {
		v := n.vals[i]
		if seen[key] {
			c.add("%s: element %s appears twice", path, name(key))
			continue
		}
		seen[key] = true
		if res != nil && key == "resourceType" {
			continue
		}
		if res != nil && key == "contained" && info.domain {
			c.contained(path+".contained", v, res.inContained)
			continue
		}
		if ft, ok := info.fields[key]; ok {
			c.element(path+"."+key, v, ft, n.member("_"+key))
			continue
		}
		if base, ok := strings.CutPrefix(key, "_"); ok {
			if ft, ok := info.fields[base]; ok && primitive(ft) {
				c.companion(path+"."+key, v, ft, n.member(base))
				continue
			}
		}
		if c.full() { // spare the suggestion
			c.more++
			continue
		}
		c.add("unknown element %s in %s%s", name(key), path, suggest(key, info.names))
	}
	present := func(field string) bool { return seen[field] || seen["_"+field] }
	missing := map[string]bool{}
	for _, req := range info.required {
		if present(req) {
			continue
		}
		if p, ok := info.choiceOf[req]; ok {
			missing[p] = true // reported below, once, if no other type is there either
			continue
		}
		c.add("missing required element %s.%s", path, req)
	}
	for _, p := range sortedKeys(info.choices) {
		var given []string
		for _, m := range info.choices[p] {
			if present(m) {
				given = append(given, m)
			}
		}
		switch {
		case len(given) > 1:
			c.add("%s: %s[x] is given more than once (%s); give one type", path, p, strings.Join(given, ", "))
		case len(given) == 0 && missing[p]:
			c.add("missing required element %s.%s[x]", path, p)
		}
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// contained checks a DomainResource's contained list: resources that may not contain others.
func (c *checker) contained(path string, n *node, inContained bool) {
	switch {
	case c.isValueMarker(n):
		return
	case inContained:
		c.add("%s: a contained resource cannot contain resources", path)
		return
	case n.kind != '[':
		c.add("%s: expected an array, found %s", path, n.describe())
		return
	case len(n.vals) == 0:
		c.add("%s: empty array; FHIR JSON has none", path)
		return
	}
	for i, item := range n.vals {
		c.resource(fmt.Sprintf("%s[%d]", path, i), item, true)
	}
}

// element checks the value n of an element of Go type t at path. companion is the element's
// "_name" member, if any: in an array of primitives it lets an item be null.
func (c *checker) element(path string, n *node, t reflect.Type, companion *node) {
	if c.isValueMarker(n) {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.kind == 'n' {
		c.add("%s: null is not allowed in FHIR JSON; leave the element out", path)
		return
	}
	switch {
	case t == rawMessageType: // Bundle.entry.resource, Parameters.parameter.resource, …
		c.resource(path, n, false)
	case t.Kind() == reflect.Slice:
		c.array(path, n, t.Elem(), companion)
	case t == numberType:
		if n.kind != '0' {
			c.add("%s: expected a number, found %s", path, n.describe())
		}
	case isCode(t):
		c.code(path, n, t)
	case t.Kind() == reflect.Struct:
		if n.kind != '{' {
			c.add("%s: expected an object, found %s", path, n.describe())
			return
		}
		c.object(path, n, t, nil)
	case t.Kind() == reflect.String:
		c.text(path, n)
	case t.Kind() == reflect.Bool:
		if n.kind != 'b' {
			c.add("%s: expected true or false, found %s", path, n.describe())
		}
	case t.Kind() == reflect.Int:
		// As encoding/json reads an int: no fraction, no exponent, in range.
		if _, err := strconv.ParseInt(n.text, 10, strconv.IntSize); n.kind != '0' || err != nil {
			c.add("%s: expected an integer, found %s", path, n.describe())
		}
	default:
		c.add("%s: fhircheck cannot check elements of Go type %s", path, t)
	}
}

// nonEmptyArray reports whether n is a JSON array with items, and names the problem when not.
func (c *checker) nonEmptyArray(path string, n *node) bool {
	switch {
	case n.kind != '[':
		c.add("%s: expected an array, found %s", path, n.describe())
	case len(n.vals) == 0:
		c.add("%s: empty array; FHIR JSON has none", path)
	default:
		return true
	}
	return false
}

// array checks a repeating element: always a non-empty JSON array, whose items are of type
// elem; an item of an array of primitives may be null where companion's item is not.
func (c *checker) array(path string, n *node, elem reflect.Type, companion *node) {
	if !c.nonEmptyArray(path, n) {
		return
	}
	for i, item := range n.vals {
		if item.kind == 'n' && companion != nil && companion.kind == '[' && i < len(companion.vals) && companion.vals[i].kind != 'n' {
			continue
		}
		c.element(fmt.Sprintf("%s[%d]", path, i), item, elem, nil)
	}
}

// companion checks "_name", the id and extensions of primitive element name (of Go type t,
// with value base if present): an object, or for a repeating element an array of objects and
// nulls that lines up with the values.
func (c *checker) companion(path string, n *node, t reflect.Type, base *node) {
	if c.isValueMarker(n) {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Slice {
		c.element(path, n, primitiveElementType, nil)
		return
	}
	if !c.nonEmptyArray(path, n) {
		return
	}
	if base != nil && base.kind == '[' && len(base.vals) != len(n.vals) {
		c.add("%s: %d items for %d values; they must line up", path, len(n.vals), len(base.vals))
	}
	for i, item := range n.vals {
		p := fmt.Sprintf("%s[%d]", path, i)
		if item.kind == 'n' {
			if base == nil || base.kind != '[' || i >= len(base.vals) {
				c.add("%s: null with no value beside it", p)
			}
			continue
		}
		c.element(p, item, primitiveElementType, nil)
	}
}

// text checks a primitive that FHIR JSON writes as a string: not empty, and no control
// characters but tab, carriage return and line feed.
func (c *checker) text(path string, n *node) {
	if n.kind != '"' {
		c.add("%s: expected a string, found %s", path, n.describe())
		return
	}
	if c.isTemplated(n.text) {
		return
	}
	if n.text == "" {
		c.add("%s: empty string; leave the element out instead", path)
		return
	}
	if i := strings.IndexFunc(n.text, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\r' && r != '\n' }); i >= 0 {
		c.add("%s: control character U+%04X is not allowed in a FHIR string", path, n.text[i])
	}
}

// code checks a code with a required binding through its fhir-models type t, which knows the
// value set's codes.
func (c *checker) code(path string, n *node, t reflect.Type) {
	if n.kind != '"' {
		c.add("%s: expected a code (a string), found %s", path, n.describe())
		return
	}
	if c.isTemplated(n.text) {
		return
	}
	v := reflect.New(t)
	// fhir-models' UnmarshalJSON trims the quotes it is given and compares what is left; Code()
	// gives the value back, so a code that itself holds quotes does not slip through.
	err := v.Interface().(json.Unmarshaler).UnmarshalJSON([]byte(`"` + n.text + `"`))
	if err == nil && v.Elem().Interface().(coder).Code() == n.text {
		return
	}
	if c.full() {
		c.more++
		return
	}
	codes := codesOf(t)
	hint := suggest(n.text, codes)
	if hint == "" && len(codes) <= 10 {
		hint = "; one of " + strings.Join(codes, ", ")
	}
	c.add("%s: %s is not a valid code%s", path, quote(n.text), hint)
}

// libraryError words an error of a fhir-models Unmarshal function as the rest of one line.
func libraryError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("%s: expected %s, found %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

var (
	rawMessageType       = reflect.TypeFor[json.RawMessage]()
	numberType           = reflect.TypeFor[json.Number]()
	unmarshalerType      = reflect.TypeFor[json.Unmarshaler]()
	coderType            = reflect.TypeFor[coder]()
	primitiveElementType = reflect.TypeFor[primitiveElement]()
)

// coder is what fhir-models' code types have: Code gives the code a value stands for.
type coder interface{ Code() string }

// primitiveElement is what a "_name" companion may hold: FHIR's Element, which fhir-models has
// no type for.
type primitiveElement struct {
	ID        *string          `json:"id,omitempty"`
	Extension []fhir.Extension `json:"extension,omitempty"`
}

// isCode reports whether t is a fhir-models code type (an int that reads itself from JSON).
func isCode(t reflect.Type) bool {
	return t.Kind() == reflect.Int && reflect.PointerTo(t).Implements(unmarshalerType) && t.Implements(coderType)
}

// primitive reports whether an element of Go type t is a FHIR primitive (or a list of them),
// the kind of element that may have a "_name" companion.
func primitive(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return false
	}
	if t.Kind() == reflect.Slice {
		t = t.Elem()
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int:
		return true
	}
	return false
}

// structInfo is what object needs to know of a fhir-models struct type.
type structInfo struct {
	name     string                  // the Go type's name
	fields   map[string]reflect.Type // by JSON name
	names    []string                // the JSON names, for suggestions
	required []string                // JSON names without omitempty: fhir-models' 1..1 and 1..*
	domain   bool                    // it has text, so as a resource it is a DomainResource
	// choices groups the fields of each choice element, such as deceased[x] (deceasedBoolean,
	// deceasedDateTime), by the element's name; choiceOf gives a field's group.
	choices  map[string][]string
	choiceOf map[string]string
}

// choiceTypes are the type names that end the names of a choice element's fields
// (valueCodeableConcept), the longer first so valueDateTime is value + DateTime.
var choiceTypes = []string{
	"CodeableConcept", "ParameterDefinition", "TriggerDefinition", "DataRequirement", "RelatedArtifact",
	"ContactDetail", "ContactPoint", "Contributor", "SampledData", "UnsignedInt", "PositiveInt",
	"Base64Binary", "UsageContext", "Expression", "Annotation", "Attachment", "Identifier", "Reference",
	"HumanName", "Canonical", "Signature", "Markdown", "Quantity", "Distance", "Duration", "DateTime",
	"Instant", "Integer", "Boolean", "Decimal", "Address", "Dosage", "Period", "Timing", "String",
	"Coding", "Money", "Range", "Ratio", "Count", "Date", "Time", "Code", "Meta", "Uuid", "Url", "Uri",
	"Oid", "Age", "Id",
}

// choicePrefix is the choice element a field name would belong to, or "".
func choicePrefix(field string) string {
	for _, t := range choiceTypes {
		if p, ok := strings.CutSuffix(field, t); ok && p != "" && p[len(p)-1] >= 'a' && p[len(p)-1] <= 'z' {
			return p
		}
	}
	return ""
}

// notChoices are the pairs of fields that look like a choice element by their names but are
// two elements in FHIR R4, by fhir-models' struct name; found by comparing the groups with
// R4's definitions (its elements ending in [x]).
var notChoices = map[string]bool{
	"Contract.instantiates":                       true, // instantiatesCanonical, instantiatesUri
	"MolecularSequenceReferenceSeq.referenceSeq":  true, // referenceSeqId, referenceSeqString
	"PaymentReconciliation.payment":               true, // paymentDate, paymentIdentifier
	"Task.instantiates":                           true, // instantiatesCanonical, instantiatesUri
	"Task.reason":                                 true, // reasonCode, reasonReference
	"TestScriptSetupActionAssert.compareToSource": true, // compareToSourceId, compareToSourceExpression
}

// groupChoices finds t's choice elements: two or more single (not repeating) fields whose
// names are one name and a type name. FHIR R4's choice elements never repeat, which keeps
// pairs like reasonCode and reasonReference (two lists) out.
func (info *structInfo) groupChoices() {
	groups := map[string][]string{}
	for _, n := range info.names {
		if p := choicePrefix(n); p != "" && info.fields[n].Kind() != reflect.Slice {
			groups[p] = append(groups[p], n)
		}
	}
	info.choices, info.choiceOf = map[string][]string{}, map[string]string{}
	for p, members := range groups {
		if len(members) < 2 || notChoices[info.name+"."+p] {
			continue
		}
		info.choices[p] = members
		for _, m := range members {
			info.choiceOf[m] = p
		}
	}
}

// structs caches structInfo by type.
var structs sync.Map

// structOf reads the JSON names of struct type t's fields.
func structOf(t reflect.Type) *structInfo {
	if v, ok := structs.Load(t); ok {
		return v.(*structInfo)
	}
	info := &structInfo{name: t.Name(), fields: map[string]reflect.Type{}}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		jsonName, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || jsonName == "-" || jsonName == "" {
			continue
		}
		info.fields[jsonName] = f.Type
		info.names = append(info.names, jsonName)
		if !strings.Contains(opts, "omitempty") {
			info.required = append(info.required, jsonName)
		}
		if jsonName == "text" {
			info.domain = true
		}
	}
	info.groupChoices()
	v, _ := structs.LoadOrStore(t, info)
	return v.(*structInfo)
}

// codeLists caches codesOf by type.
var codeLists sync.Map

// codesOf lists the codes of a fhir-models code type, in the library's order.
func codesOf(t reflect.Type) []string {
	if v, ok := codeLists.Load(t); ok {
		return v.([]string)
	}
	var codes []string
	v := reflect.New(t).Elem()
	for i := range 10000 {
		v.SetInt(int64(i))
		code := v.Interface().(coder).Code()
		if code == "<unknown>" {
			break
		}
		codes = append(codes, code)
	}
	list, _ := codeLists.LoadOrStore(t, codes)
	return list.([]string)
}

// kindNames lists the resourceTypes this package knows, sorted.
var kindNames = sync.OnceValue(func() []string {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
})

// suggest returns " (did you mean X?)" for the candidate closest to s, if one is close enough to
// be a slip (case, a letter or two), or "".
func suggest(s string, candidates []string) string {
	if len(s) > 100 {
		return ""
	}
	best, bestDist := "", 3
	for _, cand := range candidates {
		d := levenshtein.ComputeDistance(s, cand)
		if strings.EqualFold(s, cand) {
			d = 0
		}
		if d < bestDist {
			best, bestDist = cand, d
		}
	}
	if best == "" || bestDist > max(1, min(2, len(s)/3)) {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// name shows an element name from a document: as it is if it looks like one, else quoted.
func name(s string) string {
	if s != "" && len(s) <= 64 && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return quote(s)
}

// quote quotes a value from a document for a message, cut to a sensible length.
func quote(s string) string {
	return strconv.Quote(clip(s, 60))
}
