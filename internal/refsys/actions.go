package refsys

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/konform/konform/internal/driver"
)

// NLL's identifier systems and the extensions the system reads.
const (
	personnummerSystem = "http://electronichealth.se/identifier/personnummer"
	// previousCustomer is the test patient the dispense-other-subject defect files a dispense under.
	previousCustomer = "189002039817"
	// personnummerOID is the personnummer's other identifier system, which NLL also accepts.
	personnummerOID = "urn:oid:1.2.752.129.2.1.3.1"
	forskrivarkod   = "http://electronichealth.se/identifier/forskrivarkod"
)

// readAs returns the purpose and access type of a role's ordinary reads: care reads with VARD
// and the patient's temporary consent, the pharmacy with EXPEDIERING. The wrong-purpose defect
// swaps the purposes.
func (s *System) readAs(role string) (purpose, access string) {
	care := role == Prescriber
	if s.has(WrongPurpose) {
		care = !care
	}
	purpose = "EXPEDIERING"
	if care {
		purpose = "VARD"
	}
	if role == Pharmacist {
		return purpose, "UTAN_KRAV_SAMTYCKE"
	}
	return purpose, "TILLFALLIGT_SAMTYCKE"
}

// patientID looks a patient up by personnummer, once per session, and makes the patient the open
// one. With the wrong-patient defect, opening another patient first refreshes the previous one.
// A nil result means the id was found; otherwise the result is what the user is shown.
func (s *System) patientID(ctx context.Context, role, pnr string) (string, *driver.Result) {
	purpose, acc := s.readAs(role)
	if prev := s.s.current; s.has(WrongPatient) && prev != "" && prev != pnr {
		// by the personnummer's OID in a chained parameter, as the agency's 2019 code wrote it
		_, _ = s.call(ctx, request{role: role, method: http.MethodGet, path: "MedicationRequest",
			query: url.Values{"patient.identifier": {personnummerOID + "|" + prev}}, purpose: purpose, access: acc})
	}
	s.s.current = pnr
	if id, ok := s.s.patients[pnr]; ok {
		return id, nil
	}
	a, err := s.call(ctx, request{role: role, method: http.MethodGet, path: "Patient",
		query: url.Values{"identifier": {personnummerSystem + "|" + pnr}}, purpose: purpose, access: acc})
	if err != nil {
		r := unreachable("Patienten kunde inte hämtas", err)
		return "", &r
	}
	if a.status != http.StatusOK {
		r := shown("Patienten kunde inte hämtas", a)
		return "", &r
	}
	id := firstID(a.doc)
	if id == "" {
		r := driver.Result{Status: a.status, Shown: "Patienten finns inte i NLL", Values: map[string]string{}}
		return "", &r
	}
	s.s.patients[pnr] = id
	return id, nil
}

// readMedicationList reads the patient's medication list information and prescriptions.
func (s *System) readMedicationList(ctx context.Context, pnr string, consent, lockConsent bool) (driver.Result, error) {
	if !consent && !s.has(ReadWithoutConsent) {
		if s.has(PrefetchNoConsent) {
			if id, stop := s.patientID(ctx, Prescriber, pnr); stop == nil {
				purpose, access := s.readAs(Prescriber)
				// the medication list information by its own endpoint, which NLL documents beside the search
				_, _ = s.call(ctx, request{role: Prescriber, method: http.MethodGet, path: "Patient/" + id + "/MedicationListInfo",
					purpose: purpose, access: access})
			}
		}
		if s.has(BackgroundPrefetch) {
			s.prefetchInBackground(ctx, pnr)
		}
		s.s.current = pnr
		return driver.Result{Shown: "Patienten har inte samtyckt; läkemedelslistan hämtas inte", Values: map[string]string{}}, nil
	}
	if s.has(CachedList) && s.s.shownList != nil && s.s.current != pnr {
		s.s.current = pnr
		return *s.s.shownList, nil
	}
	id, stop := s.patientID(ctx, Prescriber, pnr)
	if stop != nil {
		return *stop, nil
	}
	purpose, access := s.readAs(Prescriber)
	info, err := s.call(ctx, request{role: Prescriber, method: http.MethodGet, path: "Basic",
		query: url.Values{"code": {"medlistinfo"}, "patient": {id}}, purpose: purpose, access: access})
	if err != nil {
		return unreachable("Läkemedelslistan kunde inte hämtas", err), nil
	}
	if info.status != http.StatusOK {
		return shown("Läkemedelslistan kunde inte hämtas", info), nil
	}
	locked := hasTrueExtension(info.doc, "nllPrivacyLock")
	if locked && (lockConsent || s.has(ReadWithoutConsent)) {
		access = "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"
	}
	a, err := s.call(ctx, request{role: Prescriber, method: http.MethodGet, path: "MedicationRequest",
		query: url.Values{"patient": {id}}, purpose: purpose, access: access})
	if err != nil {
		return unreachable("Läkemedelslistan kunde inte hämtas", err), nil
	}
	if a.status != http.StatusOK {
		return shown("Läkemedelslistan kunde inte hämtas", a), nil
	}
	r := driver.Result{Status: a.status, Values: map[string]string{"antal": fmt.Sprint(total(a.doc)), "spärr": yesNo(locked)}}
	r.Shown = fmt.Sprintf("Läkemedelslistan: %d förskrivningar", total(a.doc))
	if locked && access != "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER" {
		r.Shown += "; patienten har spärrade uppgifter som inte visas utan patientens samtycke"
	}
	s.s.shownList = &r
	return r, nil
}

// createPrescription posts a prescription built from a template. When NLL does not answer or
// answers 503, the prescription is queued (the reservrutin) and sent by "skicka köade
// förskrivningar".
func (s *System) createPrescription(ctx context.Context, pnr, template string) (driver.Result, error) {
	if s.has(QueueWithoutTrying) {
		s.s.queue = append(s.s.queue, pending{pnr: pnr, template: template})
		return driver.Result{Status: http.StatusServiceUnavailable, Values: map[string]string{"köad": "ja"},
			Shown: "NLL svarar inte; förskrivningen är köad och skickas när NLL svarar igen"}, nil
	}
	if s.has(LateSend) {
		return s.sendLater(ctx, pnr, template)
	}
	r, err := s.tryCreate(ctx, pnr, template)
	if err != nil || !s.outage(&r) {
		return r, err
	}
	if s.has(NoQueue) {
		r.Shown += "; förskrivningen sparades inte"
		return r, nil
	}
	s.s.queue = append(s.s.queue, pending{pnr: pnr, template: template})
	r.Shown += "; förskrivningen är köad och skickas när NLL svarar igen"
	r.Values["köad"] = "ja"
	return r, nil
}

// prefetchInBackground is the background-prefetch defect: it sends a read of the patient's
// medication list information from another goroutine and returns once the request is written,
// a little later, whether NLL has answered or not.
func (s *System) prefetchInBackground(ctx context.Context, pnr string) {
	id, stop := s.patientID(ctx, Prescriber, pnr)
	if stop != nil {
		return
	}
	purpose, access := s.readAs(Prescriber)
	sent := make(chan struct{})
	var once sync.Once
	s.late.Go(func() {
		defer once.Do(func() { close(sent) })
		bg, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		bg = httptrace.WithClientTrace(bg, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(func() { close(sent) }) }})
		_, _ = s.call(bg, request{role: Prescriber, method: http.MethodGet, path: "Basic",
			query: url.Values{"code": {"medlistinfo"}, "patient": {id}}, purpose: purpose, access: access})
	})
	select {
	case <-sent:
	case <-ctx.Done():
	}
	time.Sleep(50 * time.Millisecond) // the gateway has the request
}

// sendLater is the late-send defect: it looks the patient up and builds the prescription, shows
// it as registered, and posts it from an outbound queue after the action has returned.
func (s *System) sendLater(ctx context.Context, pnr, template string) (driver.Result, error) {
	doc, stop, err := s.prescription(ctx, pnr, template)
	if stop != nil || err != nil {
		return *stop, err
	}
	body, _ := json.Marshal(doc)
	s.late.Go(func() {
		time.Sleep(LateSendDelay)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = s.call(ctx, request{role: Prescriber, method: http.MethodPost, path: "MedicationRequest", body: body, activity: "nyordination"})
	})
	return driver.Result{Status: http.StatusCreated, Values: map[string]string{},
		Shown: "Förskrivningen är registrerad"}, nil
}

// prescription looks the patient up and builds a prescription for them from a template, dated by
// the system's clock. It returns what the user was shown instead when the lookup failed.
func (s *System) prescription(ctx context.Context, pnr, template string) (map[string]any, *driver.Result, error) {
	id, stop := s.patientID(ctx, Prescriber, pnr)
	if stop != nil {
		return nil, stop, nil
	}
	doc, err := s.template(template, map[string]string{"patient.id": id})
	if err != nil {
		return nil, &driver.Result{}, err
	}
	doc["authoredOn"] = s.now().Format(time.RFC3339)
	return doc, nil, nil
}

// pending is a prescription queued during an outage.
type pending struct{ pnr, template string }

// tryCreate looks the patient up and posts the prescription once; a 4xx is shown at once and
// not repeated.
func (s *System) tryCreate(ctx context.Context, pnr, template string) (driver.Result, error) {
	doc, stop, err := s.prescription(ctx, pnr, template)
	if stop != nil || err != nil {
		return *stop, err
	}
	if s.has(DosageWithoutSequence) {
		withoutSequence(doc)
	}
	if s.has(NoContainedPractitioner) {
		delete(doc, "contained")
		doc["requester"] = map[string]any{"identifier": map[string]any{"system": forskrivarkod, "value": "9000027"}}
	}
	return s.postPrescription(ctx, doc)
}

// postPrescription sends one prescription and reports the answer.
func (s *System) postPrescription(ctx context.Context, doc map[string]any) (driver.Result, error) {
	body, _ := json.Marshal(doc)
	send := func() (*answer, error) {
		return s.call(ctx, request{role: Prescriber, method: http.MethodPost, path: "MedicationRequest", body: body, activity: "nyordination"})
	}
	a, err := send()
	if err != nil {
		return unreachable("Förskrivningen kunde inte skickas", err), nil
	}
	if s.has(DoublePost) && a.ok() {
		_, _ = send()
	}
	for i := 0; i < 2 && a.status == http.StatusUnprocessableEntity && s.has(RetryAfter422); i++ {
		if again, err := send(); err == nil {
			a = again
		}
	}
	if !a.ok() {
		if s.has(RefreshAfterSave) && a.status >= 400 && a.status < 500 {
			if id := s.s.patients[s.s.current]; id != "" {
				purpose, access := s.readAs(Prescriber)
				if l, err := s.call(ctx, request{role: Prescriber, method: http.MethodGet, path: "MedicationRequest",
					query: url.Values{"patient": {id}}, purpose: purpose, access: access}); err == nil {
					return shown("Läkemedelslistan är uppdaterad", l), nil
				}
			}
		}
		return shown("Förskrivningen avvisades", a), nil
	}
	id := idFromLocation(a.header.Get("Location"))
	doc["id"] = id
	doc["meta"] = map[string]any{"versionId": "1"}
	s.s.last = doc
	r := shown("Förskrivningen är registrerad", a)
	r.Values["id"] = id
	return r, nil
}

// outage reports a result that means NLL did not answer or answered 503.
func (s *System) outage(r *driver.Result) bool {
	return r.Status == 0 || r.Status == http.StatusServiceUnavailable
}

// sendQueue sends the queued prescriptions, oldest first, until NLL fails again.
func (s *System) sendQueue(ctx context.Context) (driver.Result, error) {
	sent := 0
	last := driver.Result{Values: map[string]string{}}
	for len(s.s.queue) > 0 {
		p := s.s.queue[0]
		r, err := s.tryCreate(ctx, p.pnr, p.template)
		if err != nil {
			return r, err
		}
		if s.outage(&r) {
			r.Shown = "Kön kunde inte skickas: " + r.Shown
			return r, nil
		}
		s.s.queue = s.s.queue[1:]
		if r.Values["id"] != "" {
			sent++
		}
		last = r
	}
	last.Values["skickade"] = strconv.Itoa(sent)
	last.Shown = fmt.Sprintf("%d köade förskrivningar skickade", sent)
	return last, nil
}

// prescriptionID is the action's prescription, or the one last created or opened.
func (s *System) prescriptionID(id string) (string, error) {
	if id != "" {
		return id, nil
	}
	if s.s.last != nil {
		if id, _ := s.s.last["id"].(string); id != "" {
			return id, nil
		}
	}
	return "", fmt.Errorf("the action needs förskrivning: no prescription was created or opened in this scenario")
}

// read fetches a prescription. When NLL does not return it, the result is what the user is
// shown, starting with what failed.
func (s *System) read(ctx context.Context, role, id, what string) (map[string]any, *driver.Result) {
	purpose, access := s.readAs(role)
	a, err := s.call(ctx, request{role: role, method: http.MethodGet, path: "MedicationRequest/" + id, purpose: purpose, access: access})
	if err != nil {
		r := unreachable(what, err)
		return nil, &r
	}
	if a.status != http.StatusOK {
		r := shown(what, a)
		return nil, &r
	}
	return a.doc, nil
}

// open reads a prescription and keeps it as the form the user edits.
func (s *System) open(ctx context.Context, id string) (driver.Result, error) {
	id, err := s.prescriptionID(id)
	if err != nil {
		return driver.Result{}, err
	}
	doc, stop := s.read(ctx, Prescriber, id, "Förskrivningen kunde inte hämtas")
	if stop != nil {
		return *stop, nil
	}
	s.s.opened, s.s.last = doc, doc
	return driver.Result{Status: http.StatusOK, Shown: "Förskrivningen är öppnad", Values: map[string]string{"version": versionOf(doc)}}, nil
}

// update changes a field of the latest version of a prescription.
func (s *System) update(ctx context.Context, id, field, value string) (driver.Result, error) {
	id, err := s.prescriptionID(id)
	if err != nil {
		return driver.Result{}, err
	}
	current := s.s.last
	if !s.has(StaleVersion) || current == nil || current["id"] != id {
		doc, stop := s.read(ctx, Prescriber, id, "Förskrivningen kunde inte hämtas")
		if stop != nil {
			return *stop, nil
		}
		current = doc
	}
	return s.put(ctx, id, current, field, value)
}

// saveOpened saves the user's change to the prescription opened earlier.
func (s *System) saveOpened(ctx context.Context, field, value string) (driver.Result, error) {
	if s.s.opened == nil {
		return driver.Result{}, fmt.Errorf("spara öppnad förskrivning needs a prescription opened first (öppna förskrivning)")
	}
	id, _ := s.s.opened["id"].(string)
	if s.has(VersionOnlyRefresh) { // it reads the latest version, and takes only its number
		latest, stop := s.read(ctx, Prescriber, id, "Ändringen kunde inte sparas")
		if stop != nil {
			return *stop, nil
		}
		s.s.opened["meta"] = latest["meta"]
	}
	return s.put(ctx, id, s.s.opened, field, value)
}

// put sends the whole prescription with one field changed; a version conflict makes a correct
// system read the latest version, apply the change again and send it once more.
func (s *System) put(ctx context.Context, id string, doc map[string]any, field, value string) (driver.Result, error) {
	send := func(doc map[string]any) (*answer, error) {
		if err := set(doc, field, value); err != nil {
			return nil, err
		}
		body, _ := json.Marshal(doc)
		return s.call(ctx, request{role: Prescriber, method: http.MethodPut, path: "MedicationRequest/" + id, body: body, activity: "andring"})
	}
	a, err := send(doc)
	if err != nil {
		return unreachable("Ändringen kunde inte sparas", err), nil
	}
	if (a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed) && !s.has(Ignore409) {
		latest, stop := s.read(ctx, Prescriber, id, "Ändringen kunde inte sparas")
		if stop != nil {
			return *stop, nil
		}
		if s.has(OverwriteOnConflict) { // only the version number is taken from the latest
			doc["meta"] = latest["meta"]
			latest = doc
		}
		if a, err = send(latest); err != nil {
			return unreachable("Ändringen kunde inte sparas", err), nil
		}
	}
	if !a.ok() {
		return shown("Ändringen kunde inte sparas", a), nil
	}
	s.s.last, s.s.opened = nil, nil
	return shown("Ändringen är sparad", a), nil
}

// renew posts a new prescription in the chain of an earlier one.
func (s *System) renew(ctx context.Context, id, template string) (driver.Result, error) {
	id, err := s.prescriptionID(id)
	if err != nil {
		return driver.Result{}, err
	}
	prior, stop := s.read(ctx, Prescriber, id, "Förskrivningen kunde inte hämtas")
	if stop != nil {
		return *stop, nil
	}
	chain := ""
	for _, e := range list(prior["extension"]) {
		if m, _ := e.(map[string]any); m != nil && strings.HasSuffix(fmt.Sprint(m["url"]), "nllPrescriptionChain") {
			chain, _ = m["valueString"].(string)
		}
	}
	patient := strings.TrimPrefix(stringAt(prior, "subject", "reference"), "Patient/")
	doc, err := s.template(template, map[string]string{"patient.id": patient, "created.id": id, "var.kedja": chain})
	if err != nil {
		return driver.Result{}, err
	}
	doc["authoredOn"] = s.now().Format(time.RFC3339)
	if s.has(RenewRefused) {
		withoutSequence(doc)
	}
	return s.postPrescription(ctx, doc)
}

// withoutSequence removes the sequence of a prescription's dosage instructions, which NLL
// requires.
func withoutSequence(doc map[string]any) {
	dosages, _ := doc["dosageInstruction"].([]any)
	for _, d := range dosages {
		if d, ok := d.(map[string]any); ok {
			delete(d, "sequence")
		}
	}
}

// cancel ends a prescription with $end (makulera).
func (s *System) cancel(ctx context.Context, id string) (driver.Result, error) {
	id, err := s.prescriptionID(id)
	if err != nil {
		return driver.Result{}, err
	}
	body, _ := json.Marshal(map[string]any{"resourceType": "Parameters", "parameter": []any{
		map[string]any{"name": "entry", "part": []any{
			map[string]any{"name": "resource", "valueReference": map[string]any{"reference": "MedicationRequest/" + id}},
			map[string]any{"name": "reason", "valueCodeableConcept": map[string]any{"text": "Felregistrerad (referenssystemet, körning " + s.cfg.RunID + ")"}},
			map[string]any{"name": "activity", "valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"code": "makulera", "display": "Makulera"}}}},
		}},
	}})
	a, err := s.call(ctx, request{role: Prescriber, method: http.MethodPost, path: "MedicationRequest/$end", body: body, activity: "makulera"})
	if err != nil {
		return unreachable("Förskrivningen kunde inte makuleras", err), nil
	}
	if !a.ok() {
		return shown("Förskrivningen kunde inte makuleras", a), nil
	}
	return shown("Förskrivningen är makulerad", a), nil
}

// registerConsent registers the patient's access consent (TA 53).
func (s *System) registerConsent(ctx context.Context, pnr string) (driver.Result, error) {
	id, stop := s.patientID(ctx, Prescriber, pnr)
	if stop != nil {
		return *stop, nil
	}
	name := "samtycke.json"
	if s.has(DoseConsentForAccess) {
		name = "dossamtycke.json"
	}
	doc, err := s.template(name, map[string]string{"patient.id": id})
	if err != nil {
		return driver.Result{}, err
	}
	body, _ := json.Marshal(doc)
	a, err := s.call(ctx, request{role: Prescriber, method: http.MethodPost, path: "Consent", body: body, activity: "samtycke"})
	if err != nil {
		return unreachable("Samtycket kunde inte registreras", err), nil
	}
	if !a.ok() {
		return shown("Samtycket kunde inte registreras", a), nil
	}
	r := shown("Samtycket är registrerat", a)
	r.Values["id"] = idFromLocation(a.header.Get("Location"))
	return r, nil
}

// readForDispensing searches a customer's active prescriptions at the pharmacy.
func (s *System) readForDispensing(ctx context.Context, pnr string) (driver.Result, error) {
	if s.has(CachedList) && s.s.shownList != nil && s.s.current != pnr {
		s.s.current = pnr
		return *s.s.shownList, nil
	}
	id, stop := s.patientID(ctx, Pharmacist, pnr)
	if stop != nil {
		return *stop, nil
	}
	purpose, access := s.readAs(Pharmacist)
	a, err := s.call(ctx, request{role: Pharmacist, method: http.MethodGet, path: "MedicationRequest",
		query: url.Values{"patient": {id}, "status": {"active"}}, purpose: purpose, access: access})
	if err != nil {
		return unreachable("Förskrivningarna kunde inte hämtas", err), nil
	}
	if a.status != http.StatusOK {
		return shown("Förskrivningarna kunde inte hämtas", a), nil
	}
	r := shown(fmt.Sprintf("%d förskrivningar att expediera", total(a.doc)), a)
	r.Values["antal"] = fmt.Sprint(total(a.doc))
	s.s.shownList = &r
	return r, nil
}

// replace replaces a dose patient's prescription at the pharmacy (TA 27): a new prescription that
// names the replaced one in priorPrescription.
func (s *System) replace(ctx context.Context, id, template string) (driver.Result, error) {
	id, err := s.prescriptionID(id)
	if err != nil {
		return driver.Result{}, err
	}
	prior, stop := s.read(ctx, Pharmacist, id, "Förskrivningen kunde inte hämtas")
	if stop != nil {
		return *stop, nil
	}
	patient := strings.TrimPrefix(stringAt(prior, "subject", "reference"), "Patient/")
	doc, err := s.template(template, map[string]string{"patient.id": patient, "var.ersatt": id})
	if err != nil {
		return driver.Result{}, err
	}
	doc["authoredOn"] = s.now().Format(time.RFC3339)
	if s.has(ReplaceAsNew) {
		delete(doc, "priorPrescription")
	}
	body, _ := json.Marshal(doc)
	a, err := s.call(ctx, request{role: Pharmacist, method: http.MethodPost, path: "MedicationRequest", body: body, activity: "ersätta"})
	if err != nil {
		return unreachable("Förskrivningen kunde inte ersättas", err), nil
	}
	if !a.ok() {
		return shown("Ersättningen avvisades", a), nil
	}
	r := shown("Förskrivningen är ersatt", a)
	r.Values["id"] = idFromLocation(a.header.Get("Location"))
	return r, nil
}

// dispense reads a prescription, then checks a dispense of it with $verify and registers it
// when no issue was found.
func (s *System) dispense(ctx context.Context, id, template string) (driver.Result, error) {
	if id == "" {
		return driver.Result{}, fmt.Errorf("expediera förskrivning needs förskrivning: the prescription's id")
	}
	prescription, stop := s.read(ctx, Pharmacist, id, "Förskrivningen kunde inte hämtas")
	if stop != nil {
		return *stop, nil
	}
	patient := strings.TrimPrefix(stringAt(prescription, "subject", "reference"), "Patient/")
	if s.has(DispenseOtherSubject) { // the customer the pharmacist served before, not the prescription's patient
		if other, stop := s.patientID(ctx, Pharmacist, previousCustomer); stop == nil {
			patient = other
		}
	}
	doc, err := s.template(template, map[string]string{"patient.id": patient, "created.id": id})
	if err != nil {
		return driver.Result{}, err
	}
	return s.checkAndRegister(ctx, doc)
}

// dispensePaper checks and registers a dispense on a paper prescription (TA 49, uttag
// pappersrecept): one without a prescription in NLL, for the patient it names.
func (s *System) dispensePaper(ctx context.Context, pnr, template string) (driver.Result, error) {
	patient, stop := s.patientID(ctx, Pharmacist, pnr)
	if stop != nil {
		return *stop, nil
	}
	doc, err := s.template(template, map[string]string{"patient.id": patient})
	if err != nil {
		return driver.Result{}, err
	}
	return s.checkAndRegister(ctx, doc)
}

// checkAndRegister checks a dispense with $verify and registers it when no issue was found.
func (s *System) checkAndRegister(ctx context.Context, doc map[string]any) (driver.Result, error) {
	body, _ := json.Marshal(doc)
	purpose, access := s.readAs(Pharmacist)
	checked := body
	if s.has(VerifyOtherDispense) { // a form that sends the check before the user's last change
		var other map[string]any
		_ = json.Unmarshal(body, &other)
		q, _ := other["quantity"].(map[string]any)
		n, _ := q["value"].(float64)
		other["quantity"] = map[string]any{"value": n + 1, "unit": q["unit"]}
		checked, _ = json.Marshal(other)
	}
	if !s.has(DispenseWithoutVerify) {
		v, err := s.call(ctx, request{role: Pharmacist, method: http.MethodPost, path: "MedicationDispense/$verify", body: checked,
			purpose: purpose, access: access, activity: "kontroll"})
		if err != nil {
			return unreachable("Uttaget kunde inte kontrolleras", err), nil
		}
		if v.status >= 400 && v.status < 500 { // NLL refused the check: the dispense is not right
			r := shown("Kontrollen avvisade uttaget; det registreras inte", v)
			r.Values["avvikelser"] = "ja"
			return r, nil
		}
		if v.status != http.StatusOK {
			return shown("Uttaget kunde inte kontrolleras", v), nil
		}
		if detectedIssues(v.doc) {
			r := shown("Kontrollen fann avvikelser; uttaget registreras inte", v)
			r.Values["avvikelser"] = "ja"
			return r, nil
		}
	}
	d, err := s.call(ctx, request{role: Pharmacist, method: http.MethodPost, path: "MedicationDispense", body: body,
		purpose: purpose, access: access, activity: "expediering"})
	if err != nil {
		return unreachable("Uttaget kunde inte registreras", err), nil
	}
	if !d.ok() {
		return shown("Uttaget avvisades", d), nil
	}
	r := shown("Uttaget är registrerat", d)
	r.Values["id"] = idFromLocation(d.header.Get("Location"))
	s.s.dispensed = r.Values["id"]
	return r, nil
}

// correctDispense corrects the counted quantity of a registered dispense (TA 47, Uppdatera
// uttag): it reads the dispense and PUTs it back with the new quantity, nothing else changed.
func (s *System) correctDispense(ctx context.Context, id, quantity string) (driver.Result, error) {
	if id = or(id, s.s.dispensed); id == "" {
		return driver.Result{}, fmt.Errorf("rätta uttag needs uttag: no dispense was registered in this scenario (NLL refused the system's dispense, or it made none; see the case's earlier steps and the system's calls)")
	}
	q, err := strconv.ParseFloat(quantity, 64)
	if err != nil || q <= 0 {
		return driver.Result{}, fmt.Errorf("rätta uttag needs mängd as a number above 0, got %q", quantity)
	}
	purpose, access := s.readAs(Pharmacist)
	a, err := s.call(ctx, request{role: Pharmacist, method: http.MethodGet, path: "MedicationDispense/" + id, purpose: purpose, access: access})
	if err != nil {
		return unreachable("Uttaget kunde inte hämtas", err), nil
	}
	if a.status != http.StatusOK {
		return shown("Uttaget kunde inte hämtas", a), nil
	}
	doc := a.doc
	amount, _ := doc["quantity"].(map[string]any)
	if amount == nil {
		amount = map[string]any{"unit": "förpackning"}
	}
	amount["value"] = q
	doc["quantity"] = amount
	if s.has(CorrectionSwapsArticle) { // the pack's second test article stands for the strength handed out
		doc["medicationCodeableConcept"] = map[string]any{"coding": []any{map[string]any{
			"system": "http://medication.ehm.se/nplpackid", "code": s.cfg.TestData["second.nplpackid"], "display": s.cfg.TestData["second.name"]}}}
	}
	body, _ := json.Marshal(doc)
	u, err := s.call(ctx, request{role: Pharmacist, method: http.MethodPut, path: "MedicationDispense/" + id, body: body, activity: "uppdatera uttag"})
	if err != nil {
		return unreachable("Rättelsen kunde inte sparas", err), nil
	}
	if !u.ok() {
		return shown("Rättelsen avvisades", u), nil
	}
	r := shown("Uttagets avräknade mängd är rättad", u)
	r.Values["id"] = id
	return r, nil
}

// template reads templates/<name> and fills its placeholders: the given values, {{run.id}},
// {{today}} (the system's own clock) and {{testdata.<key>}}.
func (s *System) template(name string, values map[string]string) (map[string]any, error) {
	raw, err := fs.ReadFile(s.cfg.Templates, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("the reference system has no template %q (templates/ of the pack or the bundled pack)", name)
	}
	text := string(raw)
	values["run.id"], values["today"] = s.cfg.RunID, s.now().Format("2006-01-02")
	for k, v := range s.cfg.TestData {
		values["testdata."+k] = v
	}
	for k, v := range values {
		text = strings.ReplaceAll(text, "{{"+k+"}}", v)
	}
	if i := strings.Index(text, "{{"); i >= 0 {
		return nil, fmt.Errorf("template %s has a placeholder the reference system does not fill: %s", name, text[i:min(len(text), i+30)])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("template %s: %v", name, err)
	}
	return doc, nil
}

// now is the system's clock, ten minutes fast with the clock-skew defect.
func (s *System) now() time.Time {
	if s.has(ClockSkew) {
		return s.cfg.Now().Add(10 * time.Minute)
	}
	return s.cfg.Now()
}

// set changes a field given as a dotted path (list items by index), such as status or
// dosageInstruction.0.text.
func set(doc map[string]any, path, value string) error {
	parts := strings.Split(path, ".")
	var cur any = doc
	for i, p := range parts {
		last := i == len(parts)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				node[p] = value
				return nil
			}
			if node[p] == nil {
				node[p] = map[string]any{}
			}
			cur = node[p]
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n >= len(node) {
				return fmt.Errorf("field %s: %q is not an index of the list", path, p)
			}
			if last {
				node[n] = value
				return nil
			}
			cur = node[n]
		default:
			return fmt.Errorf("field %s: %q is not an object", path, p)
		}
	}
	return nil
}

func stringAt(doc map[string]any, keys ...string) string {
	var cur any = doc
	for _, k := range keys {
		m, _ := cur.(map[string]any)
		if m == nil {
			return ""
		}
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

func firstID(bundle map[string]any) string {
	for _, e := range list(bundle["entry"]) {
		if m, _ := e.(map[string]any); m != nil {
			if res, _ := m["resource"].(map[string]any); res != nil {
				if id, _ := res["id"].(string); id != "" {
					return id
				}
			}
		}
	}
	return ""
}

// total is a searchset's Bundle.total, or its number of entries when it has none (FHIR lets a
// server leave total out, and NLL does not say that it sends it).
func total(bundle map[string]any) int {
	if n, ok := bundle["total"].(float64); ok {
		return int(n)
	}
	return len(list(bundle["entry"]))
}

func versionOf(doc map[string]any) string { return stringAt(doc, "meta", "versionId") }

// hasTrueExtension reports whether a Bundle's resources carry an extension ending in name with
// valueBoolean true.
func hasTrueExtension(bundle map[string]any, name string) bool {
	for _, e := range list(bundle["entry"]) {
		m, _ := e.(map[string]any)
		res, _ := m["resource"].(map[string]any)
		for _, x := range list(res["extension"]) {
			ext, _ := x.(map[string]any)
			if strings.HasSuffix(fmt.Sprint(ext["url"]), name) && ext["valueBoolean"] == true {
				return true
			}
		}
	}
	return false
}

// detectedIssues reads the $verify answer's detectedIssues.
func detectedIssues(params map[string]any) bool {
	for _, p := range list(params["parameter"]) {
		m, _ := p.(map[string]any)
		if m["name"] == "detectedIssues" {
			return m["valueBoolean"] == true
		}
	}
	return false
}

// idFromLocation is the logical id in a Location such as [base]/MedicationRequest/<id>/_history/1.
func idFromLocation(loc string) string {
	loc, _, _ = strings.Cut(loc, "/_history/")
	return loc[strings.LastIndexByte(loc, '/')+1:]
}

func yesNo(b bool) string {
	if b {
		return "ja"
	}
	return "nej"
}
