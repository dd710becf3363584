package sim

import "strings"

// Extension URLs and code systems the simulator uses. NLL names these elements (nllPrescriptionChain,
// nllMedicationlistVersion, nllPrivacyLock, nllControlledDrugs) but their full definitions are not
// public; the URLs follow NLL's canonical base.
const (
	nllBase               = "http://electronichealth.se/fhir/StructureDefinition/"
	ChainURL              = nllBase + "nllPrescriptionChain"
	TelephoneURL          = nllBase + "nllTelephonePrescription"
	MedicationListVersion = nllBase + "nllMedicationlistVersion"
	PrivacyLockURL        = nllBase + "nllPrivacyLock"
	ControlledDrugsURL    = nllBase + "nllControlledDrugs"
	// ProtectedIdentityURL flags a patient with protected identity (skyddad identitet).
	ProtectedIdentityURL = nllBase + "nllProtectedIdentity"
	// ConsentTypeSystem codes the kind of consent in Consent.category: atkomstsamtycke (an access
	// consent, NLLAccessConsent, the default) or dossamtycke (a multi-dose consent,
	// NLLMultiDoseDispConsent). NLL picks the profile from the content; which content tells the
	// two apart is not public.
	ConsentTypeSystem = "http://electronichealth.se/CodeSystem/nll-consent-type"
	// ATCSystem codes an article's ATC code (WHO's system) in Medication.code. The simulator's
	// articles carry one; TA 27 compares them when a pharmacy replaces a prescription.
	ATCSystem = "http://www.whocc.no/atc"
	// DataLockScopeURL says what a data lock covers: valueCode "behandlingsorsak" locks the
	// treatment reason only; without it the lock covers everything. NLL documents both kinds of
	// lock, not how the kind is coded.
	DataLockScopeURL = nllBase + "nllDataLockScope"
	// DataLockTypeURL says which kind of data lock a Basic datalock is: valueCode
	// "integritetsspärr" (the patient's, the default when absent) or "sekretesspärr" (a
	// prescriber's, after a secrecy review, against the patient or the guardians). NLL documents
	// both kinds, not how the kind is coded.
	DataLockTypeURL = nllBase + "nllDataLockType"
	// DataAbsentReasonURL flags a treatment reason that a filter rule (FIL006) removed.
	DataAbsentReasonURL = nllBase + "nlldataAbsentReason"
	// ReceivingPharmacyURL names the pharmacy that receives a prescription for a patient
	// without a personnummer (a contained patient).
	ReceivingPharmacyURL = nllBase + "nllReceivingPharmacy"
	// BasicCodeSystem codes the kinds of Basic resource: medlistinfo, datalock, multidosebasis.
	BasicCodeSystem = "http://electronichealth.se/CodeSystem/nll-basic-type"
	// PersonnummerSystem is the identifier system of Swedish personnummer.
	PersonnummerSystem = "http://electronichealth.se/identifier/personnummer"
	// PersonnummerOID is the personnummer's identifier system as an OID.
	PersonnummerOID = "urn:oid:1.2.752.129.2.1.3.1"
	// ForskrivarkodSystem identifies prescribers.
	ForskrivarkodSystem = "http://electronichealth.se/identifier/forskrivarkod"
	// GLNSystem identifies pharmacies by GLN (the simulator's choice of system URL).
	GLNSystem = "http://electronichealth.se/identifier/gln"
	// NPLPackIDSystem and NPLIDSystem code articles.
	NPLPackIDSystem = "http://medication.ehm.se/nplpackid"
	NPLIDSystem     = "http://medication.ehm.se/nplid"
)

// matcher reports whether a resource matches one value of a search parameter.
type matcher func(res resource, value string) bool

// kind is what the simulator knows about one resource type.
type kind struct {
	// search holds the type's search parameters.
	search map[string]matcher
	// patientData is true for types whose reads need a purpose and an access type.
	patientData bool
	// create and update are nil when the interaction is not allowed.
	create, update func(s *Simulator, c *caller, w *write) *apiError
	// deletable is true for types a client may DELETE (the data lock and the dose basis).
	deletable bool
	// patientOf returns the id of the patient a resource concerns, or "".
	patientOf func(res resource) string
}

func refMatcher(path ...string) matcher {
	return func(res resource, v string) bool {
		ref := stringAt(res, path...)
		return ref != "" && (ref == v || strings.HasSuffix(ref, "/"+v))
	}
}

func anyRefMatcher(field string) matcher {
	return func(res resource, v string) bool {
		for _, x := range list(res, field) {
			ref := stringAt(x, "reference")
			if !strings.Contains(v, "/_history/") { // a versioned value asks for that version only
				ref, _, _ = strings.Cut(ref, "/_history/")
			}
			if ref == v || strings.HasSuffix(ref, "/"+v) {
				return true
			}
		}
		return false
	}
}

func fieldMatcher(field string) matcher {
	return func(res resource, v string) bool { return res[field] == v }
}

// codeMatcher implements token search over a CodeableConcept: "system|code" or "code".
func codeMatcher(path ...string) matcher {
	return func(res resource, v string) bool {
		system, code, hasSystem := strings.Cut(v, "|")
		if !hasSystem {
			code = v
		}
		for _, x := range list(res, append(path, "coding")...) {
			if c, _ := x.(map[string]any); c != nil && c["code"] == code && (!hasSystem || c["system"] == system) {
				return true
			}
		}
		return false
	}
}

// identifierMatcher implements token search over identifiers: "system|value" or "value".
// The personnummer's system is also written as its OID (Skatteverket's), as in the agency's
// older test code.
func identifierMatcher(res resource, token string) bool {
	system, value, hasSystem := strings.Cut(token, "|")
	if !hasSystem {
		value = token
	}
	if system == PersonnummerOID {
		system = PersonnummerSystem
	}
	for _, x := range list(res, "identifier") {
		id, _ := x.(map[string]any)
		if id != nil && id["value"] == value && (!hasSystem || id["system"] == system) {
			return true
		}
	}
	return false
}

func idMatcher(res resource, v string) bool { return res["id"] == v }

func subjectPatient(res resource) string {
	return referenceID(stringAt(res, "subject", "reference"), "Patient")
}

// kinds lists the resource types the simulator serves.
var kinds = map[string]*kind{
	"Patient": {
		search:      map[string]matcher{"identifier": identifierMatcher, "_id": idMatcher},
		patientData: true,
		patientOf:   func(res resource) string { id, _ := res["id"].(string); return id },
	},
	"MedicationRequest": {
		search: map[string]matcher{"patient": refMatcher("subject", "reference"), "subject": refMatcher("subject", "reference"),
			"status": fieldMatcher("status"), "identifier": identifierMatcher, "_id": idMatcher},
		patientData: true,
		create:      (*Simulator).createPrescription,
		update:      (*Simulator).updatePrescription,
		patientOf:   subjectPatient,
	},
	"MedicationDispense": {
		search: map[string]matcher{"patient": refMatcher("subject", "reference"), "subject": refMatcher("subject", "reference"),
			"prescription": refMatcher("authorizingPrescription", "reference"), "_id": idMatcher},
		patientData: true,
		create:      (*Simulator).createDispense,
		update:      (*Simulator).updateDispense,
		patientOf:   subjectPatient,
	},
	"Basic": {
		search: map[string]matcher{"patient": refMatcher("subject", "reference"), "subject": refMatcher("subject", "reference"),
			"code": codeMatcher("code"), "_id": idMatcher},
		patientData: true,
		create:      (*Simulator).createBasic,
		deletable:   true,
		patientOf:   subjectPatient,
	},
	"Consent": {
		search:      map[string]matcher{"patient": refMatcher("patient", "reference"), "status": fieldMatcher("status"), "_id": idMatcher},
		patientData: true,
		create:      (*Simulator).createConsent,
		update:      (*Simulator).updateConsent,
		patientOf:   func(res resource) string { return referenceID(stringAt(res, "patient", "reference"), "Patient") },
	},
	"Provenance": {
		search:      map[string]matcher{"target": anyRefMatcher("target"), "_id": idMatcher},
		patientData: true,
		patientOf:   func(resource) string { return "" }, // a Provenance is never hidden by a data lock
	},
	"RelatedPerson": {
		search: map[string]matcher{"identifier": identifierMatcher, "patient": refMatcher("patient", "reference"),
			"relationship": codeMatcher("relationship"), "_id": idMatcher},
		patientData: true,
		patientOf:   func(res resource) string { return referenceID(stringAt(res, "patient", "reference"), "Patient") },
	},
	"Medication": {
		search:    map[string]matcher{"code": codeMatcher("code"), "_id": idMatcher},
		patientOf: func(resource) string { return "" },
	},
}

// commonParams are accepted on every search: paging.
var commonParams = map[string]bool{"_count": true, "_offset": true}

// chainedPatient is the chained search parameter patient.identifier, accepted by the types whose
// resources concern a patient: resources of the patients with that identifier.
const chainedPatient = "patient.identifier"
