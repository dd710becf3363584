package sim

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// write is one create or update on its way through the checks to the store.
type write struct {
	method string // POST or PUT
	typ    string
	id     string // set for PUT, made for POST
	res    resource
	// warnings are AFF findings that do not stop the write.
	warnings []issue
	// patient is the patient the write concerns, for the medication list version.
	patient string
	// then runs after the write is stored, for follow-on changes (a dispense completing its
	// prescription); it runs under the write lock.
	then func()
}

// stored is the result of a write.
type stored struct {
	typ, id  string
	version  int
	res      resource
	warnings []issue
}

// prepare runs the type's checks on a write. It must run under s.writeMu.
func (s *Simulator) prepare(c *caller, w *write) *apiError {
	k := kinds[w.typ]
	if k == nil {
		return &apiError{status: http.StatusNotFound, code: "not-supported", diagnostics: "resource type " + w.typ + " is not supported"}
	}
	if aerr := s.mayWrite(c, w.typ, w.res); aerr != nil {
		return aerr
	}
	if got, _ := w.res["resourceType"].(string); got != w.typ {
		return invalid("resourceType is " + strconv.Quote(got) + "; " + w.method + " " + w.typ + " needs " + strconv.Quote(w.typ))
	}
	switch w.method {
	case http.MethodPost:
		if k.create == nil {
			return &apiError{status: http.StatusMethodNotAllowed, code: "not-supported", diagnostics: w.typ + " cannot be created"}
		}
		w.id = uuid.NewString() // Auto01: NLL sets the id
		if id, _ := w.res["id"].(string); id != "" && s.broken("client-id-kept") {
			w.id = id
		}
		w.res["id"] = w.id
		return k.create(s, c, w)
	case http.MethodPut:
		if k.update == nil {
			return &apiError{status: http.StatusMethodNotAllowed, code: "not-supported", diagnostics: w.typ + " cannot be updated"}
		}
		if body, _ := w.res["id"].(string); body != w.id {
			return invalid("the body's id " + strconv.Quote(body) + " differs from the URL's " + strconv.Quote(w.id))
		}
		current, ok := s.store.read(w.typ, w.id)
		if !ok && s.broken("put-creates") && k.create != nil {
			return k.create(s, c, w)
		}
		if !ok {
			return notFound(w.typ + "/" + w.id + " (PUT updates existing resources only)")
		}
		have, sent := stringAt(current, "meta", "versionId"), stringAt(w.res, "meta", "versionId")
		if sent != have && !s.broken("version-unchecked") {
			return &apiError{status: s.policy.VersionConflictStatus, code: "conflict",
				diagnostics: "version conflict: the update is based on version " + strconv.Quote(sent) + " but the current version is " + have + "; read the latest version and update that"}
		}
		return k.update(s, c, w)
	}
	return &apiError{status: http.StatusMethodNotAllowed, code: "not-supported", diagnostics: w.method + " is not supported"}
}

// commit stores a prepared write with its Provenance and bumps the patient's medication list
// version. It must run under s.writeMu.
func (s *Simulator) commit(c *caller, w *write) stored {
	now := s.now()
	version := 1
	if w.method == http.MethodPut {
		version = s.store.version(w.typ, w.id) + 1
	}
	setMeta(w.res, version, now)
	if version > 1 && s.broken("version-kept") {
		w.res["meta"].(map[string]any)["versionId"] = strconv.Itoa(version - 1)
	}
	s.setProfile(w)
	if s.broken("no-last-updated") {
		delete(w.res["meta"].(map[string]any), "lastUpdated")
	}
	s.store.put(w.typ, w.id, w.res)
	if !s.broken("no-provenance") || w.method != http.MethodPost {
		s.storeProvenance(c, w.typ+"/"+w.id+"/_history/"+strconv.Itoa(version), now)
	}
	if w.patient != "" && !s.broken("list-version-static") {
		s.listVersion[w.patient]++
	}
	if w.then != nil {
		w.then()
	}
	return stored{typ: w.typ, id: w.id, version: version, res: w.res, warnings: w.warnings}
}

// profileBase is the canonical base of NLL's profiles.
const profileBase = "http://electronichealth.se/fhir/StructureDefinition/"

// setProfile sets meta.profile from the content, as NLL does: it ignores the profile a client
// sends and picks one from what the resource is (a dispense without a prescription is a paper
// prescription's).
func (s *Simulator) setProfile(w *write) {
	profile := ""
	switch w.typ {
	case "MedicationRequest":
		profile = "NLLMedicationRequest"
	case "MedicationDispense":
		profile = "NLLMedicationDispense"
		if stringAt(w.res, "authorizingPrescription", "reference") == "" {
			profile = "NLLDispensePaperPrescription"
		}
	case "Basic":
		profile = map[string]string{"datalock": "NLLDataLock", "multidosebasis": "NLLMultiDoseDispensingBasis"}[stringAt(w.res, "code", "coding", "code")]
	case "Consent":
		profile = "NLLAccessConsent"
		if multiDoseConsent(w.res) {
			profile = "NLLMultiDoseDispConsent"
		}
	}
	meta := w.res["meta"].(map[string]any)
	if profile == "" || (meta["profile"] != nil && s.broken("profile-from-client")) {
		return
	}
	meta["profile"] = []any{profileBase + profile}
}

// multiDoseConsent reports whether a consent is a multi-dose consent (dossamtycke).
func multiDoseConsent(res resource) bool {
	for _, c := range list(res, "category") {
		for _, x := range list(c, "coding") {
			if stringAt(x, "system") == ConsentTypeSystem && stringAt(x, "code") == "dossamtycke" {
				return true
			}
		}
	}
	return false
}

// provenance builds the Provenance NLL records for every write: target, time, who (from the
// token) and why (activity and reason from x-provenance, or from the operation).
func (s *Simulator) provenance(c *caller, target string, now time.Time) resource {
	p := resource{
		"resourceType": "Provenance",
		"id":           uuid.NewString(),
		"meta":         map[string]any{"versionId": "1", "lastUpdated": now.UTC().Format(time.RFC3339), "profile": []any{profileBase + "NLLProvenance"}},
		"target":       []any{map[string]any{"reference": target}},
		"recorded":     now.UTC().Format(time.RFC3339),
		"agent":        []any{map[string]any{"who": s.agent(c)}},
	}
	if a := object(c.provenance, "activity"); a != nil {
		p["activity"] = deepCopy(a)
	}
	switch r := c.provenance["reason"].(type) {
	case map[string]any:
		p["reason"] = []any{deepCopy(r)}
	case []any:
		p["reason"] = deepCopy(r)
	}
	if s.broken("provenance-no-reason") {
		delete(p, "reason")
	}
	return p
}

// storeProvenance stores the Provenance of a write of target.
func (s *Simulator) storeProvenance(c *caller, target string, now time.Time) {
	p := s.provenance(c, target, now)
	s.store.put("Provenance", p["id"].(string), p)
}

// agent identifies the caller for Provenance.agent.who.
func (s *Simulator) agent(c *caller) map[string]any {
	who := map[string]any{"display": c.claims.Subject}
	switch c.role {
	case RolePrescriber:
		who["identifier"] = map[string]any{"system": ForskrivarkodSystem, "value": c.claims.Forskrivarkod}
	case RolePharmacist, RolePharmacyStaff:
		who["identifier"] = map[string]any{"system": GLNSystem, "value": c.claims.Apoteksid}
	}
	return who
}
