package steps

import (
	"context"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

// Def is one step of the vocabulary: a Swedish and an English pattern bound to one function.
type Def struct {
	// Group is the heading the step is listed under in docs/steps.md.
	Group string
	// SV and EN are the step's patterns (regular expressions without keyword).
	SV, EN string
	// ExampleSV and ExampleEN are full example lines, keyword included.
	ExampleSV, ExampleEN string
	// Doc says what the step does.
	Doc string
	// Bind returns the step function for a scenario's World.
	Bind func(*World) any
}

const (
	// quoted is a text parameter between double quotes; \" stands for a quote inside it and \\
	// for a backslash (`"W/\"1\""` is W/"1"). Register unescapes it before the step sees it.
	quoted = `"((?:[^"\\]|\\.)*)"`
	number = `(\d+)`
	// decimal is a number with an optional sign, fraction and exponent, as JSON writes it.
	decimal = `(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)`
	// methods are the HTTP methods a request step may send.
	methods = `(GET|POST|PUT|PATCH|DELETE)`
	// statusSetSV and statusSetEN are a set of statuses: codes and classes, at least two codes or
	// one class ("409 eller 412", "400, 403 eller 422", "4xx").
	statusSetSV = `(\d(?:\d\d|xx)(?:(?:, | eller )\d(?:\d\d|xx))+|\dxx)`
	statusSetEN = `(\d(?:\d\d|xx)(?:(?:, | or )\d(?:\d\d|xx))+|\dxx)`
)

// Vocabulary returns every step konform knows.
func Vocabulary() []Def {
	return append(serviceVocabulary(), sutVocabulary()...)
}

// serviceVocabulary are the steps in which konform itself calls NLL.
func serviceVocabulary() []Def {
	return []Def{
		{
			Group:     "Anslutning och identitet",
			SV:        `^att systemet är anslutet till NLL med sitt testcertifikat$`,
			EN:        `^the system is connected to NLL with its test certificate$`,
			ExampleSV: "Givet att systemet är anslutet till NLL med sitt testcertifikat",
			ExampleEN: "Given the system is connected to NLL with its test certificate",
			Doc:       "Connect with the run's client certificate (the default).",
			Bind:      func(w *World) any { return w.connectWithRunIdentity },
		},
		{
			Group:     "Anslutning och identitet",
			SV:        `^att systemet ansluter utan klientcertifikat$`,
			EN:        `^the system connects without a client certificate$`,
			ExampleSV: "Givet att systemet ansluter utan klientcertifikat",
			ExampleEN: "Given the system connects without a client certificate",
			Doc:       "Connect without presenting any client certificate.",
			Bind:      func(w *World) any { return w.connectWithoutCertificate },
		},
		{
			Group:     "Anslutning och identitet",
			SV:        `^att systemet ansluter med testcertifikatet ` + quoted + `$`,
			EN:        `^the system connects with the test certificate ` + quoted + `$`,
			ExampleSV: `Givet att systemet ansluter med testcertifikatet "utgånget"`,
			ExampleEN: `Given the system connects with the test certificate "expired"`,
			Doc:       "Connect with a certificate of the dev PKI: giltigt/valid, utgånget/expired, okänd-ca/unknown-ca.",
			Bind:      func(w *World) any { return w.connectWithCertificate },
		},
		{
			Group:     "Anslutning och identitet",
			SV:        `^att användaren är (förskrivare|farmaceut|sjuksköterska|farmaceut inom vården|dietist|apotekspersonal|privatperson)$`,
			EN:        `^the user is a (prescriber|pharmacist|nurse|care pharmacist|dietitian|pharmacy staff member|private person)$`,
			ExampleSV: "Givet att användaren är farmaceut",
			ExampleEN: "Given the user is a pharmacist",
			Doc:       "Act as a user of this role: the token (authorization) and the workplace (x-org-info) follow. The default is a prescriber. A sjuksköterska, farmaceut inom vården or dietist works in care without prescribing rights; apotekspersonal is non-licensed staff at a pharmacy. A privatperson is the scenario's test patient, logged in at a pharmacy's web shop (TA 01): the simulator's token carries the test patient's personnummer. Against EXT each role needs its user under `users:` in konform.yaml, and the privatperson's must be the test patient.",
			Bind:      func(w *World) any { return w.actAs },
		},
		{
			Group:     "Anslutning och identitet",
			SV:        `^att åtkomstintyget har ` + quoted + ` satt till ` + quoted + `$`,
			EN:        `^the access token has ` + quoted + ` set to ` + quoted + `$`,
			ExampleSV: `Givet att åtkomstintyget har "loa" satt till "2"`,
			ExampleEN: `Given the access token has "loa" set to "2"`,
			Doc:       "Change a claim of the user's token (FORSKRIVARKOD, VARDGIVARE, YRKESKOD, APOTEKSID, PERSONNUMMER, loa; JSON values such as [\"LK\"] or true are read as such, numbers only for loa, exp, iat and nbf). Only the simulator issues such tokens.",
			Bind:      func(w *World) any { return w.setClaim },
		},
		{
			Group:     "Meddelandehuvud",
			SV:        `^att ändamålet är ` + quoted + ` och åtkomsttypen ` + quoted + `$`,
			EN:        `^the purpose is ` + quoted + ` and the access type ` + quoted + `$`,
			ExampleSV: `Givet att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"`,
			ExampleEN: `Given the purpose is "VARD" and the access type "TILLFALLIGT_SAMTYCKE"`,
			Doc:       "Send x-purpose and x-access with every following request.",
			Bind:      func(w *World) any { return w.setPurposeAndAccess },
		},
		{
			Group:     "Meddelandehuvud",
			SV:        `^att begäran har headern ` + quoted + ` med värdet ` + quoted + `$`,
			EN:        `^the request has the header ` + quoted + ` with the value ` + quoted + `$`,
			ExampleSV: `Givet att begäran har headern "Prefer" med värdet "return=representation"`,
			ExampleEN: `Given the request has the header "Prefer" with the value "return=representation"`,
			Doc:       "Send a header with every following request; placeholders are filled.",
			Bind:      func(w *World) any { return w.setHeader },
		},
		{
			Group:     "Meddelandehuvud",
			SV:        `^att begäran saknar headern ` + quoted + `$`,
			EN:        `^the request lacks the header ` + quoted + `$`,
			ExampleSV: `Givet att begäran saknar headern "x-provenance"`,
			ExampleEN: `Given the request lacks the header "x-provenance"`,
			Doc:       "Leave a header out of every following request, even one konform sends by default (authorization, x-org-info, x-provenance, x-request-id).",
			Bind:      func(w *World) any { return w.omitHeader },
		},
		{
			Group:     "Meddelandehuvud",
			SV:        `^att begäran åter har headern ` + quoted + ` som vanligt$`,
			EN:        `^the request has the header ` + quoted + ` as usual again$`,
			ExampleSV: `Givet att begäran åter har headern "x-provenance" som vanligt`,
			ExampleEN: `Given the request has the header "x-provenance" as usual again`,
			Doc:       "Undo the scenario's change of one header (\"saknar headern\" or \"har headern … med värdet\"): following requests send it as konform does by itself (authorization, x-org-info, x-provenance on writes, x-request-id, Accept, Content-Type), or not at all for a header konform does not send. For a control after a refusal: the same request with the header as usual is accepted.",
			Bind:      func(w *World) any { return w.restoreHeader },
		},
		{
			Group:     "Testdata",
			SV:        `^att testpatienten har personnummer ` + quoted + `$`,
			EN:        `^the test patient has personnummer ` + quoted + `$`,
			ExampleSV: `Givet att testpatienten har personnummer "189001019802"`,
			ExampleEN: `Given the test patient has personnummer "189001019802"`,
			Doc:       "Choose the scenario's test patient (a test personnummer, or a placeholder such as {{testdata.okand.personnummer}}); {{patient.id}} looks it up in NLL.",
			Bind:      func(w *World) any { return w.setTestPatient },
		},
		{
			Group:     "Testdata",
			SV:        `^att scenariot har en egen testpatient ur poolen$`,
			EN:        `^the scenario has its own test patient from the pool$`,
			ExampleSV: "Givet att scenariot har en egen testpatient ur poolen",
			ExampleEN: "Given the scenario has its own test patient from the pool",
			Doc: "Lease a patient of the pack's patient pool (patients: in its pack.yaml) as the scenario's test patient, for the scenario alone until its cleanup has ended: " +
				"for scenarios that change or count something of the patient (a data lock, a consent, the prescriptions, the pages of a search). " +
				"Waits while every patient is leased, at most two minutes.",
			Bind: func(w *World) any { return w.leasePatient },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet hämtar ` + quoted + `$`,
			EN:        `^the system reads ` + quoted + `$`,
			ExampleSV: `När systemet hämtar "Patient/{{patient.id}}"`,
			ExampleEN: `When the system reads "Patient/{{patient.id}}"`,
			Doc:       "GET a path below the base URL ($ping, Type/id); placeholders are filled.",
			Bind:      func(w *World) any { return w.read },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet anropar ` + quoted + ` med (GET|POST)$`,
			EN:        `^the system calls ` + quoted + ` with (GET|POST)$`,
			ExampleSV: `När systemet anropar "$ping" med POST`,
			ExampleEN: `When the system calls "$ping" with POST`,
			Doc:       "Call a path below the base URL with GET or POST and no body; placeholders are filled.",
			Bind:      func(w *World) any { return w.call },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet söker ` + quoted + ` med ` + quoted + `$`,
			EN:        `^the system searches ` + quoted + ` with ` + quoted + `$`,
			ExampleSV: `När systemet söker "MedicationRequest" med "patient={{patient.id}}"`,
			ExampleEN: `When the system searches "MedicationRequest" with "patient={{patient.id}}"`,
			Doc:       "Search a resource type with URL-encoded search parameters; placeholders are filled.",
			Bind:      func(w *World) any { return w.search },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet söker testpatienten på personnummer$`,
			EN:        `^the system searches the test patient by personnummer$`,
			ExampleSV: "När systemet söker testpatienten på personnummer",
			ExampleEN: "When the system searches the test patient by personnummer",
			Doc:       "GET Patient?identifier=<personnummer system>|<the test patient's personnummer>.",
			Bind:      func(w *World) any { return w.searchTestPatient },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet skapar en ` + quoted + ` från mallen ` + quoted + `$`,
			EN:        `^the system creates a ` + quoted + ` from the template ` + quoted + `$`,
			ExampleSV: `När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"`,
			ExampleEN: `When the system creates a "MedicationRequest" from the template "forskrivning.json"`,
			Doc:       "POST a resource built from the pack's templates/<file> with its placeholders filled.",
			Bind:      func(w *World) any { return w.create },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet anropar ` + quoted + ` med mallen ` + quoted + `$`,
			EN:        `^the system calls ` + quoted + ` with the template ` + quoted + `$`,
			ExampleSV: `När systemet anropar "MedicationDispense/$verify" med mallen "uttag.json"`,
			ExampleEN: `When the system calls "MedicationDispense/$verify" with the template "uttag.json"`,
			Doc:       "POST a filled template to a path: an operation ($verify, MedicationRequest/$end) or \"\" for a transaction at the base.",
			Bind:      func(w *World) any { return w.callWithTemplate },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet skickar ` + methods + ` till ` + quoted + `$`,
			EN:        `^the system sends ` + methods + ` to ` + quoted + `$`,
			ExampleSV: `När systemet skickar DELETE till "Basic/{{var.spärr}}"`,
			ExampleEN: `When the system sends DELETE to "Basic/{{var.lock}}"`,
			Doc: "Send a request with any method and no body to a path relative to the FHIR base (Type/id, Type?params, an operation), with the scenario's identity and headers; placeholders are filled. " +
				"An absolute URL, another scheme or host, a path from the server's root (/…) and a .. segment are refused: requests stay on the FHIR base.",
			Bind: func(w *World) any { return w.sendRequest },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet skickar ` + methods + ` till ` + quoted + ` med kroppen:$`,
			EN:        `^the system sends ` + methods + ` to ` + quoted + ` with the body:$`,
			ExampleSV: `När systemet skickar PUT till "MedicationRequest/{{uuid}}" med kroppen:`,
			ExampleEN: `When the system sends PUT to "MedicationRequest/{{uuid}}" with the body:`,
			Doc: "As above, with the doc string below the step (between two lines of \"\"\") as the body, sent as written with its placeholders filled (application/fhir+json unless the scenario sets Content-Type), " +
				"so it may be broken on purpose. GET takes no body. What the answer created (201 with a Location) becomes the created resource, and is cleaned up.",
			Bind: func(w *World) any { return w.sendRequestWithBody },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet skapar en ` + quoted + ` med kroppen:$`,
			EN:        `^the system creates a ` + quoted + ` with the body:$`,
			ExampleSV: `När systemet skapar en "Consent" med kroppen:`,
			ExampleEN: `When the system creates a "Consent" with the body:`,
			Doc:       "POST the doc string below the step, placeholders filled, to a resource type: as creating from a template, with the body in the feature file.",
			Bind:      func(w *World) any { return w.createWithBody },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet anropar ` + quoted + ` med kroppen:$`,
			EN:        `^the system calls ` + quoted + ` with the body:$`,
			ExampleSV: `När systemet anropar "MedicationRequest/$verify" med kroppen:`,
			ExampleEN: `When the system calls "MedicationRequest/$verify" with the body:`,
			Doc:       "POST the doc string below the step, placeholders filled, to a path: an operation ($verify, MedicationRequest/$end) or \"\" for a transaction at the base; as calling with a template.",
			Bind:      func(w *World) any { return w.callWithBody },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet uppdaterar den skapade resursen med kroppen:$`,
			EN:        `^the system updates the created resource with the body:$`,
			ExampleSV: "När systemet uppdaterar den skapade resursen med kroppen:",
			ExampleEN: "When the system updates the created resource with the body:",
			Doc:       "PUT the doc string below the step, placeholders filled ({{created.id}} for its id), to the created resource, replacing it whole.",
			Bind:      func(w *World) any { return w.updateCreatedWithBody },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet ändrar ` + quoted + ` till ` + quoted + ` i den skapade resursen$`,
			EN:        `^the system changes ` + quoted + ` to ` + quoted + ` in the created resource$`,
			ExampleSV: `När systemet ändrar "status" till "on-hold" i den skapade resursen`,
			ExampleEN: `When the system changes "status" to "on-hold" in the created resource`,
			Doc:       "Read the current version of the created resource, set a field to a text and PUT the whole resource back. The field is a dotted path of keys, each optionally indexed (dosageInstruction[0].text); missing objects on the way are made.",
			Bind:      func(w *World) any { return w.changeCreated },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet ändrar ` + quoted + ` till ` + quoted + ` i version ` + number + ` av den skapade resursen$`,
			EN:        `^the system changes ` + quoted + ` to ` + quoted + ` in version ` + number + ` of the created resource$`,
			ExampleSV: `När systemet ändrar "status" till "active" i version 1 av den skapade resursen`,
			ExampleEN: `When the system changes "status" to "active" in version 1 of the created resource`,
			Doc:       "As above, but starting from an old version: what a client that did not fetch the latest version sends.",
			Bind:      func(w *World) any { return w.changeVersion },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet ändrar ` + quoted + ` till talet ` + decimal + ` i den skapade resursen$`,
			EN:        `^the system changes ` + quoted + ` to the number ` + decimal + ` in the created resource$`,
			ExampleSV: `När systemet ändrar "dispenseRequest.quantity.value" till talet 0 i den skapade resursen`,
			ExampleEN: `When the system changes "dispenseRequest.quantity.value" to the number 0 in the created resource`,
			Doc:       "As changing a field to a text, but the field becomes a JSON number (0, -1, 2.5, 1e3), not a string.",
			Bind:      func(w *World) any { return w.changeToNumber },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet ändrar ` + quoted + ` till (sant|falskt) i den skapade resursen$`,
			EN:        `^the system changes ` + quoted + ` to (true|false) in the created resource$`,
			ExampleSV: `När systemet ändrar "substitution.allowedBoolean" till falskt i den skapade resursen`,
			ExampleEN: `When the system changes "substitution.allowedBoolean" to false in the created resource`,
			Doc:       "As changing a field to a text, but the field becomes the JSON boolean true (sant) or false (falskt).",
			Bind:      func(w *World) any { return w.changeToBoolean },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet ändrar ` + quoted + ` till JSON-värdet ` + quoted + ` i den skapade resursen$`,
			EN:        `^the system changes ` + quoted + ` to the JSON value ` + quoted + ` in the created resource$`,
			ExampleSV: `När systemet ändrar "dosageInstruction" till JSON-värdet "[]" i den skapade resursen`,
			ExampleEN: `When the system changes "dosageInstruction" to the JSON value "[]" in the created resource`,
			Doc: "As changing a field to a text, but the field becomes any JSON value: an object, an array, a string, a number, true, false or null (write \\\" for a quote inside the parameter); placeholders are filled first. " +
				"A value that is not JSON is an error of the step, and nothing is sent.",
			Bind: func(w *World) any { return w.changeToJSON },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet ändrar ` + quoted + ` i den skapade resursen till JSON-värdet:$`,
			EN:        `^the system changes ` + quoted + ` in the created resource to the JSON value:$`,
			ExampleSV: `När systemet ändrar "dosageInstruction[0]" i den skapade resursen till JSON-värdet:`,
			ExampleEN: `When the system changes "dosageInstruction[0]" in the created resource to the JSON value:`,
			Doc:       "As above, with the JSON value in the doc string below the step: for objects and arrays of some size.",
			Bind:      func(w *World) any { return w.changeToJSONBody },
		},
		{
			Group:     "Anrop",
			SV:        `^systemet läser tillbaka den skapade resursen$`,
			EN:        `^the system reads back the created resource$`,
			ExampleSV: "När systemet läser tillbaka den skapade resursen",
			ExampleEN: "When the system reads back the created resource",
			Doc:       "GET the Location of the last created resource (its current version).",
			Bind:      func(w *World) any { return w.readBackCreated },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är svarets statuskod|svarets statuskod är) ` + number + `$`,
			EN:        `^the response status is ` + number + `$`,
			ExampleSV: "Så är svarets statuskod 200",
			ExampleEN: "Then the response status is 200",
			Doc:       "The HTTP status of the last answer.",
			Bind:      func(w *World) any { return w.statusIs },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är svarets statuskod|svarets statuskod är) ` + statusSetSV + `$`,
			EN:        `^the response status is ` + statusSetEN + `$`,
			ExampleSV: "Så är svarets statuskod 409 eller 412",
			ExampleEN: "Then the response status is 409 or 412",
			Doc:       "The HTTP status of the last answer is one of a set of codes, or in a class (4xx), for where NLL's documentation leaves the exact status open.",
			Bind:      func(w *World) any { return w.statusIn },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är resurstypen|resurstypen är) ` + quoted + `$`,
			EN:        `^the resource type is ` + quoted + `$`,
			ExampleSV: `Och resurstypen är "Bundle"`,
			ExampleEN: `And the resource type is "Bundle"`,
			Doc:       "The answer is FHIR JSON with this resourceType.",
			Bind:      func(w *World) any { return w.resourceTypeIs },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:innehåller Bundle|Bundle innehåller) ` + number + ` träff(?:ar)?$`,
			EN:        `^the Bundle total is ` + number + `$`,
			ExampleSV: "Och Bundle innehåller 1 träff",
			ExampleEN: "And the Bundle total is 1",
			Doc:       "The answer is a Bundle whose total is this number.",
			Bind:      func(w *World) any { return w.bundleTotalIs },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har Bundle|Bundle har) ` + number + ` post(?:er)?$`,
			EN:        `^the Bundle has ` + number + ` entr(?:y|ies)$`,
			ExampleSV: "Och Bundle har 1 post",
			ExampleEN: "And the Bundle has 1 entry",
			Doc:       "The answer is a Bundle with this many entries.",
			Bind:      func(w *World) any { return w.bundleEntriesAre },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har OperationOutcome|OperationOutcome har) en issue med allvarlighetsgrad ` + quoted + ` och kod ` + quoted + `$`,
			EN:        `^the OperationOutcome has an issue with severity ` + quoted + ` and code ` + quoted + `$`,
			ExampleSV: `Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "not-found"`,
			ExampleEN: `And the OperationOutcome has an issue with severity "error" and code "not-found"`,
			Doc:       "The answer is an OperationOutcome with an issue of this severity and code. This and the other OperationOutcome checks also read Parameters answers (such as $verify's): the issues of every OperationOutcome among the parameters' resources and parts.",
			Bind:      func(w *World) any { return w.outcomeHasIssue },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har OperationOutcome|OperationOutcome har) ett fel(?: med en kod bland ` + quoted + `)?$`,
			EN:        `^the OperationOutcome has an error(?: with a code among ` + quoted + `)?$`,
			ExampleSV: `Och OperationOutcome har ett fel med en kod bland "conflict, processing"`,
			ExampleEN: `And the OperationOutcome has an error with a code among "conflict, processing"`,
			Doc:       "The answer is an OperationOutcome with an issue of severity error or fatal, and, when codes are listed (comma-separated), one of those codes. Without the list any code will do: NLL does not document its issue codes.",
			Bind:      func(w *World) any { return w.outcomeHasError },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är svaret|svaret är) tomt eller en OperationOutcome med ett fel$`,
			EN:        `^the answer is empty or an OperationOutcome with an error$`,
			ExampleSV: `Och svaret är tomt eller en OperationOutcome med ett fel`,
			ExampleEN: `And the answer is empty or an OperationOutcome with an error`,
			Doc:       "For a refusal whose form NLL does not document: an error status (400 or above) with an empty body passes, since NLL's error handling allows an error answer without a body; a body must be an OperationOutcome (or Parameters carrying one) with an issue of severity error or fatal. A 2xx answer must carry the error.",
			Bind:      func(w *World) any { return w.errorEmptyOrOutcome },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:pekar OperationOutcome|OperationOutcome pekar) ut ` + quoted + `$`,
			EN:        `^the OperationOutcome points at ` + quoted + `$`,
			ExampleSV: `Och OperationOutcome pekar ut "Bundle.entry[1]"`,
			ExampleEN: `And the OperationOutcome points at "Bundle.entry[1]"`,
			Doc:       "An issue points at this element: its expression or location is the element or lies below it, or its diagnostics name it.",
			Bind:      func(w *World) any { return w.outcomePointsAt },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har OperationOutcome|OperationOutcome har) en AFF-avvisning med kod ` + quoted + `$`,
			EN:        `^the OperationOutcome has a detected issue with code ` + quoted + `$`,
			ExampleSV: `Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-04"`,
			ExampleEN: `And the OperationOutcome has a detected issue with code "SIM-AFF-04"`,
			Doc:       "An issue carries the nllDetectedIssue extension with this code (an automatic check's finding), in an OperationOutcome answer or in one a Parameters answer carries ($verify).",
			Bind:      func(w *World) any { return w.outcomeHasDetectedIssue },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har svaret|svaret har) headern ` + quoted + `$`,
			EN:        `^the response has the header ` + quoted + `$`,
			ExampleSV: `Och svaret har headern "Location"`,
			ExampleEN: `And the response has the header "Location"`,
			Doc:       "The answer carries this header.",
			Bind:      func(w *World) any { return w.headerPresent },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har svaret|svaret har) headern ` + quoted + ` med värdet ` + quoted + `$`,
			EN:        `^the response has the header ` + quoted + ` with the value ` + quoted + `$`,
			ExampleSV: `Och svaret har headern "Content-Type" med värdet "application/fhir+json; charset=utf-8"`,
			ExampleEN: `And the response has the header "Content-Type" with the value "application/fhir+json; charset=utf-8"`,
			Doc:       "The answer carries this header with exactly this value.",
			Bind:      func(w *World) any { return w.headerIs },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har svaret|svaret har) headern ` + quoted + ` med ett värde som börjar med ` + quoted + `$`,
			EN:        `^the response has the header ` + quoted + ` with a value starting with ` + quoted + `$`,
			ExampleSV: `Och svaret har headern "ETag" med ett värde som börjar med "W/"`,
			ExampleEN: `And the response has the header "ETag" with a value starting with "W/"`,
			Doc:       "The answer carries this header with a value that starts with this text; placeholders are filled.",
			Bind:      func(w *World) any { return w.headerStartsWith },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:har svaret|svaret har) headern ` + quoted + ` som matchar ` + quoted + `$`,
			EN:        `^the response has the header ` + quoted + ` matching ` + quoted + `$`,
			ExampleSV: `Och svaret har headern "Location" som matchar "MedicationRequest/[^/]+"`,
			ExampleEN: `And the response has the header "Location" matching "MedicationRequest/[^/]+"`,
			Doc:       "The answer carries this header with a value matching a regular expression (Go's RE2 syntax; ^… for a prefix), for where NLL does not document the exact value (an absolute or relative Location). Placeholders are filled and match their value literally. An expression that does not compile is an error of the step.",
			Bind:      func(w *World) any { return w.headerMatches },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:ekar svaret|svaret ekar) begärans x-request-id$`,
			EN:        `^the response echoes the request's x-request-id$`,
			ExampleSV: "Och svaret ekar begärans x-request-id",
			ExampleEN: "And the response echoes the request's x-request-id",
			Doc:       "The answer's x-request-id equals the one sent.",
			Bind:      func(w *World) any { return w.requestIDEchoed },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är svarets kropp|svarets kropp är) tom$`,
			EN:        `^the response body is empty$`,
			ExampleSV: "Och svarets kropp är tom",
			ExampleEN: "And the response body is empty",
			Doc:       "The answer has no body (Prefer: return=minimal).",
			Bind:      func(w *World) any { return w.bodyIsEmpty },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är FHIRPath-uttrycket|FHIRPath-uttrycket) ` + quoted + `(?: är)? sant$`,
			EN:        `^the FHIRPath expression ` + quoted + ` is true$`,
			ExampleSV: `Och FHIRPath-uttrycket "MedicationRequest.requester.reference.startsWith('#')" är sant`,
			ExampleEN: `And the FHIRPath expression "MedicationRequest.requester.reference.startsWith('#')" is true`,
			Doc:       "A FHIRPath expression over the answer evaluates to true.",
			Bind:      func(w *World) any { return w.fhirPathTrue },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är FHIRPath-uttrycket|FHIRPath-uttrycket) ` + quoted + `(?: är)? sant på någon sida av sökresultatet$`,
			EN:        `^the FHIRPath expression ` + quoted + ` is true on some page of the search result$`,
			ExampleSV: `Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" är sant på någon sida av sökresultatet`,
			ExampleEN: `And the FHIRPath expression "Bundle.entry.resource.where(id = '{{created.id}}').exists()" is true on some page of the search result`,
			Doc:       "A FHIRPath expression is true on the last answer, a searchset Bundle, or on a later page: konform follows the next links (at most 50 pages), since NLL's page size is not documented.",
			Bind:      func(w *World) any { return w.fhirPathTrueOnSomePage },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:ger FHIRPath-uttrycket|FHIRPath-uttrycket) ` + quoted + `(?: ger)? värdet ` + quoted + `$`,
			EN:        `^the FHIRPath expression ` + quoted + ` gives ` + quoted + `$`,
			ExampleSV: `Och FHIRPath-uttrycket "Patient.identifier.value" ger värdet "{{patient.personnummer}}"`,
			ExampleEN: `And the FHIRPath expression "Patient.identifier.value" gives "{{patient.personnummer}}"`,
			Doc:       "A FHIRPath expression evaluates to this value (several results joined by \", \"); placeholders are filled.",
			Bind:      func(w *World) any { return w.fhirPathEquals },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:refererar FHIRPath-uttrycket|FHIRPath-uttrycket) ` + quoted + ` (?:refererar )?till ` + quoted + `$`,
			EN:        `^the FHIRPath expression ` + quoted + ` refers to ` + quoted + `$`,
			ExampleSV: `Och FHIRPath-uttrycket "MedicationDispense.subject" refererar till "Patient/{{patient.id}}"`,
			ExampleEN: `And the FHIRPath expression "MedicationDispense.subject" refers to "Patient/{{patient.id}}"`,
			Doc:       "The expression gives one or more References, and every one's `reference` names this resource, as FHIR lets a reference name it: relative (`Patient/1`), absolute (`https://…/Patient/1`) or of a version (`Patient/1/_history/2`). No reference at all fails.",
			Bind:      func(w *World) any { return w.fhirPathRefersTo },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:att )?värdet av FHIRPath-uttrycket ` + quoted + ` sparas som ` + quoted + `$`,
			EN:        `^the value of the FHIRPath expression ` + quoted + ` is saved as ` + quoted + `$`,
			ExampleSV: `Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "första"`,
			ExampleEN: `And the value of the FHIRPath expression "MedicationRequest.id" is saved as "first"`,
			Doc:       "Keep a value of the last answer for later steps of the scenario, as {{var.<name>}}; an empty result fails.",
			Bind:      func(w *World) any { return w.saveFHIRPath },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:att )?antalet träffar på alla sidor av sökresultatet sparas som ` + quoted + `$`,
			EN:        `^the number of matches on all pages of the search result is saved as ` + quoted + `$`,
			ExampleSV: `Och antalet träffar på alla sidor av sökresultatet sparas som "före"`,
			ExampleEN: `And the number of matches on all pages of the search result is saved as "before"`,
			Doc:       "Count the matches (entries not included by _include) of the last answer, a searchset Bundle, and of every page its next links lead to (at most 50 pages), and keep the number as {{var.<name>}}: NLL's page size is not documented, so a count of the first page alone stops at it.",
			Bind:      func(w *World) any { return w.saveMatchCount },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:är )?antalet träffar på alla sidor av sökresultatet(?: är)? ` + quoted + `$`,
			EN:        `^the number of matches on all pages of the search result is ` + quoted + `$`,
			ExampleSV: `Och antalet träffar på alla sidor av sökresultatet är "{{var.före}}"`,
			ExampleEN: `And the number of matches on all pages of the search result is "{{var.before}}"`,
			Doc:       "The matches of the last answer and of every later page (as above) are this many; placeholders are filled.",
			Bind:      func(w *World) any { return w.matchCountIs },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:lämnar svaret|svaret lämnar) inte ut några FHIR-data$`,
			EN:        `^the answer gives out no FHIR data$`,
			ExampleSV: "Och svaret lämnar inte ut några FHIR-data",
			ExampleEN: "And the answer gives out no FHIR data",
			Doc:       "For a refusal whose body NLL does not document: the last answer's body is empty, not FHIR (a front end's error page), or an OperationOutcome with an issue of severity error or fatal; any other resource fails.",
			Bind:      func(w *World) any { return w.givesOutNoData },
		},
		{
			Group:     "Kontroller",
			SV:        `^(?:avvisas anslutningen|anslutningen avvisas)$`,
			EN:        `^the connection is refused$`,
			ExampleSV: "Så avvisas anslutningen",
			ExampleEN: "Then the connection is refused",
			Doc:       "The last request was refused by the server (mutual TLS): a TLS alert, the connection closed before any answer, or on a new connection whose server asked for a client certificate an HTTP 400, 401, 403, 495 or 496 without FHIR data (a front end's refusal). A connection that closed before the server asked for a certificate tried nothing: an error, not a verdict. So is a refusal of another certificate than the scenario chose (or of none, where it chose one): the handshake's fingerprint must be the chosen certificate's.",
			Bind:      func(w *World) any { return w.connectionRefused },
		},
	}
}

// patterns are the vocabulary's patterns compiled once, Swedish and English for each step:
// given strings, godog would compile every pattern again for every scenario.
var patterns = sync.OnceValue(func() [][2]*regexp.Regexp {
	defs := Vocabulary()
	out := make([][2]*regexp.Regexp, len(defs))
	for i, d := range defs {
		out[i] = [2]*regexp.Regexp{regexp.MustCompile(d.SV), regexp.MustCompile(d.EN)}
	}
	return out
})

// argumentKinds says, per step of the vocabulary, what its function takes after the pattern's
// groups: "doc string", "data table" or "" for nothing.
var argumentKinds = sync.OnceValue(func() []string {
	defs := Vocabulary()
	out := make([]string, len(defs))
	for i, d := range defs {
		t := reflect.TypeOf(d.Bind(&World{}))
		if t.NumIn() <= patterns()[i][0].NumSubexp() {
			continue
		}
		out[i] = "data table"
		if t.In(t.NumIn()-1) == reflect.TypeOf((*godog.DocString)(nil)) {
			out[i] = "doc string"
		}
	}
	return out
})

// quotedGroups says, per step of the vocabulary, which of its pattern's groups are quoted text
// parameters, the same in both languages (the vocabulary test checks this).
// takingArguments is the indexes of the vocabulary's steps that take a data table or a doc
// string; allSteps is every index.
var (
	takingArguments = sync.OnceValue(func() []int {
		var out []int
		for i, k := range argumentKinds() {
			if k != "" {
				out = append(out, i)
			}
		}
		return out
	})
	allSteps = sync.OnceValue(func() []int {
		out := make([]int, len(argumentKinds()))
		for i := range out {
			out[i] = i
		}
		return out
	})
)

var quotedGroups = sync.OnceValue(func() [][]bool {
	inner := quotedInner()
	defs := Vocabulary()
	out := make([][]bool, len(defs))
	for i, d := range defs {
		out[i] = groupsLike(d.SV, inner)
	}
	return out
})

// quotedInner is what quoted's group matches, parsed.
func quotedInner() *syntax.Regexp {
	for _, sub := range mustParse(quoted).Sub {
		if sub.Op == syntax.OpCapture {
			return sub.Sub[0]
		}
	}
	panic("quoted has no group")
}

func mustParse(pattern string) *syntax.Regexp {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	return re
}

// groupsLike says, per capturing group of pattern, whether the group is like (equal to) inner.
func groupsLike(pattern string, inner *syntax.Regexp) []bool {
	re := mustParse(pattern)
	out := make([]bool, re.MaxCap())
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		if r.Op == syntax.OpCapture && r.Cap > 0 {
			out[r.Cap-1] = r.Sub[0].Equal(inner)
		}
		for _, sub := range r.Sub {
			walk(sub)
		}
	}
	walk(re)
	return out
}

// escape is a character escaped in a quoted parameter: \" or \\.
var escape = regexp.MustCompile(`\\(["\\])`)

// unescape turns a quoted parameter as written into its value: \" becomes " and \\ becomes \;
// any other backslash (\d in a regular expression) stays as it is.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return escape.ReplaceAllString(s, "$1")
}

var contextType = reflect.TypeOf((*context.Context)(nil)).Elem()

// worldKey is the context key of a scenario's World.
type worldKey struct{}

// WithWorld returns ctx carrying w: the World the steps of one scenario act on. konform run puts
// a fresh World into each scenario's context in its before-scenario hook.
func WithWorld(ctx context.Context, w *World) context.Context {
	return context.WithValue(ctx, worldKey{}, w)
}

// worldOf is the World WithWorld put into ctx.
func worldOf(ctx context.Context) *World {
	w, _ := ctx.Value(worldKey{}).(*World)
	if w == nil {
		panic("konform: a step ran in a context without a World (steps.WithWorld)")
	}
	return w
}

// suiteStep turns step d into one function for every scenario of a suite: godog calls it with
// the scenario's context first, and it calls d's function on the World found there, with the
// quoted parameters unescaped. A doc string, a data table and every other parameter reach the
// function as godog gives them.
func suiteStep(d Def, quoted []bool) any {
	t := reflect.TypeOf(d.Bind(&World{}))
	takesContext := t.NumIn() > 0 && t.In(0) == contextType
	in := []reflect.Type{contextType}
	first := 0 // the first parameter of d's function after the context, if it takes one
	if takesContext {
		first = 1
	}
	for i := first; i < t.NumIn(); i++ {
		in = append(in, t.In(i))
	}
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	var params []int // the indexes, in godog's call, of the quoted text parameters
	for g, q := range quoted {
		if i := 1 + g; q && i < len(in) && in[i].Kind() == reflect.String {
			params = append(params, i)
		}
	}
	return reflect.MakeFunc(reflect.FuncOf(in, out, t.IsVariadic()), func(args []reflect.Value) []reflect.Value {
		for _, i := range params {
			args[i] = reflect.ValueOf(unescape(args[i].String())).Convert(in[i])
		}
		fn := reflect.ValueOf(d.Bind(worldOf(args[0].Interface().(context.Context))))
		if !takesContext {
			args = args[1:]
		}
		return fn.Call(args)
	}).Interface()
}

// suiteSteps is every step of the vocabulary as a function for a whole suite (suiteStep).
var suiteSteps = sync.OnceValue(func() []any {
	quotes := quotedGroups()
	defs := Vocabulary()
	out := make([]any, len(defs))
	for i, d := range defs {
		out[i] = suiteStep(d, quotes[i])
	}
	return out
})

// Register binds every step, in both languages, with quoted parameters unescaped. Each step acts
// on the World of its scenario's context (WithWorld), so the steps are registered once for a
// whole suite, on the ScenarioContext of godog's TestSuiteContext. A step given a data table or
// a doc string it does not take, or lacking one it needs, is an error of the pack, not an
// argument silently ignored or a confusing message of godog's.
func Register(sc *godog.ScenarioContext) {
	compiled := patterns()
	for i, fn := range suiteSteps() {
		sc.Step(compiled[i][0], fn)
		sc.Step(compiled[i][1], fn)
	}
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		kinds := argumentKinds()
		candidates := takingArguments() // a step without an argument can only lack one
		if st.Argument != nil {
			candidates = allSteps()
		}
		for _, i := range candidates {
			re := compiled[i]
			if !re[0].MatchString(st.Text) && !re[1].MatchString(st.Text) {
				continue
			}
			given := ""
			switch {
			case st.Argument != nil && st.Argument.DocString != nil:
				given = "doc string"
			case st.Argument != nil:
				given = "data table"
			}
			switch {
			case given != "" && kinds[i] == "":
				return ctx, harnessError("the step %q takes no %s; remove it, or use a step that takes one (docs/steps.md)", st.Text, given)
			case given != "" && given != kinds[i]:
				return ctx, harnessError("the step %q takes a %s, not a %s (docs/steps.md)", st.Text, kinds[i], given)
			case given == "" && kinds[i] == "doc string":
				return ctx, harnessError("the step %q needs a doc string: the text between two lines of \"\"\" right below the step", st.Text)
			case given == "" && kinds[i] != "":
				return ctx, harnessError("the step %q needs a %s right below it (docs/steps.md)", st.Text, kinds[i])
			}
		}
		return ctx, nil
	})
}
