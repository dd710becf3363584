package steps

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/konform/konform/internal/fhirclient"
)

// answered makes a World whose last request got this answer.
func answered(status int, body string, header http.Header) *World {
	w := NewWorld(context.Background(), &Env{})
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/fhir+json")
	}
	w.last = &fhirclient.Exchange{Request: fhirclient.Message{Header: http.Header{"X-Request-Id": {"abc"}}},
		Response: &fhirclient.Message{Status: status, Header: header, Body: []byte(body)}}
	return w
}

const outcomeBody = `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"business-rule",
 "extension":[{"url":"http://electronichealth.se/fhir/StructureDefinition/nllDetectedIssue","valueCodeableConcept":{"coding":[{"code":"SIM-AFF-04"}]}}]}]}`

// TestEveryCheckPassesAndFails runs each assertion against an answer that meets it and one that
// does not, so that no check can only pass.
func TestEveryCheckPassesAndFails(t *testing.T) {
	bundle := `{"resourceType":"Bundle","total":1,"entry":[{"resource":{"resourceType":"Patient","id":"p"}}]}`
	cases := []struct {
		name       string
		check      func(*World) error
		good, bad  *World
		badMessage string
	}{
		{"status", func(w *World) error { return w.statusIs(200) }, answered(200, bundle, nil), answered(500, outcomeBody, nil), "expected 200, got 500"},
		{"resourceType", func(w *World) error { return w.resourceTypeIs("Bundle") }, answered(200, bundle, nil), answered(200, outcomeBody, nil), `got "OperationOutcome"`},
		{"not FHIR", func(w *World) error { return w.resourceTypeIs("Bundle") }, answered(200, bundle, nil),
			answered(200, "<html/>", http.Header{"Content-Type": {"text/html"}}), "Content-Type"},
		{"total", func(w *World) error { return w.bundleTotalIs(1) }, answered(200, bundle, nil), answered(200, `{"resourceType":"Bundle","total":2}`, nil), "expected 1, got 2"},
		{"entries", func(w *World) error { return w.bundleEntriesAre(1) }, answered(200, bundle, nil), answered(200, `{"resourceType":"Bundle","total":1}`, nil), "expected 1, got 0"},
		{"issue", func(w *World) error { return w.outcomeHasIssue("error", "business-rule") }, answered(422, outcomeBody, nil),
			answered(422, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid"}]}`, nil), "got error/invalid"},
		{"detected issue", func(w *World) error { return w.outcomeHasDetectedIssue("SIM-AFF-04") }, answered(422, outcomeBody, nil),
			answered(422, strings.Replace(outcomeBody, "SIM-AFF-04", "SIM-AFF-05", 1), nil), `expected "SIM-AFF-04", got SIM-AFF-05`},
		{"header", func(w *World) error { return w.headerPresent("Location") }, answered(201, "", http.Header{"Location": {"x"}}), answered(201, "", nil), "absent"},
		{"header value", func(w *World) error { return w.headerIs("ETag", `W/"1"`) }, answered(200, "", http.Header{"Etag": {`W/"1"`}}),
			answered(200, "", http.Header{"Etag": {`W/"2"`}}), `got "W/\"2\""`},
		{"header prefix", func(w *World) error { return w.headerStartsWith("ETag", `W/"`) }, answered(200, "", http.Header{"Etag": {`W/"1"`}}),
			answered(200, "", http.Header{"Etag": {`"1"`}}), `expected a value starting with "W/\"", got "\"1\""`},
		{"parameters outcome", func(w *World) error { return w.outcomeHasIssue("error", "business-rule") },
			answered(200, `{"resourceType":"Parameters","parameter":[{"name":"issues","resource":`+outcomeBody+`}]}`, nil),
			answered(200, `{"resourceType":"Parameters","parameter":[{"name":"issues","resource":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}}]}`, nil),
			"got information/informational"},
		{"request id", (*World).requestIDEchoed, answered(200, "", http.Header{"X-Request-Id": {"abc"}}), answered(200, "", nil), "got none"},
		{"empty body", (*World).bodyIsEmpty, answered(201, "", nil), answered(201, bundle, nil), "expected empty"},
		{"FHIRPath true", func(w *World) error { return w.fhirPathTrue("Bundle.total = 1") }, answered(200, bundle, nil),
			answered(200, `{"resourceType":"Bundle","total":3}`, nil), "expected true, got false"},
		// A failure shows the expression as evaluated, its saved values filled in.
		{"FHIRPath true, a saved value", func(w *World) error { w.vars["n"] = "1"; return w.fhirPathTrue("Bundle.total = {{var.n}}") },
			answered(200, bundle, nil), answered(200, `{"resourceType":"Bundle","total":3}`, nil), "FHIRPath Bundle.total = 1: expected true, got false"},
		{"FHIRPath value", func(w *World) error { return w.fhirPathEquals("Bundle.entry.resource.id", "p") }, answered(200, bundle, nil),
			answered(200, `{"resourceType":"Bundle","total":0}`, nil), "got an empty collection"},
		{"refers to", func(w *World) error { return w.fhirPathRefersTo("MedicationDispense.subject", "Patient/p1") },
			answered(200, `{"resourceType":"MedicationDispense","subject":{"reference":"https://nll.test/fhir/Patient/p1/_history/3"}}`, nil),
			answered(200, `{"resourceType":"MedicationDispense","subject":{"reference":"Patient/p2"}}`, nil), "expected a reference to Patient/p1, got Patient/p2"},
		{"refers to, every one", func(w *World) error {
			return w.fhirPathRefersTo("MedicationDispense.authorizingPrescription", "MedicationRequest/m1")
		},
			answered(200, `{"resourceType":"MedicationDispense","authorizingPrescription":[{"reference":"MedicationRequest/m1"}]}`, nil),
			answered(200, `{"resourceType":"MedicationDispense","authorizingPrescription":[{"reference":"MedicationRequest/m1"},{"reference":"MedicationRequest/m10"}]}`, nil), "got MedicationRequest/m10"},
		{"refers to, none", func(w *World) error { return w.fhirPathRefersTo("MedicationDispense.subject", "Patient/p1") },
			answered(200, `{"resourceType":"MedicationDispense","subject":{"reference":"Patient/p1"}}`, nil),
			answered(200, `{"resourceType":"MedicationDispense"}`, nil), "got no reference"},
		{"no data, an outcome", (*World).givesOutNoData, answered(401, outcomeBody, nil), answered(401, bundle, nil), `no FHIR data (an empty body, an error page or an OperationOutcome), got "Bundle"`},
		{"no data, an empty body", (*World).givesOutNoData, answered(403, "", nil),
			answered(403, `{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}`, nil), "got information/informational"},
		{"no data, an error page", (*World).givesOutNoData, answered(401, "<html>401 Authorization Required</html>", http.Header{"Content-Type": {"text/html"}}),
			answered(401, `{"resourceType":"Patient","id":"p"}`, http.Header{"Content-Type": {"text/html"}}), `got "Patient"`},
		{"refused", (*World).connectionRefused, refused(), answered(200, bundle, nil), "got accepted, status 200"},
		{"refused over HTTP", (*World).connectionRefused, asked(answered(400, "<html>No required SSL certificate was sent</html>", http.Header{"Content-Type": {"text/html"}})),
			asked(answered(400, `{"resourceType":"Parameters","parameter":[{"name":"result","valueString":"OK"}]}`, nil)), "got accepted, status 400"},
		{"an HTTP refusal needs the certificate asked for", (*World).connectionRefused, asked(answered(403, outcomeBody, nil)),
			answered(403, outcomeBody, nil), "got accepted, status 403"},
		{"status set", func(w *World) error { return w.statusIn("409 eller 412") }, answered(412, outcomeBody, nil), answered(422, outcomeBody, nil), "expected 409 eller 412, got 422"},
		{"status class", func(w *World) error { return w.statusIn("4xx") }, answered(403, outcomeBody, nil), answered(200, bundle, nil), "expected 4xx, got 200"},
		{"header regex", func(w *World) error { return w.headerMatches("Location", "MedicationRequest/[^/]+") },
			answered(201, "", http.Header{"Location": {"/fhir/MedicationRequest/abc/_history/1"}}),
			answered(201, "", http.Header{"Location": {"/fhir/Basic/abc"}}), `got "/fhir/Basic/abc"`},
		{"header regex, absent", func(w *World) error { return w.headerMatches("ETag", `^W/`) },
			answered(200, "", http.Header{"Etag": {`W/"1"`}}), answered(200, "", nil), "got none"},
		{"error", func(w *World) error { return w.outcomeHasError("") },
			answered(400, `{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"x"},{"severity":"fatal","code":"processing"}]}`, nil),
			answered(400, `{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing"}]}`, nil), "got warning/processing"},
		{"error among codes", func(w *World) error { return w.outcomeHasError("conflict, processing") },
			answered(412, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}`, nil),
			answered(412, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid"}]}`, nil), "with a code among conflict, processing, got error/invalid"},
		{"an error, empty or an outcome", (*World).errorEmptyOrOutcome, answered(409, "", nil),
			answered(409, `{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing"}]}`, nil), "got warning/processing"},
		{"an error, empty or an outcome: no other resource", (*World).errorEmptyOrOutcome, answered(400, outcomeBody, nil),
			answered(400, `{"resourceType":"MedicationRequest","id":"m"}`, nil), `got "MedicationRequest"`},
		{"an error, empty or an outcome: a 2xx carries it", (*World).errorEmptyOrOutcome,
			answered(200, `{"resourceType":"Parameters","parameter":[{"name":"issues","resource":`+outcomeBody+`}]}`, nil), answered(200, "", nil), "invalid JSON"},
		{"error, not an outcome", func(w *World) error { return w.outcomeHasError("") }, answered(400, outcomeBody, nil), answered(400, bundle, nil), `got "Bundle"`},
		{"points at, by expression", func(w *World) error { return w.outcomePointsAt("Bundle.entry[1]") },
			answered(422, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","expression":["Bundle.entry[1].resource.dosageInstruction"]}]}`, nil),
			answered(422, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","expression":["Bundle.entry[10].resource"]}]}`, nil), "got expression Bundle.entry[10].resource"},
		{"points at, by location or diagnostics", func(w *World) error { return w.outcomePointsAt("Bundle.entry[1]") },
			answered(422, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"x","location":["Bundle.entry[1]"]},{"severity":"error","code":"x","diagnostics":"Bundle.entry[0]: fel"}]}`, nil),
			answered(422, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"x","diagnostics":"Bundle.entry[0]: fel"}]}`, nil), `got diagnostics "Bundle.entry[0]: fel"`},
	}
	for _, c := range cases {
		if err := c.check(c.good); err != nil {
			t.Errorf("%s: fails on a good answer: %v", c.name, err)
		}
		if err := c.check(c.bad); err == nil || !strings.Contains(err.Error(), c.badMessage) {
			t.Errorf("%s: on a bad answer: %v, want %q", c.name, err, c.badMessage)
		}
	}
}

// asked marks w's last exchange as made on a new connection whose server asked for a client
// certificate.
func asked(w *World) *World {
	w.last.Handshake = &fhirclient.Handshake{Presented: "CN=konform test", SHA256: "ab12"}
	return w
}

func refused() *World {
	w := NewWorld(context.Background(), &Env{})
	w.last = &fhirclient.Exchange{}
	w.lastErr = &fhirclient.TransportError{Method: "GET", URL: "https://x", Err: io.EOF, Handshake: &fhirclient.Handshake{Presented: "CN=konform test", SHA256: "ab12"}}
	return w
}

// TestARefusalMustHaveJudgedTheChosenCertificate: a refusal of another certificate than the one
// the scenario chose (or of none, where it chose one) proves nothing about it: an error, never
// passed.
func TestARefusalMustHaveJudgedTheChosenCertificate(t *testing.T) {
	prints := map[Identity]string{RunIdentity: "aa", ExpiredCertificate: "ee", UnknownCACertificate: "uu"}
	fingerprint := func(id Identity) (string, error) { return prints[id], nil }
	cases := []struct {
		name      string
		chosen    Identity
		presented string
		env       *Env
		ok        bool
	}{
		{"the expired certificate", ExpiredCertificate, "ee", &Env{Fingerprint: fingerprint}, true},
		{"the run's instead of the expired", ExpiredCertificate, "aa", &Env{Fingerprint: fingerprint}, false},
		{"none instead of the unknown CA's", UnknownCACertificate, "", &Env{Fingerprint: fingerprint}, false},
		{"none, as chosen", NoCertificate, "", &Env{Fingerprint: fingerprint}, true},
		{"one where none was chosen", NoCertificate, "aa", &Env{Fingerprint: fingerprint}, false},
		{"without fingerprints: one was presented", ExpiredCertificate, "ee", &Env{}, true},
		{"without fingerprints: none was presented", ExpiredCertificate, "", &Env{}, false},
	}
	for _, c := range cases {
		for _, over := range []string{"TLS", "HTTP"} {
			w := NewWorld(context.Background(), c.env)
			w.identity = c.chosen
			hs := &fhirclient.Handshake{SHA256: c.presented}
			if c.presented != "" {
				hs.Presented = "CN=presented"
			}
			w.last = &fhirclient.Exchange{}
			if over == "TLS" {
				w.lastErr = &fhirclient.TransportError{Method: "GET", URL: "https://x", Err: io.EOF, Handshake: hs}
			} else {
				w.last = answered(403, "", nil).last
				w.last.Handshake = hs
			}
			err := w.connectionRefused()
			if c.ok && err != nil || !c.ok && !errors.Is(err, ErrHarness) {
				t.Errorf("%s, refused over %s: %v", c.name, over, err)
			}
		}
	}
}

// TestARefusalBeforeAnyCertificateIsAnError: a connection that closed before the server asked for
// a certificate (or never opened) tried nothing, so the check has no verdict: a transport error,
// which the run records as error, never as passed or failed.
func TestARefusalBeforeAnyCertificateIsAnError(t *testing.T) {
	w := NewWorld(context.Background(), &Env{})
	w.last = &fhirclient.Exchange{}
	w.lastErr = &fhirclient.TransportError{Method: "GET", URL: "https://x", Err: io.EOF}
	var terr *fhirclient.TransportError
	if err := w.connectionRefused(); !errors.As(err, &terr) {
		t.Fatalf("got %v, want the transport error", err)
	}
}

// TestRegexFunctionsRunConcurrently evaluates FHIRPath's regular-expression functions from many
// scenarios at once, as a concurrent run does: the FHIRPath library's cache of compiled patterns
// writes under a read lock on every hit, which the race detector (make test) reports.
func TestRegexFunctionsRunConcurrently(t *testing.T) {
	body := []byte(`{"resourceType":"Parameters","parameter":[{"name":"role","valueString":"OK 2026-11-24T10:00:00Z 1234567890"}]}`)
	exprs := []string{
		`parameter.value.replaceMatches('[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*|[0-9]{9,}','')`,
		`parameter.value.matches('^OK')`,
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				expr := exprs[(g+i)%len(exprs)]
				if got, err := evaluate(expr, body); err != nil || got == "" {
					t.Errorf("%s: %q, %v", expr, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
