package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/sim"
)

// privatePerson is the patient with personnummer pnr, reading through a pharmacy's web shop
// (TA 01): no purpose, the web shop's pharmacy as workplace.
func privatePerson(t *testing.T, s *sim.Simulator, pnr string) *user {
	c := sim.RoleClaims(sim.RolePrivate, time.Now())
	c.Personnummer = pnr
	u := prescriber(t, s).with("Authorization", "Bearer "+s.Token(c), "X-Org-Info", pharmacyOrg)
	u.header.Del("X-Purpose")
	u.header.Del("X-Access")
	return u
}

// dataLock is a data lock on patient; kind is "" (an integritetsspärr) or "sekretesspärr".
func dataLock(patient, kind string) map[string]any {
	l := map[string]any{"resourceType": "Basic", "code": map[string]any{"coding": []any{map[string]any{"system": sim.BasicCodeSystem, "code": "datalock"}}},
		"subject": map[string]any{"reference": "Patient/" + patient}}
	if kind != "" {
		l["extension"] = []any{map[string]any{"url": sim.DataLockTypeURL, "valueCode": kind}}
	}
	return l
}

func TestAPrivatePersonReadsTheirOwnDataOnly(t *testing.T) {
	s := newSim(t)
	mine := prescriber(t, s).create(prescription(ingrid, nil))
	theirs := prescriber(t, s).create(prescription(gustav, nil))
	me := privatePerson(t, s, "189001019802")
	if role := sim.RoleClaims(sim.RolePrivate, time.Now()).Role(); role != sim.RolePrivate {
		t.Fatalf("RoleClaims(PRIVATPERSON) give %q", role)
	}
	if a := me.do("GET", "MedicationRequest?patient="+ingrid, nil); a.code != 200 || a.doc["total"] != float64(1) {
		t.Errorf("own prescriptions: %d %s", a.code, a.raw)
	}
	if a := me.do("GET", "MedicationRequest/"+mine["id"].(string), nil); a.code != 200 {
		t.Errorf("own prescription by id: %d %s", a.code, a.raw)
	}
	if a := me.do("GET", "Patient?identifier=189001019802", nil); a.doc["total"] != float64(1) {
		t.Errorf("own Patient: %d %s", a.code, a.raw)
	}
	for _, tc := range []struct {
		path string
		code int
	}{
		{"MedicationRequest?patient=" + gustav, 403},
		{"MedicationRequest/" + theirs["id"].(string), 404},
		{"Basic?patient=" + ingrid, 403},
		{"Consent?patient=" + gustav, 403},
		{"Patient/" + ingrid + "/MedicationListInfo", 403},
	} {
		if a := me.do("GET", tc.path, nil); a.code != tc.code {
			t.Errorf("GET %s: %d, want %d: %s", tc.path, a.code, tc.code, a.raw)
		}
	}
	for _, path := range []string{"Patient?identifier=189002019819", "MedicationRequest"} {
		a := me.do("GET", path, nil)
		for _, e := range list(a.doc["entry"]) {
			res := e.(map[string]any)["resource"].(map[string]any)
			if res["id"] == gustav || res["id"] == theirs["id"] {
				t.Errorf("GET %s shows another patient's %s", path, res["id"])
			}
		}
	}
	if a := me.do("POST", "MedicationRequest", prescription(ingrid, nil)); a.code != 403 {
		t.Errorf("a private person prescribes: %d %s", a.code, a.raw)
	}
	showDefects(t, []defectCheck{
		{"private-sees-all", func(u *user) bool {
			return privatePerson(t, u.s, "189001019802").do("GET", "MedicationRequest?patient="+gustav, nil).code == 200
		}},
		{"private-may-write", func(u *user) bool {
			c := sim.RoleClaims(sim.RolePrivate, time.Now())
			return u.with("Authorization", "Bearer "+u.s.Token(c), "X-Org-Info", pharmacyOrg).do("POST", "MedicationRequest", prescription(ingrid, nil)).code == 201
		}},
	})
}

func TestASecrecyLockHidesFromThePatientAndTheirOwnLockDoesNot(t *testing.T) {
	showDefects(t, []defectCheck{
		{"secrecy-lock-shown-to-patient", func(u *user) bool {
			mr := u.create(prescription(ingrid, nil))
			u.do("POST", "Basic", dataLock(ingrid, "sekretesspärr"))
			return privatePerson(t, u.s, "189001019802").do("GET", "MedicationRequest/"+mr["id"].(string), nil).code == 200
		}},
		{"patient-lock-hides-from-patient", func(u *user) bool {
			mr := u.create(prescription(ingrid, nil))
			u.do("POST", "Basic", dataLock(ingrid, ""))
			if u.do("GET", "MedicationRequest/"+mr["id"].(string), nil).code != 404 {
				t.Fatal("the integritetsspärr does not hide the prescription from the prescriber")
			}
			return privatePerson(t, u.s, "189001019802").do("GET", "MedicationRequest/"+mr["id"].(string), nil).code != 200
		}},
	})
}

// TestAPrivatePersonSeesArticlesAndNotAReasonUnderSecrecy: the articles (no patient data) are
// open to a private person, and a prescriber's sekretesspärr on the treatment reason alone masks
// the reason for the patient, while the patient's own lock on it does not.
func TestAPrivatePersonSeesArticlesAndNotAReasonUnderSecrecy(t *testing.T) {
	s := newSim(t)
	me := privatePerson(t, s, "189001019802")
	if a := me.do("GET", "Medication", nil); a.code != 200 || a.doc["total"] == float64(0) {
		t.Errorf("the articles: %d %s", a.code, a.raw)
	}
	u := prescriber(t, s)
	withReason := func(m map[string]any) { m["reasonCode"] = []any{map[string]any{"text": "huvudvärk"}} }
	reasonLock := func(kind string) map[string]any {
		l := dataLock(ingrid, kind)
		l["extension"] = append(list(l["extension"]), map[string]any{"url": sim.DataLockScopeURL, "valueCode": "behandlingsorsak"})
		return l
	}
	mr := u.create(prescription(ingrid, withReason))
	read := func() string { return me.do("GET", "MedicationRequest/"+mr["id"].(string), nil).raw }
	if a := u.do("POST", "Basic", reasonLock("")); a.code != 201 || !strings.Contains(read(), "huvudvärk") {
		t.Errorf("the patient's own lock on the reason (%d) hides it from them", a.code)
	}
	if a := u.do("POST", "Basic", reasonLock("sekretesspärr")); a.code != 201 || strings.Contains(read(), "huvudvärk") {
		t.Errorf("a sekretesspärr on the reason (%d) leaves it shown to the patient: %s", a.code, read())
	}
}

// list is v as a list, nil when it is none.
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestAGuardianFindsTheirRelationToTheChild: a private person who is a guardian finds the
// RelatedPerson that names them and the child (TA 08 in a web shop), and nobody else's.
func TestAGuardianFindsTheirRelationToTheChild(t *testing.T) {
	s := newSim(t)
	child := "Patient/3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e06" // 201311122392, whose guardian is 199802262387
	if a := privatePerson(t, s, "199802262387").do("GET", "RelatedPerson?patient="+child, nil); a.code != 200 || len(list(a.doc["entry"])) != 1 {
		t.Errorf("the guardian: %d %s", a.code, a.raw)
	}
	if a := privatePerson(t, s, "189001019802").do("GET", "RelatedPerson?patient="+child, nil); a.code != 200 || len(list(a.doc["entry"])) != 0 {
		t.Errorf("someone else: %d %s", a.code, a.raw)
	}
}
