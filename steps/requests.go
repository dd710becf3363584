package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/fhirclient"
)

// identityNames maps the names a feature file may use, in both languages, to identities.
var identityNames = map[string]Identity{
	"giltigt": RunIdentity, "valid": RunIdentity,
	"utgånget": ExpiredCertificate, "expired": ExpiredCertificate,
	"okänd-ca": UnknownCACertificate, "unknown-ca": UnknownCACertificate,
}

func (w *World) connectWithRunIdentity() error { w.identity = RunIdentity; return nil }

func (w *World) connectWithoutCertificate() error { w.identity = NoCertificate; return nil }

func (w *World) connectWithCertificate(name string) error {
	id, ok := identityNames[name]
	if !ok {
		return harnessError("unknown test certificate %q; use giltigt, utgånget or okänd-ca (valid, expired, unknown-ca)", name)
	}
	w.identity = id
	return nil
}

// roleNames maps the role names a feature file may use, in both languages, to roles.
var roleNames = map[string]Role{"förskrivare": Prescriber, "prescriber": Prescriber, "farmaceut": Pharmacist, "pharmacist": Pharmacist,
	"sjuksköterska": Nurse, "nurse": Nurse, "farmaceut inom vården": CarePharmacist, "care pharmacist": CarePharmacist,
	"dietist": Dietitian, "dietitian": Dietitian, "apotekspersonal": PharmacyStaff, "pharmacy staff member": PharmacyStaff,
	"privatperson": PrivatePerson, "private person": PrivatePerson}

func (w *World) actAs(name string) error {
	role, ok := roleNames[name]
	if !ok {
		return harnessError("unknown role %q; use förskrivare, farmaceut, sjuksköterska, farmaceut inom vården, dietist, apotekspersonal or privatperson", name)
	}
	w.role = role
	return nil
}

// numericClaims are the token's claims whose values are numbers; the others that look like
// numbers are identifiers (PERSONNUMMER, FORSKRIVARKOD, APOTEKSID) and stay text.
var numericClaims = map[string]bool{"loa": true, "exp": true, "iat": true, "nbf": true}

// setClaim changes a claim of the user's token; a value that reads as JSON (true, ["LK"], and
// numbers for loa, exp, iat and nbf) is taken as such, anything else as text.
func (w *World) setClaim(name, value string) error {
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		v = value
	}
	if _, number := v.(float64); number && !numericClaims[name] {
		v = value
	}
	if w.claims == nil {
		w.claims = map[string]any{}
	}
	w.claims[name] = v
	return nil
}

func (w *World) omitHeader(name string) error {
	w.omit[http.CanonicalHeaderKey(name)] = true
	w.header.Del(name)
	return nil
}

// restoreHeader undoes omitHeader and setHeader for one header.
func (w *World) restoreHeader(name string) error {
	delete(w.omit, http.CanonicalHeaderKey(name))
	w.header.Del(name)
	return nil
}

func (w *World) setPurposeAndAccess(purpose, access string) error {
	w.header.Set("X-Purpose", purpose)
	w.header.Set("X-Access", access)
	return nil
}

func (w *World) setHeader(name, value string) error {
	value, err := w.fill(value)
	if err != nil {
		return err
	}
	w.header.Set(name, value)
	delete(w.omit, http.CanonicalHeaderKey(name))
	return nil
}

func (w *World) setTestPatient(pnr string) error {
	pnr, err := w.fill(pnr)
	if err != nil {
		return err
	}
	if !evidence.ValidPersonnummer(pnr) {
		return harnessError("%q is not a 12-digit personnummer with a valid check digit", pnr)
	}
	w.pnr, w.patient = pnr, ""
	return nil
}

func (w *World) read(path string) error {
	path, err := w.fill(path)
	if err != nil {
		return err
	}
	return w.send(fhirclient.Request{Method: http.MethodGet, Path: path})
}

func (w *World) call(path, method string) error {
	path, err := w.fill(path)
	if err != nil {
		return err
	}
	return w.send(fhirclient.Request{Method: method, Path: path})
}

func (w *World) search(typ, query string) error {
	query, err := w.fill(query)
	if err != nil {
		return err
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return harnessError("search parameters %q do not parse: %v", query, err)
	}
	return w.send(fhirclient.Request{Method: http.MethodGet, Path: typ, Query: q})
}

func (w *World) searchTestPatient() error {
	if w.pnr == "" {
		return harnessError("no test patient; add \"Givet att testpatienten har personnummer ...\"")
	}
	return w.send(fhirclient.Request{Method: http.MethodGet, Path: "Patient",
		Query: url.Values{"identifier": {PersonnummerSystem + "|" + w.pnr}}})
}

// template reads templates/<name> of the pack with its placeholders filled.
func (w *World) template(name string) ([]byte, error) {
	raw, err := fs.ReadFile(w.env.Fixtures, "templates/"+name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, harnessError("template %q not found in the pack's templates/", name)
		}
		return nil, harnessError("template %q: %v", name, err)
	}
	body, err := w.fill(string(raw))
	return []byte(body), err
}

func (w *World) create(typ, template string) error {
	body, err := w.template(template)
	if err != nil {
		return err
	}
	if err := w.send(fhirclient.Request{Method: http.MethodPost, Path: typ, Body: body}); err != nil {
		return err
	}
	if w.lastErr == nil && w.last.Response != nil && w.last.Response.Header.Get("Location") != "" {
		w.created = w.last.Response.Header.Get("Location")
	}
	w.noteCreated()
	return nil
}

// callWithTemplate POSTs a template to a path: an operation ($verify, $end) or the base (a
// transaction, path "").
func (w *World) callWithTemplate(path, template string) error {
	path, err := w.fill(path)
	if err != nil {
		return err
	}
	body, err := w.template(template)
	if err != nil {
		return err
	}
	if err := w.send(fhirclient.Request{Method: http.MethodPost, Path: path, Body: body}); err != nil {
		return err
	}
	w.noteCreated()
	return nil
}

// changeCreated reads the current version of the created resource, sets a field to a text and
// PUTs it.
func (w *World) changeCreated(field, value string) error {
	return w.changeVersion(field, value, 0)
}

// changeVersion does what changeCreated does, but starting from version n (0: the current one),
// to show what an update based on an old version gets.
func (w *World) changeVersion(field, value string, n int) error {
	value, err := w.fill(value)
	if err != nil {
		return err
	}
	return w.changeTo(field, value, n)
}

// changeToNumber sets a field of the created resource to a JSON number, written as in JSON
// (0, -1, 2.5, 1e3).
func (w *World) changeToNumber(field, number string) error {
	if !json.Valid([]byte(number)) {
		return harnessError("%q is not a number as JSON writes it (such as 0, -1, 2.5)", number)
	}
	return w.changeTo(field, json.Number(number), 0)
}

// truth maps the words for a boolean, in both languages, to its value.
var truth = map[string]bool{"sant": true, "true": true, "falskt": false, "false": false}

// changeToBoolean sets a field of the created resource to true or false (sant or falskt).
func (w *World) changeToBoolean(field, word string) error {
	b, ok := truth[word]
	if !ok {
		return harnessError("%q is not a boolean; write sant or falskt (true, false)", word)
	}
	return w.changeTo(field, b, 0)
}

// changeToJSON sets a field of the created resource to any JSON value (an object, an array, a
// string, a number, true, false or null), placeholders filled first.
func (w *World) changeToJSON(field, raw string) error {
	raw, err := w.fill(raw)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err = dec.Decode(&v); err == nil {
		if _, end := dec.Token(); end != io.EOF {
			err = errors.New("text after the value")
		}
	}
	if err != nil {
		return harnessError("the value for %q is not JSON (%v): write an object {…}, an array […], a string \"…\", a number, true, false or null; got %s",
			field, err, snippet([]byte(raw)))
	}
	return w.changeTo(field, v, 0)
}

// changeToJSONBody is changeToJSON with the value in the step's doc string.
func (w *World) changeToJSONBody(field string, doc *godog.DocString) error {
	if doc == nil {
		return harnessError("the step needs a doc string: the JSON value between two lines of \"\"\" right below it")
	}
	return w.changeToJSON(field, doc.Content)
}

// changeTo reads version n of the created resource (0: the current one), sets a field to a
// value (a string, json.Number, bool, or anything a JSON decoder gives) and PUTs the whole
// resource back to its current path.
func (w *World) changeTo(field string, value any, n int) error {
	if w.created == "" {
		return harnessError("no resource with a Location header was created in this scenario")
	}
	path, _, _ := strings.Cut(w.created, "/_history/")
	read := path
	if n > 0 {
		read = fmt.Sprintf("%s/_history/%d", path, n)
	}
	if err := w.send(fhirclient.Request{Method: http.MethodGet, Path: read}); err != nil {
		return err
	}
	resp, err := w.response()
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK {
		return harnessError("cannot read %s to change it: status %d", read, resp.Status)
	}
	doc, err := parseJSON(resp.Body)
	if err != nil {
		return harnessError("cannot read %s to change it: %v", read, err)
	}
	if err := setField(doc, field, value); err != nil {
		return err
	}
	body, _ := json.Marshal(doc)
	if err := w.send(fhirclient.Request{Method: http.MethodPut, Path: path, Body: body}); err != nil {
		return err
	}
	if resp, err := w.response(); err == nil && resp.Status >= 200 && resp.Status < 300 {
		w.changed = path
	}
	return nil
}

// fieldKey is one key of a field's dotted path, with an optional index into an array:
// dosageInstruction[0].
var fieldKey = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$`)

// setField sets a field named by a dotted path of object keys (dispenseRequest.quantity.value),
// each optionally indexed (dosageInstruction[0].text), to a value. A missing object on the way
// is made; an indexed element must exist.
func setField(doc map[string]any, field string, value any) error {
	keys := strings.Split(field, ".")
	obj := doc
	for i, k := range keys {
		m := fieldKey.FindStringSubmatch(k)
		if m == nil {
			return harnessError("field %q: %q is not a key or key[index]; write a dotted path such as dosageInstruction[0].text", field, k)
		}
		name, last := m[1], i == len(keys)-1
		if m[2] == "" {
			if last {
				obj[name] = value
				return nil
			}
			child, ok := obj[name].(map[string]any)
			if !ok && obj[name] != nil {
				return harnessError("field %q: %s is not an object", field, name)
			}
			if !ok {
				child = map[string]any{}
				obj[name] = child
			}
			obj = child
			continue
		}
		index, _ := strconv.Atoi(m[2])
		list, _ := obj[name].([]any)
		if index >= len(list) {
			return harnessError("field %q: %s has no element %d (it has %d)", field, name, index, len(list))
		}
		if last {
			list[index] = value
			return nil
		}
		child, ok := list[index].(map[string]any)
		if !ok {
			return harnessError("field %q: %s[%d] is not an object", field, name, index)
		}
		obj = child
	}
	return nil
}

func (w *World) readBackCreated() error {
	if w.created == "" {
		return harnessError("no resource with a Location header was created in this scenario")
	}
	// A read goes to the current version: drop a trailing _history/n of the Location.
	path, _, _ := strings.Cut(w.created, "/_history/")
	return w.send(fhirclient.Request{Method: http.MethodGet, Path: path})
}

// basePath checks a path a step names for a request of its own: relative to the FHIR base (a
// query may follow), so that the request stays on the base. An absolute URL, another scheme or
// host, a path from the server's root and a .. segment (also written %2e%2e) leave it.
func basePath(path string) error {
	u, err := url.Parse(path)
	if err != nil {
		return harnessError("the path %q does not parse: %v", path, err)
	}
	const hint = `write it relative to the FHIR base, such as "MedicationRequest/{{created.id}}"`
	switch {
	case u.Scheme != "" || u.Host != "" || strings.HasPrefix(path, "//"):
		return harnessError("the path %q names a scheme or host of its own; requests stay on the FHIR base: %s", path, hint)
	case strings.HasPrefix(path, "/") || strings.HasPrefix(path, `\`):
		return harnessError("the path %q starts at the server's root, not at the FHIR base; %s", path, hint)
	}
	for _, segment := range strings.Split(strings.ReplaceAll(u.Path, `\`, "/"), "/") {
		if segment == ".." {
			return harnessError("the path %q has a .. segment, which leaves the FHIR base; %s", path, hint)
		}
	}
	return nil
}

// sendTo sends a request of the scenario's own to a path below the FHIR base, with the
// scenario's identity and headers and a body (nil for none), and remembers what it created.
func (w *World) sendTo(method, path string, body []byte) error {
	path, err := w.fill(path)
	if err != nil {
		return err
	}
	if err := basePath(path); err != nil {
		return err
	}
	if body != nil && method == http.MethodGet {
		return harnessError("a GET carries no body (it would not be sent); use POST, PUT, PATCH or DELETE, or the step without a body")
	}
	if err := w.send(fhirclient.Request{Method: method, Path: path, Body: body}); err != nil {
		return err
	}
	if w.lastErr == nil && w.last.Response != nil && w.last.Response.Status == http.StatusCreated {
		if loc := w.last.Response.Header.Get("Location"); loc != "" {
			w.created = loc
		}
	}
	w.noteCreated()
	return nil
}

// docBody is a step's doc string with its placeholders filled, as a request body.
func (w *World) docBody(doc *godog.DocString) ([]byte, error) {
	if doc == nil {
		return nil, harnessError("the step needs a doc string: the body between two lines of \"\"\" right below it")
	}
	body, err := w.fill(doc.Content)
	if err != nil {
		return nil, err
	}
	return []byte(body), nil
}

// sendRequest sends any method to any path below the FHIR base, without a body.
func (w *World) sendRequest(method, path string) error { return w.sendTo(method, path, nil) }

// sendRequestWithBody sends any method but GET to any path below the FHIR base, with the step's
// doc string as the body.
func (w *World) sendRequestWithBody(method, path string, doc *godog.DocString) error {
	body, err := w.docBody(doc)
	if err != nil {
		return err
	}
	return w.sendTo(method, path, body)
}

// createWithBody POSTs the step's doc string to a resource type, as create does with a template.
func (w *World) createWithBody(typ string, doc *godog.DocString) error {
	body, err := w.docBody(doc)
	if err != nil {
		return err
	}
	if err := w.sendTo(http.MethodPost, typ, body); err != nil {
		return err
	}
	if w.lastErr == nil && w.last.Response != nil && w.last.Response.Header.Get("Location") != "" {
		w.created = w.last.Response.Header.Get("Location")
	}
	return nil
}

// callWithBody POSTs the step's doc string to a path: an operation or "" for a transaction at
// the base, as callWithTemplate does with a template.
func (w *World) callWithBody(path string, doc *godog.DocString) error {
	return w.sendRequestWithBody(http.MethodPost, path, doc)
}

// updateCreatedWithBody PUTs the step's doc string to the created resource (its current
// version's path, without _history).
func (w *World) updateCreatedWithBody(doc *godog.DocString) error {
	if w.created == "" {
		return harnessError("no resource with a Location header was created in this scenario")
	}
	body, err := w.docBody(doc)
	if err != nil {
		return err
	}
	path, _, _ := strings.Cut(w.created, "/_history/")
	if err := w.send(fhirclient.Request{Method: http.MethodPut, Path: path, Body: body}); err != nil {
		return err
	}
	w.noteCreated()
	return nil
}
