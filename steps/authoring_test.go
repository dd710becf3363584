package steps

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/fhirclient"
)

// background is what every scenario of these features starts with.
const background = `
  Bakgrund:
    Givet att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"
`

// TestQuotedParametersUnescape: \" in a quoted parameter is a quote and \\ a backslash, for the
// step as godog runs it: a header sent with quotes in its value, the ETag W/"1" checked exactly,
// by prefix and by a regular expression whose other backslashes stay; a wrong ETag fails.
func TestQuotedParametersUnescape(t *testing.T) {
	env := simEnv(t, "default")
	all := play(t, env, `# language: sv
Egenskap: citattecken i parametrar
`+background+`
  Scenario: ETag med citattecken
    Givet att begäran har headern "If-None-Match" med värdet "W/\"1\""
    Och att begäran har headern "X-Konform-Prov" med värdet "a\\b \"c\" \d"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och svaret har headern "ETag" med värdet "W/\"1\""
    Och svaret har headern "ETag" med ett värde som börjar med "W/\""
    Och svaret har headern "ETag" som matchar "^W/\"\d+\"$"

  Scenario: fel ETag
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så svaret har headern "ETag" med värdet "W/\"2\""
`)
	p := passed(t, all, "ETag med citattecken")
	sent := p.world.last.Request.Header
	if got := sent.Get("If-None-Match"); got != `W/"1"` {
		t.Errorf("If-None-Match sent as %q, want W/\"1\"", got)
	}
	if got := sent.Get("X-Konform-Prov"); got != `a\b "c" \d` {
		t.Errorf("X-Konform-Prov sent as %q, want a\\b \"c\" \\d", got)
	}
	failedLast(t, all, "fel ETag", `response header ETag: expected "W/\"2\"", got "W/\"1\""`)
}

// TestUnescape: only \" and \\ are escapes; the patterns take a parameter with escaped quotes
// whole, and nothing else of the vocabulary (free text, a doc string) is unescaped.
func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{`W/\"1\"`: `W/"1"`, `a\\b`: `a\b`, `\\\"`: `\"`, `^\d+$`: `^\d+$`, `plain`: `plain`, `end\`: `end\`} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
	re := regexp.MustCompile(`^(?:har svaret|svaret har) headern ` + quoted + ` med värdet ` + quoted + `$`)
	m := re.FindStringSubmatch(`svaret har headern "ETag" med värdet "W/\"1\""`)
	if m == nil || m[1] != "ETag" || m[2] != `W/\"1\"` {
		t.Errorf("the pattern took %q", m)
	}
	if re.MatchString(`svaret har headern "ETag" med värdet "W/"1""`) {
		t.Error("an unescaped quote inside a parameter matches")
	}
	if got := groupsLike(`^(?:bekräftar operatören|operatören bekräftar) att (.+)$`, quotedInner()); len(got) != 1 || got[0] {
		t.Errorf("free text counted as quoted: %v", got)
	}
	if got := groupsLike(`^systemet skickar `+methods+` till `+quoted+` med kroppen:$`, quotedInner()); len(got) != 2 || got[0] || !got[1] {
		t.Errorf("quoted groups of the send step: %v", got)
	}
}

// TestSendAnyMethodToAnyPath: any method to any path below the base, with a doc string body or
// none, placeholders filled in both; what a POST created is the created resource and is cleaned
// up. Paths off the base and a body with GET are errors of the step, and nothing is sent; so is a
// body step without its doc string and a doc string under a step that takes none.
func TestSendAnyMethodToAnyPath(t *testing.T) {
	env := simEnv(t, "default")
	all := play(t, env, `# language: sv
Egenskap: valfri metod och sökväg
`+background+`
  Scenario: PUT med kropp och platshållare
    När systemet skickar PUT till "MedicationRequest/{{uuid}}" med kroppen:
      """
      {"resourceType": "MedicationRequest", "id": "{{uuid}}", "status": "active",
       "note": [{"text": "{{base64:hej}} {{today+14d}} {{now-5m}}"}]}
      """
    Så är svarets statuskod 404

  Scenario: POST, GET, PATCH och DELETE
    När systemet skickar POST till "MedicationRequest" med kroppen:
`+prescription(t, env, nil)+`    Så är svarets statuskod 201
    När systemet skickar GET till "MedicationRequest/{{created.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.id" ger värdet "{{created.id}}"
    När systemet skickar GET till "MedicationRequest?patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet skickar PATCH till "MedicationRequest/{{created.id}}" med kroppen:
      """
      [{"op": "replace", "path": "/status", "value": "on-hold"}]
      """
    Så är svarets statuskod 405
    När systemet skapar en "Basic" från mallen "sparr.json"
    Och systemet skickar DELETE till "Basic/{{created.id}}"
    Så är svarets statuskod 2xx

  Scenario: absolut URL
    När systemet skickar GET till "https://example.org/fhir/Patient"

  Scenario: punktsegment
    När systemet skickar DELETE till "Patient/{{patient.id}}/../../admin"

  Scenario: GET med kropp
    När systemet skickar GET till "Patient" med kroppen:
      """
      {}
      """

  Scenario: kroppen saknas
    När systemet skickar POST till "MedicationRequest" med kroppen:

  Scenario: kropp som steget inte tar
    När systemet skickar GET till "$ping"
      """
      {}
      """
`)
	p := passed(t, all, "PUT med kropp och platshållare")
	req := p.world.last.Request
	id := p.world.uuid
	if req.Method != http.MethodPut || !strings.HasSuffix(req.URL, "/MedicationRequest/"+id) || id == "" {
		t.Errorf("sent %s %s, want PUT …/MedicationRequest/%s", req.Method, req.URL, id)
	}
	day := time.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	if body := string(req.Body); !strings.Contains(body, `"id": "`+id+`"`) || !strings.Contains(body, "aGVq "+day[:8]) || strings.Contains(body, "{{") {
		t.Errorf("body sent: %s", body)
	}
	if req.Header.Get("X-Provenance") == "" || req.Header.Get("X-Purpose") != "VARD" {
		t.Errorf("a write without the scenario's headers: %v", req.Header)
	}

	p = passed(t, all, "POST, GET, PATCH och DELETE")
	var methods []string
	for _, ex := range ownExchanges(p.world) {
		methods = append(methods, ex.Request.Method)
	}
	if got := strings.Join(methods, " "); got != "POST GET GET PATCH POST DELETE" {
		t.Errorf("the scenario sent %s", got)
	}
	for _, ex := range p.world.Exchanges {
		if ex.Request.Method == http.MethodPatch && ex.Request.Header.Get("X-Provenance") == "" {
			t.Error("PATCH, a write, went without X-Provenance")
		}
	}

	for name, want := range map[string]string{
		"absolut URL":               `the path "https://example.org/fhir/Patient" names a scheme or host of its own`,
		"punktsegment":              "has a .. segment, which leaves the FHIR base",
		"GET med kropp":             "a GET carries no body",
		"kroppen saknas":            "needs a doc string",
		"kropp som steget inte tar": "takes no doc string",
	} {
		p := failedLast(t, all, name, want)
		if !errors.Is(p.steps[len(p.steps)-1].err, ErrHarness) {
			t.Errorf("%s: not an error of the step: %v", name, p.steps[len(p.steps)-1].err)
		}
		for _, ex := range ownExchanges(p.world) {
			t.Errorf("%s: sent %s %s", name, ex.Request.Method, ex.Request.URL)
		}
	}
}

// TestBasePath: a path of a step stays on the FHIR base.
func TestBasePath(t *testing.T) {
	for _, ok := range []string{"", "$ping", "Patient/1", "MedicationRequest/$verify", "MedicationRequest?patient=1&_count=2", "Patient/a..b", "Basic/x.y"} {
		if err := basePath(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"https://example.org/fhir/Patient": "scheme or host", "http://127.0.0.1/fhir": "scheme or host", "//example.org/Patient": "scheme or host",
		"file:///etc/passwd": "scheme or host", "/fhir/Patient": "server's root", `\\example.org\x`: "server's root",
		"../Patient": ".. segment", "Patient/../../x": ".. segment", "Patient/%2e%2e/%2E%2E/x": ".. segment", `Patient\..\x`: ".. segment",
		"Patient/..": ".. segment", "Patient/%zz": "does not parse",
	} {
		err := basePath(bad)
		if err == nil || !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", bad, err, want)
		}
	}
}

// TestBodySteps: create, update and an operation with the body in a doc string, in Swedish and
// English.
func TestBodySteps(t *testing.T) {
	env := simEnv(t, "default")
	updated := prescription(t, env, func(doc map[string]any) {
		doc["id"], doc["status"], doc["meta"] = "{{created.id}}", "on-hold", map[string]any{"versionId": "1"}
	})
	all := play(t, env, `# language: sv
Egenskap: kroppar i doc strings
`+background+`
  Scenario: skapa och uppdatera
    När systemet skapar en "MedicationRequest" med kroppen:
`+prescription(t, env, nil)+`    Så är svarets statuskod 201
    När systemet uppdaterar den skapade resursen med kroppen:
`+updated+`    Så är svarets statuskod 200
    När systemet läser tillbaka den skapade resursen
    Så ger FHIRPath-uttrycket "MedicationRequest.status" värdet "on-hold"

  Scenario: uppdatera en gammal version
    När systemet skapar en "MedicationRequest" med kroppen:
`+prescription(t, env, nil)+`    Och systemet uppdaterar den skapade resursen med kroppen:
`+updated+`    Och systemet uppdaterar den skapade resursen med kroppen:
`+updated+`    Så är svarets statuskod 200
`)
	passed(t, all, "skapa och uppdatera")
	failedLast(t, all, "uppdatera en gammal version", "status code: expected 200, got 409")

	all = play(t, env, `# language: en
Feature: bodies in doc strings
  Background:
    Given the purpose is "VARD" and the access type "TILLFALLIGT_SAMTYCKE"
    And the test patient has personnummer "199802262387"

  Scenario: create, update, verify
    When the system creates a "MedicationRequest" with the body:
`+prescription(t, env, nil)+`    Then the response status is 201
    When the system updates the created resource with the body:
`+updated+`    Then the response status is 200
    When the system calls "MedicationRequest/$verify" with the body:
`+prescription(t, env, func(doc map[string]any) { delete(doc, "dosageInstruction") })+`    Then the response status is 200
    And the OperationOutcome has a detected issue with code "SIM-AFF-02"
    When the system sends GET to "MedicationRequest/{{created.id}}"
    Then the FHIRPath expression "MedicationRequest.status" gives "on-hold"
`)
	passed(t, all, "create, update, verify")
}

// TestHeaderPrefixAndPattern: a header's value by prefix and by a regular expression; a
// regular expression that does not compile is an error of the step, not a panic or a verdict.
func TestHeaderPrefixAndPattern(t *testing.T) {
	env := simEnv(t, "default")
	all := play(t, env, `# language: sv
Egenskap: huvuden
`+background+`
  Scenario: prefix och mönster
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så svaret har headern "ETag" med ett värde som börjar med "W/"
    Och svaret har headern "Location" med ett värde som börjar med "https://"
    Och svaret har headern "Location" som matchar "/MedicationRequest/{{created.id}}/_history/1$"

  Scenario: fel prefix
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så svaret har headern "ETag" med ett värde som börjar med "\"W"

  Scenario: header som saknas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så svaret har headern "X-Saknas" med ett värde som börjar med "a"

  Scenario: trasigt mönster
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så svaret har headern "ETag" som matchar "W/(\""
`)
	passed(t, all, "prefix och mönster")
	failedLast(t, all, "fel prefix", `response header ETag: expected a value starting with "\"W", got "W/\"1\""`)
	failedLast(t, all, "header som saknas", `response header X-Saknas: expected a value starting with "a", got none`)
	p := failedLast(t, all, "trasigt mönster", `"W/(\"" is not a regular expression`)
	if err := p.steps[len(p.steps)-1].err; !errors.Is(err, ErrHarness) {
		t.Errorf("a bad regular expression is a verdict: %v", err)
	}
}

// TestStatusSetAsWritten: the status set step (statusSetSV/EN) as a test author writes it.
func TestStatusSetAsWritten(t *testing.T) {
	env := simEnv(t, "default")
	all := play(t, env, `# language: sv
Egenskap: statusmängder
`+background+`
  Scenario: bland flera
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 200 eller 201
    Och svarets statuskod är 400, 409 eller 2xx

  Scenario: utanför mängden
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 4xx
`)
	passed(t, all, "bland flera")
	failedLast(t, all, "utanför mängden", "status code: expected 4xx, got 201")
}

// TestTypedFieldValues: a field of the created resource set to a number, a boolean and any JSON
// value reaches NLL as that type (the simulator's AFF rules read them); JSON that is not JSON is
// an error of the step before anything is sent.
func TestTypedFieldValues(t *testing.T) {
	env := simEnv(t, "default")
	create := `    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
`
	all := play(t, env, `# language: sv
Egenskap: typade värden
`+background+`
  Scenario: talet noll
`+create+`    Och systemet ändrar "dispenseRequest.quantity.value" till talet 0 i den skapade resursen
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-05"

  Scenario: tal och sanningsvärden
`+create+`    Och systemet ändrar "dispenseRequest.numberOfRepeatsAllowed" till talet 2 i den skapade resursen
    Och systemet ändrar "substitution.allowedBoolean" till falskt i den skapade resursen
    Och systemet ändrar "dispenseRequest.quantity.value" till talet 2.5 i den skapade resursen
    Så är svarets statuskod 200
    När systemet läser tillbaka den skapade resursen
    Så är FHIRPath-uttrycket "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed = 2" sant
    Och FHIRPath-uttrycket "MedicationRequest.substitution.allowedBoolean = false" är sant
    Och FHIRPath-uttrycket "MedicationRequest.dispenseRequest.quantity.value = 2.5" är sant

  Scenario: tomma doseringar
`+create+`    Och systemet ändrar "dosageInstruction" till JSON-värdet "[]" i den skapade resursen
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-02"

  Scenario: JSON med citattecken och i en doc string
`+create+`    Och systemet ändrar "note" till JSON-värdet "[{\"text\": \"körning {{run.id}}\"}]" i den skapade resursen
    Och systemet ändrar "dosageInstruction[0]" i den skapade resursen till JSON-värdet:
      """
      {"text": "2 tabletter morgon och kväll", "sequence": 1}
      """
    Så är svarets statuskod 200
    När systemet läser tillbaka den skapade resursen
    Så ger FHIRPath-uttrycket "MedicationRequest.dosageInstruction.text" värdet "2 tabletter morgon och kväll"
    Och FHIRPath-uttrycket "MedicationRequest.dosageInstruction.sequence = 1" är sant
    Och FHIRPath-uttrycket "MedicationRequest.note.text" ger värdet "körning {{run.id}}"

  Scenario: inte JSON
`+create+`    Och systemet ändrar "dosageInstruction" till JSON-värdet "[{text: 1}]" i den skapade resursen

  Scenario: JSON och mer
`+create+`    Och systemet ändrar "dosageInstruction" i den skapade resursen till JSON-värdet:
      """
      [] []
      """

  Scenario: index som saknas
`+create+`    Och systemet ändrar "dosageInstruction[3].text" till "x" i den skapade resursen
`)
	passed(t, all, "talet noll")
	p := passed(t, all, "tal och sanningsvärden")
	var puts []string
	for _, ex := range p.world.Exchanges {
		if ex.Request.Method == http.MethodPut {
			puts = append(puts, string(ex.Request.Body))
		}
	}
	if len(puts) != 3 || !strings.Contains(puts[0], `"numberOfRepeatsAllowed":2`) || !strings.Contains(puts[1], `"allowedBoolean":false`) || !strings.Contains(puts[2], `"value":2.5`) {
		t.Errorf("PUT bodies: %s", puts)
	}
	passed(t, all, "tomma doseringar")
	passed(t, all, "JSON med citattecken och i en doc string")
	for name, want := range map[string]string{
		"inte JSON":        `the value for "dosageInstruction" is not JSON (invalid character 't'`,
		"JSON och mer":     `is not JSON (text after the value)`,
		"index som saknas": `field "dosageInstruction[3].text": dosageInstruction has no element 3 (it has 1)`,
	} {
		p := failedLast(t, all, name, want)
		if own := ownExchanges(p.world); name != "index som saknas" && len(own) != 1 {
			t.Errorf("%s: %d exchanges besides lookups; a value that is not JSON sends nothing after the create", name, len(own))
		}
	}
}

// TestTypedValueWords: the words for booleans and numbers the functions take.
func TestTypedValueWords(t *testing.T) {
	w := NewWorld(context.Background(), &Env{})
	w.created = "MedicationRequest/x"
	if err := w.changeToBoolean("a", "kanske"); err == nil || !strings.Contains(err.Error(), "sant or falskt") {
		t.Errorf("boolean: %v", err)
	}
	if err := w.changeToNumber("a", "01"); err == nil || !strings.Contains(err.Error(), "not a number as JSON writes it") {
		t.Errorf("number: %v", err)
	}
	doc := map[string]any{"a": map[string]any{"b": "x"}, "l": []any{map[string]any{}}, "s": "text"}
	for field, want := range map[string]string{"s.t": "s is not an object", "a..b": `"" is not a key`, "l[0].x[1]": "x has no element 1", "s[0]": "s has no element 0"} {
		if err := setField(doc, field, 1); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("setField %q: %v, want %q", field, err, want)
		}
	}
	must(t, setField(doc, "n.m.o", true))
	must(t, setField(doc, "l[0].x", "y"))
	if doc["n"].(map[string]any)["m"].(map[string]any)["o"] != true || doc["l"].([]any)[0].(map[string]any)["x"] != "y" {
		t.Errorf("setField: %v", doc)
	}
}

// TestOutcomeChecksReadParameters: the OperationOutcome checks read the issues of a $verify
// answer, Parameters with an OperationOutcome in a parameter's resource: an AFF finding passes
// with its code and fails with another; a clean verification has no error.
func TestOutcomeChecksReadParameters(t *testing.T) {
	env := simEnv(t, "default")
	noDosage := prescription(t, env, func(doc map[string]any) { delete(doc, "dosageInstruction") })
	all := play(t, env, `# language: sv
Egenskap: $verify
`+background+`
  Scenario: AFF-fynd
    När systemet anropar "MedicationRequest/$verify" med kroppen:
`+noDosage+`    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och OperationOutcome har ett fel
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "business-rule"
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-02"
    Och OperationOutcome pekar ut "MedicationRequest.dosageInstruction"

  Scenario: annan AFF-kod
    När systemet anropar "MedicationRequest/$verify" med kroppen:
`+noDosage+`    Så har OperationOutcome en AFF-avvisning med kod "SIM-AFF-05"

  Scenario: inga fynd
    När systemet anropar "MedicationRequest/$verify" med kroppen:
`+prescription(t, env, nil)+`    Så har OperationOutcome en issue med allvarlighetsgrad "information" och kod "informational"

  Scenario: inga fel
    När systemet anropar "MedicationRequest/$verify" med kroppen:
`+prescription(t, env, nil)+`    Så har OperationOutcome ett fel
`)
	passed(t, all, "AFF-fynd")
	failedLast(t, all, "annan AFF-kod", `nllDetectedIssue code: expected "SIM-AFF-05", got SIM-AFF-02`)
	passed(t, all, "inga fynd")
	failedLast(t, all, "inga fel", "expected an issue of severity error or fatal, got information/informational")

	// Parts, and Parameters without any OperationOutcome.
	inPart := `{"resourceType":"Parameters","parameter":[{"name":"result","part":[{"name":"issues","resource":` + outcomeBody + `}]}]}`
	if err := answered(200, inPart, nil).outcomeHasDetectedIssue("SIM-AFF-04"); err != nil {
		t.Errorf("an OperationOutcome in a part: %v", err)
	}
	err := answered(200, `{"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":true}]}`, nil).outcomeHasError("")
	if err == nil || !strings.Contains(err.Error(), `got "Parameters" without an OperationOutcome in its parameters`) {
		t.Errorf("Parameters without an outcome: %v", err)
	}
}

// TestPatientLookupKeepsDefaultHeaders: {{patient.id}} is looked up with the run's identity and
// complete default headers, so a scenario that leaves out x-purpose (to be refused) still gets
// the id; the lookup is recorded, marked as a lookup, and the scenario's own request goes as the
// scenario says. A patient NLL does not know is an error naming it.
func TestPatientLookupKeepsDefaultHeaders(t *testing.T) {
	env := simEnv(t, "default")
	client := env.Client
	var identities []Identity
	env.Client = func(id Identity) (*fhirclient.Client, error) {
		identities = append(identities, id)
		return client(id)
	}
	all := play(t, env, `# language: sv
Egenskap: uppslag av testpatienten
`+background+`
  Scenario: utan ändamål
    Givet att begäran saknar headern "x-purpose"
    Och att åtkomstintyget har "loa" satt till "2"
    Och att systemet ansluter med testcertifikatet "utgånget"
    När systemet hämtar "Patient/{{patient.id}}"

  Scenario: okänd patient
    Givet att testpatienten har personnummer "191212121212"
    När systemet hämtar "Patient/{{patient.id}}"
`)
	p := passed(t, all, "utan ändamål")
	w := p.world
	if len(w.Exchanges) != 2 || !w.Lookup(w.Exchanges[0]) || w.Lookup(w.Exchanges[1]) {
		t.Fatalf("exchanges: %d, lookups marked: %v", len(w.Exchanges), w.lookups)
	}
	lookup, own := w.Exchanges[0].Request, w.Exchanges[1].Request
	if lookup.Header.Get("X-Purpose") != "VARD" || lookup.Header.Get("X-Access") != "TILLFALLIGT_SAMTYCKE" || lookup.Header.Get("Authorization") == "" {
		t.Errorf("the lookup went with %v", lookup.Header)
	}
	if own.Header.Get("X-Purpose") != "" || !strings.HasSuffix(own.URL, "/Patient/"+w.patient) || w.patient == "" {
		t.Errorf("the scenario's request: %s with %v", own.URL, own.Header)
	}
	if len(identities) < 2 || identities[0] != RunIdentity || identities[1] != ExpiredCertificate {
		t.Errorf("identities asked for: %v, want the run's for the lookup, then the scenario's", identities)
	}
	if w.identity != ExpiredCertificate || w.omit["X-Purpose"] != true || w.claims["loa"] == nil {
		t.Error("the lookup changed the scenario's identity, headers or claims")
	}
	failedLast(t, all, "okänd patient", "test patient 191212121212 is not registered in NLL")
}

// TestPatientLookupLeavesTheLastAnswer: a lookup in a check's placeholder does not replace the
// answer the check reads.
func TestPatientLookupLeavesTheLastAnswer(t *testing.T) {
	w := simWorld(t, "default")
	must(t, w.read("$ping"))
	before := w.last
	must(t, w.omitHeader("x-purpose"))
	if _, err := w.fill("{{patient.id}}"); err != nil {
		t.Fatal(err)
	}
	if w.last != before || len(w.Exchanges) != 2 || !w.Lookup(w.Exchanges[1]) {
		t.Errorf("the lookup replaced the last answer or was not recorded as a lookup")
	}
}

// ownExchanges are the exchanges of a scenario's own steps: all but konform's lookups.
func ownExchanges(w *World) []*fhirclient.Exchange {
	var out []*fhirclient.Exchange
	for _, ex := range w.Exchanges {
		if !w.Lookup(ex) {
			out = append(out, ex)
		}
	}
	return out
}

// TestARestoredHeaderIsSentAsUsual: "åter har headern … som vanligt" undoes both the omission and
// the scenario's own value of one header, and no other.
func TestARestoredHeaderIsSentAsUsual(t *testing.T) {
	w := simWorld(t, "default")
	must(t, w.omitHeader("x-provenance"))
	must(t, w.omitHeader("x-org-info"))
	must(t, w.setHeader("Prefer", "return=representation"))
	must(t, w.create("MedicationRequest", "forskrivning.json"))
	if h := w.last.Request.Header; h.Get("X-Provenance") != "" || h.Get("X-Org-Info") != "" {
		t.Fatalf("the omitted headers were sent: %v", h)
	}
	must(t, w.restoreHeader("x-provenance"))
	must(t, w.restoreHeader("prefer"))
	must(t, w.create("MedicationRequest", "forskrivning.json"))
	h := w.last.Request.Header
	if h.Get("X-Provenance") == "" || h.Get("Prefer") != "" || h.Get("X-Org-Info") != "" {
		t.Errorf("after restoring x-provenance and Prefer: %v", h)
	}
}
