package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// rule is one automatic format and legislation check (AFF). NLL's own rule codes are not public:
// these codes are the simulator's, and docs/simulator.md lists them.
type rule struct {
	code, text string
	warning    bool
}

// The AFF rules the simulator applies.
var (
	rulePersonnummer      = &rule{code: "SIM-AFF-01", text: "personnumret är inte giltigt (FK001: kontrollsiffra, födelsedatum, sekel, födelsenummer)"}
	ruleDosage            = &rule{code: "SIM-AFF-02", text: "doseringsanvisning saknas"}
	ruleValidity          = &rule{code: "SIM-AFF-03", text: "sista giltighetsdag ligger före utfärdandedagen"}
	ruleVerifyFirst       = &rule{code: "SIM-AFF-04", text: "uttaget har inte kontrollerats med $verify först"}
	ruleQuantity          = &rule{code: "SIM-AFF-05", text: "mängden ska vara större än noll"}
	ruleArticle           = &rule{code: "SIM-AFF-06", text: "okänd artikel"}
	rulePrescriber        = &rule{code: "SIM-AFF-07", text: "förskrivarkod saknas"}
	ruleNotDispensing     = &rule{code: "SIM-AFF-08", text: "förskrivningen är inte expedierbar (makulerad, avslutad eller parkerad)"}
	rulePatient           = &rule{code: "SIM-AFF-09", text: "okänd patient"}
	ruleRequester         = &rule{code: "SIM-AFF-10", text: "förskrivaren ska vara en innesluten Practitioner"}
	ruleInactive          = &rule{code: "SIM-AFF-11", text: "patienten är inte aktiv (avliden eller inte folkbokförd)"}
	ruleStatus            = &rule{code: "SIM-AFF-12", text: "otillåten statusövergång"}
	ruleOnePatient        = &rule{code: "SIM-AFF-13", text: "$end gäller förskrivningar för en patient åt gången"}
	ruleContainedPnr      = &rule{code: "SIM-AFF-14", text: "en patient som finns i NLL ska refereras, inte inneslutas"}
	ruleReceivingPharmacy = &rule{code: "SIM-AFF-15", text: "en innesluten patient kräver mottagande apotek (nllReceivingPharmacy)"}
	ruleReplaceDose       = &rule{code: "SIM-AFF-16", text: "apoteket ersätter bara en dospatients förskrivning"}
	ruleReplaceATC        = &rule{code: "SIM-AFF-17", text: "den nya förskrivningen ska ha samma ATC-kod som den som ersätts"}
	ruleBirthDate         = &rule{code: "SIM-AFF-18", text: "födelsedatum saknas eller är inte giltigt (FK002: ett helt datum, inte äldre än 130 år)"}
	ruleDuplicate         = &rule{code: "SIM-VARN-01", text: "patienten har redan en aktiv förskrivning av samma artikel", warning: true}
)

// applies reports whether a rule is checked: each can be switched off by its defect
// (aff-NN-off, varn-NN-off) for the defect catalogue.
func (s *Simulator) applies(r *rule) bool {
	return !s.broken(strings.ToLower(strings.TrimPrefix(r.code, "SIM-")) + "-off")
}

// reject is an AFF rejection: 422 with the rule in the nllDetectedIssue extension.
func reject(r *rule, expression string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, code: "business-rule", diagnostics: r.code + " " + r.text,
		expression: expression, rule: r}
}

func warn(r *rule, expression string) issue {
	return issue{severity: "warning", code: "business-rule", diagnostics: r.code + " " + r.text, expression: expression, rule: r}
}

// prescriptionStatuses are the MedicationRequest statuses NLL uses, and the transitions allowed
// by PUT: active ↔ on-hold (parkerad), and either → cancelled (makulerad) or completed (avslutad).
var prescriptionStatuses = map[string][]string{
	"active":    {"active", "on-hold", "cancelled", "completed"},
	"on-hold":   {"on-hold", "active", "cancelled", "completed"},
	"cancelled": nil,
	"completed": nil,
}

func (s *Simulator) createPrescription(c *caller, w *write) *apiError {
	pharmacy := s.writesAs(c) == RolePharmacist
	switch {
	case pharmacy && stringAt(w.res, "priorPrescription", "reference") == "":
		return &apiError{status: http.StatusForbidden, code: "forbidden", expression: "MedicationRequest.priorPrescription",
			diagnostics: "a pharmacy creates a prescription only by replacing one (TA 27, ersätta): name it in priorPrescription"}
	case !pharmacy && s.writesAs(c) != RolePrescriber:
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "only a prescriber (FORSKRIVARKOD in the token) creates prescriptions; a pharmacy replaces a dose patient's (TA 27)"}
	}
	status, _ := w.res["status"].(string)
	if status != "active" && status != "on-hold" && !s.broken("aff-12-off") {
		return reject(ruleStatus, "MedicationRequest.status")
	}
	if err := s.checkPrescription(w); err != nil {
		return err
	}
	replacedID := ""
	if pharmacy {
		replaced, err := s.pharmacyReplacement(w)
		if err != nil {
			return err
		}
		replacedID, _ = replaced["id"].(string)
		if !s.broken("replace-new-chain") {
			setExtension(w.res, map[string]any{"url": ChainURL, "valueString": stringAt(extension(replaced, ChainURL), "valueString")})
		}
		if !s.broken("replace-keeps-prior") {
			// TA 27: "avslutas den befintliga förskrivningen samtidigt"
			w.then = func() { s.complete(c, replaced, "ersatt") }
		}
	}
	if err := s.checkListVersion(w); err != nil {
		return err
	}
	// Auto05: the first prescription of a chain gets a new chain id.
	if extension(w.res, ChainURL) == nil && !s.broken("no-chain-id") {
		chain := uuid.NewString()
		if s.broken("chain-per-patient") {
			chain = uuid.NewSHA1(uuid.NameSpaceURL, []byte("chain/"+w.patient)).String()
		}
		setExtension(w.res, map[string]any{"url": ChainURL, "valueString": chain})
	}
	s.completeValidity(w.res)
	if dup := s.duplicateOf(w, replacedID); dup != "" && s.applies(ruleDuplicate) {
		w.warnings = append(w.warnings, warn(ruleDuplicate, "MedicationRequest.medicationCodeableConcept"))
	}
	return nil
}

// pharmacyReplacement checks a pharmacy's new prescription as TA 27's replacement (ersätta) and
// returns the prescription it replaces, named in priorPrescription: one of the same patient that
// is active or on hold. The patient must be a dose patient (a dose pharmacy replaces on a
// prescriber's behalf for a patient with a dossamtycke), and when the replaced article has a
// seven-character ATC code the new one must have the same.
func (s *Simulator) pharmacyReplacement(w *write) (resource, *apiError) {
	ref := stringAt(w.res, "priorPrescription", "reference")
	prior, ok := s.store.read("MedicationRequest", referenceID(ref, "MedicationRequest"))
	switch {
	case !ok:
		return nil, &apiError{status: http.StatusBadRequest, code: "invalid", expression: "MedicationRequest.priorPrescription",
			diagnostics: "priorPrescription " + strconv.Quote(ref) + " is not a prescription NLL knows"}
	case subjectPatient(prior) != w.patient:
		return nil, &apiError{status: http.StatusBadRequest, code: "invalid", expression: "MedicationRequest.priorPrescription",
			diagnostics: "priorPrescription " + strconv.Quote(ref) + " is another patient's prescription"}
	case prior["status"] != "active" && prior["status"] != "on-hold" && s.applies(ruleStatus):
		return nil, reject(ruleStatus, "MedicationRequest.priorPrescription")
	case !s.dosePatient(w.patient) && s.applies(ruleReplaceDose):
		return nil, reject(ruleReplaceDose, "MedicationRequest.subject")
	}
	if was := s.atcCode(object(prior, "medicationCodeableConcept")); len(was) == 7 && was != s.atcCode(object(w.res, "medicationCodeableConcept")) && s.applies(ruleReplaceATC) {
		return nil, reject(ruleReplaceATC, "MedicationRequest.medicationCodeableConcept")
	}
	return prior, nil
}

// complete sets a stored prescription completed as NLL's own consequence of c's write (it was
// replaced, or its last dispense came): a new version with a Provenance of activity. It runs
// under the write lock as part of that write's commit.
func (s *Simulator) complete(c *caller, mr resource, activity string) {
	id, _ := mr["id"].(string)
	next := deepCopy(mr).(map[string]any)
	next["status"] = "completed"
	version := s.store.version("MedicationRequest", id) + 1
	setMeta(next, version, s.now())
	s.store.put("MedicationRequest", id, next)
	ended := *c
	ended.provenance = map[string]any{"activity": map[string]any{"text": activity}}
	s.storeProvenance(&ended, "MedicationRequest/"+id+"/_history/"+strconv.Itoa(version), s.now())
}

// checkListVersion refuses a prescription made from an old view of the patient's medication
// list: one whose nllMedicationlistVersion extension (the underlagsversion, as medlistinfo gives
// it) is not the list's current version, as another write changed the list meanwhile
// (Policy.ListVersionCheck). A prescription without the extension is not checked. The extension
// describes the request, not the prescription, so it is not stored.
func (s *Simulator) checkListVersion(w *write) *apiError {
	ext := extension(w.res, MedicationListVersion)
	if ext == nil {
		return nil
	}
	removeExtension(w.res, MedicationListVersion)
	seen, ok := numberAt(ext, "valueInteger")
	if !ok {
		return &apiError{status: http.StatusBadRequest, code: "invalid", diagnostics: "nllMedicationlistVersion needs valueInteger, the list version the prescription was made from",
			expression: "MedicationRequest.extension"}
	}
	current := s.listVersion[w.patient]
	if !s.policy.ListVersionCheck || s.broken("list-version-unchecked") || int(seen) == current {
		return nil
	}
	return &apiError{status: s.policy.VersionConflictStatus, code: "conflict", expression: "MedicationRequest.extension",
		diagnostics: fmt.Sprintf("the patient's medication list is at version %d, but the prescription was made from version %d; read the list again (medlistinfo) and prescribe from it", current, int(seen))}
}

func (s *Simulator) updatePrescription(c *caller, w *write) *apiError {
	current, _ := s.store.read(w.typ, w.id)
	from, _ := current["status"].(string)
	to, _ := w.res["status"].(string)
	if !contains(prescriptionStatuses[from], to) && !(from == "cancelled" && s.broken("cancelled-reactivated")) {
		return reject(ruleStatus, "MedicationRequest.status")
	}
	if c.role == RolePharmacist && to != from && to != "completed" && !s.broken("pharmacy-may-cancel") {
		return &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "a pharmacist may only end (complete) a prescription"}
	}
	if err := s.checkPrescription(w); err != nil {
		return err
	}
	if extension(w.res, ChainURL) == nil { // the chain id is NLL's; keep it when a client drops it
		if ext := extension(current, ChainURL); ext != nil {
			setExtension(w.res, deepCopy(ext).(map[string]any))
		}
	}
	s.completeValidity(w.res)
	return nil
}

// checkPrescription applies the AFF rules every version of a prescription must pass.
func (s *Simulator) checkPrescription(w *write) *apiError {
	res := w.res
	requester := containedByRef(res, stringAt(res, "requester", "reference"))
	if (requester == nil || requester["resourceType"] != "Practitioner") && s.applies(ruleRequester) {
		return reject(ruleRequester, "MedicationRequest.requester")
	}
	if identifierValue(requester, ForskrivarkodSystem) == "" && s.applies(rulePrescriber) {
		return reject(rulePrescriber, "MedicationRequest.contained.identifier")
	}
	if err := s.checkSubject(w, "MedicationRequest"); err != nil {
		return err
	}
	if err := s.checkDosages(list(res, "dosageInstruction"), "MedicationRequest.dosageInstruction"); err != nil {
		return err
	}
	if stringAt(res, "dosageInstruction", "text") == "" && s.applies(ruleDosage) {
		return reject(ruleDosage, "MedicationRequest.dosageInstruction")
	}
	if !s.knownArticle(object(res, "medicationCodeableConcept")) && s.applies(ruleArticle) {
		return reject(ruleArticle, "MedicationRequest.medicationCodeableConcept")
	}
	if q, ok := numberAt(res, "dispenseRequest", "quantity", "value"); ok && q <= 0 && s.applies(ruleQuantity) {
		return reject(ruleQuantity, "MedicationRequest.dispenseRequest.quantity")
	}
	start := issueDate(res)
	if end := stringAt(res, "dispenseRequest", "validityPeriod", "end"); end != "" && start != "" && end[:min(10, len(end))] < start && s.applies(ruleValidity) {
		return reject(ruleValidity, "MedicationRequest.dispenseRequest.validityPeriod.end")
	}
	return nil
}

// checkSubject accepts a reference to a known, active patient, or a contained patient: one without
// a personnummer (people without one), or in the reservlösning one whose personnummer NLL does
// not know (the NLLPatient specification allows a contained patient with a personnummer there).
// A contained patient's prescription names its receiving pharmacy. It sets the write's patient.
func (s *Simulator) checkSubject(w *write, typ string) *apiError {
	ref := stringAt(w.res, "subject", "reference")
	if contained := containedByRef(w.res, ref); contained != nil {
		pnr := identifierValue(contained, PersonnummerSystem)
		known := pnr != "" && (s.patientByPersonnummer(pnr) != nil || s.broken("reserve-pnr-refused"))
		switch {
		case pnr != "" && !s.validPersonnummer(pnr) && s.applies(rulePersonnummer):
			return reject(rulePersonnummer, typ+".contained.identifier")
		case !s.validBirthDate(contained, pnr != "") && s.applies(ruleBirthDate):
			return reject(ruleBirthDate, typ+".contained.birthDate")
		case known && s.applies(ruleContainedPnr):
			return reject(ruleContainedPnr, typ+".subject")
		case typ == "MedicationRequest" && extension(w.res, ReceivingPharmacyURL) == nil && s.applies(ruleReceivingPharmacy):
			return reject(ruleReceivingPharmacy, "MedicationRequest.extension")
		}
		return nil
	}
	id := referenceID(ref, "Patient")
	patient, ok := s.store.read("Patient", id)
	if (id == "" || !ok) && s.applies(rulePatient) {
		return reject(rulePatient, typ+".subject")
	}
	if active, ok := patient["active"].(bool); ok && !active && s.applies(ruleInactive) {
		return reject(ruleInactive, typ+".subject")
	}
	w.patient = id
	return nil
}

// knownArticle reports whether a CodeableConcept codes an article the simulator knows.
func (s *Simulator) knownArticle(cc map[string]any) bool {
	return s.article(cc) != nil
}

// article is the Medication a CodeableConcept codes, nil when the simulator does not know it.
func (s *Simulator) article(cc map[string]any) resource {
	for _, x := range list(cc, "coding") {
		code := stringAt(x, "code")
		for _, m := range s.store.list("Medication", func(resource) bool { return true }) {
			for _, y := range list(m, "code", "coding") {
				if stringAt(y, "code") == code && stringAt(y, "system") == stringAt(x, "system") {
					return m
				}
			}
		}
	}
	return nil
}

// atcCode is the ATC code of the article a CodeableConcept codes: a coding of ATCSystem in the
// CodeableConcept itself or in the article's Medication, "" when there is none.
func (s *Simulator) atcCode(cc map[string]any) string {
	codings := list(cc, "coding")
	if m := s.article(cc); m != nil {
		codings = append(codings, list(m, "code", "coding")...)
	}
	for _, x := range codings {
		if stringAt(x, "system") == ATCSystem {
			return stringAt(x, "code")
		}
	}
	return ""
}

// issueDate is the prescription's issue date: validityPeriod.start, else authoredOn (YYYY-MM-DD).
func issueDate(res resource) string {
	d := stringAt(res, "dispenseRequest", "validityPeriod", "start")
	if d == "" {
		d = stringAt(res, "authoredOn")
	}
	return d[:min(10, len(d))]
}

// completeValidity is Auto03: a missing last day of validity becomes the issue date + 1 year,
// which the handbook gives as 366 days (+ 2 weeks for a telephone prescription).
func (s *Simulator) completeValidity(res resource) {
	if stringAt(res, "dispenseRequest", "validityPeriod", "end") != "" {
		return
	}
	start, err := time.Parse("2006-01-02", issueDate(res))
	if err != nil {
		start = s.now()
	}
	end := start.AddDate(0, 0, 366)
	if s.broken("validity-365") {
		end = start.AddDate(0, 0, 365)
	}
	if tel := extension(res, TelephoneURL); tel != nil && tel["valueBoolean"] == true && !s.broken("telephone-ignored") {
		end = start.AddDate(0, 0, 14)
	}
	period := ensureObject(ensureObject(res, "dispenseRequest"), "validityPeriod")
	if period["start"] == nil {
		period["start"] = start.Format("2006-01-02")
	}
	period["end"] = end.Format("2006-01-02")
}

// duplicateOf returns the id of an active prescription of the same article for the same patient,
// other than except (the prescription a replacement ends).
func (s *Simulator) duplicateOf(w *write, except string) string {
	code := stringAt(w.res, "medicationCodeableConcept", "coding", "code")
	subject := stringAt(w.res, "subject", "reference")
	for _, other := range s.store.list("MedicationRequest", func(r resource) bool {
		return r["status"] == "active" && r["id"] != except && stringAt(r, "subject", "reference") == subject &&
			stringAt(r, "medicationCodeableConcept", "coding", "code") == code
	}) {
		id, _ := other["id"].(string)
		return id
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validPersonnummer is the format check FK001 (the handbook's Formatkontroller): 12 digits, the
// century 18, 19 or 20, a real birth date, a birth number from 001 to 999 and the right check
// digit (Luhn over the last ten). A samordningsnummer (birth day + 60) is not a personnummer.
func (s *Simulator) validPersonnummer(p string) bool {
	if !luhnValid(p) {
		return false
	}
	if s.broken("fk001-date-unchecked") {
		return true
	}
	century := p[:2]
	_, err := time.Parse("20060102", p[:8])
	return (century == "18" || century == "19" || century == "20") && err == nil && p[8:11] != "000"
}

// validBirthDate is the format check FK002 on a contained patient's birth date: a whole date
// (NLL's ssååmmdd; FHIR also allows a year or a year and month) no older than 130 years. A
// contained patient without a personnummer is known by name and birth date, so needs one
// (NLLMedicationRequest); one with a personnummer may leave it out.
func (s *Simulator) validBirthDate(patient map[string]any, hasPnr bool) bool {
	bd, _ := patient["birthDate"].(string)
	if bd == "" {
		return hasPnr || s.broken("fk002-birthdate-optional")
	}
	born, err := time.ParseInLocation("2006-01-02", bd, stockholm)
	if err != nil {
		return false
	}
	return s.broken("fk002-age-unchecked") || !born.Before(s.now().In(stockholm).AddDate(-maxAge, 0, 0))
}

// maxAge is FK002's bound: a birth date is no older than 130 years.
const maxAge = 130

// luhnValid reports whether p is 12 digits whose last is the check digit of the ten before it
// (Luhn from the third digit). The simulator keeps its own copy so that it shares no code with
// the client side.
func luhnValid(p string) bool {
	if len(p) != 12 {
		return false
	}
	sum := 0
	for i := 0; i < 12; i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		if i < 2 {
			continue
		}
		d := int(p[i] - '0')
		if i == 11 {
			return (10-sum%10)%10 == d
		}
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return false
}
