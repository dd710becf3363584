package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// maxCount bounds _count; NLL's own limit is not public.
const maxCount = 1000

// search answers GET [base]/Type?params with a searchset Bundle, paged by _count with next and
// previous links (the simulator's own _offset parameter carries the position).
func (s *Simulator) search(w http.ResponseWriter, r *http.Request, typ string) {
	k := kinds[typ]
	n := needCheck
	if k.patientData {
		n = needRead
	}
	c, aerr := s.authorize(r, n)
	if aerr == nil {
		aerr = s.mayRead(c, typ)
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	query := r.URL.Query()
	chained := typ != "Patient" && k.patientData && typ != "Provenance"
	for name := range query {
		if name == chainedPatient && chained {
			continue
		}
		if k.search[name] == nil && !commonParams[name] && s.policy.StrictSearch && !s.broken("unknown-parameter-ignored") {
			s.writeError(w, &apiError{status: http.StatusBadRequest, code: "not-supported", diagnostics: "unknown search parameter " + name + " for " + typ})
			return
		}
	}
	count, offset, aerr := s.paging(query)
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if typ == "Basic" && contains(query["code"], "medlistinfo") {
		patient := referenceID(query.Get("patient"), "Patient")
		if patient == "" {
			patient = query.Get("patient")
		}
		s.medicationListInfo(w, r, patient)
		return
	}
	if p := query.Get("patient"); p != "" {
		if id := referenceID(p, "Patient"); id != "" {
			p = id
		}
		if aerr := s.checkPatientRef(r, p); aerr != nil {
			s.writeError(w, aerr)
			return
		}
		if aerr := s.privateMay(c, typ, p); aerr != nil {
			s.writeError(w, aerr)
			return
		}
	}
	var ofPatients map[string]bool // the patients a chained patient.identifier names
	if tokens, ok := query[chainedPatient]; ok && chained && !s.broken("chained-search-ignored") {
		ofPatients = map[string]bool{}
		for _, p := range s.store.list("Patient", func(p resource) bool {
			for _, t := range tokens {
				if !identifierMatcher(p, t) {
					return false
				}
			}
			return true
		}) {
			ofPatients[p["id"].(string)] = true
		}
	}
	matches := s.store.list(typ, func(res resource) bool {
		if ofPatients != nil && !ofPatients[k.patientOf(res)] {
			return false
		}
		for name, values := range query {
			if commonParams[name] || k.search[name] == nil || s.broken(ignoredFilters[typ+"?"+name]) { // paging, or an unknown parameter a lenient search ignores
				continue
			}
			for _, v := range values {
				if !k.search[name](res, v) {
					return false
				}
			}
		}
		if typ == "MedicationRequest" && query["status"] == nil && res["status"] != "active" && s.broken("search-active-only") {
			return false
		}
		return s.visible(c, typ, res) || (s.broken("lock-search-leaks") && typ != "Provenance")
	})
	if len(matches) == 0 && s.broken("empty-search-404") {
		s.writeError(w, notFound("nothing matching "+r.URL.RawQuery))
		return
	}
	page := matches[min(offset, len(matches)):min(offset+count, len(matches))]
	entries := make([]any, 0, len(page))
	for _, m := range page {
		m = s.filtered(c, typ, m)
		if typ == "Patient" && s.broken("protected-identity-named") && extension(m, ProtectedIdentityURL) != nil {
			m = deepCopy(m).(map[string]any)
			m["name"] = []any{map[string]any{"family": "Skyddadsson", "given": []any{"Sigrid"}}}
		}
		entries = append(entries, map[string]any{
			"fullUrl":  s.fullURL(r, typ+"/"+m["id"].(string)),
			"resource": m,
			"search":   map[string]any{"mode": "match"},
		})
	}
	links := []any{s.pageLink(r, typ, "self", query, count, offset)}
	if offset+count < len(matches) {
		next := offset + count
		if s.broken("next-repeats") {
			next = offset
		}
		links = append(links, s.pageLink(r, typ, "next", query, count, next))
	}
	if offset > 0 {
		links = append(links, s.pageLink(r, typ, "previous", query, count, max(0, offset-count)))
	}
	total := len(matches)
	if s.broken("total-page") {
		total = len(page)
	}
	s.writeBundle(w, "searchset", total, links, entries)
}

// ignoredFilters names, per type and search parameter, the defect that ignores the parameter.
var ignoredFilters = map[string]string{
	"Patient?identifier": "patient-identifier-ignored", "MedicationRequest?status": "request-status-ignored",
	"MedicationDispense?prescription": "dispense-prescription-ignored", "Basic?code": "basic-code-ignored",
	"Consent?status": "consent-status-ignored", "Provenance?target": "provenance-target-ignored",
	"RelatedPerson?patient": "relatedperson-patient-ignored", "Medication?code": "medication-code-ignored",
}

func (s *Simulator) paging(q url.Values) (count, offset int, aerr *apiError) {
	count = s.policy.PageSize
	if v := q.Get("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxCount {
			return 0, 0, invalid("_count must be a whole number from 0 to " + strconv.Itoa(maxCount) + ", got " + strconv.Quote(v))
		}
		count = n
	}
	if v := q.Get("_offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, invalid("_offset must be a whole number from 0, got " + strconv.Quote(v))
		}
		offset = n
	}
	return count, offset, nil
}

func (s *Simulator) pageLink(r *http.Request, typ, relation string, q url.Values, count, offset int) map[string]any {
	p := url.Values{}
	for k, v := range q {
		p[k] = v
	}
	p.Set("_count", strconv.Itoa(count))
	if offset > 0 {
		p.Set("_offset", strconv.Itoa(offset))
	} else {
		p.Del("_offset")
	}
	return map[string]any{"relation": relation, "url": s.link(r, typ) + "?" + p.Encode()}
}

func (s *Simulator) writeBundle(w http.ResponseWriter, typ string, total int, links, entries []any) {
	bundle := resource{
		"resourceType": "Bundle",
		"id":           uuid.NewString(),
		"meta":         map[string]any{"lastUpdated": s.now().UTC().Format(time.RFC3339)},
		"type":         typ,
	}
	if typ == "searchset" && s.policy.SearchTotal {
		bundle["total"] = total
	}
	if len(links) > 0 {
		bundle["link"] = links
	}
	if len(entries) > 0 {
		bundle["entry"] = entries
	}
	writeJSON(w, http.StatusOK, bundle)
}

// medicationListInfo answers the search for the patient's medication list info (NLLMedicationListInfo):
// a Bundle of one computed Basic with the list version and whether a data lock exists.
// The caller has checked the request's headers.
func (s *Simulator) medicationListInfo(w http.ResponseWriter, r *http.Request, patient string) {
	if aerr := s.checkPatientRef(r, patient); aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if patient == "" {
		s.writeError(w, invalid("medlistinfo needs patient=<id>"))
		return
	}
	if _, ok := s.store.read("Patient", patient); !ok {
		s.writeBundle(w, "searchset", 0, nil, nil) // a search that matches nothing
		return
	}
	s.writeMu.Lock()
	version := s.listVersion[patient]
	s.writeMu.Unlock()
	controlled := false
	for _, mr := range s.store.list("MedicationRequest", func(m resource) bool { return subjectPatient(m) == patient && m["status"] == "active" }) {
		if s.controlledArticle(object(mr, "medicationCodeableConcept")) {
			controlled = true
		}
	}
	info := resource{
		"resourceType": "Basic",
		"id":           "medlistinfo-" + patient,
		"code":         map[string]any{"coding": []any{map[string]any{"system": BasicCodeSystem, "code": "medlistinfo"}}},
		"subject":      map[string]any{"reference": "Patient/" + patient},
		"extension": []any{
			map[string]any{"url": MedicationListVersion, "valueInteger": version},
			map[string]any{"url": PrivacyLockURL, "valueBoolean": len(s.locks(patient)) > 0 && !s.broken("privacy-lock-false")},
			map[string]any{"url": ControlledDrugsURL, "valueBoolean": controlled && !s.broken("controlled-drugs-false")},
		},
	}
	entry := map[string]any{"fullUrl": s.fullURL(r, "Basic/"+info["id"].(string)), "resource": info, "search": map[string]any{"mode": "match"}}
	s.writeBundle(w, "searchset", 1, nil, []any{entry})
}

// controlledArticle reports whether an article is a controlled drug (narkotikaklassad).
func (s *Simulator) controlledArticle(cc map[string]any) bool {
	code := stringAt(cc, "coding", "code")
	for _, m := range s.store.list("Medication", func(resource) bool { return true }) {
		if stringAt(m, "code", "coding", "code") == code && extension(m, ControlledDrugsURL)["valueBoolean"] == true {
			return true
		}
	}
	return false
}
