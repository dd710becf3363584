// Package refsys is konform's reference connecting system: a small, correct NLL client that acts
// as a supplier's journal or pharmacy system would, performing the agency's use cases as the
// named actions of the driver catalogue. It has a defect switch: each defect is a realistic
// mistake a connecting system makes, and the SUT pack must catch every one.
//
// It has its own HTTP code and imports neither konform's steps, its FHIR client nor the
// simulator, so one bug cannot make the checker and the checked agree.
package refsys

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/driver"
)

// Name is how the reference system identifies itself in x-user-agent.
const Name = "konform-referenssystem"

// Roles of the users the reference system acts for, as the driver catalogue names them.
const (
	Prescriber = "förskrivare"
	Pharmacist = "farmaceut"
)

// Config configures the reference system.
type Config struct {
	// BaseURL is NLL's FHIR base URL as the system knows it: the gateway's.
	BaseURL string
	// TLS is the system's client identity and the CA it trusts for NLL.
	TLS *tls.Config
	// Users holds the headers that identify each role's logged-in user: authorization and
	// x-org-info.
	Users map[string]http.Header
	// Templates holds templates/*.json: what the user prescribes or dispenses.
	Templates fs.FS
	// RunID marks the data the system creates (the templates' {{run.id}}).
	RunID string
	// TestData fills the templates' {{testdata.<key>}}: the pack's test data, with the
	// environment's values (the test article EXT knows, say).
	TestData map[string]string
	// Version is the system's version, sent in x-user-agent.
	Version string
	// Defect is the mistake to make, "" for none (see Defects).
	Defect string
	// Transactions makes the system send each prescription, dispense and change of one as a
	// transaction of one entry (NLLTransactionBundle, POST [base]/, the provenance in the
	// entry's nllProvenanceDetails), as a system that writes in transactions does; false sends
	// them one by one (POST MedicationRequest). Operations ($verify, $end) go as they are.
	Transactions bool
	// Now is the system's clock; nil means time.Now.
	Now func() time.Time
}

// System is a running reference system. It is safe for one action at a time.
type System struct {
	cfg    Config
	base   *url.URL
	client *http.Client
	late   sync.WaitGroup // the late-send defect's sends in flight

	mu sync.Mutex
	s  session
}

// session is what the system remembers between the actions of one scenario.
type session struct {
	requestID string            // the id the reused-request-id defect sends every time
	patients  map[string]string // personnummer → NLL id
	current   string            // personnummer of the patient open in the system
	last      map[string]any    // the prescription last created or opened, as the system knows it
	opened    map[string]any    // the prescription the user has open in a form
	dispensed string            // the id of the dispense the system last registered
	shownList *driver.Result    // the list last shown to the user (the cached-list defect shows it again)
	queue     []pending         // prescriptions waiting for NLL to answer again
}

// New makes a reference system.
func New(cfg Config) (*System, error) {
	if err := CheckDefect(cfg.Defect); err != nil {
		return nil, err
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || base.Scheme != "https" {
		return nil, fmt.Errorf("reference system: base URL %q is not an https URL", cfg.BaseURL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	transport := &http.Transport{TLSClientConfig: cfg.TLS, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	sys := &System{cfg: cfg, base: base, client: &http.Client{Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	sys.Reset()
	return sys, nil
}

// Reset forgets the scenario's session: open patient, open prescription, queue.
func (s *System) Reset() {
	s.mu.Lock()
	s.s = session{patients: map[string]string{}}
	s.mu.Unlock()
	s.client.CloseIdleConnections()
}

// Close waits for the late-send defect's sends and releases the system's connections.
func (s *System) Close() {
	s.late.Wait()
	s.client.CloseIdleConnections()
}

// Act performs one catalogue action.
func (s *System) Act(ctx context.Context, a driver.Action) (driver.Result, error) {
	a, err := driver.Check(a)
	if err != nil {
		return driver.Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := a.Params
	switch a.Name {
	case "läs läkemedelslista":
		return s.readMedicationList(ctx, p["patient"], p["samtycke"] != "nej", p["spärrsamtycke"] == "ja")
	case "skapa förskrivning":
		if s.has(IgnoreTemplate) {
			p["mall"] = "" // it sends its ordinary prescription, whatever the case asked for
		}
		return s.createPrescription(ctx, p["patient"], or(p["mall"], "forskrivning.json"))
	case "förnya förskrivning":
		return s.renew(ctx, p["förskrivning"], or(p["mall"], "fornyelse.json"))
	case "uppdatera förskrivning":
		return s.update(ctx, p["förskrivning"], p["fält"], p["värde"])
	case "öppna förskrivning":
		return s.open(ctx, p["förskrivning"])
	case "spara öppnad förskrivning":
		return s.saveOpened(ctx, p["fält"], p["värde"])
	case "makulera förskrivning":
		return s.cancel(ctx, p["förskrivning"])
	case "registrera samtycke":
		return s.registerConsent(ctx, p["patient"])
	case "skicka köade förskrivningar":
		return s.sendQueue(ctx)
	case "hämta förskrivningar för expediering":
		return s.readForDispensing(ctx, p["patient"])
	case "ersätt förskrivning":
		return s.replace(ctx, p["förskrivning"], or(p["mall"], "ersattning-apotek.json"))
	case "expediera förskrivning":
		return s.dispense(ctx, p["förskrivning"], or(p["mall"], "uttag.json"))
	case "expediera pappersrecept":
		return s.dispensePaper(ctx, p["patient"], or(p["mall"], "uttag-pappersrecept.json"))
	case "rätta uttag":
		return s.correctDispense(ctx, p["uttag"], p["mängd"])
	}
	return driver.Result{}, fmt.Errorf("the reference system cannot perform %q", a.Name)
}

func or(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}

// request is one call to NLL.
type request struct {
	role            string
	method, path    string
	query           url.Values
	body            []byte
	purpose, access string
	activity        string // for x-provenance on writes
}

// answer is NLL's answer.
type answer struct {
	status int
	header http.Header
	body   []byte
	doc    map[string]any
}

// maxAnswer bounds what the system reads of one answer.
const maxAnswer = 16 << 20

// call sends one request with the message headers NLL requires; with Config.Transactions, a
// write of a resource goes as a transaction of one entry.
func (s *System) call(ctx context.Context, r request) (*answer, error) {
	if s.cfg.Transactions && (r.method == http.MethodPost || r.method == http.MethodPut) && !strings.Contains(r.path, "$") {
		return s.transaction(ctx, r)
	}
	return s.send(ctx, r, true)
}

// send sends one request with the message headers NLL requires, x-provenance on a write when
// provenance is set.
func (s *System) send(ctx context.Context, r request, provenance bool) (*answer, error) {
	u := *s.base
	u.Path = s.base.Path + "/" + r.path
	u.RawQuery = r.query.Encode()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range s.cfg.Users[r.role] {
		req.Header[k] = append([]string(nil), v...)
	}
	if s.has(NoOrgInfo) {
		req.Header.Del("X-Org-Info")
	}
	if s.has(CareOrgOnWrites) && r.role == Pharmacist && r.method != http.MethodGet {
		req.Header.Set("X-Org-Info", s.cfg.Users[Prescriber].Get("X-Org-Info"))
	}
	req.Header.Set("Accept", "application/fhir+json")
	req.Header.Set("X-Request-ID", s.requestID())
	if !s.has(NoUserAgent) {
		req.Header.Set("X-User-Agent", Name+"/"+s.cfg.Version)
	}
	if r.purpose != "" {
		req.Header.Set("X-Purpose", r.purpose)
		req.Header.Set("X-Access", r.access)
	}
	if r.method == http.MethodPost || r.method == http.MethodPut {
		req.Header.Set("Content-Type", "application/fhir+json")
		if provenance && !s.has(NoProvenance) {
			req.Header.Set("X-Provenance", provenanceOf(r.activity, s.cfg.RunID))
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err == nil && len(data) < maxAnswer {
		// A read cut by the action's deadline may end as a clean EOF (net/http over TLS), which
		// would take the part of the answer that came for the whole of it.
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: data}
	_ = json.Unmarshal(data, &a.doc)
	return a, nil
}

// ProvenanceDetailsURL is the extension on a transaction entry's request that carries its
// provenance, as konform's simulator reads it (sim.ProvenanceDetailsURL; NLL's own URL and value
// format are not published).
const ProvenanceDetailsURL = "http://electronichealth.se/fhir/StructureDefinition/nllProvenanceDetails"

// transaction sends a write as a transaction of one entry, its provenance in the entry, and
// answers with the entry's answer as if the write had gone alone: its status, Location and
// resource. An answer that is no transaction-response (an error) is returned as it came.
func (s *System) transaction(ctx context.Context, r request) (*answer, error) {
	var resource json.RawMessage = r.body
	req := map[string]any{"method": r.method, "url": r.path}
	if !s.has(NoProvenance) {
		req["extension"] = []any{map[string]any{"url": ProvenanceDetailsURL, "valueString": provenanceOf(r.activity, s.cfg.RunID)}}
	}
	body, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction",
		"entry": []any{map[string]any{"resource": resource, "request": req}}})
	if err != nil {
		return nil, err
	}
	a, err := s.send(ctx, request{role: r.role, method: http.MethodPost, body: body, purpose: r.purpose, access: r.access}, false)
	if err != nil || a.status != http.StatusOK || a.doc["type"] != "transaction-response" {
		return a, err
	}
	entries := list(a.doc["entry"])
	if len(entries) != 1 {
		return a, nil
	}
	e, _ := entries[0].(map[string]any)
	resp, _ := e["response"].(map[string]any)
	code, _, _ := strings.Cut(fmt.Sprint(resp["status"]), " ")
	one := &answer{header: http.Header{}}
	one.status, _ = strconv.Atoi(code)
	if loc, _ := resp["location"].(string); loc != "" {
		one.header.Set("Location", loc)
	}
	if res, _ := e["resource"].(map[string]any); res != nil {
		one.doc = res
		one.body, _ = json.Marshal(res)
	}
	return one, nil
}

// requestID is a fresh UUID for every request (or, with the defect, the same one every time).
func (s *System) requestID() string {
	if s.has(ReusedRequestID) {
		if s.s.requestID == "" {
			s.s.requestID = uuid.NewString()
		}
		return s.s.requestID
	}
	return uuid.NewString()
}

// provenanceOf is the x-provenance of a write: base64-encoded JSON with activity and reason.
func provenanceOf(activity, runID string) string {
	raw, _ := json.Marshal(map[string]any{
		"resourceType": "Provenance",
		"activity":     map[string]any{"coding": []any{map[string]any{"code": activity}}, "text": activity},
		"reason":       []any{map[string]any{"text": "Referenssystemets testfall, körning " + runID}},
	})
	return base64.StdEncoding.EncodeToString(raw)
}

// shown is what the system tells its user about an answer: the status and NLL's diagnostics.
func shown(what string, a *answer) driver.Result {
	msg := fmt.Sprintf("%s: NLL svarade %d", what, a.status)
	for _, issue := range list(a.doc["issue"]) {
		if d, _ := issue.(map[string]any)["diagnostics"].(string); d != "" {
			msg += " – " + d
		}
	}
	return driver.Result{Status: a.status, Shown: msg, Values: map[string]string{}}
}

// unreachable is what the system tells its user when NLL did not answer.
func unreachable(what string, err error) driver.Result {
	return driver.Result{Shown: what + ": NLL svarar inte (" + err.Error() + ")", Values: map[string]string{}}
}

// ok reports a 2xx answer.
func (a *answer) ok() bool { return a.status >= 200 && a.status < 300 }

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
