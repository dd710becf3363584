package refsys

import (
	"fmt"
	"strings"
	"time"
)

// The defects the reference system can be switched to (`konform run --sut ref --sut-defect NAME`).
// Each is a mistake real connecting systems make; docs/sut.md lists the scenario that catches it.
const (
	// WrongPurpose sends the other role's x-purpose: VARD from the pharmacy, EXPEDIERING in care.
	WrongPurpose = "wrong-purpose"
	// ReusedRequestID sends the same x-request-id with every call.
	ReusedRequestID = "reused-request-id"
	// NoProvenance leaves x-provenance out of writes.
	NoProvenance = "no-provenance"
	// StaleVersion updates from the version it has in memory instead of reading the latest first.
	StaleVersion = "stale-version"
	// Ignore409 gives up on a version conflict instead of reading the latest version again.
	Ignore409 = "ignore-409"
	// ReadWithoutConsent reads the medication list (and locked data) although the patient said no.
	ReadWithoutConsent = "read-without-consent"
	// DispenseWithoutVerify registers a dispense without checking it with $verify first.
	DispenseWithoutVerify = "dispense-without-verify"
	// VerifyOtherDispense checks a dispense of one package more with $verify than it registers:
	// the check was of another dispense.
	VerifyOtherDispense = "verify-other-dispense"
	// NoContainedPractitioner names the prescriber by identifier instead of a contained Practitioner.
	NoContainedPractitioner = "no-contained-practitioner"
	// RetryAfter422 repeats a POST that NLL rejected with 422, twice, before showing the error.
	RetryAfter422 = "retry-after-422"
	// WrongPatient refreshes the previously open patient's data when the user opens another patient
	// (naming that patient by personnummer, in a chained parameter with the OID).
	WrongPatient = "wrong-patient"
	// ClockSkew runs with a clock ten minutes fast, which shows in authoredOn.
	ClockSkew = "clock-skew"
	// NoQueue drops a prescription NLL could not take during an outage instead of queueing it.
	NoQueue = "no-queue"
	// QueueWithoutTrying queues every new prescription and tells the user NLL answered 503,
	// without calling NLL: a reservrutin that reports an outage it never met.
	QueueWithoutTrying = "queue-without-trying"
	// NoUserAgent does not identify itself in x-user-agent.
	NoUserAgent = "no-user-agent"
	// NoOrgInfo leaves x-org-info (the workplace) out of every call.
	NoOrgInfo = "no-org-info"
	// DosageWithoutSequence builds its dosages without sequence, which NLL's profile NLLDosage
	// requires (1..1), as a system written before structured dosage would.
	DosageWithoutSequence = "dosage-without-sequence"
	// RenewRefused renews a prescription without its dosages' sequence, so that NLL refuses the
	// renewal; its new prescriptions are right.
	RenewRefused = "renew-refused"
	// IgnoreTemplate creates its ordinary prescription whatever template (mall) the case names.
	IgnoreTemplate = "ignore-template"
	// ReplaceAsNew sends a pharmacy's replacement (TA 27) as a new prescription, without
	// priorPrescription naming the one it replaces.
	ReplaceAsNew = "replace-as-new"
	// DoseConsentForAccess registers a multi-dose consent (dossamtycke) where the user asked for
	// the patient's access consent (TA 53).
	DoseConsentForAccess = "dose-consent-for-access"
	// CorrectionSwapsArticle, correcting a dispense's counted quantity (TA 47), also puts the
	// article handed out in place of the dispensed one.
	CorrectionSwapsArticle = "correction-swaps-article"
	// OverwriteOnConflict, after a 409 or 412, reads the latest version but sends its own stale
	// copy again with the new version number, undoing the other change.
	OverwriteOnConflict = "overwrite-on-conflict"
	// CareOrgOnWrites sends, on the pharmacy's POSTs and PUTs, the care unit's x-org-info (an
	// HSA id) instead of the pharmacy's GLN, as an integration platform shared with care might.
	CareOrgOnWrites = "care-org-on-writes"
	// DispenseOtherSubject files a dispense under the customer the pharmacist served before, not
	// under the prescription's patient.
	DispenseOtherSubject = "dispense-other-subject"
	// VersionOnlyRefresh, before saving an opened prescription, reads the latest version but takes
	// only its version number, and sends its own stale copy: it meets no conflict, and undoes the
	// change another made meanwhile.
	VersionOnlyRefresh = "version-only-refresh"
	// RefreshAfterSave reads the patient's list again after a refused prescription and shows the
	// user that read's status instead of NLL's refusal.
	RefreshAfterSave = "refresh-after-save"
	// PrefetchNoConsent reads the medication list information (Patient/<id>/MedicationListInfo)
	// although the patient did not consent (it leaves the prescriptions alone).
	PrefetchNoConsent = "prefetch-no-consent"
	// BackgroundPrefetch reads the medication list information in the background although the
	// patient did not consent: the action returns once the read is sent, before NLL answers.
	BackgroundPrefetch = "background-prefetch"
	// CachedList shows the list it read for the previous patient when the user switches patient,
	// without calling NLL.
	CachedList = "cached-list"
	// DoublePost sends every new prescription twice, as a form saved by a double click.
	DoublePost = "double-post"
	// LateSend tells the user a new prescription is registered at once and sends it to NLL from an
	// outbound queue a moment later, after the action has returned.
	LateSend = "late-send"
	// ProductionCertificate presents a client certificate issued by a CA named as a production CA
	// (SITHS e-id Function CA v1): a test system configured with the production certificate.
	ProductionCertificate = "production-certificate"
)

// ProductionCA is the issuer the production-certificate defect's certificate names.
const ProductionCA = "SITHS e-id Function CA v1"

// Defect describes one defect.
type Defect struct {
	// Name is the value of --sut-defect.
	Name string
	// Doc says what the system does wrong.
	Doc string
}

// Defects lists every defect of the reference system.
var Defects = []Defect{
	{WrongPurpose, "sends the other role's x-purpose (VARD from the pharmacy, EXPEDIERING in care)"},
	{ReusedRequestID, "sends the same x-request-id with every call"},
	{NoProvenance, "leaves x-provenance out of POST and PUT"},
	{StaleVersion, "PUTs the version it has in memory instead of reading the latest first"},
	{Ignore409, "gives up on 409/412 instead of reading the latest version again"},
	{ReadWithoutConsent, "reads the medication list, and locked data, although the patient did not consent"},
	{DispenseWithoutVerify, "registers a dispense without MedicationDispense/$verify first"},
	{VerifyOtherDispense, "checks a dispense of one package more with $verify than it then registers"},
	{NoContainedPractitioner, "names the prescriber by identifier instead of a contained Practitioner"},
	{RetryAfter422, "repeats a POST that NLL rejected with 422, twice"},
	{WrongPatient, "refreshes the previously open patient's list (MedicationRequest?patient.identifier=urn:oid:…|personnummer) when the user opens another patient"},
	{ClockSkew, "runs with a clock ten minutes fast (authoredOn)"},
	{NoQueue, "drops a prescription NLL could not take during an outage instead of queueing it"},
	{QueueWithoutTrying, "queues every new prescription and reports NLL's 503 without calling NLL"},
	{NoUserAgent, "does not identify itself in x-user-agent"},
	{NoOrgInfo, "leaves x-org-info (the workplace) out of every call"},
	{DosageWithoutSequence, "builds its dosages without sequence, which NLLDosage requires"},
	{IgnoreTemplate, "creates its ordinary prescription whatever template (mall) the case names"},
	{RenewRefused, "renews a prescription without its dosages' sequence, which NLL refuses (its new prescriptions are right)"},
	{ReplaceAsNew, "sends a pharmacy's replacement (TA 27) as a new prescription, without priorPrescription"},
	{DoseConsentForAccess, "registers a multi-dose consent (dossamtycke) where the patient's access consent was asked for (TA 53)"},
	{CorrectionSwapsArticle, "correcting a dispense's counted quantity (TA 47), also changes its article to the one handed out"},
	{OverwriteOnConflict, "after a 409 or 412 sends its own stale copy again with the latest version number, undoing the other change"},
	{CareOrgOnWrites, "sends the care unit's x-org-info (HSA id) instead of the pharmacy's GLN on the pharmacy's POST and PUT"},
	{DispenseOtherSubject, "files a dispense under the customer served before (its subject), not under the prescription's patient"},
	{VersionOnlyRefresh, "before saving an opened prescription reads the latest version but takes only its number, and sends its stale copy: no conflict, the other change undone"},
	{RefreshAfterSave, "reads the patient's list again after a refused prescription and shows that read's status instead of NLL's refusal"},
	{PrefetchNoConsent, "reads the medication list information (Patient/<id>/MedicationListInfo) although the patient did not consent"},
	{BackgroundPrefetch, "reads the medication list information in the background although the patient did not consent, and returns before NLL answers"},
	{CachedList, "shows the previous patient's list, without calling NLL, when the user switches patient"},
	{DoublePost, "sends every new prescription twice (a form saved by a double click)"},
	{LateSend, "shows a new prescription as registered at once and sends it to NLL from an outbound queue 200 ms later, after the action"},
	{ProductionCertificate, "presents a client certificate issued by a CA named " + ProductionCA + " (the production certificate in a test system)"},
}

// CheckDefect returns an error naming the known defects when name is not one ("" is no defect).
func CheckDefect(name string) error {
	if name == "" {
		return nil
	}
	names := make([]string, 0, len(Defects))
	for _, d := range Defects {
		if d.Name == name {
			return nil
		}
		names = append(names, d.Name)
	}
	return fmt.Errorf("--sut-defect %q is not a defect of the reference system; choose one of %s", name, strings.Join(names, ", "))
}

// LateSendDelay is how long after the action the late-send defect sends a prescription.
const LateSendDelay = 200 * time.Millisecond

// Asynchronous reports whether defect makes the reference system call NLL after an action has
// returned; without it, the system has made its calls when an action returns.
func Asynchronous(defect string) bool { return defect == LateSend || defect == BackgroundPrefetch }

// has reports whether the system runs with defect.
func (s *System) has(defect string) bool { return s.cfg.Defect == defect }
