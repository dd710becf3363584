package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/sim"
)

func TestClaimsGiveTheRole(t *testing.T) {
	for _, tc := range []struct {
		claims sim.Claims
		role   string
	}{
		{sim.Claims{Forskrivarkod: "9000027", Vardgivare: "1", Yrkeskod: []string{"LK"}}, sim.RolePrescriber},
		{sim.Claims{Forskrivarkod: "9000027", Yrkeskod: []string{"SJ"}}, sim.RolePrescriber}, // a nurse who prescribes
		{sim.Claims{Apoteksid: "7350045511999", Yrkeskod: []string{"AP"}}, sim.RolePharmacist},
		{sim.Claims{Apoteksid: "7350045511999", Yrkeskod: []string{"RC"}}, sim.RolePharmacist},
		{sim.Claims{Apoteksid: "7350045511999"}, sim.RolePharmacyStaff},
		{sim.Claims{Vardgivare: "1", Yrkeskod: []string{"SJ"}}, sim.RoleNurse},
		{sim.Claims{Vardgivare: "1", Yrkeskod: []string{"RC"}}, sim.RoleCarePharmacist},
		{sim.Claims{Vardgivare: "1", Yrkeskod: []string{"DT"}}, sim.RoleDietitian},
		{sim.Claims{Vardgivare: "1", Yrkeskod: []string{"LK"}}, ""}, // a physician without förskrivarkod
		{sim.Claims{Vardgivare: "1"}, ""},
		{sim.Claims{Personnummer: "189001019802"}, sim.RolePrivate},
		{sim.Claims{Vardgivare: "1", Yrkeskod: []string{"SJ"}, Personnummer: "189001019802"}, sim.RoleNurse},
		{sim.Claims{}, ""},
	} {
		if got := tc.claims.Role(); got != tc.role {
			t.Errorf("%+v: role %q, want %q", tc.claims, got, tc.role)
		}
	}
	for _, role := range []string{sim.RolePrescriber, sim.RolePharmacist, sim.RoleNurse, sim.RoleCarePharmacist, sim.RoleDietitian, sim.RolePharmacyStaff, sim.RolePrivate} {
		if got := sim.RoleClaims(role, time.Now()).Role(); got != role {
			t.Errorf("RoleClaims(%s) give %q", role, got)
		}
	}
}

// as is a user of a role with the given purpose and workplace.
func as(t *testing.T, s *sim.Simulator, role, purpose, access, org string) *user {
	u := prescriber(t, s)
	return u.with("Authorization", "Bearer "+s.Token(sim.RoleClaims(role, time.Now())), "X-Purpose", purpose, "X-Access", access, "X-Org-Info", org)
}

const (
	careOrg     = `{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`
	pharmacyOrg = `{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}`
)

func TestCareStaffReadButDoNotWrite(t *testing.T) {
	s := newSim(t)
	mr := prescriber(t, s).create(prescription(ingrid, nil))
	for _, role := range []string{sim.RoleNurse, sim.RoleCarePharmacist, sim.RoleDietitian} {
		u := as(t, s, role, "VARD", "TILLFALLIGT_SAMTYCKE", careOrg)
		if a := u.do("GET", "MedicationRequest?patient="+ingrid, nil); a.code != 200 {
			t.Errorf("%s reads: %d %s", role, a.code, a.raw)
		}
		if a := u.do("POST", "MedicationRequest", prescription(ingrid, nil)); a.code != 403 {
			t.Errorf("%s prescribes: %d %s", role, a.code, a.raw)
		}
		if a := u.do("POST", "MedicationRequest/$end", map[string]any{"resourceType": "Parameters", "parameter": []any{endEntry(mr["id"].(string), "makulera")}}); a.code != 403 {
			t.Errorf("%s ends a prescription: %d %s", role, a.code, a.raw)
		}
		if a := as(t, s, role, "EXPEDIERING", "UTAN_KRAV_SAMTYCKE", careOrg).do("GET", "MedicationRequest?patient="+ingrid, nil); a.code != 403 {
			t.Errorf("%s reads with EXPEDIERING: %d", role, a.code)
		}
		if a := as(t, s, role, "VARD", "TILLFALLIGT_SAMTYCKE", pharmacyOrg).do("GET", "MedicationRequest?patient="+ingrid, nil); a.code != 400 {
			t.Errorf("%s with a pharmacy's GLN: %d", role, a.code)
		}
	}
	// Care staff may create and lift a data lock (TA 36, TA 37).
	nurse := as(t, s, sim.RoleNurse, "VARD", "TILLFALLIGT_SAMTYCKE", careOrg)
	lock := map[string]any{"resourceType": "Basic", "code": map[string]any{"coding": []any{map[string]any{"system": sim.BasicCodeSystem, "code": "datalock"}}},
		"subject": map[string]any{"reference": "Patient/" + ingrid}}
	a := nurse.with("Prefer", "return=representation").do("POST", "Basic", lock)
	if a.code != 201 {
		t.Fatalf("a nurse locks: %d %s", a.code, a.raw)
	}
	if d := nurse.do("DELETE", "Basic/"+a.doc["id"].(string), nil); d.code != 204 {
		t.Errorf("a nurse lifts the lock: %d %s", d.code, d.raw)
	}
	staff := as(t, s, sim.RolePharmacyStaff, "EXPEDIERING", "UTAN_KRAV_SAMTYCKE", pharmacyOrg)
	if a := staff.do("GET", "MedicationRequest?patient="+ingrid, nil); a.code != 200 {
		t.Errorf("pharmacy staff read: %d %s", a.code, a.raw)
	}
	if a := staff.do("POST", "MedicationRequest/$end", map[string]any{"resourceType": "Parameters", "parameter": []any{endEntry(mr["id"].(string), "avsluta")}}); a.code != 403 {
		t.Errorf("pharmacy staff end a prescription: %d %s", a.code, a.raw)
	}
	if a := staff.do("POST", "Basic", lock); a.code != 403 {
		t.Errorf("pharmacy staff lock: %d %s", a.code, a.raw)
	}
}

// TestPharmacyStaffDispense shows ROLE-PHARMACY-STAFF: icke-legitimerad apotekspersonal check
// with $verify, register and update a dispense as a farmaceut does (TA 47, TA 50, TA 52 name them).
func TestPharmacyStaffDispense(t *testing.T) {
	showDefects(t, []defectCheck{
		{"pharmacy-staff-refused", func(u *user) bool {
			mr := u.create(prescription(ingrid, nil))["id"].(string)
			staff := as(t, u.s, sim.RolePharmacyStaff, "EXPEDIERING", "UTAN_KRAV_SAMTYCKE", pharmacyOrg).with("Prefer", "return=representation")
			if a := staff.do("POST", "MedicationDispense/$verify", dispenseFor(mr, 1)); a.code != 200 {
				return true
			}
			a := staff.do("POST", "MedicationDispense", dispenseFor(mr, 1))
			if a.code != 201 {
				return true
			}
			a.doc["status"] = "entered-in-error"
			return staff.do("PUT", "MedicationDispense/"+a.doc["id"].(string), a.doc).code != 200
		}},
	})
}

func TestASecrecyLockHidesNothingFromStaff(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	mr := u.create(prescription(ingrid, nil))
	lock := func(kind string) map[string]any {
		l := map[string]any{"resourceType": "Basic", "code": map[string]any{"coding": []any{map[string]any{"system": sim.BasicCodeSystem, "code": "datalock"}}},
			"subject": map[string]any{"reference": "Patient/" + ingrid}}
		if kind != "" {
			l["extension"] = []any{map[string]any{"url": sim.DataLockTypeURL, "valueCode": kind}}
		}
		return l
	}
	seen := func() bool { return u.do("GET", "MedicationRequest/"+mr["id"].(string), nil).code == 200 }
	secrecy := u.with("Prefer", "return=representation").do("POST", "Basic", lock("sekretesspärr"))
	if secrecy.code != 201 || !seen() {
		t.Fatalf("under a sekretesspärr the prescriber no longer sees the prescription (%d)", secrecy.code)
	}
	info := u.do("GET", "Patient/"+ingrid+"/MedicationListInfo", nil)
	if strings.Contains(info.raw, `"valueBoolean":true`) {
		t.Errorf("a sekretesspärr set nllPrivacyLock: %s", info.raw)
	}
	if a := u.do("POST", "Basic", lock("integritetsspärr")); a.code != 201 || seen() {
		t.Errorf("an integritetsspärr (%d) leaves the prescription visible", a.code)
	}
}

// lockedPrescription creates a prescription for patient and locks the patient's data (an
// integritetsspärr), and returns the prescription.
func lockedPrescription(u *user, patient string) map[string]any {
	u.t.Helper()
	mr := u.create(prescription(patient, nil))
	if a := u.do("POST", "Basic", dataLock(patient, "")); a.code != 201 {
		u.t.Fatalf("lock: %d %s", a.code, a.raw)
	}
	return mr
}

// TestAPharmacySeesLockedDataForDispensing shows LOCK-PHARMACY (FIL001): the patient's
// integritetsspärr is a lock "för vården"; a pharmacy reading with EXPEDIERING still sees the
// prescription and its treatment reason.
func TestAPharmacySeesLockedDataForDispensing(t *testing.T) {
	showDefects(t, []defectCheck{
		{"pharmacy-lock-hides", func(u *user) bool {
			mr := lockedPrescription(u, ingrid)
			if a := u.do("GET", "MedicationRequest/"+mr["id"].(string), nil); a.code != 404 {
				t.Fatalf("the prescriber still sees the locked prescription: %d", a.code)
			}
			return pharmacist(t, u.s).do("GET", "MedicationRequest/"+mr["id"].(string), nil).code != 200
		}},
	})
}

// TestDosePatientAccessSeesLockedData shows LOCK-DOSE-ACCESS (FIL004): the access type
// DOSPATIENTS_UPPGIFTER sees what an integritetsspärr hides from TILLFALLIGT_SAMTYCKE, for a
// dose patient only.
func TestDosePatientAccessSeesLockedData(t *testing.T) {
	showDefects(t, []defectCheck{
		{"dose-access-filtered", func(u *user) bool {
			mr := lockedPrescription(u, doris)
			path := "MedicationRequest/" + mr["id"].(string)
			if a := u.do("GET", path, nil); a.code != 404 {
				t.Fatalf("TILLFALLIGT_SAMTYCKE sees the locked prescription: %d", a.code)
			}
			return u.with("X-Access", "DOSPATIENTS_UPPGIFTER").do("GET", path, nil).code != 200
		}},
		// ingrid is no dose patient: the access type unlocks nothing of hers.
		{"dose-access-any-patient", func(u *user) bool {
			mr := lockedPrescription(u, ingrid)
			return u.with("X-Access", "DOSPATIENTS_UPPGIFTER").do("GET", "MedicationRequest/"+mr["id"].(string), nil).code == 200
		}},
	})
}

// TestAPharmacySeesTwentyFourMonthsBack shows FILTER-PHARMACY-WINDOW (FIL001): the dose
// patient's prescription of 2022-03-01 (a fixture) is there for care, not for a pharmacy reading
// for dispensing, by id or in a search.
func TestAPharmacySeesTwentyFourMonthsBack(t *testing.T) {
	const old = "MedicationRequest/8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d02"
	showDefects(t, []defectCheck{
		{"pharmacy-sees-all-history", func(u *user) bool {
			if a := u.do("GET", old, nil); a.code != 200 {
				t.Fatalf("care does not see the 2022 prescription: %d %s", a.code, a.raw)
			}
			p := pharmacist(t, u.s)
			read := p.do("GET", old, nil)
			search := p.do("GET", "MedicationRequest?_id=8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d02", nil)
			if (read.code == 404) != (search.doc["total"] == float64(0)) {
				t.Fatalf("the read (%d) and the search (%s) disagree", read.code, search.raw)
			}
			return read.code == 200
		}},
	})
}

// TestAPharmacySeesNoLockedReason shows LOCK-REASON for a pharmacy: the patient's lock of the
// treatment reason hides the reason from a pharmacy reading for dispensing, which still finds
// the prescription (SIMP BasicNLLDataLock, FIL001).
func TestAPharmacySeesNoLockedReason(t *testing.T) {
	showDefects(t, []defectCheck{
		{"pharmacy-sees-locked-reason", func(u *user) bool {
			mr := u.create(prescription(ingrid, func(m map[string]any) { m["reasonCode"] = []any{map[string]any{"text": "huvudvärk"}} }))
			lock := dataLock(ingrid, "")
			lock["extension"] = []any{map[string]any{"url": sim.DataLockScopeURL, "valueCode": "behandlingsorsak"}}
			if a := u.do("POST", "Basic", lock); a.code != 201 {
				t.Fatalf("lock: %d %s", a.code, a.raw)
			}
			a := pharmacist(t, u.s).do("GET", "MedicationRequest/"+mr["id"].(string), nil)
			if a.code != 200 {
				t.Fatalf("the pharmacy does not find the prescription: %d", a.code)
			}
			return strings.Contains(a.raw, "huvudvärk")
		}},
	})
}

// TestGuardiansAreForThePharmacy shows ROLE-RELATEDPERSON: TA 08 gives the check of a child's
// guardians to pharmacy staff and private persons, not to care.
func TestGuardiansAreForThePharmacy(t *testing.T) {
	const search = "RelatedPerson?identifier=http://electronichealth.se/identifier/personnummer|199802262387"
	showDefects(t, []defectCheck{
		{"care-reads-relatedperson", func(u *user) bool {
			if a := pharmacist(t, u.s).do("GET", search, nil); a.code != 200 || a.doc["total"] != float64(1) {
				t.Fatalf("the pharmacy's check: %d %s", a.code, a.raw)
			}
			return u.with("X-Access", "UTAN_KRAV_SAMTYCKE_BARN").do("GET", search, nil).code != 403
		}},
	})
}
