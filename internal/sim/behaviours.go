package sim

import (
	"fmt"
	"sort"
	"strings"
)

// Behaviour is one row of docs/simulator.md: something the simulator does that a scenario can
// check. Scenarios name the rows they check with the tag @beteende:<ID>; `konform list
// --coverage` lists the rows with their scenarios, and a row with none as a gap unless
// Unchecked says why.
type Behaviour struct {
	// ID names the row in docs/simulator.md (its first column) and in @beteende tags.
	ID string
	// Text is the row, in short.
	Text string
	// Unchecked says why no scenario checks the row, when none can.
	Unchecked string
}

// Behaviours lists every row of docs/simulator.md, in the document's order.
var Behaviours = []Behaviour{
	{ID: "CONN-MTLS", Text: "mutual TLS: the client certificate is required and verified against the test CA"},
	{ID: "CONN-TLS", Text: "TLS 1.2 minimum, HTTP/1.1", Unchecked: "konform's own client cannot offer an older TLS version; TestSimulatorRefusesTLS11 shows it"},
	{ID: "CONN-BASE", Text: "the base path", Unchecked: "every scenario depends on it, so a wrong base breaks every scenario at its first request (an error, not a finding); ext.md has the EXT base"},
	{ID: "CONN-JSON", Text: "answers are FHIR JSON; POST and PUT need a FHIR JSON body (415)"},
	{ID: "CONN-LIMIT", Text: "bodies over 4 MiB are refused (413)", Unchecked: "a default of the simulator, not NLL's documented limit; TestBodyLimit shows it"},

	{ID: "HDR-REQUEST-ID", Text: "x-request-id is required, a UUID"},
	{ID: "HDR-REQUEST-ID-ECHO", Text: "x-request-id is echoed on every answer"},
	{ID: "HDR-REQUEST-ID-UNIQUE", Text: "a reused x-request-id is refused"},
	{ID: "HDR-AUTH", Text: "authorization: Bearer is required (401)"},
	{ID: "HDR-AUTH-TOKEN", Text: "the token must be signed by the token service and not expired (401)"},
	{ID: "HDR-AUTH-ROLE", Text: "the token's claims give the role; an assurance level below 3 is refused (403)"},
	{ID: "ROLE-CARE-READ", Text: "a nurse, a pharmacist in care and a dietitian read patient data with VARD"},
	{ID: "ROLE-READ-ONLY", Text: "care staff without prescribing rights change nothing but data locks, non-licensed pharmacy staff nothing but dispenses, private persons nothing (403)"},
	{ID: "ROLE-PHARMACY-STAFF", Text: "non-licensed pharmacy staff check, register and update dispenses (TA 47, TA 50, TA 52)"},
	{ID: "ROLE-RELATEDPERSON", Text: "guardians (RelatedPerson, TA 08) are read by pharmacy staff and private persons; care staff are refused (403)"},
	{ID: "ROLE-PRIVATE-OWN", Text: "a private person (TA 01) reads only their own patient, prescriptions and dispenses: another patient named is refused (403), another's data is not found, other patient data is refused (403)"},
	{ID: "HDR-ORG-INFO", Text: "x-org-info is JSON with orgenhetsId and orgenhetsIdTyp"},
	{ID: "HDR-ORG-INFO-TYPE", Text: "x-org-info's type fits the role: HSA for care, GLN for a pharmacy"},
	{ID: "HDR-PURPOSE", Text: "x-purpose and x-access are required on reads of patient data, with valid codes"},
	{ID: "HDR-PURPOSE-ROLE", Text: "a prescriber reads with VARD, a pharmacy with EXPEDIERING (403)"},
	{ID: "HDR-PROVENANCE", Text: "x-provenance is required on writes: base64-encoded JSON"},
	{ID: "HDR-PROVENANCE-REASON", Text: "x-provenance's reason.text is at most 256 characters"},
	{ID: "HDR-PATIENTREF", Text: "x-patientref, when sent, names the patient the request concerns"},
	{ID: "HDR-PREFER", Text: "Prefer: return=minimal (the default, no body), representation, OperationOutcome"},

	{ID: "RES-PATIENT", Text: "Patient search by identifier; a protected identity has no name"},
	{ID: "RES-MEDICATIONREQUEST", Text: "MedicationRequest search by patient, status, identifier"},
	{ID: "RES-MEDICATIONDISPENSE", Text: "MedicationDispense search by patient and prescription"},
	{ID: "RES-BASIC", Text: "Basic search by code and patient"},
	{ID: "RES-MEDLISTINFO", Text: "the medication list info: version, data lock, controlled drugs"},
	{ID: "RES-CONSENT", Text: "Consent search by patient and status"},
	{ID: "RES-PROVENANCE", Text: "Provenance search by target"},
	{ID: "RES-RELATEDPERSON", Text: "RelatedPerson search by patient (vårdnadshavare)"},
	{ID: "RES-MEDICATION", Text: "Medication search by code"},
	{ID: "RES-READ", Text: "read by id; an unknown id gives 404 with an OperationOutcome"},
	{ID: "RES-VREAD", Text: "read of an earlier version, _history/n"},
	{ID: "SEARCH-CHAINED", Text: "the chained parameter patient.identifier, with the personnummer's system or its OID"},
	{ID: "SEARCH-BUNDLE", Text: "every search answers a searchset Bundle, empty when nothing matches"},
	{ID: "SEARCH-STATUS-ALL", Text: "a prescription search without status finds every status: the history (TA 43)"},
	{ID: "SEARCH-TOTAL", Text: "Bundle.total counts every match, not the page"},
	{ID: "SEARCH-PAGING", Text: "_count pages the result; next links lead through every match once"},
	{ID: "SEARCH-UNKNOWN", Text: "an unknown search parameter is refused (400)"},

	{ID: "WRITE-CREATE", Text: "create answers 201 with Location and the new version"},
	{ID: "WRITE-AUTO01", Text: "NLL sets the id (Auto01)"},
	{ID: "WRITE-AUTO02", Text: "NLL sets meta.lastUpdated (Auto02)"},
	{ID: "WRITE-AUTO03", Text: "a missing last day of validity becomes the issue date + 366 days, + 14 days by telephone (Auto03)"},
	{ID: "WRITE-AUTO05", Text: "the first prescription of a chain gets a chain id, kept on update (Auto05)"},
	{ID: "WRITE-PROFILE", Text: "NLL sets meta.profile from the content, whatever the client sent"},
	{ID: "PROFILE-DOSAGE-SEQUENCE", Text: "a Dosage without sequence (NLLDosage 1..1) is refused: a prescription's, a dispense's, $patient-dosage-directions'"},
	{ID: "WRITE-UPDATE", Text: "PUT updates existing resources only (404)"},
	{ID: "WRITE-VERSION", Text: "PUT must carry the current meta.versionId (409)"},
	{ID: "WRITE-NEW-VERSION", Text: "every change of a prescription (PUT, $end) gives it a new meta.versionId"},
	{ID: "WRITE-STATUS", Text: "prescription statuses: active ↔ on-hold, either → cancelled or completed, nothing back"},
	{ID: "WRITE-STATUS-ROLE", Text: "a pharmacy may only complete a prescription"},
	{ID: "WRITE-PROVENANCE", Text: "every write stores a Provenance: target, recorded, agent, activity and reason"},
	{ID: "WRITE-LIST-VERSION", Text: "every write raises the patient's medication list version"},
	{ID: "WRITE-LIST-LOCK", Text: "a new prescription that names an old medication list version (underlagsversion) is refused (409)"},
	{ID: "WRITE-PAPER-DISPENSE", Text: "a dispense without a prescription is a paper-prescription dispense: checked, registered, its patient known"},
	{ID: "WRITE-DISPENSE-UPDATE", Text: "a dispense update (TA 47) corrects the counted quantity, not the article nor the day it was handed over"},
	{ID: "WRITE-REPLACE-PHARMACY", Text: "a pharmacy replaces a dose patient's prescription (TA 27): the new one joins the chain of the one it names in priorPrescription, which is ended at once"},
	{ID: "WRITE-RESERVE", Text: "reservlösning: a contained patient with a personnummer NLL does not know is accepted"},
	{ID: "WRITE-REFUSED-NOTHING-SAVED", Text: "a refused write (an AFF rejection, a profile violation) saves nothing"},
	{ID: "WRITE-COMPLETION", Text: "a prescription whose dispenses reach its repeats + 1 becomes completed"},
	{ID: "WRITE-CONSENT", Text: "care registers an access consent as a request; accepted by the patient, it is valid for four years (TA 53)"},
	{ID: "WRITE-CONSENT-ACCEPT", Text: "only the patient accepts a request for an access consent (TA 53)"},
	{ID: "WRITE-MULTIDOSE-CONSENT", Text: "a multi-dose consent (dossamtycke) does not get the access consent's four years"},

	{ID: "END-BASIC", Text: "DELETE of a data lock or dose basis: 204, then 410, and the lock hides nothing"},
	{ID: "END-CONSENT", Text: "a revoked (inactive) consent cannot become active again"},
	{ID: "END-DISPENSE", Text: "a dispense nullified by its pharmacy (entered-in-error) no longer counts"},
	{ID: "END-PAPER-DISPENSE-PHARMACY", Text: "only the pharmacy that registered a paper-prescription dispense nullifies it (TA 52)"},

	{ID: "AFF-01", Text: "SIM-AFF-01: a contained patient's personnummer fails FK001 (check digit, birth date, century, birth number)"},
	{ID: "AFF-02", Text: "SIM-AFF-02: no dosage instruction"},
	{ID: "AFF-03", Text: "SIM-AFF-03: the last day of validity is before the issue date"},
	{ID: "AFF-04", Text: "SIM-AFF-04: a dispense not checked with $verify first"},
	{ID: "AFF-05", Text: "SIM-AFF-05: a quantity of zero or less"},
	{ID: "AFF-06", Text: "SIM-AFF-06: an unknown article"},
	{ID: "AFF-07", Text: "SIM-AFF-07: the contained Practitioner has no förskrivarkod"},
	{ID: "AFF-08", Text: "SIM-AFF-08: a dispense of a prescription that is not active"},
	{ID: "AFF-09", Text: "SIM-AFF-09: the subject is not a known patient"},
	{ID: "AFF-10", Text: "SIM-AFF-10: the requester is not a contained Practitioner"},
	{ID: "AFF-11", Text: "SIM-AFF-11: the patient is not active (deceased)"},
	{ID: "AFF-12", Text: "SIM-AFF-12: a status change the rules do not allow"},
	{ID: "AFF-13", Text: "SIM-AFF-13: $end over prescriptions of more than one patient"},
	{ID: "AFF-14", Text: "SIM-AFF-14: a patient NLL knows by personnummer is contained instead of referenced"},
	{ID: "AFF-15", Text: "SIM-AFF-15: a contained patient and no receiving pharmacy"},
	{ID: "AFF-16", Text: "SIM-AFF-16: a pharmacy replaces the prescription of a patient who is not a dose patient"},
	{ID: "AFF-17", Text: "SIM-AFF-17: a replacement of another ATC code than the replaced prescription's seven-character one"},
	{ID: "AFF-18", Text: "SIM-AFF-18: a contained patient's birth date fails FK002 (a whole date, no older than 130 years), or one without a personnummer has none"},
	{ID: "VARN-01", Text: "SIM-VARN-01: a warning for a second active prescription of the same article"},
	{ID: "VARN-REPRESENTATION", Text: "a warning travels with return=representation"},

	{ID: "OP-PING", Text: "$ping answers result; with a token it checks the token and tells the role"},
	{ID: "OP-VERIFY", Text: "$verify runs the checks without saving and answers detectedIssues and issues"},
	{ID: "OP-VERIFY-ONCE", Text: "one $verify allows one dispense"},
	{ID: "OP-VERIFY-DISPATCH", Text: "$verify at the base takes an NLLDispatch Bundle of dispenses: each entry is checked, its issues point at it, each that passes is verified"},
	{ID: "OP-END", Text: "$end cancels (makulera) or completes (avsluta) without a version check"},
	{ID: "OP-END-ROLE", Text: "$end by a pharmacy may only complete (avsluta)"},
	{ID: "OP-END-PARTS", Text: "$end's entries carry their parts (resource, reason, activity); the flat form is refused (400)"},
	{ID: "OP-END-USAGE-END-DATE", Text: "$end's nllUsageEndDate replaces or deletes the prescription's last day of use"},
	{ID: "OP-END-NEF", Text: "$end names a prescription by a NEF-id", Unchecked: "how a NEF-id sits on a prescription is not public; the simulator refuses a NEF-id with 400 not-supported (TestEndTakesTheDocumentedParts)"},
	{ID: "OP-TRANSACTION", Text: "a transaction is all or nothing and names the failing entry"},
	{ID: "OP-DOSAGE", Text: "$patient-dosage-directions answers patientInstruction and patientInstructionFormatted made from the structured dosage"},
	{ID: "OP-DOSAGE-PARAMS", Text: "$patient-dosage-directions needs at least one dosageInstruction (400)"},
	{ID: "OP-DOSAGE-REASON", Text: "$patient-dosage-directions answers the treatment reason it was sent"},
	{ID: "OP-DOSAGE-NOTIFICATION", Text: "$patient-dosage-directions's notifications come in an OperationOutcome without nllDetectedIssue"},
	{ID: "OP-MONITORING", Text: "$monitoring with fromDate answers the dose patients' prescriptions updated from that date"},
	{ID: "OP-MONITORING-TO", Text: "$monitoring with toDate answers the prescriptions whose last day of validity falls from today up to toDate"},
	{ID: "OP-MONITORING-PARAMS", Text: "$monitoring takes 1 to 50 pnr and exactly one of fromDate (today − 60 days to today) and toDate (today to today + 90 days)"},
	{ID: "OP-MONITORING-PATIENT", Text: "$monitoring's patients carry id, meta.security, identifier and name only"},
	{ID: "OP-MONITORING-DOSE", Text: "$monitoring answers dose patients only; another patient adds nothing"},
	{ID: "OP-MONITORING-ROLE", Text: "$monitoring is for health care personnel: a pharmacy is refused (403)"},

	{ID: "LOCK-PATIENT", Text: "a data lock hides the patient's prescriptions and dispenses from searches and reads"},
	{ID: "LOCK-PHARMACY", Text: "an integritetsspärr hides nothing from a pharmacy reading for dispensing (FIL001)"},
	{ID: "LOCK-ACCESS", Text: "the access types TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER and NODATKOMST see locked data (FIL002)"},
	{ID: "LOCK-DOSE-ACCESS", Text: "the access type DOSPATIENTS_UPPGIFTER sees locked data (FIL004)"},
	{ID: "FILTER-PHARMACY-WINDOW", Text: "a pharmacy reading for dispensing sees what was registered within the last 24 months (FIL001)"},
	{ID: "LOCK-CHAIN", Text: "a lock on a prescription chain hides that chain only"},
	{ID: "LOCK-REASON", Text: "a lock on the treatment reason only leaves the prescription visible and flags its reasonCode nlldataAbsentReason (FIL006), for a pharmacy too"},
	{ID: "LOCK-PROVENANCE", Text: "the Provenance of locked data is hidden like the data"},
	{ID: "LOCK-SECRECY", Text: "a sekretesspärr hides nothing from care or pharmacy staff"},
	{ID: "LOCK-SECRECY-PATIENT", Text: "a sekretesspärr hides what it covers from the patient (TA 01)"},
	{ID: "LOCK-PATIENT-OWN", Text: "an integritetsspärr hides nothing from the patient whose lock it is"},
	{ID: "LOCK-MEDLISTINFO", Text: "medlistinfo shows nllPrivacyLock while a lock exists"},
}

// Defect is a realistic way the simulator can be broken in one behaviour, for the defect
// catalogue: the pack must notice each (make mutants).
type Defect struct {
	// Name is the defect's name, for Options.Defects and konform sim --defect.
	Name string
	// Behaviour is the ID of the row of docs/simulator.md the defect breaks.
	Behaviour string
	// Text says what goes wrong.
	Text string
}

// Defects is the defect catalogue: at least one realistic defect per checked row of
// docs/simulator.md.
var Defects = []Defect{
	{"mtls-any-ca", "CONN-MTLS", "a client certificate from any CA is accepted"},
	{"content-type-json", "CONN-JSON", "answers are sent as application/json, not application/fhir+json"},
	{"any-content-type", "CONN-JSON", "a POST body of any media type is read as JSON"},

	{"request-id-optional", "HDR-REQUEST-ID", "a request without x-request-id is served"},
	{"request-id-any", "HDR-REQUEST-ID", "an x-request-id that is not a UUID is accepted"},
	{"request-id-not-echoed", "HDR-REQUEST-ID-ECHO", "the answer carries a new x-request-id, not the request's"},
	{"request-id-reuse", "HDR-REQUEST-ID-UNIQUE", "a reused x-request-id is accepted"},
	{"token-optional", "HDR-AUTH", "a request without a token is served as a prescriber's"},
	{"token-signature-unchecked", "HDR-AUTH-TOKEN", "the token's signature is not checked"},
	{"token-expiry-unchecked", "HDR-AUTH-TOKEN", "an expired token is accepted"},
	{"loa-unchecked", "HDR-AUTH-ROLE", "a token of assurance level 2 is accepted"},
	{"care-staff-unknown", "ROLE-CARE-READ", "the claims of a nurse, a pharmacist in care or a dietitian give no role"},
	{"care-staff-prescribe", "ROLE-READ-ONLY", "care staff without prescribing rights may create prescriptions"},
	{"pharmacy-staff-ends-prescriptions", "ROLE-READ-ONLY", "non-licensed pharmacy staff pass for a pharmacist when they change a prescription"},
	{"pharmacy-staff-refused", "ROLE-PHARMACY-STAFF", "non-licensed pharmacy staff may not register a dispense"},
	{"care-reads-relatedperson", "ROLE-RELATEDPERSON", "a prescriber reads a child's guardians"},
	{"private-may-write", "ROLE-READ-ONLY", "a private person's token passes for a prescriber's when they write"},
	{"private-sees-all", "ROLE-PRIVATE-OWN", "a private person reads every patient's data, as care staff do"},
	{"org-info-optional", "HDR-ORG-INFO", "a request without x-org-info is served"},
	{"org-info-patient-only", "HDR-ORG-INFO", "x-org-info is checked on a patient lookup only"},
	{"org-info-type-unchecked", "HDR-ORG-INFO-TYPE", "a pharmacy may send an HSA id and a prescriber a GLN"},
	{"purpose-optional", "HDR-PURPOSE", "patient data is read without x-purpose"},
	{"purpose-patient-only", "HDR-PURPOSE", "x-purpose and x-access are checked on a patient lookup only: prescriptions, dispenses and locks are read without them"},
	{"access-any-code", "HDR-PURPOSE", "any x-access code is accepted"},
	{"purpose-any-role", "HDR-PURPOSE-ROLE", "a pharmacy may read with the purpose VARD and a prescriber with EXPEDIERING"},
	{"provenance-optional", "HDR-PROVENANCE", "a write without x-provenance is stored"},
	{"provenance-unparsed", "HDR-PROVENANCE", "an x-provenance that is not base64-encoded JSON is accepted"},
	{"reason-length-unchecked", "HDR-PROVENANCE-REASON", "a reason.text over 256 characters is stored"},
	{"reason-length-bytes", "HDR-PROVENANCE-REASON", "reason.text's 256 are counted in bytes, so å, ä and ö count twice"},
	{"patientref-unchecked", "HDR-PATIENTREF", "an x-patientref naming another patient is accepted"},
	{"prefer-ignored", "HDR-PREFER", "return=representation answers no body"},
	{"minimal-has-body", "HDR-PREFER", "without Prefer, a write answers with the resource"},

	{"not-found-not-error", "RES-READ", "an unknown id answers 404 with an OperationOutcome whose one issue is information, no error"},
	{"vread-current", "RES-VREAD", "_history/n answers the current version"},
	{"protected-identity-named", "RES-PATIENT", "a patient with protected identity is answered with a name"},
	{"patient-identifier-ignored", "RES-PATIENT", "Patient?identifier= answers every patient"},
	{"request-status-ignored", "RES-MEDICATIONREQUEST", "MedicationRequest?status= answers every status"},
	{"dispense-prescription-ignored", "RES-MEDICATIONDISPENSE", "MedicationDispense?prescription= answers every dispense of the patient"},
	{"basic-code-ignored", "RES-BASIC", "Basic?code= answers every Basic of the patient"},
	{"controlled-drugs-false", "RES-MEDLISTINFO", "medlistinfo never shows nllControlledDrugs"},
	{"consent-status-ignored", "RES-CONSENT", "Consent?status= answers every status"},
	{"provenance-target-ignored", "RES-PROVENANCE", "Provenance?target= answers the Provenance of every version"},
	{"relatedperson-patient-ignored", "RES-RELATEDPERSON", "RelatedPerson?patient= answers every guardian"},
	{"medication-code-ignored", "RES-MEDICATION", "Medication?code= answers every article"},
	{"chained-search-ignored", "SEARCH-CHAINED", "patient.identifier is accepted and ignored: every guardian is answered"},
	{"empty-search-404", "SEARCH-BUNDLE", "a search that matches nothing answers 404"},
	{"search-active-only", "SEARCH-STATUS-ALL", "a prescription search without status finds active prescriptions only"},
	{"total-page", "SEARCH-TOTAL", "Bundle.total counts the page, not every match"},
	{"next-repeats", "SEARCH-PAGING", "the next link leads to the same page again"},
	{"unknown-parameter-ignored", "SEARCH-UNKNOWN", "an unknown search parameter is ignored"},

	{"create-no-location", "WRITE-CREATE", "create answers 201 without Location"},
	{"client-id-kept", "WRITE-AUTO01", "create keeps the id the client sent"},
	{"no-last-updated", "WRITE-AUTO02", "meta.lastUpdated is not set"},
	{"validity-365", "WRITE-AUTO03", "a missing last day of validity becomes the issue date + 365 days"},
	{"telephone-ignored", "WRITE-AUTO03", "a telephone prescription gets a year, not 14 days"},
	{"no-chain-id", "WRITE-AUTO05", "a new prescription gets no chain id"},
	{"chain-per-patient", "WRITE-AUTO05", "every new prescription of a patient joins one chain"},
	{"profile-from-client", "WRITE-PROFILE", "the profile the client sent is kept"},
	{"dosage-sequence-optional", "PROFILE-DOSAGE-SEQUENCE", "a Dosage without sequence is accepted"},
	{"put-creates", "WRITE-UPDATE", "PUT on an unknown id creates the resource"},
	{"version-unchecked", "WRITE-VERSION", "PUT on an old version overwrites the current one"},
	{"version-kept", "WRITE-NEW-VERSION", "a changed prescription keeps the meta.versionId it had"},
	{"cancelled-reactivated", "WRITE-STATUS", "a cancelled prescription may become active again"},
	{"pharmacy-may-cancel", "WRITE-STATUS-ROLE", "a pharmacy may cancel (makulera) a prescription with PUT"},
	{"no-provenance", "WRITE-PROVENANCE", "a create stores no Provenance"},
	{"provenance-no-reason", "WRITE-PROVENANCE", "the Provenance drops x-provenance's reason"},
	{"list-version-static", "WRITE-LIST-VERSION", "the medication list version never rises"},
	{"list-version-unchecked", "WRITE-LIST-LOCK", "a prescription made from an old medication list version is accepted"},
	{"paper-dispense-refused", "WRITE-PAPER-DISPENSE", "a dispense without a prescription is refused"},
	{"dispense-article-changeable", "WRITE-DISPENSE-UPDATE", "a dispense update changes the article or the day it was handed over"},
	{"reserve-pnr-refused", "WRITE-RESERVE", "every contained patient with a personnummer is refused, also in the reservlösning"},
	{"refused-create-saved", "WRITE-REFUSED-NOTHING-SAVED", "a new prescription refused with 422 is stored all the same"},
	{"never-completed", "WRITE-COMPLETION", "a prescription stays active after its last allowed dispense"},
	{"consent-one-year", "WRITE-CONSENT", "an accepted consent is valid for one year"},
	{"consent-active-at-once", "WRITE-CONSENT", "care's access consent is in force at once, with its four years, before the patient accepts it"},
	{"care-accepts-consent", "WRITE-CONSENT-ACCEPT", "care may make its own request for an access consent active"},
	{"multidose-consent-four-years", "WRITE-MULTIDOSE-CONSENT", "a multi-dose consent gets the access consent's four years"},

	{"delete-keeps-lock", "END-BASIC", "a deleted data lock still hides the prescriptions"},
	{"consent-reactivated", "END-CONSENT", "a revoked consent may become active again"},
	{"nullified-counts", "END-DISPENSE", "a nullified dispense still counts against the repeats"},
	{"paper-dispense-any-pharmacy", "END-PAPER-DISPENSE-PHARMACY", "any pharmacy nullifies a paper-prescription dispense"},

	{"aff-01-off", "AFF-01", "a contained personnummer with a wrong check digit is accepted"},
	{"fk001-date-unchecked", "AFF-01", "a personnummer is checked by its check digit alone: one with no real birth date passes"},
	{"aff-02-off", "AFF-02", "a prescription without a dosage instruction is accepted"},
	{"aff-03-off", "AFF-03", "a last day of validity before the issue date is accepted"},
	{"aff-04-off", "AFF-04", "a dispense without $verify is registered"},
	{"aff-05-off", "AFF-05", "a quantity of zero is accepted"},
	{"aff-06-off", "AFF-06", "an unknown article is accepted"},
	{"aff-07-off", "AFF-07", "a prescriber without förskrivarkod is accepted"},
	{"aff-08-off", "AFF-08", "a cancelled prescription can be dispensed"},
	{"aff-09-off", "AFF-09", "a prescription for an unknown patient is accepted"},
	{"aff-10-off", "AFF-10", "a requester that is not contained is accepted"},
	{"aff-11-off", "AFF-11", "a prescription for a deceased patient is accepted"},
	{"aff-12-off", "AFF-12", "a new prescription with status completed is accepted"},
	{"aff-13-off", "AFF-13", "$end ends prescriptions of two patients"},
	{"aff-14-off", "AFF-14", "a contained patient with a personnummer is accepted"},
	{"aff-15-off", "AFF-15", "a contained patient without a receiving pharmacy is accepted"},
	{"aff-16-off", "AFF-16", "a pharmacy replaces the prescription of a patient who is not a dose patient"},
	{"aff-17-off", "AFF-17", "a pharmacy replaces a prescription with an article of another ATC code"},
	{"fk002-age-unchecked", "AFF-18", "a contained patient born more than 130 years ago is accepted"},
	{"fk002-birthdate-optional", "AFF-18", "a contained patient without personnummer or birth date is accepted"},
	{"replace-keeps-prior", "WRITE-REPLACE-PHARMACY", "a pharmacy's replacement leaves the replaced prescription active"},
	{"replace-new-chain", "WRITE-REPLACE-PHARMACY", "a pharmacy's replacement starts a chain of its own"},
	{"varn-01-off", "VARN-01", "a second active prescription of the same article gives no warning"},
	{"representation-drops-warning", "VARN-REPRESENTATION", "return=representation drops the warning"},

	{"ping-token-unchecked", "OP-PING", "$ping with an invalid token answers OK"},
	{"ping-one-role", "OP-PING", "$ping answers every user with the prescriber's role"},
	{"ping-time-no-role", "OP-PING", "$ping answers every caller OK and the time, and no role"},
	{"verify-saves", "OP-VERIFY", "$verify of a prescription stores it"},
	{"verify-always-clean", "OP-VERIFY", "$verify answers detectedIssues false whatever it finds"},
	{"verify-reusable", "OP-VERIFY-ONCE", "one $verify allows any number of dispenses"},
	{"dispatch-first-only", "OP-VERIFY-DISPATCH", "$verify of an NLLDispatch checks its first dispense only"},
	{"dispatch-expression-unscoped", "OP-VERIFY-DISPATCH", "an NLLDispatch's issues do not say which entry they are about"},
	{"end-activity-ignored", "OP-END", "$end cancels whatever the activity says"},
	{"end-no-role-rule", "OP-END-ROLE", "a pharmacy may cancel (makulera) through $end"},
	{"end-flat-accepted", "OP-END-PARTS", "$end accepts entries without parts, the reason and activity beside them"},
	{"usage-end-date-ignored", "OP-END-USAGE-END-DATE", "$end ignores nllUsageEndDate"},
	{"transaction-partial", "OP-TRANSACTION", "a transaction stores the entries before the failing one"},
	{"transaction-first-only", "OP-TRANSACTION", "a transaction stores its first entry only, and answers it for every entry"},
	{"dosage-no-formatted", "OP-DOSAGE", "$patient-dosage-directions answers no patientInstructionFormatted"},
	{"dosage-text-only", "OP-DOSAGE", "$patient-dosage-directions repeats the dosage's text and ignores its structured dose and timing"},
	{"dosage-directions-unchecked", "OP-DOSAGE-PARAMS", "$patient-dosage-directions answers a request without dosageInstruction"},
	{"dosage-reason-dropped", "OP-DOSAGE-REASON", "$patient-dosage-directions drops the treatment reason"},
	{"dosage-notification-detected-issue", "OP-DOSAGE-NOTIFICATION", "$patient-dosage-directions's notification carries nllDetectedIssue"},
	{"monitoring-from-ignored", "OP-MONITORING", "$monitoring answers every prescription of the patients, whatever fromDate says"},
	{"monitoring-to-ignored", "OP-MONITORING-TO", "$monitoring with toDate answers every prescription with a last day of validity"},
	{"monitoring-both-dates", "OP-MONITORING-PARAMS", "$monitoring accepts fromDate and toDate together"},
	{"monitoring-range-unchecked", "OP-MONITORING-PARAMS", "$monitoring accepts a fromDate or toDate outside its bounds"},
	{"monitoring-whole-patient", "OP-MONITORING-PATIENT", "$monitoring answers the whole patient"},
	{"monitoring-any-patient", "OP-MONITORING-DOSE", "$monitoring answers the prescriptions of a patient who is no dose patient"},
	{"monitoring-any-role", "OP-MONITORING-ROLE", "$monitoring answers a pharmacy"},

	{"lock-read-leaks", "LOCK-PATIENT", "a locked prescription can be read by its id"},
	{"lock-search-leaks", "LOCK-PATIENT", "a search shows locked prescriptions"},
	{"pharmacy-sees-locked-reason", "LOCK-REASON", "a pharmacy reading for dispensing sees a treatment reason the patient locked"},
	{"pharmacy-lock-hides", "LOCK-PHARMACY", "an integritetsspärr hides the prescriptions from a pharmacy reading with EXPEDIERING too"},
	{"lock-access-ignored", "LOCK-ACCESS", "no access type sees locked data"},
	{"dose-access-filtered", "LOCK-DOSE-ACCESS", "DOSPATIENTS_UPPGIFTER does not see locked data"},
	{"dose-access-any-patient", "LOCK-DOSE-ACCESS", "DOSPATIENTS_UPPGIFTER shows the locked data of a patient who is no dose patient"},
	{"pharmacy-sees-all-history", "FILTER-PHARMACY-WINDOW", "a pharmacy sees prescriptions registered more than 24 months ago"},
	{"chain-lock-hides-all", "LOCK-CHAIN", "a lock on one chain hides every prescription of the patient"},
	{"reason-lock-ignored", "LOCK-REASON", "a lock on the treatment reason shows the reason"},
	{"lock-provenance-leaks", "LOCK-PROVENANCE", "the Provenance of a locked prescription can be searched"},
	{"secrecy-lock-hides", "LOCK-SECRECY", "a sekretesspärr hides the prescriptions from care staff as an integritetsspärr does"},
	{"secrecy-lock-shown-to-patient", "LOCK-SECRECY-PATIENT", "a sekretesspärr hides nothing from the patient"},
	{"patient-lock-hides-from-patient", "LOCK-PATIENT-OWN", "the patient's own integritetsspärr hides their prescriptions from them"},
	{"privacy-lock-false", "LOCK-MEDLISTINFO", "medlistinfo shows nllPrivacyLock false under a lock"},
}

// defectSet holds the defects a simulator has.
type defectSet map[string]bool

func newDefectSet(names []string) (defectSet, error) {
	known := map[string]bool{}
	for _, d := range Defects {
		known[d.Name] = true
	}
	set := defectSet{}
	for _, n := range names {
		if !known[n] {
			all := make([]string, 0, len(Defects))
			for _, d := range Defects {
				all = append(all, d.Name)
			}
			sort.Strings(all)
			return nil, fmt.Errorf("unknown simulator defect %q; the defects are %s", n, strings.Join(all, ", "))
		}
		set[n] = true
	}
	return set, nil
}

// broken reports whether the simulator has the named defect.
func (s *Simulator) broken(name string) bool { return s.defects[name] }
