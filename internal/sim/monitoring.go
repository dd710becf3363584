package sim

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

// The bounds of MedicationRequest/$monitoring (NLLMonitoring): 1 to 50 personnummer, fromDate
// from today − 60 days to today, toDate from today to today + 90 days, at most 1000
// prescriptions in the answer.
const (
	maxMonitoredPatients = 50
	monitoringPast       = 60
	monitoringAhead      = 90
	maxMonitored         = 1000
)

// monitoring answers MedicationRequest/$monitoring (NLLMonitoring): for a selection of dose
// patients (dospatienter), the prescriptions updated from fromDate, or those whose last day of
// validity (dispenseRequest.validityPeriod.end) falls from today up to toDate. The answer is a
// Bundle of the prescriptions and their patients, each patient with id, meta.security,
// identifier and name only. Health care personnel (a prescriber) may ask.
func (s *Simulator) monitoring(w http.ResponseWriter, r *http.Request) {
	c, body, ok := s.authorizedBody(w, r, needRead)
	if !ok {
		return
	}
	if c.role != RolePrescriber && !s.broken("monitoring-any-role") {
		s.writeError(w, &apiError{status: http.StatusForbidden, code: "forbidden", diagnostics: "$monitoring is for health care personnel (FORSKRIVARKOD in the token)"})
		return
	}
	q, aerr := s.monitoringQuery(body)
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	var requests []resource
	patients := map[string]resource{}
	for _, pnr := range q.pnr {
		p := s.patientByPersonnummer(pnr)
		if p == nil {
			continue // an unknown personnummer adds nothing (default)
		}
		id, _ := p["id"].(string)
		if !s.dosePatient(id) && !s.broken("monitoring-any-patient") {
			continue // $monitoring serves dose patients only (default: others add nothing)
		}
		for _, mr := range s.store.list("MedicationRequest", func(mr resource) bool {
			return subjectPatient(mr) == id && s.visible(c, "MedicationRequest", mr) && q.matches(mr, s.broken)
		}) {
			requests = append(requests, s.filtered(c, "MedicationRequest", mr))
			patients[id] = p
		}
	}
	sort.SliceStable(requests, func(i, j int) bool {
		return stringAt(requests[i], "meta", "lastUpdated") < stringAt(requests[j], "meta", "lastUpdated")
	})
	requests = requests[:min(len(requests), maxMonitored)]
	entries := make([]any, 0, len(requests)+len(patients))
	for _, mr := range requests {
		entries = append(entries, map[string]any{"fullUrl": s.fullURL(r, "MedicationRequest/"+mr["id"].(string)),
			"resource": mr, "search": map[string]any{"mode": "match"}})
	}
	ids := make([]string, 0, len(patients))
	for id := range patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := patients[id]
		if !s.broken("monitoring-whole-patient") {
			p = minimalPatient(p)
		}
		entries = append(entries, map[string]any{"fullUrl": s.fullURL(r, "Patient/"+id),
			"resource": p, "search": map[string]any{"mode": "include"}})
	}
	s.writeBundle(w, "searchset", len(requests), nil, entries)
}

// monitoringQuery is a $monitoring request, read and checked.
type monitoringQuery struct {
	pnr              []string
	fromDate, toDate string // YYYY-MM-DD; exactly one is set
	today            string // YYYY-MM-DD in Stockholm
}

// monitoringQuery reads $monitoring's Parameters: pnr (valueString, 1..50), and exactly one of
// fromDate and toDate (valueDate) within their bounds. A wrong request is refused with 400.
func (s *Simulator) monitoringQuery(body resource) (monitoringQuery, *apiError) {
	var q monitoringQuery
	if body["resourceType"] != "Parameters" {
		return q, invalid("$monitoring takes Parameters")
	}
	for _, p := range list(body, "parameter") {
		switch name := stringAt(p, "name"); name {
		case "pnr":
			q.pnr = append(q.pnr, stringAt(p, "valueString"))
		case "fromDate":
			q.fromDate = stringAt(p, "valueDate")
		case "toDate":
			q.toDate = stringAt(p, "valueDate")
		default:
			return q, invalid(fmt.Sprintf("$monitoring has no parameter %q; it takes pnr, fromDate and toDate", name))
		}
	}
	today := s.now().In(stockholm)
	day := func(d time.Time) string { return d.Format("2006-01-02") }
	q.today = day(today)
	checkRange := !s.broken("monitoring-range-unchecked")
	switch {
	case len(q.pnr) == 0 || len(q.pnr) > maxMonitoredPatients:
		return q, invalid(fmt.Sprintf("$monitoring takes 1 to %d pnr, got %d", maxMonitoredPatients, len(q.pnr)))
	case q.fromDate != "" && q.toDate != "" && !s.broken("monitoring-both-dates"):
		return q, invalid("$monitoring takes fromDate or toDate, not both")
	case q.fromDate == "" && q.toDate == "":
		return q, invalid("$monitoring needs fromDate or toDate")
	}
	for _, pnr := range q.pnr {
		if !s.validPersonnummer(pnr) {
			return q, invalid(fmt.Sprintf("pnr %q is not a personnummer (FK001: 12 digits, a real birth date, a valid check digit)", pnr))
		}
	}
	if q.fromDate != "" {
		from, err := time.ParseInLocation("2006-01-02", q.fromDate, stockholm)
		if err != nil {
			return q, invalid(fmt.Sprintf("fromDate %q is not a date (YYYY-MM-DD)", q.fromDate))
		}
		if checkRange && (day(from) > day(today) || day(from) < day(today.AddDate(0, 0, -monitoringPast))) {
			return q, invalid(fmt.Sprintf("fromDate must be from today − %d days to today, got %s", monitoringPast, q.fromDate))
		}
		q.toDate = "" // with the defect monitoring-both-dates, fromDate wins
		return q, nil
	}
	to, err := time.ParseInLocation("2006-01-02", q.toDate, stockholm)
	if err != nil {
		return q, invalid(fmt.Sprintf("toDate %q is not a date (YYYY-MM-DD)", q.toDate))
	}
	if checkRange && (day(to) < day(today) || day(to) > day(today.AddDate(0, 0, monitoringAhead))) {
		return q, invalid(fmt.Sprintf("toDate must be from today to today + %d days, got %s", monitoringAhead, q.toDate))
	}
	q.toDate = day(to)
	return q, nil
}

// matches reports whether a prescription answers the query: updated on or after fromDate, or
// with a last day of validity from today up to toDate.
func (q monitoringQuery) matches(mr resource, broken func(string) bool) bool {
	if q.fromDate != "" {
		updated, err := time.Parse(time.RFC3339, stringAt(mr, "meta", "lastUpdated"))
		return broken("monitoring-from-ignored") || (err == nil && updated.In(stockholm).Format("2006-01-02") >= q.fromDate)
	}
	end := stringAt(mr, "dispenseRequest", "validityPeriod", "end")
	if len(end) < 10 {
		return false
	}
	return broken("monitoring-to-ignored") || (end[:10] <= q.toDate && end[:10] >= q.today)
}

// patientByPersonnummer is the patient with this personnummer, or nil.
func (s *Simulator) patientByPersonnummer(pnr string) resource {
	found := s.store.list("Patient", func(p resource) bool { return identifierValue(p, PersonnummerSystem) == pnr })
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

// dosePatient reports whether a patient is a dose patient (dospatient): one with an active
// multi-dose consent (dossamtycke) or a dose basis (dosunderlag, Basic multidosebasis). How NLL
// decides is not public; this is the simulator's default.
func (s *Simulator) dosePatient(id string) bool {
	consents := s.store.list("Consent", func(c resource) bool {
		return referenceID(stringAt(c, "patient", "reference"), "Patient") == id && c["status"] == "active" && multiDoseConsent(c)
	})
	if len(consents) > 0 {
		return true
	}
	return len(s.store.list("Basic", func(b resource) bool {
		return subjectPatient(b) == id && stringAt(b, "code", "coding", "code") == "multidosebasis"
	})) > 0
}

// minimalPatient is the selection of a patient $monitoring answers: id, meta.security,
// identifier and name.
func minimalPatient(p resource) resource {
	out := resource{"resourceType": "Patient", "id": p["id"]}
	if sec := at(p, "meta", "security"); sec != nil {
		out["meta"] = map[string]any{"security": sec}
	}
	for _, k := range []string{"identifier", "name"} {
		if v, ok := p[k]; ok {
			out[k] = v
		}
	}
	return out
}
