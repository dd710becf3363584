package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

const (
	doris    = "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e09" // 189002049808, a dose patient
	dorisPnr = "189002049808"
	dorisOld = "8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d01" // her completed prescription, last updated 2025-01-15
)

// monitor asks MedicationRequest/$monitoring with the given parameters (name, value pairs; pnr
// as valueString, the dates as valueDate).
func monitor(u *user, kv ...string) answer {
	u.t.Helper()
	var params []any
	for i := 0; i < len(kv); i += 2 {
		value := "valueDate"
		if kv[i] == "pnr" {
			value = "valueString"
		}
		params = append(params, map[string]any{"name": kv[i], value: kv[i+1]})
	}
	return u.with("X-Provenance", "").do("POST", "MedicationRequest/$monitoring", map[string]any{"resourceType": "Parameters", "parameter": params})
}

// day is today in Stockholm moved by n days, as YYYY-MM-DD.
func day(n int) string {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	return time.Now().In(loc).AddDate(0, 0, n).Format("2006-01-02")
}

// entries are the ids of a Bundle's resources of type typ.
func entries(a answer, typ string) []string {
	var out []string
	all, _ := a.doc["entry"].([]any) // an empty Bundle has no entry
	for _, e := range all {
		r := e.(map[string]any)["resource"].(map[string]any)
		if r["resourceType"] == typ {
			out = append(out, r["id"].(string))
		}
	}
	return out
}

func has(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func validUntil(end string) func(map[string]any) {
	return func(mr map[string]any) {
		mr["dispenseRequest"].(map[string]any)["validityPeriod"].(map[string]any)["end"] = end
	}
}

func TestMonitoringFromDateAnswersTheDosePatientsUpdatedPrescriptions(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	fresh := u.create(prescription(doris, nil))["id"].(string)
	notDose := u.create(prescription(ingrid, nil))["id"].(string)
	a := monitor(u, "pnr", dorisPnr, "pnr", "189001019802", "fromDate", day(-30))
	if a.code != 200 || a.doc["resourceType"] != "Bundle" {
		t.Fatalf("$monitoring: %d %s", a.code, a.raw)
	}
	got := entries(a, "MedicationRequest")
	if !has(got, fresh) || has(got, dorisOld) || has(got, notDose) {
		t.Errorf("prescriptions %v: want %s (updated today) only, not %s (2025) nor %s (not a dose patient)", got, fresh, dorisOld, notDose)
	}
	if p := entries(a, "Patient"); len(p) != 1 || p[0] != doris {
		t.Errorf("patients %v, want %s only", p, doris)
	}
	all, _ := a.doc["entry"].([]any)
	for _, e := range all {
		r := e.(map[string]any)["resource"].(map[string]any)
		if r["resourceType"] != "Patient" {
			continue
		}
		for k := range r {
			if k != "resourceType" && k != "id" && k != "meta" && k != "identifier" && k != "name" {
				t.Errorf("the patient carries %q; $monitoring answers id, meta.security, identifier and name only", k)
			}
		}
	}
}

func TestMonitoringToDateAnswersPrescriptionsAboutToExpire(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	soon := u.create(prescription(doris, validUntil(day(30))))["id"].(string)
	later := u.create(prescription(doris, validUntil(day(200))))["id"].(string)
	a := monitor(u, "pnr", dorisPnr, "toDate", day(90))
	if a.code != 200 {
		t.Fatalf("$monitoring: %d %s", a.code, a.raw)
	}
	if got := entries(a, "MedicationRequest"); !has(got, soon) || has(got, later) || has(got, dorisOld) {
		t.Errorf("prescriptions %v: want %s (valid 30 days) only, not %s (200 days) nor %s (expired)", got, soon, later, dorisOld)
	}
}

func TestMonitoringRefusesAWrongRequest(t *testing.T) {
	s := newSim(t)
	u := prescriber(t, s)
	fifty := make([]string, 0, 102)
	for i := 0; i < 51; i++ {
		fifty = append(fifty, "pnr", dorisPnr)
	}
	for name, a := range map[string]answer{
		"both dates":           monitor(u, "pnr", dorisPnr, "fromDate", day(-1), "toDate", day(1)),
		"no date":              monitor(u, "pnr", dorisPnr),
		"no pnr":               monitor(u, "fromDate", day(0)),
		"51 pnr":               monitor(u, append(fifty, "fromDate", day(0))...),
		"fromDate 61 days ago": monitor(u, "pnr", dorisPnr, "fromDate", day(-61)),
		"fromDate tomorrow":    monitor(u, "pnr", dorisPnr, "fromDate", day(1)),
		"toDate yesterday":     monitor(u, "pnr", dorisPnr, "toDate", day(-1)),
		"toDate in 91 days":    monitor(u, "pnr", dorisPnr, "toDate", day(91)),
		"not a date":           monitor(u, "pnr", dorisPnr, "fromDate", "i går"),
		"not a personnummer":   monitor(u, "pnr", "189002049809", "fromDate", day(0)),
		"unknown parameter":    monitor(u, "pnr", dorisPnr, "fromDate", day(0), "since", day(0)),
	} {
		if a.code != 400 || !strings.Contains(a.raw, "OperationOutcome") {
			t.Errorf("%s: %d %s, want 400 with an OperationOutcome", name, a.code, a.raw)
		}
	}
	for name, a := range map[string]answer{
		"fromDate 60 days ago": monitor(u, "pnr", dorisPnr, "fromDate", day(-60)),
		"toDate in 90 days":    monitor(u, "pnr", dorisPnr, "toDate", day(90)),
		"toDate today":         monitor(u, "pnr", dorisPnr, "toDate", day(0)),
	} {
		if a.code != 200 {
			t.Errorf("%s: %d %s, want 200: the bound is allowed", name, a.code, a.raw)
		}
	}
	if a := monitor(pharmacist(t, s), "pnr", dorisPnr, "fromDate", day(0)); a.code != 403 {
		t.Errorf("a pharmacist: %d, want 403: $monitoring is for health care personnel", a.code)
	}
}

// TestMonitoringDefectsChangeTheAnswer shows each $monitoring defect of the catalogue changing
// what the simulator answers.
func TestMonitoringDefectsChangeTheAnswer(t *testing.T) {
	showDefects(t, []defectCheck{
		{"monitoring-from-ignored", func(u *user) bool {
			return has(entries(monitor(u, "pnr", dorisPnr, "fromDate", day(0)), "MedicationRequest"), dorisOld)
		}},
		{"monitoring-to-ignored", func(u *user) bool {
			later := u.create(prescription(doris, validUntil(day(200))))["id"].(string)
			return has(entries(monitor(u, "pnr", dorisPnr, "toDate", day(90)), "MedicationRequest"), later)
		}},
		{"monitoring-both-dates", func(u *user) bool {
			return monitor(u, "pnr", dorisPnr, "fromDate", day(0), "toDate", day(1)).code == 200
		}},
		{"monitoring-range-unchecked", func(u *user) bool {
			return monitor(u, "pnr", dorisPnr, "fromDate", day(-61)).code == 200
		}},
		{"monitoring-whole-patient", func(u *user) bool {
			u.create(prescription(doris, nil))
			return strings.Contains(monitor(u, "pnr", dorisPnr, "fromDate", day(0)).raw, `"birthDate"`)
		}},
		{"monitoring-any-patient", func(u *user) bool {
			mr := u.create(prescription(ingrid, nil))["id"].(string)
			return has(entries(monitor(u, "pnr", "189001019802", "fromDate", day(0)), "MedicationRequest"), mr)
		}},
		{"monitoring-any-role", func(u *user) bool {
			return monitor(pharmacist(u.t, u.s), "pnr", dorisPnr, "fromDate", day(0)).code == 200
		}},
	})
}

// defectCheck tells whether a simulator shows a defect: broken answers true on a simulator with
// the defect and false on an intact one.
type defectCheck struct {
	defect string
	broken func(u *user) bool
}

// showDefects shows each defect changing what the simulator answers: the check passes on the
// intact simulator and fails on one with the defect.
func showDefects(t *testing.T, checks []defectCheck) {
	t.Helper()
	for _, tc := range checks {
		t.Run(tc.defect, func(t *testing.T) {
			if tc.broken(prescriber(t, newSim(t))) {
				t.Fatal("the intact simulator shows the defect")
			}
			s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Defects: []string{tc.defect}})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.broken(prescriber(t, s)) {
				t.Error("the defect changes nothing")
			}
		})
	}
}
