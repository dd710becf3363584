package steps

import (
	"errors"
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

func (w *World) create(typ, template string) error {
	raw, err := fs.ReadFile(w.env.Fixtures, "templates/"+template)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return harnessError("template %q not found in fixtures/templates", template)
		}
		return harnessError("template %q: %v", template, err)
	}
	body, err := w.fill(string(raw))
	if err != nil {
		return err
	}
	if err := w.send(fhirclient.Request{Method: http.MethodPost, Path: typ, Body: []byte(body)}); err != nil {
		return err
	}
	if w.lastErr == nil && w.last.Response != nil {
		w.created = w.last.Response.Header.Get("Location")
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
