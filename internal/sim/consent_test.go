package sim_test

import (
	"testing"
	"time"
)

// accessConsent is an access consent for patient, as care registers it.
func accessConsent(patient string) map[string]any {
	return map[string]any{"resourceType": "Consent", "status": "active", "scope": map[string]any{"text": "patient-privacy"},
		"category": []any{map[string]any{"text": "NLLAccessConsent"}}, "patient": map[string]any{"reference": "Patient/" + patient}}
}

// fourYears reports whether a consent is valid from today for four years.
func fourYears(doc map[string]any) bool {
	provision, _ := doc["provision"].(map[string]any)
	period, _ := provision["period"].(map[string]any)
	start, _ := period["start"].(string)
	today := time.Now().In(time.FixedZone("", 0)).Format("2006-01-02")
	from, err := time.Parse("2006-01-02", start)
	return err == nil && start >= today[:8] && period["end"] == from.AddDate(4, 0, 0).Format("2006-01-02")
}

// TestCareRequestsAndThePatientAccepts shows WRITE-CONSENT and WRITE-CONSENT-ACCEPT (TA 53): care
// registers a request, which is not in force; care cannot accept it; the patient accepts it, and
// from then it is valid for four years.
func TestCareRequestsAndThePatientAccepts(t *testing.T) {
	s := newSim(t)
	care := prescriber(t, s).with("Prefer", "return=representation")
	req := care.do("POST", "Consent", accessConsent(ingrid))
	if req.code != 201 || req.doc["status"] != "proposed" || req.doc["provision"] != nil {
		t.Fatalf("care's request: %d %s", req.code, req.raw)
	}
	id := req.doc["id"].(string)
	accept := func(u *user, doc map[string]any) answer {
		doc["status"] = "active"
		return u.do("PUT", "Consent/"+id, doc)
	}
	if a := accept(care, req.doc); a.code != 403 {
		t.Errorf("care accepts the request: %d %s", a.code, a.raw)
	}
	patient := privatePerson(t, s, "189001019802").with("Prefer", "return=representation")
	if a := patient.do("GET", "Consent?patient="+ingrid, nil); a.doc["total"] != float64(1) {
		t.Errorf("the patient's consents: %s", a.raw)
	}
	if a := privatePerson(t, s, "189002019819").do("PUT", "Consent/"+id, req.doc); a.code != 403 {
		t.Errorf("another patient answers the request: %d %s", a.code, a.raw)
	}
	a := accept(patient, req.doc)
	if a.code != 200 || a.doc["status"] != "active" || !fourYears(a.doc) {
		t.Errorf("the patient accepts: %d %s", a.code, a.raw)
	}
	if p := patient.do("POST", "Consent", accessConsent(ingrid)); p.code != 403 {
		t.Errorf("the patient registers a consent: %d %s", p.code, p.raw)
	}
}

func TestConsentDefects(t *testing.T) {
	request := func(u *user) map[string]any {
		return u.with("Prefer", "return=representation").do("POST", "Consent", accessConsent(ingrid)).doc
	}
	showDefects(t, []defectCheck{
		{"consent-active-at-once", func(u *user) bool { return request(u)["status"] == "active" }},
		{"care-accepts-consent", func(u *user) bool {
			doc := request(u)
			doc["status"] = "active"
			return u.do("PUT", "Consent/"+doc["id"].(string), doc).code == 200
		}},
		{"consent-one-year", func(u *user) bool {
			doc := request(u)
			doc["status"] = "active"
			a := privatePerson(t, u.s, "189001019802").with("Prefer", "return=representation").do("PUT", "Consent/"+doc["id"].(string), doc)
			return a.code == 200 && !fourYears(a.doc)
		}},
	})
}
