// Package sim is konform's NLL simulator: an http.Handler that answers like the FHIR R4 interface
// of Nationella läkemedelslistan, over an in-memory store seeded from fixtures, plus a server
// constructor that serves it over mutual TLS. It never imports the client or the steps, so that
// one bug cannot make both sides agree. docs/simulator.md lists every behaviour and every default
// chosen where NLL's documentation is silent.
package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// DefaultBasePath is the path under which the simulator serves FHIR. NLL's real path is not
// published; an older agency test script used /fhir-server/fhir.
const DefaultBasePath = "/fhir-server/fhir"

// maxBody bounds request bodies; NLL's own limit is not published.
const maxBody = 4 << 20

// Options configure a Simulator.
type Options struct {
	// BasePath is the FHIR base path; empty means DefaultBasePath.
	BasePath string
	// Fixtures holds patients/*.json to seed; nil means an empty store.
	Fixtures fs.FS
	// Faults are injected into matching responses, for tests of failure handling.
	Faults []Fault
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Simulator is the NLL simulator's HTTP handler. It is safe for concurrent use.
type Simulator struct {
	base   string
	store  *store
	now    func() time.Time
	mu     sync.RWMutex
	faults []Fault
}

// New builds a simulator with its store seeded from opts.Fixtures.
func New(opts Options) (*Simulator, error) {
	s := &Simulator{base: strings.TrimSuffix(opts.BasePath, "/"), store: newStore(), now: opts.Now, faults: opts.Faults}
	if s.base == "" {
		s.base = DefaultBasePath
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, f := range s.faults {
		if err := f.validate(); err != nil {
			return nil, err
		}
	}
	if opts.Fixtures != nil {
		if err := s.store.seed(opts.Fixtures, "patients"); err != nil {
			return nil, fmt.Errorf("cannot seed simulator: %w", err)
		}
	}
	return s, nil
}

// BasePath returns the path under which FHIR is served.
func (s *Simulator) BasePath() string { return s.base }

// SetFaults replaces the active faults.
func (s *Simulator) SetFaults(faults []Fault) error {
	for _, f := range faults {
		if err := f.validate(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.faults = faults
	s.mu.Unlock()
	return nil
}

func (s *Simulator) activeFaults(r *http.Request, rel string) []Fault {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Fault
	for _, f := range s.faults {
		if f.matches(r.Method, rel) {
			out = append(out, f)
		}
	}
	return out
}

// ServeHTTP answers one FHIR request.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := r.Header.Get("X-Request-ID")
	if reqID == "" {
		reqID = uuid.NewString()
	}
	w.Header().Set("X-Request-ID", reqID)
	rel, ok := strings.CutPrefix(r.URL.Path, s.base)
	if !ok || (rel != "" && rel[0] != '/') {
		writeOutcome(w, http.StatusNotFound, "error", "not-found", "no FHIR endpoint at "+r.URL.Path+"; the base is "+s.base)
		return
	}
	rel = strings.Trim(rel, "/")
	if faults := s.activeFaults(r, rel); len(faults) > 0 {
		applyFaults(w, r, faults, func(w http.ResponseWriter) { s.route(w, r, rel) })
		return
	}
	s.route(w, r, rel)
}

func (s *Simulator) route(w http.ResponseWriter, r *http.Request, rel string) {
	parts := strings.Split(rel, "/")
	switch {
	case rel == "$ping":
		s.ping(w, r)
	case len(parts) == 1 && parts[0] != "":
		typ := parts[0]
		if !s.supports(w, typ) {
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.search(w, r, typ)
		case http.MethodPost:
			s.create(w, r, typ)
		default:
			methodNotAllowed(w, r, "GET, POST")
		}
	case len(parts) == 2:
		typ, id := parts[0], parts[1]
		if !s.supports(w, typ) {
			return
		}
		if r.Method != http.MethodGet {
			methodNotAllowed(w, r, "GET")
			return
		}
		s.read(w, typ, id)
	default:
		writeOutcome(w, http.StatusNotFound, "error", "not-supported", "the simulator does not serve "+r.URL.Path)
	}
}

// resourceTypes lists what the simulator serves, with the search parameters of each.
var resourceTypes = map[string]map[string]bool{
	"Patient":           {"identifier": true, "_id": true},
	"MedicationRequest": {"patient": true, "subject": true, "status": true, "identifier": true, "_id": true},
}

// creatable lists the types that accept POST.
var creatable = map[string]bool{"MedicationRequest": true}

func (s *Simulator) supports(w http.ResponseWriter, typ string) bool {
	if _, ok := resourceTypes[typ]; !ok {
		writeOutcome(w, http.StatusNotFound, "error", "not-supported", "resource type "+typ+" is not supported")
		return false
	}
	return true
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeOutcome(w, http.StatusMethodNotAllowed, "error", "not-supported", r.Method+" is not allowed here; allowed: "+allow)
}

// ping answers $ping: connectivity only when no token is sent (NLLPing).
func (s *Simulator) ping(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		methodNotAllowed(w, r, "GET, POST")
		return
	}
	writeJSON(w, http.StatusOK, resource{
		"resourceType": "Parameters",
		"parameter":    []any{map[string]any{"name": "result", "valueString": "OK"}},
	})
}

func (s *Simulator) read(w http.ResponseWriter, typ, id string) {
	res, ok := s.store.read(typ, id)
	if !ok {
		writeOutcome(w, http.StatusNotFound, "error", "not-found", typ+"/"+id+" is not known")
		return
	}
	setVersionHeaders(w, res)
	writeJSON(w, http.StatusOK, res)
}

func (s *Simulator) search(w http.ResponseWriter, r *http.Request, typ string) {
	query := r.URL.Query()
	allowed := resourceTypes[typ]
	for name := range query {
		if !allowed[name] {
			writeOutcome(w, http.StatusBadRequest, "error", "not-supported", "unknown search parameter "+name+" for "+typ)
			return
		}
	}
	matches := s.store.list(typ, func(res resource) bool { return matchesAll(res, query) })
	entries := make([]any, 0, len(matches))
	for _, m := range matches {
		entries = append(entries, map[string]any{
			"fullUrl":  s.fullURL(r, typ+"/"+m["id"].(string)),
			"resource": m,
			"search":   map[string]any{"mode": "match"},
		})
	}
	bundle := resource{
		"resourceType": "Bundle",
		"id":           uuid.NewString(),
		"meta":         map[string]any{"lastUpdated": s.now().UTC().Format(time.RFC3339)},
		"type":         "searchset",
		"total":        len(matches),
		"link":         []any{map[string]any{"relation": "self", "url": s.fullURL(r, typ) + queryString(query)}},
	}
	if len(entries) > 0 {
		bundle["entry"] = entries
	}
	writeJSON(w, http.StatusOK, bundle)
}

func queryString(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (s *Simulator) create(w http.ResponseWriter, r *http.Request, typ string) {
	if !creatable[typ] {
		methodNotAllowed(w, r, "GET")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/fhir+json" && mt != "application/json" {
		writeOutcome(w, http.StatusUnsupportedMediaType, "error", "not-supported", "Content-Type must be application/fhir+json, got "+fmt.Sprintf("%q", r.Header.Get("Content-Type")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeOutcome(w, http.StatusRequestEntityTooLarge, "error", "too-costly", "request body over the simulator's limit of 4 MiB")
		return
	}
	var res resource
	if err := json.Unmarshal(body, &res); err != nil {
		writeOutcome(w, http.StatusBadRequest, "error", "invalid", "the body is not valid JSON: "+err.Error())
		return
	}
	if got, _ := res["resourceType"].(string); got != typ {
		writeOutcome(w, http.StatusBadRequest, "error", "invalid", fmt.Sprintf("resourceType is %q; POST %s needs %q", got, typ, typ))
		return
	}
	if msg := s.checkSubject(res); msg != "" {
		writeOutcome(w, http.StatusUnprocessableEntity, "error", "processing", msg)
		return
	}
	id := uuid.NewString()
	res = s.store.create(typ, res, id, s.now())
	w.Header().Set("Location", s.fullURL(r, typ+"/"+id+"/_history/1"))
	setVersionHeaders(w, res)
	switch preferReturn(r) {
	case "representation":
		writeJSON(w, http.StatusCreated, res)
	case "OperationOutcome":
		writeOutcome(w, http.StatusCreated, "information", "informational", typ+"/"+id+" created")
	default: // return=minimal is NLL's default
		w.WriteHeader(http.StatusCreated)
	}
}

// checkSubject returns why a MedicationRequest's subject is unacceptable, or "".
func (s *Simulator) checkSubject(res resource) string {
	subject, _ := res["subject"].(map[string]any)
	ref, _ := subject["reference"].(string)
	id, ok := strings.CutPrefix(ref, "Patient/")
	if !ok {
		return "subject.reference must be Patient/<id> of a patient with a personnummer"
	}
	if _, found := s.store.read("Patient", id); !found {
		return "subject " + ref + " is not a known patient"
	}
	return ""
}

// preferReturn returns the return= value of the Prefer header, "" when absent.
func preferReturn(r *http.Request) string {
	for _, p := range strings.Split(r.Header.Get("Prefer"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "return="); ok {
			return v
		}
	}
	return ""
}

func setVersionHeaders(w http.ResponseWriter, res resource) {
	meta, _ := res["meta"].(map[string]any)
	if v, ok := meta["versionId"].(string); ok {
		w.Header().Set("ETag", `W/"`+v+`"`)
	}
	if lu, ok := meta["lastUpdated"].(string); ok {
		if t, err := time.Parse(time.RFC3339, lu); err == nil {
			w.Header().Set("Last-Modified", t.UTC().Format(http.TimeFormat))
		}
	}
}

func (s *Simulator) fullURL(r *http.Request, rel string) string {
	return "https://" + r.Host + s.base + "/" + rel
}

// matchesAll reports whether res matches every search parameter of q.
func matchesAll(res resource, q url.Values) bool {
	for name, values := range q {
		for _, v := range values {
			if !matchParam(res, name, v) {
				return false
			}
		}
	}
	return true
}

func matchParam(res resource, name, value string) bool {
	switch name {
	case "_id":
		return res["id"] == value
	case "identifier":
		return matchIdentifier(res, value)
	case "status":
		return res["status"] == value
	case "patient", "subject":
		subject, _ := res["subject"].(map[string]any)
		ref, _ := subject["reference"].(string)
		return ref == value || ref == "Patient/"+value
	}
	return false
}

// matchIdentifier implements the token search "system|value" or "value".
func matchIdentifier(res resource, token string) bool {
	system, value, hasSystem := strings.Cut(token, "|")
	if !hasSystem {
		value, system = token, ""
	}
	ids, _ := res["identifier"].([]any)
	for _, x := range ids {
		id, _ := x.(map[string]any)
		if id["value"] != value {
			continue
		}
		if !hasSystem || id["system"] == system {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		writeOutcome(w, http.StatusInternalServerError, "fatal", "exception", "cannot encode response")
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeOutcome answers with an OperationOutcome of one issue.
func writeOutcome(w http.ResponseWriter, status int, severity, code, diagnostics string) {
	writeJSON(w, status, resource{
		"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{
			"severity":    severity,
			"code":        code,
			"diagnostics": diagnostics,
		}},
	})
}
