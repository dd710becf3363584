package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Purposes (x-purpose) and the access types (x-access) each allows. VARD and its access types
// are documented; the code of the pharmacy purpose is not published, so EXPEDIERING is this
// simulator's choice.
var accessTypes = map[string]map[string]bool{
	"VARD": {
		"TILLFALLIGT_SAMTYCKE": true, "UTAN_KRAV_SAMTYCKE": true, "UTAN_KRAV_SAMTYCKE_BARN": true,
		"DOSPATIENTS_UPPGIFTER": true, "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER": true, "NODATKOMST": true,
		"FORMODAT_SAMTYCKE": true, "SAMTYCKE_PRIVAT_TILL_VARDPERSONAL": true,
	},
	"EXPEDIERING": {"UTAN_KRAV_SAMTYCKE": true},
}

// unlockingAccess lists the access types that see data under an integritetsspärr: the patient's
// consent to see locked data, emergency access (FIL002) and access to a dose patient's data
// (FIL004).
var unlockingAccess = map[string]bool{"TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER": true, "NODATKOMST": true, "DOSPATIENTS_UPPGIFTER": true}

// need says which message headers an interaction requires.
type need struct {
	token      bool // authorization: Bearer
	purpose    bool // x-purpose and x-access
	provenance bool // x-provenance
}

var (
	needRead  = need{token: true, purpose: true}
	needWrite = need{token: true, provenance: true}
	needCheck = need{token: true}
)

// caller is who calls and why, from the message headers.
type caller struct {
	claims     Claims
	role       string
	purpose    string
	access     string
	provenance map[string]any // decoded x-provenance
	orgInfo    map[string]any
	self       *string // a private person's own patient id, once looked up (Simulator.own)
}

// pharmacyPurpose is the purpose a pharmacy reads with when it dispenses (Expediering).
const pharmacyPurpose = "EXPEDIERING"

// authorize checks the message headers an interaction needs, in the order a client is most
// likely to get wrong: token, organisation, purpose and access, provenance.
func (s *Simulator) authorize(r *http.Request, n need) (*caller, *apiError) {
	c := &caller{}
	if s.policy.RequireRequestID && n.token { // $ping, the connectivity test, needs no request id
		id := r.Header.Get("X-Request-ID")
		if id == "" && !s.broken("request-id-optional") {
			return nil, headerError(http.StatusBadRequest, "required", "x-request-id", "is missing; send a fresh UUID with every request")
		}
		if _, err := uuid.Parse(id); err != nil && id != "" && !s.broken("request-id-any") {
			return nil, headerError(http.StatusBadRequest, "invalid", "x-request-id", "is not a UUID")
		}
	}
	if id := r.Header.Get("X-Request-ID"); id != "" && n.token && s.policy.UniqueRequestID && !s.broken("request-id-reuse") && !s.requestIDs.fresh(id) {
		return nil, headerError(http.StatusBadRequest, "invalid", "x-request-id", "has been used before; send a fresh UUID with every request")
	}
	auth := r.Header.Get("Authorization")
	if auth == "" && n.token && s.broken("token-optional") {
		auth = "Bearer " + s.Token(PrescriberClaims(s.now()))
	}
	if auth == "" {
		if n.token {
			return nil, headerError(http.StatusUnauthorized, "login", "authorization", "is missing; send \"Bearer <access token>\"")
		}
		return c, nil
	}
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return nil, headerError(http.StatusUnauthorized, "login", "authorization", "is not \"Bearer <access token>\"")
	}
	claims, err := s.key.parse(strings.TrimSpace(token), s.now(), !s.broken("token-signature-unchecked"), !s.broken("token-expiry-unchecked"))
	if err != nil {
		return nil, headerError(http.StatusUnauthorized, "login", "authorization", "carries an invalid token: "+err.Error())
	}
	c.claims, c.role = claims, claims.Role()
	if roles[c.role].orgType == "HSA" && !roles[c.role].writes && s.broken("care-staff-unknown") {
		c.role = ""
	}
	if c.role == "" {
		return nil, headerError(http.StatusForbidden, "forbidden", "authorization", "token gives no role the simulator knows (FORSKRIVARKOD; APOTEKSID; VARDGIVARE with YRKESKOD SJ, AP, RC or DT; or a private person's PERSONNUMMER)")
	}
	if claims.LoA < 3 && !s.broken("loa-unchecked") {
		return nil, headerError(http.StatusForbidden, "forbidden", "authorization", "token has assurance level (loa) below 3")
	}
	if !n.token {
		return c, nil // $ping with a token checks the token only
	}
	lookup := strings.Contains(r.URL.Path, "/Patient") // the defects *-patient-only check a patient lookup only
	if aerr := s.readOrgInfo(c, r.Header.Get("X-Org-Info")); aerr != nil && (lookup || !s.broken("org-info-patient-only")) {
		return nil, aerr
	}
	if !lookup && s.broken("purpose-patient-only") {
		if s.readPurpose(c, r.Header.Get("X-Purpose"), r.Header.Get("X-Access")) != nil {
			c.purpose, c.access = "VARD", "TILLFALLIGT_SAMTYCKE"
		}
	} else if n.purpose && roles[c.role].purpose != "" || r.Header.Get("X-Purpose") != "" {
		if aerr := s.readPurpose(c, r.Header.Get("X-Purpose"), r.Header.Get("X-Access")); aerr != nil {
			return nil, aerr
		}
	}
	if n.provenance {
		if aerr := s.readProvenance(c, r.Header.Get("X-Provenance")); aerr != nil {
			return nil, aerr
		}
	}
	return c, nil
}

func (s *Simulator) readOrgInfo(c *caller, v string) *apiError {
	if v == "" && s.broken("org-info-optional") {
		return nil
	}
	if v == "" {
		return headerError(http.StatusBadRequest, "required", "x-org-info", "is missing; send the workplace as JSON (orgenhetsId, orgenhetsIdTyp, …)")
	}
	if err := json.Unmarshal([]byte(v), &c.orgInfo); err != nil {
		return headerError(http.StatusBadRequest, "invalid", "x-org-info", "is not a JSON object")
	}
	typ, _ := c.orgInfo["orgenhetsIdTyp"].(string)
	id, _ := c.orgInfo["orgenhetsId"].(string)
	if id == "" || (typ != "HSA" && typ != "GLN") {
		return headerError(http.StatusBadRequest, "invalid", "x-org-info", "needs orgenhetsId and orgenhetsIdTyp HSA or GLN")
	}
	if want := roles[c.role].orgType; want != "" && typ != want && !s.broken("org-info-type-unchecked") {
		return headerError(http.StatusBadRequest, "invalid", "x-org-info", "has orgenhetsIdTyp "+typ+", but role "+c.role+" works at a "+
			map[string]string{"HSA": "care unit (HSA)", "GLN": "pharmacy (GLN)"}[want])
	}
	return nil
}

func (s *Simulator) readPurpose(c *caller, purpose, access string) *apiError {
	switch {
	case purpose == "" && s.broken("purpose-optional"):
		return nil
	case purpose == "":
		return headerError(http.StatusBadRequest, "required", "x-purpose", "is missing; reading patient data needs a purpose (ändamål) such as VARD")
	case accessTypes[purpose] == nil:
		return headerError(http.StatusBadRequest, "code-invalid", "x-purpose", "has the unknown code "+purpose)
	case access == "":
		return headerError(http.StatusBadRequest, "required", "x-access", "is missing; reading patient data needs an access type (åtkomsttyp)")
	case !accessTypes[purpose][access] && !s.broken("access-any-code"):
		return headerError(http.StatusBadRequest, "code-invalid", "x-access", "code "+access+" is not an access type of purpose "+purpose)
	case roles[c.role].purpose != "" && roles[c.role].purpose != purpose && !s.broken("purpose-any-role"):
		return headerError(http.StatusForbidden, "forbidden", "x-purpose", purpose+" is not allowed for role "+c.role)
	}
	c.purpose, c.access = purpose, access
	return nil
}

func (s *Simulator) readProvenance(c *caller, v string) *apiError {
	if v == "" && s.broken("provenance-optional") {
		return nil
	}
	if v == "" {
		return headerError(http.StatusBadRequest, "required", "x-provenance", "is missing; writes carry who and why as base64-encoded JSON")
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil && !s.broken("provenance-unparsed") {
		return headerError(http.StatusBadRequest, "invalid", "x-provenance", "is not base64")
	}
	if err := json.Unmarshal(raw, &c.provenance); err != nil && !s.broken("provenance-unparsed") {
		return headerError(http.StatusBadRequest, "invalid", "x-provenance", "is not base64-encoded JSON")
	}
	reasons := list(c.provenance, "reason")
	if r, ok := c.provenance["reason"].(map[string]any); ok {
		reasons = []any{r}
	}
	for _, r := range reasons {
		n := len([]rune(stringAt(r, "text")))
		if s.broken("reason-length-bytes") {
			n = len(stringAt(r, "text"))
		}
		if n > 256 && !s.broken("reason-length-unchecked") {
			return headerError(http.StatusBadRequest, "invalid", "x-provenance", "reason.text is longer than 256 characters")
		}
	}
	return nil
}

// headerError names the header in the OperationOutcome's diagnostics and expression (as
// Policy.NamedDiagnostics says).
func headerError(status int, code, header, problem string) *apiError {
	return &apiError{status: status, code: code, diagnostics: header + " " + problem, expression: "http.header." + header, header: header}
}

// maxRequestIDs bounds the memory of x-request-ids: the simulator forgets the oldest beyond it.
const maxRequestIDs = 1 << 16

// seenIDs remembers the last n request ids, oldest forgotten first.
type seenIDs struct {
	mu   sync.Mutex
	set  map[string]bool
	ring []string
	next int
}

func newSeenIDs(n int) *seenIDs { return &seenIDs{set: map[string]bool{}, ring: make([]string, n)} }

// fresh records id and reports whether it was not seen before.
func (s *seenIDs) fresh(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set[id] {
		return false
	}
	delete(s.set, s.ring[s.next])
	s.ring[s.next], s.set[id] = id, true
	s.next = (s.next + 1) % len(s.ring)
	return true
}

// mayWrite refuses a write of typ (res, its new content, when there is one) that the caller's role
// may not make. Förskrivare and farmaceuter write within each resource's own rules; staff in care
// without prescribing rights may create and lift data locks (TA 36, TA 37 name them), and
// non-licensed pharmacy staff register and update dispenses (dispenses) but change nothing else
// (default); a private person answers their own access consents (TA 53).
func (s *Simulator) mayWrite(c *caller, typ string, res resource) *apiError {
	if roles[c.role].writes || s.writesAs(c) != "" || typ == "MedicationDispense" && s.dispenses(c) {
		return nil
	}
	if c.role == RolePrivate && typ == "Consent" && !multiDoseConsent(res) && referenceID(stringAt(res, "patient", "reference"), "Patient") == s.own(c) {
		return nil // TA 53: the patient accepts, rejects or revokes their access consents
	}
	if roles[c.role].orgType == "HSA" && typ == "Basic" && stringAt(res, "code", "coding", "code") == "datalock" {
		return nil
	}
	return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "role " + c.role + " may read the medication list but not make this change"}
}

// dispenses reports whether the caller checks, registers and updates dispenses: a farmaceut på
// apotek, and icke-legitimerad apotekspersonal, whom TA 47 (Uppdatera uttag), TA 50
// (produktionsuttag) and TA 52 (uttag pappersrecept) name beside the farmaceut.
func (s *Simulator) dispenses(c *caller) bool {
	return c.role == RolePharmacist || c.role == RolePharmacyStaff && !s.broken("pharmacy-staff-refused")
}

// writesAs is the writing role a read-only role passes for under a defect: care staff for a
// prescriber (care-staff-prescribe), pharmacy staff for a pharmacist on a prescription
// (pharmacy-staff-ends-prescriptions), a private person for a prescriber (private-may-write).
// It is "" on an intact simulator.
func (s *Simulator) writesAs(c *caller) string {
	switch {
	case roles[c.role].writes:
		return c.role
	case roles[c.role].orgType == "HSA" && s.broken("care-staff-prescribe"):
		return RolePrescriber
	case c.role == RolePharmacyStaff && s.broken("pharmacy-staff-ends-prescriptions"):
		return RolePharmacist
	case c.role == RolePrivate && s.broken("private-may-write"):
		return RolePrescriber
	}
	return ""
}
