package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

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
var roleNames = map[string]Role{"förskrivare": Prescriber, "prescriber": Prescriber, "farmaceut": Pharmacist, "pharmacist": Pharmacist}

func (w *World) actAs(name string) error {
	role, ok := roleNames[name]
	if !ok {
		return harnessError("unknown role %q; use förskrivare or farmaceut (prescriber, pharmacist)", name)
	}
	w.role = role
	return nil
}

// setClaim changes a claim of the user's token; a value that reads as JSON (3, true, ["LK"]) is
// taken as such, anything else as text.
func (w *World) setClaim(name, value string) error {
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
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

// template reads fixtures/templates/<name> with its placeholders filled.
func (w *World) template(name string) ([]byte, error) {
	raw, err := fs.ReadFile(w.env.Fixtures, "templates/"+name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, harnessError("template %q not found in fixtures/templates", name)
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

// changeCreated reads the current version of the created resource, sets a field and PUTs it.
func (w *World) changeCreated(field, value string) error {
	return w.changeVersion(field, value, 0)
}

// changeVersion does what changeCreated does, but starting from version n (0: the current one),
// to show what an update based on an old version gets.
func (w *World) changeVersion(field, value string, n int) error {
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
	value, err = w.fill(value)
	if err != nil {
		return err
	}
	if err := setField(doc, field, value); err != nil {
		return err
	}
	body, _ := json.Marshal(doc)
	return w.send(fhirclient.Request{Method: http.MethodPut, Path: path, Body: body})
}

// setField sets a dotted path of object keys to a string value.
func setField(doc map[string]any, field, value string) error {
	keys := strings.Split(field, ".")
	for _, k := range keys[:len(keys)-1] {
		child, ok := doc[k].(map[string]any)
		if !ok {
			return harnessError("field %q: %s is not an object", field, k)
		}
		doc = child
	}
	doc[keys[len(keys)-1]] = value
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
