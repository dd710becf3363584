package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/sim"
)

// put reads typ/id, changes it and PUTs it back, as a client that fetched the latest version.
func (u *user) put(path string, change func(map[string]any)) answer {
	u.t.Helper()
	current := u.do("GET", path, nil)
	if current.code != 200 {
		u.t.Fatalf("GET %s: %d %s", path, current.code, current.raw)
	}
	change(current.doc)
	return u.do("PUT", path, current.doc)
}

func TestDeletedDataLockNoLongerHides(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	mr := u.create(prescription(ingrid, nil))
	lock := u.with("Prefer", "return=representation").do("POST", "Basic", map[string]any{"resourceType": "Basic",
		"code":    map[string]any{"coding": []any{map[string]any{"system": sim.BasicCodeSystem, "code": "datalock"}}},
		"subject": map[string]any{"reference": "Patient/" + ingrid}})
	if lock.code != 201 {
		t.Fatalf("lock: %d %s", lock.code, lock.raw)
	}
	path := "Basic/" + lock.doc["id"].(string)
	if a := u.with("X-Provenance", "").do("DELETE", path, nil); a.code != 400 {
		t.Errorf("DELETE without x-provenance: %d", a.code)
	}
	if a := u.do("DELETE", path, nil); a.code != 204 || a.raw != "" {
		t.Fatalf("DELETE %s: %d %s", path, a.code, a.raw)
	}
	if a := u.do("GET", "MedicationRequest?patient="+ingrid, nil); a.doc["total"] != float64(1) {
		t.Errorf("the prescription stays hidden after the lock was deleted: %s", a.raw)
	}
	if a := u.do("GET", "MedicationRequest/"+mr["id"].(string), nil); a.code != 200 {
		t.Errorf("read after the lock was deleted: %d", a.code)
	}
	if a := u.do("GET", "Basic?code=medlistinfo&patient="+ingrid, nil); !strings.Contains(a.raw, `"url":"`+sim.PrivacyLockURL+`","valueBoolean":false`) {
		t.Errorf("medlistinfo still shows a lock: %s", a.raw)
	}
	if a := u.do("GET", "Basic?code=datalock&patient="+ingrid, nil); a.doc["total"] != float64(0) {
		t.Errorf("a deleted lock is found: %s", a.raw)
	}
	for _, method := range []string{"GET", "DELETE"} {
		if a := u.do(method, path, nil); a.code != 410 {
			t.Errorf("%s of a deleted lock: %d, want 410", method, a.code)
		}
	}
	if a := u.do("GET", path+"/_history/1", nil); a.code != 200 {
		t.Errorf("vread of a deleted lock: %d; FHIR keeps the history", a.code)
	}
	if a := u.do("GET", "Provenance?target="+path, nil); a.doc["total"] != float64(2) {
		t.Errorf("the deletion is not recorded as a Provenance: %s", a.raw)
	}
	if a := u.do("DELETE", "MedicationRequest/"+mr["id"].(string), nil); a.code != 405 || !strings.Contains(a.raw, "$end") {
		t.Errorf("DELETE of a prescription: %d %s", a.code, a.raw)
	}
}

func TestRevokedConsentStaysRevoked(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	c := u.with("Prefer", "return=representation").do("POST", "Consent", map[string]any{
		"resourceType": "Consent", "status": "active", "scope": map[string]any{"text": "patient-privacy"},
		"category": []any{map[string]any{"text": "NLLAccessConsent"}}, "patient": map[string]any{"reference": "Patient/" + ingrid}})
	path := "Consent/" + c.doc["id"].(string)
	if a := u.put(path, func(d map[string]any) { d["patient"] = map[string]any{"reference": "Patient/" + gustav} }); a.code != 400 {
		t.Errorf("a consent moved to another patient: %d", a.code)
	}
	if a := u.put(path, func(d map[string]any) { d["status"] = "inactive" }); a.code != 200 {
		t.Fatalf("revoke: %d %s", a.code, a.raw)
	}
	if a := u.do("GET", "Consent?patient="+ingrid+"&status=active", nil); a.doc["total"] != float64(0) {
		t.Errorf("a revoked consent is active: %s", a.raw)
	}
	if _, _, _, rule := u.put(path, func(d map[string]any) { d["status"] = "active" }).issue(); rule != "SIM-AFF-12" {
		t.Errorf("a revoked consent made active again: rule %q", rule)
	}
}

func TestNullifiedDispenseNoLongerCounts(t *testing.T) {
	s := newSim(t)
	doctor, pharmacy := prescriber(t, s), pharmacist(t, s)
	mr := doctor.create(prescription(ingrid, func(m map[string]any) {
		m["dispenseRequest"].(map[string]any)["numberOfRepeatsAllowed"] = 1
	}))
	md := map[string]any{"resourceType": "MedicationDispense", "status": "completed",
		"authorizingPrescription":   []any{map[string]any{"reference": "MedicationRequest/" + mr["id"].(string)}},
		"medicationCodeableConcept": mr["medicationCodeableConcept"], "quantity": map[string]any{"value": 1}}
	dispense := func() string {
		t.Helper()
		if v := pharmacy.do("POST", "MedicationDispense/$verify", md); v.code != 200 {
			t.Fatalf("verify: %d %s", v.code, v.raw)
		}
		a := pharmacy.with("Prefer", "return=representation").do("POST", "MedicationDispense", md)
		if a.code != 201 {
			t.Fatalf("dispense: %d %s", a.code, a.raw)
		}
		return "MedicationDispense/" + a.doc["id"].(string)
	}
	first := dispense()
	if a := doctor.with("X-Purpose", "VARD").put(first, func(d map[string]any) { d["status"] = "entered-in-error" }); a.code != 403 {
		t.Errorf("a prescriber nullifies a dispense: %d", a.code)
	}
	if a := pharmacy.put(first, func(d map[string]any) { d["subject"] = map[string]any{"reference": "Patient/" + gustav} }); a.code != 400 {
		t.Errorf("a dispense moved to another patient: %d", a.code)
	}
	if a := pharmacy.put(first, func(d map[string]any) { d["status"] = "entered-in-error" }); a.code != 200 {
		t.Fatalf("nullify: %d %s", a.code, a.raw)
	}
	if _, _, _, rule := pharmacy.put(first, func(d map[string]any) { d["status"] = "completed" }).issue(); rule != "SIM-AFF-12" {
		t.Errorf("a nullified dispense completed again: rule %q", rule)
	}
	dispense()
	if got := doctor.do("GET", "MedicationRequest/"+mr["id"].(string), nil).doc["status"]; got != "active" {
		t.Errorf("after a nullified dispense and one more the prescription is %v; the nullified one must not count", got)
	}
}

// registered is a dispense, checked with $verify and registered by u, as its path.
func registered(u *user, md map[string]any) string {
	u.t.Helper()
	if v := u.do("POST", "MedicationDispense/$verify", md); v.code != 200 {
		u.t.Fatalf("verify: %d %s", v.code, v.raw)
	}
	a := u.with("Prefer", "return=representation").do("POST", "MedicationDispense", md)
	if a.code != 201 {
		u.t.Fatalf("dispense: %d %s", a.code, a.raw)
	}
	return "MedicationDispense/" + a.doc["id"].(string)
}

// otherPharmacy is u acting for another pharmacy (another APOTEKSID in the token).
func otherPharmacy(u *user) *user {
	claims := sim.PharmacistClaims(time.Now())
	claims.Apoteksid = "7350045500007"
	return u.with("Authorization", "Bearer "+u.s.Token(claims))
}

func TestADispenseUpdateCorrectsTheQuantityOnly(t *testing.T) {
	s := newSim(t)
	pharmacy := pharmacist(t, s)
	mr := prescriber(t, s).create(prescription(ingrid, nil))
	path := registered(pharmacy, dispenseFor(mr["id"].(string), 1))
	if a := pharmacy.put(path, func(d map[string]any) { d["quantity"] = map[string]any{"value": 2, "unit": "förpackning"} }); a.code != 200 {
		t.Errorf("a corrected quantity (TA 47): %d %s", a.code, a.raw)
	}
	for name, change := range map[string]func(map[string]any){
		"article": func(d map[string]any) {
			d["medicationCodeableConcept"] = map[string]any{"coding": []any{map[string]any{"system": sim.NPLPackIDSystem, "code": omeprazol}}}
		},
		"whenHandedOver": func(d map[string]any) { d["whenHandedOver"] = "2026-01-01" },
	} {
		if a := pharmacy.put(path, change); a.code != 400 {
			t.Errorf("a changed %s: %d %s", name, a.code, a.raw)
		}
	}
	if a := pharmacy.do("GET", path, nil); strings.Contains(a.raw, omeprazol) {
		t.Errorf("the refused update changed the article: %s", a.raw)
	}
}

func TestOnlyThePharmacyThatRegisteredAPaperDispenseNullifiesIt(t *testing.T) {
	s := newSim(t)
	pharmacy := pharmacist(t, s)
	paper := dispenseFor("", 1)
	delete(paper, "authorizingPrescription")
	path := registered(pharmacy, paper)
	nullify := func(d map[string]any) { d["status"] = "entered-in-error" }
	if a := otherPharmacy(pharmacy).put(path, nullify); a.code != 403 {
		t.Errorf("another pharmacy backs a paper-prescription dispense (TA 52): %d %s", a.code, a.raw)
	}
	if a := pharmacy.put(path, nullify); a.code != 200 {
		t.Errorf("the registering pharmacy backs it: %d %s", a.code, a.raw)
	}
	// An e-prescription's dispense: TA 52 says nothing of it, so another pharmacy may.
	mr := prescriber(t, s).create(prescription(ingrid, nil))
	if a := otherPharmacy(pharmacy).put(registered(pharmacy, dispenseFor(mr["id"].(string), 1)), nullify); a.code != 200 {
		t.Errorf("another pharmacy nullifies an e-prescription's dispense: %d %s", a.code, a.raw)
	}
}

func TestDispenseUpdateDefectsChangeTheAnswer(t *testing.T) {
	showDefects(t, []defectCheck{
		{"dispense-article-changeable", func(u *user) bool {
			mr := u.create(prescription(ingrid, nil))
			path := registered(pharmacist(u.t, u.s), dispenseFor(mr["id"].(string), 1))
			return pharmacist(u.t, u.s).put(path, func(d map[string]any) { d["whenHandedOver"] = "2026-01-01" }).code == 200
		}},
		{"paper-dispense-any-pharmacy", func(u *user) bool {
			paper := dispenseFor("", 1)
			delete(paper, "authorizingPrescription")
			path := registered(pharmacist(u.t, u.s), paper)
			return otherPharmacy(pharmacist(u.t, u.s)).put(path, func(d map[string]any) { d["status"] = "entered-in-error" }).code == 200
		}},
	})
}
