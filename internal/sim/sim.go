// Package sim is konform's NLL simulator: an http.Handler that answers like the FHIR R4 interface
// of Nationella läkemedelslistan, over an in-memory store seeded from fixtures, plus a server
// constructor that serves it over mutual TLS. It never imports the client or the steps, so that
// one bug cannot make both sides agree. docs/simulator.md lists every behaviour and every default
// chosen where NLL's documentation is silent.
package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"strconv"
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

// Policy holds the simulator's choices where NLL's documentation is silent. DefaultPolicy is the
// simulator's own personality; Personality("alt") takes the other plausible value of every choice,
// so that a pack which passes against both asserts only what NLL documents. docs/simulator.md
// lists each choice with both values.
type Policy struct {
	// BasePath is the FHIR base path when Options.BasePath is empty: DefaultBasePath, or "/fhir".
	BasePath string
	// VersionConflictStatus answers a PUT based on an old version: 409 (default) or 412.
	VersionConflictStatus int
	// RequireRequestID rejects requests without a UUID x-request-id. Default true.
	RequireRequestID bool
	// UniqueRequestID rejects an x-request-id the simulator has seen before (NLL asks for a
	// random and unique id per request but does not document its answer to a reused one).
	// Default true.
	UniqueRequestID bool
	// PageSize is the number of entries per searchset page when _count is absent. Default 50.
	PageSize int
	// HeaderStatus answers a missing or invalid message header (x-request-id, x-org-info,
	// x-purpose, x-access, x-provenance): 400 (default) or 422 (a validation rule).
	HeaderStatus int
	// AuthStatus answers a missing or invalid token: 401 (default) or 403.
	AuthStatus int
	// ForbiddenStatus answers a user whose role, purpose or assurance level does not allow what
	// was asked: 403 (default) or 422 (a validation rule).
	ForbiddenStatus int
	// GenericIssueCodes gives every error issue the code processing, as HAPI FHIR does, instead of
	// the specific code (not-found, conflict, required, login, forbidden, business-rule, …).
	// Default false.
	GenericIssueCodes bool
	// NamedDiagnostics starts a header problem's diagnostics with the header's name (with the
	// expression http.header.<name>) and a transaction problem's with "Bundle.entry[i]: " (default
	// true). When false, a header problem is told in Swedish prose without an expression, and a
	// transaction problem is pointed at by its expression alone (Bundle.entry[i].resource.…).
	NamedDiagnostics bool
	// AbsoluteLocations sends Location and the paging links as absolute URLs and a transaction
	// entry's response.location relative to the base (default true). When false, Location and
	// links are absolute paths (/fhir/MedicationRequest/…) and response.location absolute URLs.
	AbsoluteLocations bool
	// ReasonPhrase writes a transaction entry's response.status with its reason phrase, "201
	// Created" (default true), or as the code alone, "201".
	ReasonPhrase bool
	// VersionHeaders sends ETag and Last-Modified with reads and writes. Default true.
	VersionHeaders bool
	// SearchTotal puts Bundle.total in searchset Bundles. Default true.
	SearchTotal bool
	// StrictSearch rejects an unknown search parameter with 400 (default true); when false it is
	// ignored, FHIR's lenient handling.
	StrictSearch bool
	// PingResult is the text of $ping's result. Default "OK".
	PingResult string
	// PingRoleParameter answers $ping with a token with the role in a parameter of its own, role
	// (default true); when false the role is told in result's text.
	PingRoleParameter bool
	// EndParameters answers MedicationRequest/$end with Parameters: result true and the ended
	// versions (default true). When false it answers an OperationOutcome of severity information.
	EndParameters bool
	// ListVersionCheck refuses a new prescription whose nllMedicationlistVersion extension (the
	// underlagsversion: the version of the medication list the prescriber saw) is not the list's
	// current version, with VersionConflictStatus (default true). When false the extension is
	// ignored. A prescription without it is never checked.
	ListVersionCheck bool
	// BareAuthRefusal answers a missing or invalid token with its status alone, without a body,
	// as an API gateway in front of a FHIR server may (default false: an OperationOutcome).
	BareAuthRefusal bool
	// BareErrors answers every refusal whose body NLL does not document with its status alone
	// (default false: an OperationOutcome). NLL's error handling lets an error answer have an
	// empty body; documented are an automatic check's (AFF) rejection, which names its rule in
	// an OperationOutcome, and a transaction's, whose OperationOutcome points at the failing entry.
	BareErrors bool
	// ProfileStatus answers a resource that breaks the cardinality of its NLL profile (a Dosage
	// without sequence, NLLDosage 1..1): 422 (default, FHIR's status for a profile violation) or
	// 400 (a request that fails basic validation).
	ProfileStatus int
}

// DefaultPolicy is the policy a simulator gets unless told otherwise: the "default" personality.
func DefaultPolicy() Policy {
	return Policy{BasePath: DefaultBasePath, VersionConflictStatus: http.StatusConflict, RequireRequestID: true, UniqueRequestID: true, PageSize: 50,
		HeaderStatus: http.StatusBadRequest, AuthStatus: http.StatusUnauthorized, ForbiddenStatus: http.StatusForbidden,
		NamedDiagnostics: true, AbsoluteLocations: true, ReasonPhrase: true, VersionHeaders: true, SearchTotal: true,
		StrictSearch: true, PingResult: "OK", PingRoleParameter: true, EndParameters: true, ListVersionCheck: true,
		ProfileStatus: http.StatusUnprocessableEntity}
}

// Personalities names the simulator's personalities, for Personality.
var Personalities = []string{"default", "alt"}

// Personality returns the policy of a named personality: "default" (DefaultPolicy) or "alt", in
// which every choice takes its other plausible value (412, 422 for header problems, 403 for a
// missing token, the code processing for every error, Swedish diagnostics, absolute-path
// Location under the base /fhir, "201" without a reason phrase, no ETag, no Bundle.total, pages of
// 5, lenient search, no request id required, the role in $ping's result, an OperationOutcome from
// $end, no check of the medication list version, 400 for a profile violation, a token and every
// other refusal whose body NLL does not document answered without a body).
func Personality(name string) (Policy, error) {
	switch name {
	case "", "default":
		return DefaultPolicy(), nil
	case "alt":
		return Policy{BasePath: "/fhir", VersionConflictStatus: http.StatusPreconditionFailed, RequireRequestID: false, UniqueRequestID: false, PageSize: 5,
			HeaderStatus: http.StatusUnprocessableEntity, AuthStatus: http.StatusForbidden, ForbiddenStatus: http.StatusUnprocessableEntity,
			GenericIssueCodes: true, NamedDiagnostics: false, AbsoluteLocations: false, ReasonPhrase: false, VersionHeaders: false,
			SearchTotal: false, StrictSearch: false, PingResult: "Anslutningen fungerar", PingRoleParameter: false, EndParameters: false,
			ProfileStatus: http.StatusBadRequest, BareAuthRefusal: true, BareErrors: true}, nil
	}
	return Policy{}, fmt.Errorf("unknown simulator personality %q; use %s", name, strings.Join(Personalities, " or "))
}

// check rejects a policy with a value the simulator cannot serve.
func (p Policy) check() error {
	switch {
	case p.VersionConflictStatus != http.StatusConflict && p.VersionConflictStatus != http.StatusPreconditionFailed:
		return fmt.Errorf("version conflict status must be 409 or 412, got %d", p.VersionConflictStatus)
	case p.PageSize < 1 || p.PageSize > maxCount:
		return fmt.Errorf("page size must be from 1 to %d, got %d", maxCount, p.PageSize)
	case p.HeaderStatus < 400 || p.HeaderStatus > 499 || p.AuthStatus < 400 || p.AuthStatus > 499 || p.ForbiddenStatus < 400 || p.ForbiddenStatus > 499:
		return fmt.Errorf("header, auth and forbidden statuses must be 4xx, got %d, %d, %d", p.HeaderStatus, p.AuthStatus, p.ForbiddenStatus)
	case p.ProfileStatus != http.StatusBadRequest && p.ProfileStatus != http.StatusUnprocessableEntity:
		return fmt.Errorf("profile status must be 400 or 422, got %d", p.ProfileStatus)
	}
	return nil
}

// Options configure a Simulator.
type Options struct {
	// BasePath is the FHIR base path; empty means DefaultBasePath.
	BasePath string
	// Fixtures holds patients/, medications/, relatedpersons/, consents/ and medicationrequests/
	// (*.json) to seed; nil means an empty store.
	Fixtures fs.FS
	// PackFixtures, when set, are a test pack's own fixtures in the same layout, seeded after
	// Fixtures: a resource with the type and id of one in Fixtures replaces it.
	PackFixtures fs.FS
	// Faults are injected into matching responses, for tests of failure handling.
	Faults []Fault
	// Policy overrides DefaultPolicy (see Personality); nil keeps it.
	Policy *Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Defects break the simulator in named ways (see Defects), for the defect catalogue that
	// shows the pack notices each.
	Defects []string
	// Tap, when set, sees every answer the simulator sends (after faults), for tests that check
	// the bodies with an independent validator.
	Tap func(r *http.Request, status int, header http.Header, body []byte)
}

// Simulator is the NLL simulator's HTTP handler. It is safe for concurrent use.
type Simulator struct {
	base   string
	tap    func(r *http.Request, status int, header http.Header, body []byte)
	store  *store
	now    func() time.Time
	key    tokenKey
	policy Policy
	// defects are the ways this simulator is broken on purpose (Options.Defects).
	defects defectSet
	// requestIDs remembers the x-request-ids seen, for Policy.UniqueRequestID.
	requestIDs *seenIDs

	mu        sync.RWMutex
	faults    []Fault
	faultHits map[int]int // matching requests seen per fault, for Fault.After and Fault.Times

	// writeMu serialises writes, so that checks and the store agree and transactions are atomic.
	writeMu     sync.Mutex
	verified    map[string]time.Time // dispenses checked by $verify and not yet registered
	listVersion map[string]int       // patient id → medication list version
}

// New builds a simulator with its store seeded from opts.Fixtures.
func New(opts Options) (*Simulator, error) {
	s := &Simulator{base: strings.TrimSuffix(opts.BasePath, "/"), tap: opts.Tap, store: newStore(), now: opts.Now,
		faults: opts.Faults, policy: DefaultPolicy(), verified: map[string]time.Time{}, listVersion: map[string]int{},
		requestIDs: newSeenIDs(maxRequestIDs)}
	if opts.Policy != nil {
		s.policy = *opts.Policy
	}
	if err := s.policy.check(); err != nil {
		return nil, err
	}
	var err error
	if s.defects, err = newDefectSet(opts.Defects); err != nil {
		return nil, err
	}
	if s.base == "" {
		s.base = strings.TrimSuffix(s.policy.BasePath, "/")
	}
	if s.base == "" {
		s.base = DefaultBasePath
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.key = make(tokenKey, 32)
	if _, err := rand.Read(s.key); err != nil {
		return nil, err
	}
	for _, f := range s.faults {
		if err := f.validate(); err != nil {
			return nil, err
		}
	}
	if err := s.store.seed([]fs.FS{opts.Fixtures, opts.PackFixtures}, "patients", "medications", "relatedpersons", "consents", "medicationrequests"); err != nil {
		return nil, fmt.Errorf("cannot seed simulator: %w", err)
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
	s.faults, s.faultHits = faults, nil
	s.mu.Unlock()
	return nil
}

// activeFaults returns the faults that break this request, counting the matches of each so that
// a fault with After spares the first ones.
func (s *Simulator) activeFaults(r *http.Request, rel string) []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Fault
	for i, f := range s.faults {
		if !f.matches(r.Method, rel) {
			continue
		}
		if s.faultHits == nil {
			s.faultHits = map[int]int{}
		}
		s.faultHits[i]++
		if n := s.faultHits[i]; n > f.After && (f.Times == 0 || n <= f.After+f.Times) {
			out = append(out, f)
		}
	}
	return out
}

// Header is the header konform's simulator sets on every answer, so that a run can tell it from
// NLL whatever the configuration calls it and whatever certificates it serves; NLL sets none
// like it.
const Header = "X-Konform-Simulator"

// ServeHTTP answers one FHIR request.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.tap != nil {
		t := &tapWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() { s.tap(r, t.status, w.Header(), t.body.Bytes()) }()
		w = t
	}
	reqID := r.Header.Get("X-Request-ID")
	if reqID == "" || s.broken("request-id-not-echoed") {
		reqID = uuid.NewString()
	}
	w.Header().Set("X-Request-ID", reqID)
	w.Header().Set(Header, "konform")
	if s.broken("content-type-json") {
		w = &plainJSONWriter{w}
	}
	rel, ok := strings.CutPrefix(r.URL.Path, s.base)
	if !ok || (rel != "" && rel[0] != '/') {
		s.writeOutcome(w, http.StatusNotFound, "not-found", "no FHIR endpoint at "+r.URL.Path+"; the base is "+s.base)
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
	allow := func(methods ...string) bool {
		for _, m := range methods {
			if r.Method == m {
				return true
			}
		}
		w.Header().Set("Allow", strings.Join(methods, ", "))
		s.writeOutcome(w, http.StatusMethodNotAllowed, "not-supported", r.Method+" is not allowed here; allowed: "+strings.Join(methods, ", "))
		return false
	}
	switch {
	case rel == "":
		if allow(http.MethodPost) {
			s.transaction(w, r)
		}
	case rel == "$ping":
		if allow(http.MethodGet, http.MethodPost) {
			s.ping(w, r)
		}
	case rel == "$verify":
		if allow(http.MethodPost) {
			s.verify(w, r, "")
		}
	case rel == "$patient-dosage-directions":
		if allow(http.MethodPost) {
			s.patientDosageDirections(w, r)
		}
	case kinds[parts[0]] == nil:
		s.writeOutcome(w, http.StatusNotFound, "not-supported", "resource type "+parts[0]+" is not supported")
	case len(parts) == 1:
		if allow(http.MethodGet, http.MethodPost) {
			if r.Method == http.MethodGet {
				s.search(w, r, parts[0])
			} else {
				s.create(w, r, parts[0])
			}
		}
	case len(parts) == 2 && parts[1] == "$verify":
		if allow(http.MethodPost) {
			s.verify(w, r, parts[0])
		}
	case len(parts) == 2 && parts[0] == "MedicationRequest" && parts[1] == "$end":
		if allow(http.MethodPost) {
			s.end(w, r)
		}
	case len(parts) == 2 && parts[0] == "MedicationRequest" && parts[1] == "$monitoring":
		if allow(http.MethodPost) {
			s.monitoring(w, r)
		}
	case len(parts) == 2:
		if allow(http.MethodGet, http.MethodPut, http.MethodDelete) {
			switch r.Method {
			case http.MethodGet:
				s.read(w, r, parts[0], parts[1], 0)
			case http.MethodPut:
				s.update(w, r, parts[0], parts[1])
			default:
				s.remove(w, r, parts[0], parts[1])
			}
		}
	case len(parts) == 3 && parts[0] == "Patient" && parts[2] == "MedicationListInfo":
		if allow(http.MethodGet) {
			if c, aerr := s.authorize(r, needRead); aerr != nil {
				s.writeError(w, aerr)
			} else if aerr := s.privateMay(c, "Basic", parts[1]); aerr != nil {
				s.writeError(w, aerr)
			} else {
				s.medicationListInfo(w, r, parts[1])
			}
		}
	case len(parts) == 4 && parts[2] == "_history":
		v, err := strconv.Atoi(parts[3])
		if err != nil || v < 1 {
			s.writeError(w, invalid("version "+strconv.Quote(parts[3])+" is not a positive number"))
		} else if allow(http.MethodGet) {
			s.read(w, r, parts[0], parts[1], v)
		}
	default:
		s.writeOutcome(w, http.StatusNotFound, "not-supported", "the simulator does not serve "+r.URL.Path)
	}
}

// ping answers $ping (NLLPing): without a token it checks connectivity only; with one it also
// checks the token and answers with the role it gives.
func (s *Simulator) ping(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.authorize(r, need{})
	if aerr != nil && s.broken("ping-token-unchecked") {
		c, aerr = &caller{}, nil
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if c.role != "" && s.broken("ping-one-role") {
		c.role = RolePrescriber
	}
	result := s.policy.PingResult
	if c.role != "" && !s.policy.PingRoleParameter {
		result += "; roll " + c.role
	}
	params := []any{map[string]any{"name": "result", "valueString": result}}
	if s.broken("ping-time-no-role") {
		params[0] = map[string]any{"name": "result", "valueString": "OK " + s.now().UTC().Format(time.RFC3339Nano)}
	} else if c.role != "" && s.policy.PingRoleParameter {
		params = append(params, map[string]any{"name": "role", "valueString": c.role})
	}
	writeJSON(w, http.StatusOK, resource{"resourceType": "Parameters", "parameter": params})
}

// read answers a read (v == 0) or a vread of version v.
func (s *Simulator) read(w http.ResponseWriter, r *http.Request, typ, id string, v int) {
	n := needCheck
	if kinds[typ].patientData {
		n = needRead
	}
	c, aerr := s.authorize(r, n)
	if aerr == nil {
		aerr = s.mayRead(c, typ)
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	var res resource
	var ok bool
	if v == 0 || s.broken("vread-current") {
		res, ok = s.store.read(typ, id)
	} else {
		res, ok = s.store.readVersion(typ, id, v)
	}
	if !ok && v == 0 && s.store.gone(typ, id) {
		s.writeError(w, s.missing(typ, id))
		return
	}
	if !ok || (!s.visible(c, typ, res) && !s.broken("lock-read-leaks")) {
		what := typ + "/" + id
		if v > 0 {
			what += "/_history/" + strconv.Itoa(v)
		}
		s.writeError(w, notFound(what))
		return
	}
	if aerr := s.checkPatientRef(r, kinds[typ].patientOf(res)); aerr != nil {
		s.writeError(w, aerr)
		return
	}
	res = s.filtered(c, typ, res)
	if typ == "Patient" && s.broken("protected-identity-named") && extension(res, ProtectedIdentityURL) != nil {
		res = deepCopy(res).(map[string]any)
		res["name"] = []any{map[string]any{"family": "Skyddadsson", "given": []any{"Sigrid"}}}
	}
	s.setVersionHeaders(w, res)
	writeJSON(w, http.StatusOK, res)
}

// visible reports whether the caller may see res: a data lock (spärr) on the patient, or on the
// prescription chain, hides prescriptions and dispenses unless the access type unlocks them.
func (s *Simulator) visible(c *caller, typ string, res resource) bool {
	if c.role == RolePrivate && !s.broken("private-sees-all") {
		return s.privateVisible(c, typ, res)
	}
	if typ == "Provenance" {
		return s.provenanceVisible(c, res)
	}
	if typ != "MedicationRequest" && typ != "MedicationDispense" {
		return true
	}
	if c.purpose == pharmacyPurpose && s.beyondPharmacyWindow(typ, res) {
		return false
	}
	patient := kinds[typ].patientOf(res)
	return s.unlocked(c, patient) || !s.hiddenBy(s.locks(patient), typ, res)
}

// unlocked reports whether the caller sees a patient's data under an integritetsspärr (a lock
// "för vården"): a pharmacy reading for dispensing does (FIL001), and so do the access types that
// unlock (unlockingAccess: FIL002, the patient's consent to see locked data, and FIL004's access
// to a dose patient's data, for a dose patient only).
func (s *Simulator) unlocked(c *caller, patient string) bool {
	switch {
	case c.purpose == pharmacyPurpose:
		return !s.broken("pharmacy-lock-hides")
	case c.access == "DOSPATIENTS_UPPGIFTER" && s.broken("dose-access-filtered"):
		return false
	case c.access == "DOSPATIENTS_UPPGIFTER" && !s.dosePatient(patient) && !s.broken("dose-access-any-patient"):
		return false
	}
	return unlockingAccess[c.access] && !s.broken("lock-access-ignored")
}

// pharmacyWindow is how far back a pharmacy reading for dispensing sees: what was registered in
// NLL within the last 24 months (FIL001).
const pharmacyWindow = 24

// beyondPharmacyWindow reports whether a prescription or dispense was registered more than
// pharmacyWindow months ago. The day it was registered is taken as its authoredOn, or a
// dispense's whenHandedOver (else whenPrepared): NLL's own registration time is not shown on the
// resource (default). A resource without such a day is kept.
func (s *Simulator) beyondPharmacyWindow(typ string, res resource) bool {
	if s.broken("pharmacy-sees-all-history") {
		return false
	}
	day, _ := res["authoredOn"].(string)
	if typ == "MedicationDispense" {
		if day, _ = res["whenHandedOver"].(string); day == "" {
			day, _ = res["whenPrepared"].(string)
		}
	}
	if len(day) < len("2006-01-02") {
		return false
	}
	registered, err := time.Parse("2006-01-02", day[:10])
	if err != nil {
		return false
	}
	return registered.Before(s.now().AddDate(0, -pharmacyWindow, 0))
}

// hiddenBy reports whether one of a patient's data locks hides a prescription or a dispense: a
// lock on the patient hides them all, a lock on a prescription chain that chain only.
func (s *Simulator) hiddenBy(locks []resource, typ string, res resource) bool {
	chain := stringAt(extension(res, ChainURL), "valueString")
	if typ == "MedicationDispense" {
		if mr, ok := s.store.read("MedicationRequest", referenceID(stringAt(res, "authorizingPrescription", "reference"), "MedicationRequest")); ok {
			chain = stringAt(extension(mr, ChainURL), "valueString")
		}
	}
	for _, lock := range locks {
		if reasonOnly(lock) {
			continue // it hides the treatment reason, not the prescription (see filtered)
		}
		lockChain := stringAt(extension(lock, ChainURL), "valueString")
		if lockChain == "" || lockChain == chain || s.broken("chain-lock-hides-all") {
			return true
		}
	}
	return false
}

// privateVisible reports whether a private person sees res (TA 01): only their own data, and of
// their prescriptions and dispenses not what a prescriber's sekretesspärr hides from them. Their
// own integritetsspärr hides data from care and pharmacy staff, not from themselves.
func (s *Simulator) privateVisible(c *caller, typ string, res resource) bool {
	if k := kinds[typ]; k == nil || !k.patientData {
		return true // Medication: the articles are open to all
	}
	if typ == "RelatedPerson" { // TA 08: a guardian finds the relations that name them
		return identifierValue(res, PersonnummerSystem) == c.claims.Personnummer
	}
	own := s.own(c)
	if own == "" || kinds[typ].patientOf(res) != own {
		return false
	}
	if typ != "MedicationRequest" && typ != "MedicationDispense" {
		return true
	}
	locks := s.secrecyLocks(own)
	if s.broken("patient-lock-hides-from-patient") {
		locks = append(locks, s.locks(own)...)
	}
	return !s.hiddenBy(locks, typ, res)
}

// privateTypes are what a private person reads: their prescriptions and dispenses and their own
// Patient (TA 01), their consents, whose requests they answer (TA 53), and as a guardian the RelatedPerson that names them and a child (TA 08, which
// names the privatperson in a pharmacy's web shop). Medication, no patient data, is open to all.
var privateTypes = map[string]bool{"Patient": true, "MedicationRequest": true, "MedicationDispense": true, "RelatedPerson": true, "Consent": true}

// mayRead refuses a read of typ that the caller's role may not make: RelatedPerson (TA 08,
// Kontrollera vårdnadshavare, whose roles are farmaceut på apotek, icke-legitimerad
// apotekspersonal and privatperson) is not for care staff, and a private person reads only what
// privateMay allows.
func (s *Simulator) mayRead(c *caller, typ string) *apiError {
	if typ == "RelatedPerson" && roles[c.role].orgType == "HSA" && !s.broken("care-reads-relatedperson") {
		return &apiError{status: http.StatusForbidden, code: "forbidden",
			diagnostics: "guardians (RelatedPerson, TA 08) are checked by pharmacy staff and private persons, not by role " + c.role}
	}
	return s.privateMay(c, typ, "")
}

// privateMay refuses a private person's read of a type TA 01 does not give them, or of another
// patient's data named in the request (patient, "" when none); other callers pass.
func (s *Simulator) privateMay(c *caller, typ, patient string) *apiError {
	if c.role != RolePrivate || s.broken("private-sees-all") {
		return nil
	}
	if k := kinds[typ]; k != nil && k.patientData && !privateTypes[typ] {
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "a private person reads their own prescriptions and dispenses (TA 01), not " + typ}
	}
	if patient != "" && patient != s.own(c) && typ != "RelatedPerson" { // a guardian names the child
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "a private person reads only their own data, and Patient/" + patient + " is not the token's PERSONNUMMER"}
	}
	return nil
}

// own is the id of a private person's own Patient, "" when NLL does not know their personnummer.
// It is looked up once per request: a search asks it of every match.
func (s *Simulator) own(c *caller) string {
	if c.self == nil {
		id := ""
		if p := s.patientByPersonnummer(c.claims.Personnummer); p != nil {
			id, _ = p["id"].(string)
		}
		c.self = &id
	}
	return *c.self
}

// reasonOnly reports whether a data lock covers the treatment reason only.
func reasonOnly(lock resource) bool {
	return stringAt(extension(lock, DataLockScopeURL), "valueCode") == "behandlingsorsak"
}

// filtered is res as the caller may see it: a lock on the treatment reason only (FIL006)
// replaces a prescription's reasonCode with the flag nlldataAbsentReason, unless the access
// type unlocks locked data. It hides the reason from a pharmacy reading for dispensing too,
// which sees the rest of what is locked (FIL001): the patient's lock of the reason is there "to
// block pharmacists from seeing the treatment reason" (SIMP BasicNLLDataLock). For the patient
// (a private person) only a prescriber's sekretesspärr on the reason does: the patient's own
// integritetsspärr is theirs.
func (s *Simulator) filtered(c *caller, typ string, res resource) resource {
	if typ != "MedicationRequest" || res["reasonCode"] == nil || s.broken("reason-lock-ignored") {
		return res
	}
	patient := kinds[typ].patientOf(res)
	var locks []resource
	switch {
	case c.role == RolePrivate:
		locks = s.secrecyLocks(patient)
	case c.purpose == pharmacyPurpose && !s.broken("pharmacy-sees-locked-reason"):
		locks = s.locks(patient)
	case s.unlocked(c, patient):
		return res
	default:
		locks = s.locks(patient)
	}
	chain := stringAt(extension(res, ChainURL), "valueString")
	for _, lock := range locks {
		if lockChain := stringAt(extension(lock, ChainURL), "valueString"); reasonOnly(lock) && (lockChain == "" || lockChain == chain) {
			out := deepCopy(res).(map[string]any)
			out["reasonCode"] = []any{map[string]any{"extension": []any{map[string]any{"url": DataAbsentReasonURL, "valueCode": "masked"}}}}
			return out
		}
	}
	return res
}

// provenanceVisible hides the Provenance of a locked prescription or dispense with the data it
// is about: it tells who prescribed or dispensed what and why.
func (s *Simulator) provenanceVisible(c *caller, p resource) bool {
	if s.broken("lock-provenance-leaks") {
		return true
	}
	for _, t := range list(p, "target") {
		ref, _, _ := strings.Cut(stringAt(t, "reference"), "/_history/")
		typ, id, _ := strings.Cut(ref, "/")
		if typ != "MedicationRequest" && typ != "MedicationDispense" {
			continue
		}
		if res, ok := s.store.read(typ, id); ok && !s.visible(c, typ, res) {
			return false
		}
	}
	return true
}

// locks returns the data locks on a patient that hide data from care and pharmacy staff: every
// integritetsspärr, no sekretesspärr.
func (s *Simulator) locks(patient string) []resource {
	if patient == "" {
		return nil
	}
	return s.store.list("Basic", func(b resource) bool {
		return subjectPatient(b) == patient && stringAt(b, "code", "coding", "code") == "datalock" &&
			(!secrecyLock(b) || s.broken("secrecy-lock-hides"))
	})
}

// secrecyLocks returns a patient's sekretesspärrar, which hide data from the patient (TA 01).
func (s *Simulator) secrecyLocks(patient string) []resource {
	if s.broken("secrecy-lock-shown-to-patient") {
		return nil
	}
	return s.store.list("Basic", func(b resource) bool {
		return subjectPatient(b) == patient && stringAt(b, "code", "coding", "code") == "datalock" && secrecyLock(b)
	})
}

// secrecyLock reports whether a data lock is a sekretesspärr: a prescriber's lock against the
// patient or the guardians (TA 36, TA 38). It hides nothing from care or pharmacy staff, who
// must know it is there so that they do not disclose what it covers, and hides what it covers
// from the patient (privateVisible); the guardians' view is not simulated.
func secrecyLock(lock resource) bool {
	return stringAt(extension(lock, DataLockTypeURL), "valueCode") == "sekretesspärr"
}

// authorizedBody checks a request's headers and reads its JSON body; on a problem it answers with
// the OperationOutcome and returns false.
func (s *Simulator) authorizedBody(w http.ResponseWriter, r *http.Request, n need) (*caller, resource, bool) {
	if s.broken("any-content-type") {
		r.Header.Set("Content-Type", "application/fhir+json")
	}
	c, aerr := s.authorize(r, n)
	if aerr == nil {
		var res resource
		if res, aerr = readResource(r, w); aerr == nil {
			return c, res, true
		}
	}
	s.writeError(w, aerr)
	return nil, nil, false
}

// readResource reads a request's JSON resource.
func readResource(r *http.Request, w http.ResponseWriter) (resource, *apiError) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/fhir+json" && mt != "application/json" {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "not-supported",
			diagnostics: "Content-Type must be application/fhir+json, got " + strconv.Quote(r.Header.Get("Content-Type"))}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: "too-costly", diagnostics: "the body is over the simulator's limit of 4 MiB"}
	}
	var res resource
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, invalid("the body is not valid JSON: " + err.Error())
	}
	return res, nil
}

func (s *Simulator) create(w http.ResponseWriter, r *http.Request, typ string) {
	s.writeOne(w, r, http.MethodPost, typ, "")
}

func (s *Simulator) update(w http.ResponseWriter, r *http.Request, typ, id string) {
	s.writeOne(w, r, http.MethodPut, typ, id)
}

// writeOne answers a create or an update: 201 or 200 with Location, ETag, Last-Modified and the
// body Prefer asks for (return=minimal when absent).
func (s *Simulator) writeOne(w http.ResponseWriter, r *http.Request, method, typ, id string) {
	c, res, ok := s.authorizedBody(w, r, needWrite)
	if !ok {
		return
	}
	wr := &write{method: method, typ: typ, id: id, res: res}
	s.writeMu.Lock()
	aerr := s.prepare(c, wr)
	if aerr == nil {
		aerr = s.checkPatientRef(r, wr.patient)
	}
	var done stored
	switch {
	case aerr == nil:
		done = s.commit(c, wr)
	case aerr.status == http.StatusUnprocessableEntity && method == http.MethodPost && typ == "MedicationRequest" &&
		wr.patient != "" && s.broken("refused-create-saved"):
		s.commit(c, wr)
	}
	s.writeMu.Unlock()
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	status := http.StatusCreated
	if method == http.MethodPut {
		status = http.StatusOK
	}
	if !s.broken("create-no-location") || method != http.MethodPost {
		w.Header().Set("Location", s.link(r, fmt.Sprintf("%s/%s/_history/%d", done.typ, done.id, done.version)))
	}
	s.setVersionHeaders(w, done.res)
	s.respond(w, r, status, done)
}

// respond writes a stored resource as Prefer asks: minimal (no body, the default),
// representation (the resource) or OperationOutcome (the outcome, with any warnings).
func (s *Simulator) respond(w http.ResponseWriter, r *http.Request, status int, done stored) {
	prefer := preferReturn(r)
	switch {
	case prefer == "representation" && s.broken("prefer-ignored"):
		prefer = ""
	case prefer == "" && s.broken("minimal-has-body"):
		prefer = "representation"
	}
	switch prefer {
	case "representation":
		writeJSON(w, status, s.withDetectedIssues(done))
	case "OperationOutcome":
		issues := append([]issue{{severity: "information", code: "informational",
			diagnostics: fmt.Sprintf("%s/%s version %d stored", done.typ, done.id, done.version)}}, done.warnings...)
		writeJSON(w, status, outcome(issues...))
	default:
		w.WriteHeader(status)
	}
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

// setVersionHeaders sends ETag and Last-Modified, unless the policy leaves them out.
func (s *Simulator) setVersionHeaders(w http.ResponseWriter, res resource) {
	if !s.policy.VersionHeaders {
		return
	}
	if v := stringAt(res, "meta", "versionId"); v != "" {
		w.Header().Set("ETag", `W/"`+v+`"`)
	}
	if t, err := time.Parse(time.RFC3339, stringAt(res, "meta", "lastUpdated")); err == nil {
		w.Header().Set("Last-Modified", t.UTC().Format(http.TimeFormat))
	}
}

// fullURL is the absolute URL of a path below the base.
func (s *Simulator) fullURL(r *http.Request, rel string) string {
	return "https://" + r.Host + s.base + "/" + rel
}

// link is the URL of a path below the base for Location and paging links: absolute, or an
// absolute path, as the policy says.
func (s *Simulator) link(r *http.Request, rel string) string {
	if s.policy.AbsoluteLocations {
		return s.fullURL(r, rel)
	}
	return s.base + "/" + rel
}

// plainJSONWriter answers application/json instead of application/fhir+json (the defect
// content-type-json).
type plainJSONWriter struct{ http.ResponseWriter }

func (p *plainJSONWriter) WriteHeader(status int) {
	if strings.HasPrefix(p.Header().Get("Content-Type"), "application/fhir+json") {
		p.Header().Set("Content-Type", "application/json")
	}
	p.ResponseWriter.WriteHeader(status)
}

func (p *plainJSONWriter) Write(b []byte) (int, error) { return p.ResponseWriter.Write(b) }

// Flush lets faults that cut an answer short push what was written.
func (p *plainJSONWriter) Flush() { http.NewResponseController(p.ResponseWriter).Flush() }

// checkPatientRef refuses a request whose x-patientref (the logical id of the patient it
// concerns) names another patient than the one it concerns. Without the header, or when the
// request concerns no single patient, there is nothing to check.
func (s *Simulator) checkPatientRef(r *http.Request, patient string) *apiError {
	ref := r.Header.Get("X-Patientref")
	if ref == "" || patient == "" || s.broken("patientref-unchecked") {
		return nil
	}
	if id := referenceID(ref, "Patient"); id != patient && ref != patient {
		return headerError(http.StatusBadRequest, "invalid", "x-patientref", "names "+strconv.Quote(ref)+" but the request concerns Patient/"+patient)
	}
	return nil
}

// withDetectedIssues is the answer to return=representation: the stored resource, and the
// warnings of the write embedded as contained DetectedIssue resources that its detectedIssue
// element points at (NLL embeds the detectedIssue; warnings are never stored).
func (s *Simulator) withDetectedIssues(done stored) resource {
	if len(done.warnings) == 0 || s.broken("representation-drops-warning") {
		return done.res
	}
	out := deepCopy(done.res).(map[string]any)
	var contained, refs []any
	if c, ok := out["contained"].([]any); ok {
		contained = c
	}
	if d, ok := out["detectedIssue"].([]any); ok {
		refs = d
	}
	for i, w := range done.warnings {
		id := fmt.Sprintf("varning-%d", i+1)
		di := map[string]any{"resourceType": "DetectedIssue", "id": id, "status": "final", "severity": "moderate",
			"detail": w.diagnostics, "implicated": []any{map[string]any{"reference": done.typ + "/" + done.id}}}
		if w.rule != nil {
			di["code"] = map[string]any{"coding": []any{map[string]any{"system": RuleSystem, "code": w.rule.code, "display": w.rule.text}}}
		}
		contained = append(contained, di)
		refs = append(refs, map[string]any{"reference": "#" + id})
	}
	out["contained"], out["detectedIssue"] = contained, refs
	return out
}

// tapWriter copies an answer for Options.Tap.
type tapWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (t *tapWriter) WriteHeader(status int) {
	t.status = status
	t.ResponseWriter.WriteHeader(status)
}

func (t *tapWriter) Write(p []byte) (int, error) {
	t.body.Write(p)
	return t.ResponseWriter.Write(p)
}

// Flush lets faults that cut an answer short push what was written.
func (t *tapWriter) Flush() { http.NewResponseController(t.ResponseWriter).Flush() }
