package sim

import (
	"net/http"
	"strconv"
)

// Ending what a client registered, other than a prescription ($end): NLL documents none of these
// interactions, so each is the simulator's choice (docs/simulator.md, "Ending what was
// registered"). A data lock (spärr) or a dose basis (dosunderlag), Basic resources without a
// status, is deleted; a consent is revoked with a PUT of status inactive; a dispense is
// nullified (makulerat) by its pharmacy with a PUT of status entered-in-error.

// consentStatuses are FHIR R4's Consent statuses.
var consentStatuses = map[string]bool{"draft": true, "proposed": true, "active": true, "rejected": true, "inactive": true, "entered-in-error": true}

// dispenseStatuses are FHIR R4's MedicationDispense statuses.
var dispenseStatuses = map[string]bool{"preparation": true, "in-progress": true, "cancelled": true, "on-hold": true, "completed": true,
	"entered-in-error": true, "stopped": true, "declined": true, "unknown": true}

// updateConsent changes a registered consent: the patient stays, a revoked (inactive) or
// nullified consent stays so, only the patient accepts care's request, and a consent accepted
// now gets its four years (checkConsent).
func (s *Simulator) updateConsent(c *caller, w *write) *apiError {
	current, _ := s.store.read(w.typ, w.id)
	if stringAt(w.res, "patient", "reference") != stringAt(current, "patient", "reference") {
		return invalid("Consent.patient cannot change; register a new consent for another patient")
	}
	from, _ := current["status"].(string)
	to, _ := w.res["status"].(string)
	switch {
	case !consentStatuses[to]:
		return invalid("Consent.status " + strconv.Quote(to) + " is not a FHIR R4 consent status")
	case (from == "inactive" || from == "entered-in-error") && to != from && !s.broken("consent-reactivated"):
		return reject(ruleStatus, "Consent.status")
	}
	return s.checkConsent(c, w, from)
}

// updateDispense changes a registered dispense (TA 47, Uppdatera uttag – Apotek): only a pharmacy
// may, the prescription and the patient stay, and a nullified (entered-in-error) dispense stays so.
// A nullified dispense no longer counts against the prescription's repeats.
func (s *Simulator) updateDispense(c *caller, w *write) *apiError {
	if !s.dispenses(c) {
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "only a pharmacy (APOTEKSID in the token) updates dispenses"}
	}
	current, _ := s.store.read(w.typ, w.id)
	for _, field := range []string{"authorizingPrescription", "subject"} {
		if stringAt(w.res, field, "reference") != stringAt(current, field, "reference") {
			return invalid("MedicationDispense." + field + " cannot change; nullify the dispense and register a new one")
		}
	}
	// TA 47: what a pharmacy corrects is the counted quantity (avräknad mängd) and the decision
	// to complete the prescription, not what was handed out nor when.
	for _, path := range [][]string{{"medicationCodeableConcept", "coding", "code"}, {"whenHandedOver"}} {
		if stringAt(w.res, path...) != stringAt(current, path...) && !s.broken("dispense-article-changeable") {
			return invalid("MedicationDispense." + path[0] + " cannot change (TA 47 corrects the counted quantity); nullify the dispense and register a new one")
		}
	}
	from, _ := current["status"].(string)
	to, _ := w.res["status"].(string)
	paper := stringAt(current, "authorizingPrescription", "reference") == ""
	switch {
	case !dispenseStatuses[to]:
		return invalid("MedicationDispense.status " + strconv.Quote(to) + " is not a FHIR R4 dispense status")
	case from == "entered-in-error" && to != from:
		return reject(ruleStatus, "MedicationDispense.status")
	case to == "entered-in-error" && from != to && paper && s.registeredBy(w.typ, w.id) != c.claims.Apoteksid && !s.broken("paper-dispense-any-pharmacy"):
		return &apiError{status: http.StatusForbidden, code: "forbidden", expression: "MedicationDispense.status",
			diagnostics: "only the pharmacy that registered a paper-prescription dispense backs or credits it (TA 52)"}
	case to != "entered-in-error":
		if q, ok := numberAt(w.res, "quantity", "value"); !ok || q <= 0 {
			return reject(ruleQuantity, "MedicationDispense.quantity")
		}
		if !s.knownArticle(object(w.res, "medicationCodeableConcept")) {
			return reject(ruleArticle, "MedicationDispense.medicationCodeableConcept")
		}
	}
	w.patient = subjectPatient(current)
	return nil
}

// registeredBy is the pharmacy (its GLN) that registered a resource: the agent of the Provenance
// of its first version.
func (s *Simulator) registeredBy(typ, id string) string {
	first := typ + "/" + id + "/_history/1"
	for _, p := range s.store.list("Provenance", func(p resource) bool { return stringAt(p, "target", "reference") == first }) {
		return stringAt(p, "agent", "who", "identifier", "value")
	}
	return ""
}

// remove answers DELETE [base]/Type/id for the types a client may delete (a data lock or a dose
// basis): 204, and reads and searches no longer find it (404); the lock no longer hides anything.
// The deletion raises the patient's medication list version and is recorded as a Provenance.
func (s *Simulator) remove(w http.ResponseWriter, r *http.Request, typ, id string) {
	c, aerr := s.authorize(r, needWrite)
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if !kinds[typ].deletable {
		w.Header().Set("Allow", "GET, PUT")
		s.writeError(w, &apiError{status: http.StatusMethodNotAllowed, code: "not-supported",
			diagnostics: typ + " cannot be deleted; a prescription is ended with MedicationRequest/$end, a consent revoked with status inactive"})
		return
	}
	s.writeMu.Lock()
	res, ok := s.store.read(typ, id)
	if ok {
		if aerr := s.mayWrite(c, typ, res); aerr != nil {
			s.writeMu.Unlock()
			s.writeError(w, aerr)
			return
		}
		if !s.broken("delete-keeps-lock") {
			s.store.remove(typ, id)
		}
		s.storeProvenance(c, typ+"/"+id+"/_history/"+strconv.Itoa(s.store.version(typ, id)), s.now())
		if p := kinds[typ].patientOf(res); p != "" && !s.broken("list-version-static") {
			s.listVersion[p]++
		}
	}
	s.writeMu.Unlock()
	if !ok {
		s.writeError(w, s.missing(typ, id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// missing is the error for a resource that is not there: 410 Gone when it was deleted (FHIR
// keeps deleted resources apart), else 404.
func (s *Simulator) missing(typ, id string) *apiError {
	if s.store.gone(typ, id) {
		return &apiError{status: http.StatusGone, code: "deleted", diagnostics: typ + "/" + id + " has been deleted"}
	}
	return notFound(typ + "/" + id)
}
