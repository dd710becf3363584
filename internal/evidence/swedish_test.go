package evidence

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// translation is a message as konform writes it (the format of its source, with realistic
// values), the Swedish report's rendering of it, and the words of others (a command's stderr, a
// Go error, an operator's comment) that must stay in it as they came.
type translation struct {
	in, want string
	keep     []string
}

// englishWords are konform's English words that no Swedish rendering of its own text may keep;
// none of them is a Swedish word.
var englishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the of and answered with was could call calls check expected got harness none answer
		server refused cannot body page off without which that this scenario operator file patients run driver
		command exited confirmed showed timed after before closed found did does needs created issue severity empty
		every taken leased cleanup value starting carrying refusal screenshot confirmation attached approval hook`) {
		englishWords[w] = true
	}
}

var (
	quotation = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	address   = regexp.MustCompile(`https?://[^\s"]*[^\s"),;:.]`)
	word      = regexp.MustCompile(`[A-Za-zåäöÅÄÖ]+`)
)

// englishLeft lists the English words of konform left in a Swedish rendering, leaving out the
// quotations, the URLs and the words of others.
func englishLeft(got string, keep []string) []string {
	for _, k := range keep {
		got = strings.ReplaceAll(got, k, " ")
	}
	got = address.ReplaceAllString(quotation.ReplaceAllString(got, " "), " ")
	var left []string
	for _, w := range word.FindAllString(got, -1) {
		if englishWords[w] { // lowercase: a FHIR type such as Patient is no word of a sentence
			left = append(left, w)
		}
	}
	return left
}

// checkTranslations renders each message through render in Swedish and in English: the Swedish
// is the one wanted, with no English word of konform's left, and the English is the message as it
// was.
func checkTranslations(t *testing.T, render func(lang, s string) string, cases []translation) {
	t.Helper()
	for _, c := range cases {
		got := render("sv", c.in)
		if got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
		if left := englishLeft(got, c.keep); len(left) > 0 {
			t.Errorf("%s\n keeps the English %q: %s", c.in, left, got)
		}
		for _, k := range c.keep {
			if !strings.Contains(got, k) {
				t.Errorf("%s\n lost the words of others %q: %s", c.in, k, got)
			}
		}
		if en := render("en", c.in); en != c.in {
			t.Errorf("the English report changed %q to %q", c.in, en)
		}
	}
}

// TestSwedishCallsOfTheSystem: a call of the system by its number, and a call the system was to
// make (steps/sut.go).
func TestSwedishCallsOfTheSystem(t *testing.T) {
	checkTranslations(t, text, []translation{
		{in: "call 9 of the system", want: "systemets anrop 9"},
		{in: "the system's call 9", want: "systemets anrop 9"},
		{in: "call 9 of the system: expected at least one call, got no call", want: "systemets anrop 9: förväntat minst ett anrop, faktiskt inget anrop"},
		{in: "a call POST MedicationRequest", want: "ett anrop POST MedicationRequest"},
		{in: "the system's calls to NLL: expected a call POST MedicationRequest, got GET Patient?identifier=191212121212 → 200; POST MedicationRequest → no answer",
			want: "systemets anrop till NLL: förväntat ett anrop POST MedicationRequest, faktiskt GET Patient?identifier=191212121212 → 200; POST MedicationRequest → inget svar"},
		{in: "no call DELETE Consent/*", want: "inget anrop DELETE Consent/*"},
		{in: "NLL's answer to POST MedicationRequest (entry 1 of the transaction POST [base]/) → 422: expected a status below 400, got POST MedicationRequest (entry 1 of the transaction POST [base]/) → 422",
			want: "NLL:s svar på POST MedicationRequest (post 1 i transaktionen POST [base]/) → 422: förväntat en status under 400, faktiskt POST MedicationRequest (post 1 i transaktionen POST [base]/) → 422"},
		{in: "the system's calls to NLL: expected no call POST MedicationRequest, got POST [base]/ → 200 (a transaction of POST MedicationRequest → 201, POST MedicationDispense → 201)",
			want: "systemets anrop till NLL: förväntat inget anrop POST MedicationRequest, faktiskt POST [base]/ → 200 (en transaktion av POST MedicationRequest → 201, POST MedicationDispense → 201)"},
		{in: "provenance (nllProvenanceDetails, else x-provenance) of POST MedicationDispense (entry 2 of the transaction POST [base]/) → 201: expected base64-encoded JSON (NLLProvenance), got none",
			want: "provenance (nllProvenanceDetails, annars x-provenance) i POST MedicationDispense (post 2 i transaktionen POST [base]/) → 201: förväntat base64-kodad JSON (NLLProvenance), faktiskt saknas"},
		{in: "$verify before POST MedicationDispense → 201: expected a $verify of the same dispense (prescription MedicationRequest/m1, patient Patient/p1, article 123, quantity 2), got $verify of another dispense only: prescription MedicationRequest/m1, patient Patient/p1, article 123, quantity 3",
			want: "$verify före POST MedicationDispense → 201: förväntat en $verify av samma uttag (förskrivning MedicationRequest/m1, patient Patient/p1, artikel 123, mängd 2), faktiskt $verify bara av ett annat uttag: förskrivning MedicationRequest/m1, patient Patient/p1, artikel 123, mängd 3"},
		{in: "$verify before POST MedicationDispense → 201: expected a $verify of the same dispense (prescription none, patient Patient/p1, article 123, quantity 1), got no $verify of a dispense before it",
			want: "$verify före POST MedicationDispense → 201: förväntat en $verify av samma uttag (förskrivning saknas, patient Patient/p1, artikel 123, mängd 1), faktiskt ingen $verify av ett uttag före det"},
		{in: "handling of a version conflict: expected GET MedicationRequest/a or GET MedicationRequest/b after the answer 409, got POST [base]/ → 409 (a transaction of no entry)",
			want: "hantering av en versionskonflikt: förväntat GET MedicationRequest/a eller GET MedicationRequest/b efter svaret 409, faktiskt POST [base]/ → 409 (en transaktion utan poster)"},
		{in: "every write (POST, PUT, DELETE, a transaction's entries; not $verify and the other checks and reads) of the system: expected at least one call, got no call",
			want: "vart och ett av systemets skrivande anrop (POST, PUT, DELETE, en transaktions poster; inte $verify, de andra kontrollerna eller läsningar): förväntat minst ett anrop, faktiskt inget anrop"},
		{in: "a connection refused by the gateway (the system presented no client certificate)", want: "en anslutning som gatewayen avvisade (systemet visade inget klientcertifikat)"},
		{in: "502 (the gateway's answer, since NLL gave none whole, to PUT MedicationDispense/1)", want: "502 (gatewayens svar, eftersom NLL inte gav något helt svar, på PUT MedicationDispense/1)"},
		{in: "harness: NLL gave no whole answer to the system's call PUT MedicationDispense/1 → 502: NLL's answer broke off: unexpected EOF",
			want: "konform: NLL gav inget helt svar på systemets anrop PUT MedicationDispense/1 → 502: NLL:s svar bröts av: unexpected EOF", keep: []string{"unexpected EOF"}},
	})
}

// TestSwedishTransportErrors: why no answer came (fhirclient.TransportError.Cause, the gateway),
// in a step's message and in an exchange's summary, whose request line stays as it is.
func TestSwedishTransportErrors(t *testing.T) {
	const url = "https://nll.test:8443/fhir/Patient?identifier=http://electronichealth.se/identifier/personnummer|191212121212"
	checkTranslations(t, text, []translation{
		{in: "no answer to GET " + url + ": the server refused the TLS connection (bad certificate); check that the client certificate is valid and issued by a CA the service accepts",
			want: "inget svar på GET " + url + ": servern avvisade TLS-anslutningen (bad certificate); kontrollera att klientcertifikatet är giltigt och utfärdat av en CA som tjänsten godtar"},
		{in: "no answer to POST https://nll.test/fhir/MedicationRequest: the answer was cut off before its end",
			want: "inget svar på POST https://nll.test/fhir/MedicationRequest: svaret bröts av före slutet"},
		{in: "no answer to GET https://nll.test/fhir/$ping: the server closed the connection without an answer",
			want: "inget svar på GET https://nll.test/fhir/$ping: servern stängde anslutningen utan att svara"},
		{in: "no answer to GET https://nll.test/fhir/$ping: timed out after 1s; check that the service is up or raise the timeout",
			want: "inget svar på GET https://nll.test/fhir/$ping: tidsgränsen överskreds efter 1s; kontrollera att tjänsten är igång eller höj tidsgränsen"},
		{in: "no answer to GET https://127.0.0.1:9/fhir/$ping: connection refused; check the URL and that the service is running",
			want: "inget svar på GET https://127.0.0.1:9/fhir/$ping: anslutningen nekades; kontrollera adressen och att tjänsten körs"},
		{in: "the host name nll.invalid does not resolve (no such host); check the URL and the DNS or proxy settings",
			want: "värdnamnet nll.invalid går inte att slå upp (no such host); kontrollera adressen och inställningarna för DNS eller proxy", keep: []string{"no such host"}},
		{in: "the server's certificate is not issued by a CA in the CA bundle; check the environment's CA file",
			want: "serverns certifikat är inte utfärdat av någon CA i miljöns CA-fil; kontrollera CA-filen"},
		{in: "the server's certificate does not match the host name: x509: certificate is valid for nll.test, not nll.other",
			want: "serverns certifikat stämmer inte med värdnamnet: x509: certificate is valid for nll.test, not nll.other", keep: []string{"x509: certificate is valid for nll.test, not nll.other"}},
		{in: "the TLS handshake did not finish within 10s (connect_timeout): something accepts connections on this port but does not complete TLS; check the base URL's port, the proxy and the firewall",
			want: "TLS-handskakningen blev inte klar inom 10s (connect_timeout): något tar emot anslutningar på porten men slutför inte TLS; kontrollera basadressens port, proxyn och brandväggen"},
		{in: "the answer's body is larger than konform's limit of 10 MiB; if NLL really sends answers this large, raise it with konform run --max-body",
			want: "svarets kropp är större än konforms gräns på 10 MiB; om NLL verkligen skickar så stora svar, höj gränsen med konform run --max-body", keep: []string{"konform run --max-body"}},
	})
	checkTranslations(t, summaryText, []translation{
		{in: "GET " + url + " → no answer: timed out after 30s; check that the service is up or raise the timeout",
			want: "GET " + url + " → inget svar: tidsgränsen överskreds efter 30s; kontrollera att tjänsten är igång eller höj tidsgränsen"},
		{in: "POST https://127.0.0.1:9443/fhir/MedicationRequest → no answer: the gateway closed the connection without an answer (simulated outage)",
			want: "POST https://127.0.0.1:9443/fhir/MedicationRequest → inget svar: gatewayen stängde anslutningen utan att svara (simulerat avbrott)"},
		{in: "connection refused by the gateway: the system presented no client certificate", want: "anslutningen avvisades av gatewayen: systemet visade inget klientcertifikat"},
		{in: `connection refused by the gateway: the system's client certificate "CN=Journal X" is not accepted: x509: certificate signed by unknown authority`,
			want: `anslutningen avvisades av gatewayen: systemets klientcertifikat "CN=Journal X" godtogs inte: x509: certificate signed by unknown authority`,
			keep: []string{"x509: certificate signed by unknown authority"}},
		{in: LookupPrefix + "GET Patient?identifier=x → no answer: the server closed the connection without an answer",
			want: "konforms uppslag av testpatienten: GET Patient?identifier=x → inget svar: servern stängde anslutningen utan att svara"},
		// the request line is the request's, whatever words it holds
		{in: "GET Basic?code=no call of the system → no answer: connection refused; check the URL and that the service is running",
			want: "GET Basic?code=no call of the system → inget svar: anslutningen nekades; kontrollera adressen och att tjänsten körs", keep: []string{"Basic?code=no call of the system"}},
		{in: "GET https://nll.test/fhir/Patient → 200 (12 ms)", want: "GET https://nll.test/fhir/Patient → 200 (12 ms)"},
	})
}

// TestSwedishCleanupProblems: what the cleanup could not end (steps/cleanup.go), in the report's
// list of test data left behind.
func TestSwedishCleanupProblems(t *testing.T) {
	cases := []translation{
		{in: "MedicationRequest/17: $end answered 500", want: "MedicationRequest/17: $end besvarades med 500"},
		{in: "Basic/3: DELETE answered 500", want: "Basic/3: DELETE besvarades med 500"},
		{in: "Basic/4: DELETE answered 405; NLL may not let a client delete a data lock or dose basis: end it by hand (docs/ext.md)",
			want: "Basic/4: DELETE besvarades med 405; NLL låter kanske inte en klient radera en spärr eller ett dosunderlag: avsluta den för hand (docs/ext.md)"},
		{in: "Consent/5: PUT with status inactive answered 409", want: "Consent/5: PUT med status inactive besvarades med 409"},
		{in: "MedicationDispense/2: PUT with status entered-in-error answered 422; NLL may end it another way: end it by hand (docs/ext.md)",
			want: "MedicationDispense/2: PUT med status entered-in-error besvarades med 422; NLL avslutar den kanske på ett annat sätt: avsluta den för hand (docs/ext.md)"},
		{in: "Consent/6: cannot read it to set status inactive: GET answered 500", want: "Consent/6: kan inte läsa den för att sätta status inactive: GET besvarades med 500"},
		{in: "Consent/7: cannot read it to set status inactive: invalid character '<' looking for beginning of value",
			want: "Consent/7: kan inte läsa den för att sätta status inactive: invalid character '<' looking for beginning of value", keep: []string{"invalid character '<' looking for beginning of value"}},
		{in: "MedicationRequest/9: no answer to POST https://nll.test/fhir/MedicationRequest/$end: connection refused; check the URL and that the service is running",
			want: "MedicationRequest/9: inget svar på POST https://nll.test/fhir/MedicationRequest/$end: anslutningen nekades; kontrollera adressen och att tjänsten körs"},
	}
	checkTranslations(t, text, cases)
	var problems, want []string
	for _, c := range cases {
		problems, want = append(problems, c.in), append(want, c.want)
	}
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{{ID: "C-1", Name: "C-1", Outcome: Passed, CleanupProblems: problems}}}
	sv, en := reports(t, run)
	if w := html.EscapeString("Kvarlämnade testdata: " + strings.Join(want, "; ")); !strings.Contains(sv, w) {
		t.Errorf("the Swedish report lacks %s:\n%s", w, sv)
	}
	if w := html.EscapeString("Test data left behind: " + strings.Join(problems, "; ")); !strings.Contains(en, w) {
		t.Errorf("the English report lacks %s", w)
	}
}

// TestSwedishPoolErrors: the pool of test patients (steps/pool.go) read whole, never as "patient
// i the pool".
func TestSwedishPoolErrors(t *testing.T) {
	checkTranslations(t, text, []translation{
		{in: "harness: every patient of the pool nllpack/pack.yaml was taken out of it, since its cleanup left test data ([personnummer-1], [personnummer-2]); see the cleanup problems, end that data by hand, and add test patients to the pool",
			want: "konform: alla patienter i poolen nllpack/pack.yaml har tagits ur den, eftersom städningen efter dem lämnade kvar testdata ([personnummer-1], [personnummer-2]); se Kvarlämnade testdata, avsluta dessa testdata för hand och lägg till testpatienter i poolen"},
		{in: "harness: the run ended while the scenario waited for a patient of the pool nllpack/pack.yaml",
			want: "konform: körningen avslutades medan testfallet väntade på en patient ur poolen nllpack/pack.yaml"},
		{in: "harness: all 8 patients of the pool nllpack/pack.yaml ([personnummer-1] taken out, since their cleanup left test data) have been leased by other scenarios for 2m0s; add test patients to the pool (at least as many as --concurrency) or lower --concurrency",
			want: "konform: alla 8 patienter i poolen nllpack/pack.yaml ([personnummer-1] har tagits ur den, eftersom städningen efter dem lämnade kvar testdata) har varit upptagna av andra testfall i 2m0s; lägg till testpatienter i poolen (minst lika många som --concurrency) eller sänk --concurrency"},
		{in: "harness: all 8 patients of the pool nllpack/pack.yaml have been leased by other scenarios for 2m0s; add test patients to the pool (at least as many as --concurrency) or lower --concurrency",
			want: "konform: alla 8 patienter i poolen nllpack/pack.yaml har varit upptagna av andra testfall i 2m0s; lägg till testpatienter i poolen (minst lika många som --concurrency) eller sänk --concurrency"},
	})
}

// TestSwedishChecksOfAnswers: the names and values of the checks of NLL's answers
// (steps/checks.go).
func TestSwedishChecksOfAnswers(t *testing.T) {
	checkTranslations(t, text, []translation{
		{in: `"OperationOutcome", or Parameters carrying one`, want: `"OperationOutcome", eller Parameters som innehåller en`},
		{in: `"Parameters" without an OperationOutcome in its parameters`, want: `"Parameters" utan någon OperationOutcome bland sina parametrar`},
		{in: "a refusal's body", want: "avslagets kropp"},
		{in: "no FHIR data (an empty body, an error page or an OperationOutcome)", want: "inga FHIR-data (en tom kropp, en felsida eller en OperationOutcome)"},
		{in: "an issue of severity error or fatal with a code among conflict, processing", want: "ett fel med allvarlighetsgrad error eller fatal och en kod bland conflict, processing"},
		{in: "an issue of severity error or fatal", want: "ett fel med allvarlighetsgrad error eller fatal"},
		{in: "no issues", want: "inga fel"},
		{in: "Bundle.entry[1] (expression, location or diagnostics)", want: "Bundle.entry[1] (i expression, location eller diagnostics)"},
		{in: "no expression, location or diagnostics", want: "ingen expression, location eller diagnostics"},
		{in: "nllDetectedIssue code", want: "nllDetectedIssue-kod"},
		{in: "no nllDetectedIssue", want: "ingen nllDetectedIssue"},
		{in: `a value starting with "Bearer "`, want: `ett värde som börjar med "Bearer "`},
		{in: "false, false, false on 50 page(s)", want: "falskt, falskt, falskt på 50 sidor av sökresultatet"},
		{in: "an empty collection, false on 2 page(s)", want: "en tom samling, falskt på 2 sidor av sökresultatet"},
		{in: "false on 1 page(s)", want: "falskt på 1 sida av sökresultatet"},
		{in: "resourceType", want: "resurstyp"},
		{in: `none ("Patienten kunde inte hämtas från NLL")`, want: `saknas ("Patienten kunde inte hämtas från NLL")`},
		{in: "none (none)", want: "saknas (saknas)"},
		{in: `"ja" (none)`, want: `"ja" (saknas)`},
		{in: "201 (none)", want: "201 (saknas)"},
		{in: "(empty)", want: "(tom)"},
		{in: "status code of page 2 (the next link https://nll.test/fhir/MedicationRequest?_page=2)", want: "statuskod för sida 2 (next-länken https://nll.test/fhir/MedicationRequest?_page=2)"},
		{in: "x-request-id of GET Patient → 200: expected a random and unique id, got none", want: "x-request-id i GET Patient → 200: förväntat ett slumpmässigt och unikt id, faktiskt saknas"},
	})
}

// TestSwedishDetailSaysWhoseWordsItHolds: an answer's status and body, framed by konform, read
// "Serverns svar" in Swedish, the body as it came; an OperationOutcome's words stay "Serverns
// ord"; the English report is as it was.
func TestSwedishDetailSaysWhoseWordsItHolds(t *testing.T) {
	page := `<html><body><h1>503 Service Unavailable</h1></body></html>`
	for _, c := range []struct{ detail, label, want string }{
		{"status 503, body " + page, "Serverns svar", "status 503, kropp: " + page},
		{"status 201, body (empty)", "Serverns svar", "status 201, tom kropp"},
		{"OperationOutcome invalid: the status is wrong", "Serverns ord", "OperationOutcome invalid: the status is wrong"},
		{"status code, body of the page", "Serverns ord", "status code, body of the page"}, // not konform's framing
	} {
		if label, got := detailText(labels["sv"], "sv", c.detail); label != c.label || got != c.want {
			t.Errorf("%s: %s: %s, want %s: %s", c.detail, label, got, c.label, c.want)
		}
		if label, got := detailText(labels["en"], "en", c.detail); label != "The server's words" || got != c.detail {
			t.Errorf("en %s: %s: %s", c.detail, label, got)
		}
	}
	s := Step{Outcome: Failed, Text: "x", Check: "Content-Type", Expect: "application/fhir+json", Actual: `"text/html"`, Detail: "status 503, body " + page,
		Message: `Content-Type: expected application/fhir+json, got "text/html" (status 503, body ` + page + `)`}
	if got, want := says(labels["sv"], "sv", &s), `Content-Type: förväntat application/fhir+json, faktiskt "text/html" (status 503, kropp: `+page+`)`; got != want {
		t.Errorf("sv says %s, want %s", got, want)
	}
	if got := says(labels["en"], "en", &s); got != s.Message {
		t.Errorf("en says %s", got)
	}
	rows := string(stepRows(labels["sv"], "sv", []Step{s}))
	if !strings.Contains(rows, html.EscapeString("Serverns svar: status 503, kropp: "+page)) || strings.Contains(rows, "Serverns ord") {
		t.Errorf("the Swedish step rows:\n%s", rows)
	}
	if rows := string(stepRows(labels["en"], "en", []Step{s})); !strings.Contains(rows, html.EscapeString("The server's words: status 503, body "+page)) {
		t.Errorf("the English step rows:\n%s", rows)
	}
}

// TestSwedishTruthValues: konform's own truth values read sant and falskt; one an expression gave,
// compared with a quoted value, stays as the expression gave it, as the quoted value does.
func TestSwedishTruthValues(t *testing.T) {
	for _, c := range []struct{ expect, actual, want string }{
		{"true", "false", "FHIRPath-uttrycket Bundle.entry.exists(): förväntat sant, faktiskt falskt"},
		{`"false"`, "true", `FHIRPath-uttrycket Bundle.entry.exists(): förväntat "false", faktiskt true`},
		{`"2"`, "false", `FHIRPath-uttrycket Bundle.entry.exists(): förväntat "2", faktiskt false`},
	} {
		s := Step{Outcome: Failed, Check: "FHIRPath Bundle.entry.exists()", Expect: c.expect, Actual: c.actual,
			Message: "FHIRPath Bundle.entry.exists(): expected " + c.expect + ", got " + c.actual}
		if got := says(labels["sv"], "sv", &s); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", s.Message, got, c.want)
		}
		if got := says(labels["en"], "en", &s); got != s.Message {
			t.Errorf("en: %s", got)
		}
	}
}

// TestSwedishChecksOfTheSystem: the checks of the system under test and its operator
// (steps/sut.go).
func TestSwedishChecksOfTheSystem(t *testing.T) {
	checkTranslations(t, text, []translation{
		{in: "not base64", want: "inte base64"},
		{in: "base64, but not JSON", want: "base64, men inte JSON"},
		{in: "the operator's confirmation that systemet visade NLL:s felmeddelande", want: "operatörens bekräftelse av att systemet visade NLL:s felmeddelande"},
		{in: "the file attached to the operator's confirmation that systemet visade NLL:s felmeddelande",
			want: "filen som operatören bifogade till sin bekräftelse av att systemet visade NLL:s felmeddelande"},
		{in: "a file (such as a screenshot)", want: "en fil (till exempel en skärmbild)"},
		{in: `nej: "Felet visades inte"`, want: `nej, med kommentaren "Felet visades inte"`},
		{in: "nej: none", want: "nej, utan kommentar"},
		{in: "harness: the run does not say which system is under approval; pass --system system.yaml",
			want: "konform: körningen anger inte vilket system som prövas för godkännande; ange --system system.yaml"},
		{in: "2026-11-24T07:26:31Z (10m0s off)", want: "2026-11-24T07:26:31Z (avviker 10m0s)"},
		{in: "2026-11-24T07:06:31Z (-10m0s off)", want: "2026-11-24T07:06:31Z (avviker -10m0s)"},
		{in: `harness: the system under test has not acted in this scenario; add "När systemet under test utför ..." first`,
			want: `konform: systemet under test har inte agerat i testfallet; lägg till "När systemet under test utför ..." först`},
	})
}

// TestSwedishHarnessErrors: konform's own errors about a case (steps, internal/run).
func TestSwedishHarnessErrors(t *testing.T) {
	checkTranslations(t, text, []translation{
		{in: "harness: this environment cannot issue tokens with changed claims; run the scenario against the simulator (@sim)",
			want: "konform: miljön kan inte utfärda token med ändrade claims; kör testfallet mot simulatorn (@sim)"},
		{in: "harness: cannot read MedicationRequest/12/_history/1 to change it: status 404", want: "konform: kan inte läsa MedicationRequest/12/_history/1 för att ändra den: status 404"},
		{in: "harness: cannot read MedicationRequest/12 to change it: unexpected end of JSON input",
			want: "konform: kan inte läsa MedicationRequest/12 för att ändra den: unexpected end of JSON input", keep: []string{"unexpected end of JSON input"}},
		{in: "harness: no resource with a Location header was created in this scenario", want: "konform: ingen resurs med ett Location-huvud skapades i testfallet"},
		{in: "harness: {{created.id}} needs a created resource; create one first", want: "konform: {{created.id}} behöver en skapad resurs; skapa en först", keep: []string{"{{created.id}}"}},
		{in: "harness: NLL never answered the system's update with 409 or 412, so re-reading could not be checked; the scenario must change the resource before the system saves it (GET MedicationRequest/1 → 200; PUT MedicationRequest/1 → 200)",
			want: "konform: NLL besvarade aldrig systemets uppdatering med 409 eller 412, så omläsningen kunde inte prövas; testfallet måste ändra resursen innan systemet sparar den (GET MedicationRequest/1 → 200; PUT MedicationRequest/1 → 200)"},
		{in: "harness: NLL never answered the system's update with 409 or 412: the system did not save MedicationRequest/7, which konform changed, so re-reading could not be checked (no call); a system that created one prescription saves that one",
			want: "konform: NLL besvarade aldrig systemets uppdatering med 409 eller 412: systemet sparade inte MedicationRequest/7, som konform ändrade, så omläsningen kunde inte prövas (inget anrop); ett system som skapade en förskrivning sparar just den"},
		{in: `harness: FHIRPath "Bundle.entry.where(" does not parse: parser errors: [line 1:19 mismatched input '<EOF>' expecting ')']`,
			want: `konform: FHIRPath-uttrycket "Bundle.entry.where(" går inte att tolka: syntaxfel: [line 1:19 mismatched input '<EOF>' expecting ')']`,
			keep: []string{"[line 1:19 mismatched input '<EOF>' expecting ')']"}},
		{in: `harness: unknown test certificate "ogiltigt"; use giltigt, utgånget or okänd-ca (valid, expired, unknown-ca)`,
			want: `konform: okänt testcertifikat "ogiltigt"; använd giltigt, utgånget eller okänd-ca`},
		{in: "harness: token claims map[exp:snart] do not fit NLL's claims: json: cannot unmarshal string into Go struct field Claims.exp of type int64",
			want: "konform: claims i token map[exp:snart] passar inte NLL:s claims: json: cannot unmarshal string into Go struct field Claims.exp of type int64",
			keep: []string{"json: cannot unmarshal string into Go struct field Claims.exp of type int64"}},
		{in: "harness: the operator's answer: the ref driver has no operator to ask; run the case with the manual driver",
			want: "konform: operatörens svar: drivrutinen ref har ingen operatör att fråga; kör testfallet med den manuella drivrutinen"},
		{in: "harness: only an operator can confirm that systemet visade felet; run the case with the manual driver (sut: driver: manual)",
			want: "konform: bara en operatör kan bekräfta att systemet visade felet; kör testfallet med den manuella drivrutinen (sut: driver: manual)", keep: []string{"sut: driver: manual"}},
		{in: "harness: no request has been sent in this scenario; add a request step before checking the answer",
			want: "konform: ingen begäran har skickats i testfallet; lägg till ett steg som skickar en begäran före kontrollen av svaret"},
	})
}

// TestSwedishDriverErrors: the drivers' errors (internal/driver), as a step gives them; what the
// command printed, the Go error and the operator's comment stay as they came.
func TestSwedishDriverErrors(t *testing.T) {
	const could = `harness: the system under test could not perform "skapa förskrivning": `
	const kunde = `konform: systemet under test kunde inte utföra "skapa förskrivning": `
	checkTranslations(t, text, []translation{
		{in: could + "the command ./sut.sh exited 3: Error: the patient was not found", want: kunde + "kommandot ./sut.sh avslutades med kod 3: Error: the patient was not found",
			keep: []string{"Error: the patient was not found"}},
		{in: could + "the command ./sut.sh exited 1: no output on stderr", want: kunde + "kommandot ./sut.sh avslutades med kod 1: inget på stderr"},
		{in: could + "the command ./sut.sh exited 1: no output on stderr; stdout: checked the answer", want: kunde + "kommandot ./sut.sh avslutades med kod 1: inget på stderr; stdout: checked the answer",
			keep: []string{"checked the answer"}},
		{in: could + "the command ./sut.sh was killed by signal 9 (killed): out of memory", want: kunde + "kommandot ./sut.sh stoppades av signal 9 (killed): out of memory",
			keep: []string{"(killed): out of memory"}},
		{in: could + "the command ./sut.sh was not found; check command: in the sut: section", want: kunde + "kommandot ./sut.sh hittades inte; kontrollera command: i avsnittet sut:", keep: []string{"command:"}},
		{in: could + "the command ./sut.sh is not executable (chmod +x)", want: kunde + "kommandot ./sut.sh är inte körbart (chmod +x)"},
		{in: could + `the test hook https://sut.test/konform did not answer: Post "https://sut.test/konform": dial tcp 10.0.0.1:443: connect: connection refused`,
			want: kunde + `testkroken https://sut.test/konform svarade inte: Post "https://sut.test/konform": dial tcp 10.0.0.1:443: connect: connection refused`,
			keep: []string{"connect: connection refused"}},
		{in: could + "the test hook https://sut.test/konform answered 500: the database was closed", want: kunde + "testkroken https://sut.test/konform svarade 500: the database was closed",
			keep: []string{"the database was closed"}},
		{in: could + `the operator Anna Testare answered that "skapa förskrivning" could not be done: the system was down`,
			want: kunde + `operatören Anna Testare svarade att "skapa förskrivning" inte gick att utföra: the system was down`, keep: []string{"the system was down"}},
		{in: could + `the operator Anna Testare answered that "skapa förskrivning" could not be done: no comment`,
			want: kunde + `operatören Anna Testare svarade att "skapa förskrivning" inte gick att utföra: ingen kommentar`},
	})
}

// TestSwedishDriverLogs: the summaries of a driver's logs and of the files an operator attached
// (internal/run/sut.go): the action's name and the claim as written, konform's words in Swedish.
func TestSwedishDriverLogs(t *testing.T) {
	checkTranslations(t, driverSummary, []translation{
		{in: "skapa förskrivning → the system showed 201", want: "skapa förskrivning → systemet visade 201"},
		{in: "confirmed: systemet visade NLL:s felmeddelande", want: "bekräftat: systemet visade NLL:s felmeddelande"},
		{in: "not confirmed: systemet visade NLL:s felmeddelande", want: "inte bekräftat: systemet visade NLL:s felmeddelande"},
		{in: "skapa förskrivning → the command ./sut.sh exited 3: boom", want: "skapa förskrivning → kommandot ./sut.sh avslutades med kod 3: boom"},
		{in: "skapa förskrivning", want: "skapa förskrivning"},
	})
	checkTranslations(t, attachmentText, []translation{
		{in: `skärmbild.png, attached by the operator to "confirmed: systemet visade NLL:s felmeddelande" (2048 bytes, sha256 0a1b2c)`,
			want: `skärmbild.png, bifogad av operatören till "bekräftat: systemet visade NLL:s felmeddelande" (2048 byte, sha256 0a1b2c)`},
	})
}

// TestSwedishReportRendersKonformsWords writes a report with every place konform's words reach
// it: the notes above the verdict, the system's calls, the driver's logs, the attachments, the
// calls outside the cases, the outcome and the shards' label. The English report holds each
// text as it was.
func TestSwedishReportRendersKonformsWords(t *testing.T) {
	refused := "the token of user förskrivare was refused ($ping with it answered 401 Unauthorized); renew it, or check token_env, token_file or token_command under users: förskrivare in the configuration"
	unreachable := "the server's certificate is not issued by a CA in the CA bundle; check the environment's CA file"
	sutCall := "POST https://127.0.0.1:9443/fhir/MedicationRequest → no answer: the gateway closed the connection without an answer (simulated outage)"
	driverLog := "skapa förskrivning → the system showed 201"
	attached := `skärmbild.png, attached by the operator to "confirmed: systemet visade felet" (2048 bytes, sha256 0a1b2c)`
	stray := "connection refused by the gateway: the system presented no client certificate"
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Refused: refused, Unreachable: unreachable,
		ShardRuns:    []ShardRun{{ID: "r-1", Shard: "1/2", Seed: 1}, {ID: "r-2", Shard: "2/2", Seed: 2}},
		Unattributed: []ExchangeRef{{File: "sut-calls/sut-001.http", Summary: stray}},
		Cases: []*Case{{ID: "S-1", Name: "S-1", Outcome: Skipped, SUTCalls: []ExchangeRef{{File: "S-1/sut-001.http", Summary: sutCall}},
			DriverLogs: []ExchangeRef{{File: "S-1/driver-001.txt", Summary: driverLog}}, Attachments: []ExchangeRef{{File: "S-1/001-skärmbild.png", Summary: attached}}}},
	}
	sv, en := reports(t, run)
	for _, want := range []string{
		"Målmiljön avvisade körningens användare, så inga testfall kördes: token för användaren förskrivare avvisades ($ping med den besvarades med 401 Unauthorized); förnya den, eller kontrollera token_env, token_file eller token_command under users: förskrivare i konfigurationen",
		"Målmiljön kunde inte nås, så inga testfall kördes: serverns certifikat är inte utfärdat av någon CA i miljöns CA-fil; kontrollera CA-filen",
		"POST https://127.0.0.1:9443/fhir/MedicationRequest → inget svar: gatewayen stängde anslutningen utan att svara (simulerat avbrott)",
		"skapa förskrivning → systemet visade 201",
		`skärmbild.png, bifogad av operatören till "bekräftat: systemet visade felet" (2048 byte, sha256 0a1b2c)`,
		"anslutningen avvisades av gatewayen: systemet visade inget klientcertifikat",
		"Körningens delar", "överhoppat",
	} {
		if !strings.Contains(sv, html.EscapeString(want)) {
			t.Errorf("the Swedish report lacks %s", want)
		}
	}
	for _, gone := range []string{"Delkörningar", "hoppades över", "the system showed", "attached by the operator", "simulated outage", "was refused", "CA bundle"} {
		if strings.Contains(sv, gone) {
			t.Errorf("the Swedish report holds %q", gone)
		}
	}
	for _, want := range []string{refused, unreachable, sutCall, driverLog, attached, stray, "Shards", "skipped"} {
		if !strings.Contains(en, html.EscapeString(want)) {
			t.Errorf("the English report lacks %s", want)
		}
	}
}

// TestEnglishReportKeepsItsWords: the English labels the Swedish changes touched are as they
// were, and an English report renders every message as konform wrote it.
func TestEnglishReportKeepsItsWords(t *testing.T) {
	for key, want := range map[string]string{"skipped": "skipped", "shardRuns": "Shards", "detail": "The server's words", "detailAnswer": "The server's words", "cleanup": "Test data left behind"} {
		if got := labels["en"][key]; got != want {
			t.Errorf("en label %s = %q, want %q", key, got, want)
		}
	}
	for sv := range labels["sv"] {
		if _, ok := labels["en"][sv]; !ok {
			t.Errorf("the label %s has no English", sv)
		}
	}
	s := Step{Outcome: Failed, Keyword: "Så ", Text: "x", Check: "call 9 of the system", Expect: "at least one call", Actual: "no call",
		Message: "call 9 of the system: expected at least one call, got no call"}
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{{ID: "F-1", Name: "F-1", Mandatory: true, Outcome: Failed, Steps: []Step{s}}}}
	_, en := reports(t, run)
	for _, want := range []string{"Check: call 9 of the system\nExpected: at least one call\nActual: no call", html.EscapeString(s.Message)} {
		if !strings.Contains(en, want) {
			t.Errorf("the English report lacks %s:\n%s", want, en)
		}
	}
}

// reports writes a run's report in Swedish and in English and returns both.
func reports(t *testing.T, run *Run) (sv, en string) {
	t.Helper()
	out := map[string]string{}
	for _, lang := range Languages() {
		dir := t.TempDir()
		if err := WriteReport(dir, run, nil, lang); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, ReportFile))
		if err != nil {
			t.Fatal(err)
		}
		out[lang] = string(data)
	}
	return out["sv"], out["en"]
}
