// Package steps holds konform's step vocabulary: every step in Swedish and English bound to one Go
// function, and World, the state of one scenario. Steps talk to NLL through fhirclient only.
package steps

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/pack"
)

// Identity names a client identity a scenario may connect with.
type Identity string

// The identities a scenario can ask for. The run's own identity is the default.
const (
	// RunIdentity is the certificate the run was started with.
	RunIdentity Identity = ""
	// NoCertificate connects without a client certificate.
	NoCertificate Identity = "none"
	// ExpiredCertificate is a client certificate whose validity has ended.
	ExpiredCertificate Identity = "expired"
	// UnknownCACertificate is a client certificate from a CA the service does not accept.
	UnknownCACertificate Identity = "unknown-ca"
)

// Role is the kind of user a scenario acts as; the token and the workplace (x-org-info) follow.
type Role string

// The roles a scenario can take.
const (
	// DefaultRole is the run's own user: a prescriber unless configured otherwise.
	DefaultRole Role = ""
	// Prescriber is a förskrivare in care (vård).
	Prescriber Role = "förskrivare"
	// Pharmacist is a farmaceut at a pharmacy (apotek).
	Pharmacist Role = "farmaceut"
	// Nurse is a sjuksköterska in care without prescribing rights.
	Nurse Role = "sjuksköterska"
	// CarePharmacist is a farmaceut working in care (inom hälso- och sjukvård), not at a pharmacy.
	CarePharmacist Role = "farmaceut inom vården"
	// Dietitian is a dietist in care.
	Dietitian Role = "dietist"
	// PharmacyStaff is non-licensed staff at a pharmacy (icke-legitimerad apotekspersonal).
	PharmacyStaff Role = "apotekspersonal"
	// PrivatePerson is the test patient, a private person at a pharmacy's web shop (TA 01).
	PrivatePerson Role = "privatperson"
)

// Env is what every scenario of a run shares. The run fills it once; scenarios only read it.
type Env struct {
	// RunID marks the data the run creates.
	RunID string
	// TestData fills {{testdata.<key>}}: values the environment must know, such as the test
	// article (the pack's test_data, with the environment's in konform.yaml).
	TestData map[string]string
	// Today is the run's date, YYYY-MM-DD, for templates.
	Today string
	// Client returns the FHIR client for an identity. It must be safe for concurrent use.
	Client func(Identity) (*fhirclient.Client, error)
	// Fingerprint returns the SHA-256 fingerprint (hex) of an identity's certificate, "" for
	// NoCertificate, so that a refused connection is shown to have presented the certificate the
	// scenario chose. Nil checks only that a certificate was presented, or none.
	Fingerprint func(Identity) (string, error)
	// Credentials returns the headers that identify a user of a role: authorization and
	// x-org-info. It must be safe for concurrent use.
	Credentials func(Role) (http.Header, error)
	// Token issues a token for a role's user with some claims changed; nil where the environment's
	// tokens come from elsewhere (only the simulator can issue them).
	Token func(role Role, claims map[string]any) (string, error)
	// Fixtures holds templates/*.json.
	Fixtures fs.FS
	// SUT is the supplier's system in the loop, for @sut scenarios; nil when the run has no driver.
	SUT SUT
	// ProductionIssuers are the environment's production_issuers (konform.yaml): CAs that, with
	// the built-in list, mark a certificate the system presents as a production certificate.
	ProductionIssuers []string
	// Pool is the pack's patient pool (pack.Pack.Pool), from which a scenario leases a test
	// patient of its own; nil means the bundled pack's (nllpack/pack.yaml).
	Pool *pack.Pool
	// PoolWait bounds how long a scenario waits for a free patient of the pool; zero means
	// DefaultPoolWait.
	PoolWait time.Duration

	leases *patientPool // built from Pool on first use, shared by the run's scenarios
}

// PersonnummerSystem is the identifier system of Swedish personnummer in NLL.
const PersonnummerSystem = "http://electronichealth.se/identifier/personnummer"

// ErrHarness marks a step error that is not a verdict on the service: a precondition or the
// harness itself broke. Such a case ends as "error", not "failed".
var ErrHarness = errors.New("harness")

func harnessError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrHarness, fmt.Sprintf(format, args...))
}

// World is the state of one scenario. A fresh World is made for every scenario, so scenarios
// share nothing.
type World struct {
	env      *Env
	ctx      context.Context
	identity Identity
	role     Role
	header   http.Header
	omit     map[string]bool   // headers the scenario leaves out on purpose
	vars     map[string]string // values saved by the scenario, for {{var.<name>}}
	uuid     string            // the scenario's own {{uuid}}, made when first used
	claims   map[string]any    // token claims the scenario changed
	pnr      string
	patient  string // NLL's logical id of the test patient, once looked up
	leased   string // the personnummer of the patient the scenario leased from the pool

	last    *fhirclient.Exchange
	lastErr error
	// created is the Location of the last resource the scenario created.
	created string
	// changed is the path of the resource konform itself last changed (PUT, answered 2xx) in this
	// scenario: what the system under test then saves meets a version conflict, or avoids one.
	changed string
	// made are the resources the scenario created (prescriptions, dispenses, data locks, dose
	// bases, consents), for Cleanup.
	made []ref

	// sutResult is what the SUT reported after its last action; sutMark is the number of its
	// calls before that action began.
	sutResult *driver.Result
	sutMark   int
	// actedSeq is the gateway's number (gateway.Call.Seq) of the last call that had arrived when
	// the last action returned, acted whether an action has returned; judgedSeq is the number
	// of the last call a check of the system's calls looked at. A call after both was judged by
	// no check (UnjudgedCalls).
	actedSeq, judgedSeq int
	acted               bool

	// Exchanges are every exchange of the scenario, in order, konform's own lookups included
	// (Lookup tells them apart).
	Exchanges []*fhirclient.Exchange
	lookups   map[*fhirclient.Exchange]bool
	// Recorded, when set, is told of each exchange as it joins Exchanges, so that its evidence
	// can be prepared while the scenario goes on. It must not change the exchange.
	Recorded func(*fhirclient.Exchange)
}

// NewWorld makes the state of one scenario.
func NewWorld(ctx context.Context, env *Env) *World {
	return &World{env: env, ctx: ctx, header: http.Header{}, omit: map[string]bool{}, vars: map[string]string{}}
}

// send performs one request with the scenario's identity and headers and keeps the answer.
// A transport error is kept too: the next assertion reports it as the case's error, and
// "the connection is refused" checks it.
func (w *World) send(req fhirclient.Request) error {
	c, err := w.env.Client(w.identity)
	if err != nil {
		return harnessError("%v", err)
	}
	h, err := w.env.Credentials(w.role)
	if err != nil {
		return harnessError("%v", err)
	}
	claims := w.claims
	if w.role == PrivatePerson && w.env.Token != nil && claims["PERSONNUMMER"] == nil {
		// The simulator's private person is the scenario's test patient; against EXT the
		// privatperson under users: must be.
		if w.pnr == "" {
			return harnessError("a private person is the scenario's test patient; add \"Givet att testpatienten har personnummer ...\" first")
		}
		claims = map[string]any{"PERSONNUMMER": w.pnr}
		for k, v := range w.claims {
			claims[k] = v
		}
	}
	if len(claims) > 0 {
		if w.env.Token == nil {
			return harnessError("this environment cannot issue tokens with changed claims; run the scenario against the simulator (@sim)")
		}
		token, err := w.env.Token(w.role, claims)
		if err != nil {
			return harnessError("%v", err)
		}
		h.Set("Authorization", "Bearer "+token)
	}
	if req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch || req.Method == http.MethodDelete {
		h.Set("X-Provenance", w.defaultProvenance())
	}
	for _, extra := range []http.Header{w.header, req.Header} {
		for k, v := range extra {
			h[k] = v
		}
	}
	for name := range w.omit {
		h.Del(name)
		req.Omit = append(req.Omit, name)
	}
	req.Header = h
	ex, err := c.Do(w.ctx, req)
	if ex != nil {
		before := len(w.Exchanges)
		w.Exchanges = append(append(w.Exchanges, ex.Earlier...), ex)
		if w.Recorded != nil {
			for _, e := range w.Exchanges[before:] {
				w.Recorded(e)
			}
		}
	}
	w.last, w.lastErr = ex, err
	var terr *fhirclient.TransportError
	if err != nil && !errors.As(err, &terr) {
		return harnessError("%v", err) // a request konform could not even build
	}
	return nil
}

// response returns the last answer, or the reason there is none.
func (w *World) response() (*fhirclient.Message, error) {
	if w.lastErr != nil {
		return nil, w.lastErr
	}
	if w.last == nil || w.last.Response == nil {
		return nil, harnessError("no request has been sent in this scenario; add a request step before checking the answer")
	}
	return w.last.Response, nil
}

// fill replaces the placeholders of a template or a path.
func (w *World) fill(s string) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	var err error
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-2])
		switch name {
		case "run.id":
			return w.env.RunID
		case "today":
			return w.env.Today
		case "patient.personnummer":
			if w.pnr == "" {
				err = harnessError("{{patient.personnummer}} needs a test patient; add \"Givet att testpatienten har personnummer ...\"")
			}
			return w.pnr
		case "created.id":
			if w.created == "" {
				err = harnessError("{{created.id}} needs a created resource; create one first")
			}
			return createdID(w.created)
		case "patient.id":
			id, e := w.patientID()
			if e != nil {
				err = e
			}
			return id
		}
		if key, ok := strings.CutPrefix(name, "testdata."); ok {
			v, known := w.env.TestData[key]
			if !known {
				err = harnessError("{{%s}}: the pack's pack.yaml has no test_data %s", name, key)
			}
			return v
		}
		if v, ok, e := computed(name, w); ok {
			if e != nil {
				err = e
			}
			return v
		}
		if v, ok := strings.CutPrefix(name, "var."); ok {
			value, saved := w.vars[v]
			if !saved {
				err = harnessError("{{%s}} has not been saved in this scenario; save it first with the step: värdet av FHIRPath-uttrycket … sparas som …", name)
			}
			return value
		}
		err = harnessError("unknown placeholder {{%s}}; known: %s", name, knownPlaceholders)
		return m
	})
	return out, err
}

// patientID looks the test patient up in NLL once, by personnummer, with konform's own lookup:
// the scenario may have changed its headers, identity or token on purpose (to be refused), and
// {{patient.id}} must still work in its requests.
func (w *World) patientID() (string, error) {
	if w.patient != "" {
		return w.patient, nil
	}
	if w.pnr == "" {
		return "", harnessError("{{patient.id}} needs a test patient; add \"Givet att testpatienten har personnummer ...\"")
	}
	resp, err := w.lookup(fhirclient.Request{Method: http.MethodGet, Path: "Patient",
		Query: url.Values{"identifier": {PersonnummerSystem + "|" + w.pnr}}})
	if err != nil {
		return "", harnessError("cannot look up test patient %s: %v", w.pnr, err)
	}
	doc, err := parseJSON(resp.Body)
	if err != nil || resp.Status != http.StatusOK || doc["resourceType"] != "Bundle" {
		return "", harnessError("cannot look up test patient %s: the search (with the run's own identity and default headers) answered %d %s, not a Bundle%s",
			w.pnr, resp.Status, quoteOrNone(resp.Header.Get("Content-Type")), parenthesised(outcomeDetail(resp.Body)))
	}
	id := firstString(doc, "entry", "resource", "id")
	if id == "" {
		return "", harnessError("test patient %s is not registered in NLL; pick a patient the environment knows", w.pnr)
	}
	w.patient = id
	return id, nil
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// lookupHeader are the headers of konform's own lookups besides the user's credentials: care
// (VARD) with a temporary consent, the run's defaults.
var lookupHeader = http.Header{"X-Purpose": {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"}}

// lookup sends a request konform makes on its own to fill a placeholder, not one the scenario's
// steps describe: with the run's identity and user, its token unchanged and complete default
// headers (lookupHeader), whatever the scenario changed. The scenario's state, its last answer
// included, stays as it was. The exchange is recorded with the scenario's and marked as a lookup
// (World.Lookup). It returns the answer, or why there is none.
func (w *World) lookup(req fhirclient.Request) (*fhirclient.Message, error) {
	identity, role, claims, header, omit := w.identity, w.role, w.claims, w.header, w.omit
	last, lastErr, before := w.last, w.lastErr, len(w.Exchanges)
	defer func() {
		w.identity, w.role, w.claims, w.header, w.omit = identity, role, claims, header, omit
		w.last, w.lastErr = last, lastErr
	}()
	w.identity, w.role, w.claims, w.header, w.omit = RunIdentity, DefaultRole, nil, lookupHeader.Clone(), map[string]bool{}
	err := w.send(req)
	for _, ex := range w.Exchanges[before:] {
		if w.lookups == nil {
			w.lookups = map[*fhirclient.Exchange]bool{}
		}
		w.lookups[ex] = true
	}
	if err != nil {
		return nil, err
	}
	return w.response()
}

// Lookup reports whether konform sent ex on its own, to fill a placeholder such as
// {{patient.id}}, with the run's identity and default headers rather than the scenario's: the
// evidence should label it so, since no step of the scenario describes it.
func (w *World) Lookup(ex *fhirclient.Exchange) bool { return w.lookups[ex] }

// createdID returns the logical id in a Location such as [base]/MedicationRequest/<id>/_history/1.
func createdID(location string) string {
	if i := strings.Index(location, "/_history/"); i >= 0 {
		location = location[:i]
	}
	return location[strings.LastIndexByte(location, '/')+1:]
}

// defaultProvenance is the X-Provenance konform sends on writes unless a scenario sets one:
// base64-encoded JSON naming the activity and a reason that carries the run id.
func (w *World) defaultProvenance() string {
	raw, _ := json.Marshal(map[string]any{
		"resourceType": "Provenance",
		"activity":     map[string]any{"text": "konform testfall"},
		"reason":       []any{map[string]any{"text": "Godkännandetest, körning " + w.env.RunID}},
	})
	return base64.StdEncoding.EncodeToString(raw)
}

// RunIdentifierSystem is the identifier system that marks the data a run creates; the value is
// the run id ({{run.id}} in the templates).
const RunIdentifierSystem = "urn:konform:run"
