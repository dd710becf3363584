package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Dispenses (uttag). A dispense with authorizingPrescription is NLLMedicationDispense; one without
// is NLLDispensePaperPrescription (NLL picks the profile from the content, not meta.profile).

func (s *Simulator) createDispense(c *caller, w *write) *apiError {
	if !s.dispenses(c) {
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "only pharmacy staff (APOTEKSID in the token) register dispenses"}
	}
	if err := s.checkDispense(w); err != nil {
		return err
	}
	key := dispenseKey(w.res)
	if _, ok := s.verified[key]; !ok && s.applies(ruleVerifyFirst) {
		return reject(ruleVerifyFirst, "MedicationDispense")
	}
	if !s.broken("verify-reusable") {
		delete(s.verified, key)
	}
	if mrID := referenceID(stringAt(w.res, "authorizingPrescription", "reference"), "MedicationRequest"); mrID != "" {
		w.then = func() { s.countDispense(c, mrID) }
	}
	return nil
}

// checkDispense applies the AFF rules of a dispense; $verify runs the same checks.
func (s *Simulator) checkDispense(w *write) *apiError {
	if err := s.checkDosages(list(w.res, "dosageInstruction"), "MedicationDispense.dosageInstruction"); err != nil {
		return err
	}
	if q, ok := numberAt(w.res, "quantity", "value"); (!ok || q <= 0) && s.applies(ruleQuantity) {
		return reject(ruleQuantity, "MedicationDispense.quantity")
	}
	if !s.knownArticle(object(w.res, "medicationCodeableConcept")) && s.applies(ruleArticle) {
		return reject(ruleArticle, "MedicationDispense.medicationCodeableConcept")
	}
	ref := stringAt(w.res, "authorizingPrescription", "reference")
	if ref == "" { // a paper prescription: the patient must be known
		if s.broken("paper-dispense-refused") {
			return &apiError{status: http.StatusUnprocessableEntity, code: "required", diagnostics: "a dispense needs authorizingPrescription",
				expression: "MedicationDispense.authorizingPrescription"}
		}
		return s.checkSubject(w, "MedicationDispense")
	}
	mr, ok := s.store.read("MedicationRequest", referenceID(ref, "MedicationRequest"))
	if !ok {
		return &apiError{status: http.StatusUnprocessableEntity, code: "not-found", diagnostics: ref + " is not known",
			expression: "MedicationDispense.authorizingPrescription"}
	}
	if mr["status"] != "active" && s.applies(ruleNotDispensing) {
		return reject(ruleNotDispensing, "MedicationDispense.authorizingPrescription")
	}
	if stringAt(w.res, "subject", "reference") == "" {
		w.res["subject"] = deepCopy(mr["subject"])
	}
	w.patient = subjectPatient(mr)
	return nil
}

// dispenseKey identifies the content $verify checked, so that the registration can be matched to it.
func dispenseKey(res resource) string {
	q, _ := numberAt(res, "quantity", "value")
	return fmt.Sprintf("%s|%s|%s|%g", stringAt(res, "authorizingPrescription", "reference"),
		stringAt(res, "subject", "reference"), stringAt(res, "medicationCodeableConcept", "coding", "code"), q)
}

// countDispense completes (slutexpedierar) a prescription when its dispenses exceed the allowed
// repeats. It runs under the write lock as part of the dispense's commit.
func (s *Simulator) countDispense(c *caller, mrID string) {
	mr, ok := s.store.read("MedicationRequest", mrID)
	if !ok {
		return
	}
	n := len(s.store.list("MedicationDispense", func(d resource) bool {
		return referenceID(stringAt(d, "authorizingPrescription", "reference"), "MedicationRequest") == mrID &&
			(d["status"] != "entered-in-error" || s.broken("nullified-counts"))
	}))
	repeats, _ := numberAt(mr, "dispenseRequest", "numberOfRepeatsAllowed")
	if float64(n) <= repeats || s.broken("never-completed") {
		return
	}
	s.complete(c, mr, "slutexpedierad")
}

// Basic resources: the data lock (spärr) and the multi-dose dispensing basis can be created; the
// medication list info (medlistinfo) is computed and can only be searched.

func (s *Simulator) createBasic(c *caller, w *write) *apiError {
	switch code := stringAt(w.res, "code", "coding", "code"); code {
	case "datalock", "multidosebasis":
		return s.checkSubject(w, "Basic")
	case "medlistinfo":
		return &apiError{status: http.StatusMethodNotAllowed, code: "not-supported", diagnostics: "medlistinfo is computed by NLL and can only be searched"}
	default:
		return invalid("Basic.code must be datalock or multidosebasis (system " + BasicCodeSystem + "), got " + strconv.Quote(code))
	}
}

// createConsent registers a consent. Care registers an access consent as a request, which the
// patient accepts or rejects (TA 53); a patient registers none of their own.
func (s *Simulator) createConsent(c *caller, w *write) *apiError {
	if c.role == RolePrivate {
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "a patient answers care's request for an access consent (TA 53) and registers none"}
	}
	return s.checkConsent(c, w, "")
}

// checkConsent checks a new version of a consent whose status was from ("" for a new one) and
// sets what NLL sets. Care's access consent is a request (status proposed, default) until the
// patient accepts it; accepted (active), it is valid from today for four years: "När patienten
// accepterar en förfrågan sätts giltighetstiden till dagens datum +4år" (TA 53). A multi-dose
// consent (dossamtycke) is in force as registered and gets no period of NLL's making.
func (s *Simulator) checkConsent(c *caller, w *write, from string) *apiError {
	ref := stringAt(w.res, "patient", "reference")
	id := referenceID(ref, "Patient")
	if _, ok := s.store.read("Patient", id); !ok && s.applies(rulePatient) {
		return reject(rulePatient, "Consent.patient")
	}
	w.patient = id
	access := !multiDoseConsent(w.res)
	if access && c.role != RolePrivate && !s.broken("consent-active-at-once") {
		switch status := w.res["status"]; {
		case from == "" && (status == "active" || status == "draft"):
			w.res["status"] = "proposed"
		case from != "active" && status == "active" && !s.broken("care-accepts-consent"):
			return &apiError{status: http.StatusForbidden, code: "forbidden", expression: "Consent.status",
				diagnostics: "only the patient accepts a request for an access consent (TA 53, in Läkemedelskollen)"}
		}
	}
	if w.res["status"] == "active" && from != "active" && (access || s.broken("multidose-consent-four-years")) {
		today := s.now().In(stockholm)
		years := 4
		if s.broken("consent-one-year") {
			years = 1
		}
		ensureObject(w.res, "provision")["period"] = map[string]any{"start": today.Format("2006-01-02"), "end": today.AddDate(years, 0, 0).Format("2006-01-02")}
	}
	return nil
}

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return loc
}()
