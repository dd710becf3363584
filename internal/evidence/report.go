package evidence

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ReportFile is the case officer's report.
const ReportFile = "report.html"

// Inline limits: an exchange larger than inlineExchange, or any exchange once the report holds
// inlineTotal bytes of them, is linked rather than inlined, so that a run of thousands of
// scenarios still gives a report a browser opens.
// Beyond detailLimit cases, passed and skipped cases get a table row only; their steps stay in
// summary.json and junit.xml and their exchanges in exchanges/.
const (
	inlineExchange = 16 << 10
	inlineTotal    = 8 << 20
	detailLimit    = 2000
)

// Coverage is one requirement of the catalogue and the cases that evidence it, for the report.
type Coverage struct {
	ID, Text, Level, Source string
	// Cases are the ids of the cases tagged with the requirement.
	Cases []string
	// Uncovered says why no case covers the requirement.
	Uncovered string
	// Unselected are the pack's cases that cover the requirement but were not in this run's
	// selection (a partial run, a plan, the @sim cases left out).
	Unselected []string `json:"unselected,omitempty"`
}

//go:embed report.html.tmpl
var reportTemplate string

// Labels hold the report's words in one language.
type Labels map[string]string

// labels are the report's words in Swedish (the default, the agency's language) and English.
var labels = map[string]Labels{
	"sv": {
		"title": "Bevis för godkännande", "verdict": "Utslag", "approved": "Godkänt", "not approved": "Ej godkänt",
		"inconclusive": "Utan utslag", "case": "Ärende", "system": "System", "components": "Komponenter",
		"environment": "Miljö", "baseUrl": "Adress", "certificate": "Klientcertifikat", "issuer": "Utfärdare",
		"fingerprint": "SHA-256", "validTo": "Giltigt till", "run": "Körning", "started": "Start (UTC)",
		"ended": "Slut (UTC)", "clock": "Klockavvikelse mot servern", "pack": "Testpaketets kontrollsumma", "packName": "Testpaket", "plan": "Testplan för ärendet", "planRequired": "testfall krävs",
		"runner": "konform-version", "counts": "Antal", "cases": "Testfall", "id": "Id", "name": "Titel",
		"kind": "Typ", "outcome": "Resultat", "requirements": "Krav", "location": "Plats", "mandatory": "obligatorisk",
		"optional": "valfri", "steps": "Steg", "exchanges": "konforms egna anrop till NLL", "expected": "Förväntat", "actual": "Faktiskt", "detail": "Serverns ord", "detailAnswer": "Serverns svar",
		"coverage": "Kravtäckning", "level": "Nivå", "text": "Krav", "covered": "Täcks av", "uncovered": "Ej täckt",
		"linked": "för stort för att visas här; öppna filen", "unredacted": "OBS: beviset är inte maskerat (--no-redact); det innehåller personnummer och hemligheter i klartext.",
		"interrupted": "Körningen avbröts; beviset omfattar de testfall som hann slutföras.", "none": "–",
		"passed": "godkänt", "failed": "underkänt", "error": "fel", "skipped": "överhoppat", "undefined": "odefinierat",
		"pending": "ej implementerat", "cleanup": "Kvarlämnade testdata", "ms": "ms", "notMeasured": "ej uppmätt",
		"integrity":   "Kontrollera att beviset är oförändrat med: konform verify <mapp>",
		"driverLogs":  "Drivrutinens logg (vad systemet under test fick och svarade)",
		"attachments": "Bilagor från operatören",
		"sutCalls":    "Systemets anrop till NLL", "sut": "Systemet under test", "unattributed": "Anrop från systemet utanför testfallen",
		"driver": "drivrutin", "defect": "avsiktligt fel", "inTransactions": "skriver i transaktioner", "gateway": "via konforms gateway", "skipReason": "Skäl",
		"approved with waivers": "Godkänt med undantag", "waived": "undantaget", "waiver": "Undantag",
		"abridged": "Körningen har många testfall: rapporten visar steg och anrop för de testfall som inte blev godkända. Alla steg finns i summary.json och junit.xml, alla anrop i exchanges.http (systemets anrop i mappen exchanges/).",
		"partial":  "Delkörning – inget utslag", "simBanner": "Körning mot konforms simulator – inte bevis för godkännande", "simShort": "mot simulatorn, inte bevis",
		"refBanner": "Systemet under test var konforms referenssystem (--sut ref) – inte bevis för en leverantörs system", "refShort": "konforms referenssystem, inte bevis",
		"refViaBanner": "Systemet under test svarade som konforms referenssystem (x-user-agent), genom drivrutinen – inte bevis för en leverantörs system",
		"unreachable":  "Målmiljön kunde inte nås, så inga testfall kördes:", "refused": "Målmiljön avvisade körningens användare, så inga testfall kördes:", "selection": "Urval", "unmetMust": "Obs: dessa SKA-krav är ej uppfyllda; utslaget räknar bara obligatoriska testfall utan undantag:",
		"wholePack": "hela testpaketet", "planSel": "testplanens testfall",
		"unsignedPlan": "enligt en osignerad testplan: kontrollera att den är ärendets",
		"changedPack":  "med en ändrad kopia av konforms medföljande testpaket",
		"serverCert":   "Serverns certifikat", "issuedBy": "utfärdat av",
		"unsignedWaivers": "undantagen är inte signerade av handläggaren: kontrollera dem mot ärendets beslut", "partialSel": "delkörning", "paths": "sökvägar", "shard": "del",
		"noneRan": "Inga testfall kördes, så inget kunde prövas.",
		"notRun":  "obligatoriska testfall kördes inte", "deviations": "Avvikelser", "noDeviations": "Inga: varje testfall som kördes blev godkänt, eller överhoppat med ett skäl.",
		"simOnly": "@sim-testfall lämnades utanför (de körs bara mot konforms simulator)", "notSelected": "Inte i körningens urval; paketet täcker kravet med",
		"status": "Status", "met": "uppfyllt", "notMet": "ej uppfyllt", "notTried": "ej prövat", "undecided": "utan utslag",
		"operator": "Utförd av", "host": "Dator", "command": "Kommando", "seed": "Slumpfrö (ordning)", "shardRuns": "Körningens delar", "local": "svensk tid",
		"tolerance": "tolerans", "withinTol": "inom toleransen", "outsideTol": "utanför toleransen",
		"envKind": "Typ av miljö", "kind-simulator": "konforms simulator", "kind-test": "testmiljö",
		"verifyHint": "Kontrollera att beviset är oförändrat och signerat med leverantörens testcertifikat:", "check": "Kontroll",
		"registeredCert": "SHA-256 för leverantörens registrerade testcertifikat", "officerCert": "SHA-256 för handläggarens certifikat", "packDigest": "SHA-256 för testpaketet som ärendet gäller",
		"pinsFromOutside": "Ta fingeravtrycken från ärendet, inte från den här rapporten: den som har beviset kan ha skrivit den.",
	},
	"en": {
		"title": "Evidence for approval", "verdict": "Verdict", "approved": "Approved", "not approved": "Not approved",
		"inconclusive": "Inconclusive", "case": "Case", "system": "System", "components": "Components",
		"environment": "Environment", "baseUrl": "Base URL", "certificate": "Client certificate", "issuer": "Issuer",
		"fingerprint": "SHA-256", "validTo": "Valid until", "run": "Run", "started": "Started (UTC)",
		"ended": "Ended (UTC)", "clock": "Clock offset to the server", "pack": "Test pack digest", "packName": "Test pack", "plan": "Plan of the case", "planRequired": "test cases required",
		"runner": "konform version", "counts": "Counts", "cases": "Test cases", "id": "Id", "name": "Title",
		"kind": "Kind", "outcome": "Outcome", "requirements": "Requirements", "location": "Location", "mandatory": "mandatory",
		"optional": "optional", "steps": "Steps", "exchanges": "konform's own exchanges with NLL", "expected": "Expected", "actual": "Actual", "detail": "The server's words", "detailAnswer": "The server's words",
		"coverage": "Requirement coverage", "level": "Level", "text": "Requirement", "covered": "Covered by", "uncovered": "Not covered",
		"linked": "too large to show here; open the file", "unredacted": "NOTE: this evidence is not redacted (--no-redact); it holds personnummer and secrets in clear.",
		"interrupted": "The run was interrupted; the evidence holds the cases that finished.", "none": "–",
		"passed": "passed", "failed": "failed", "error": "error", "skipped": "skipped", "undefined": "undefined",
		"pending": "pending", "cleanup": "Test data left behind", "ms": "ms", "notMeasured": "not measured",
		"integrity":   "Check that the evidence is unchanged with: konform verify <folder>",
		"driverLogs":  "Driver log (what the system under test was given and answered)",
		"attachments": "The operator's attachments",
		"sutCalls":    "The system's calls to NLL", "sut": "System under test", "unattributed": "Calls of the system outside the test cases",
		"driver": "driver", "defect": "deliberate defect", "inTransactions": "writes in transactions", "gateway": "through konform's gateway", "skipReason": "Reason",
		"approved with waivers": "Approved with waivers", "waived": "waived", "waiver": "Waiver",
		"abridged": "This run has many test cases: the report shows steps and exchanges of the cases that did not pass. Every step is in summary.json and junit.xml, every exchange in exchanges.http (the system's calls in the folder exchanges/).",
		"partial":  "Partial run – no verdict", "simBanner": "Run against konform's simulator – no evidence for approval", "simShort": "against the simulator, no evidence",
		"refBanner": "The system under test was konform's reference system (--sut ref) – no evidence for a supplier's system", "refShort": "konform's reference system, no evidence",
		"refViaBanner": "The system under test answered as konform's reference system (x-user-agent), through the driver – no evidence for a supplier's system",
		"unreachable":  "The target could not be reached, so no test case ran:", "refused": "The target refused the run's users, so no test case ran:", "selection": "Selection", "unmetMust": "Note: these SKA requirements are not met; the verdict counts only mandatory cases without a waiver:",
		"wholePack": "the whole test pack", "planSel": "the plan's test cases",
		"unsignedPlan": "by an unsigned plan: check that it is the case's",
		"changedPack":  "with a changed copy of konform's bundled pack",
		"serverCert":   "Server certificate", "issuedBy": "issued by",
		"unsignedWaivers": "the waivers are not signed by the case officer: check them against the case's decisions", "partialSel": "partial run", "paths": "paths", "shard": "shard",
		"noneRan": "No test case ran, so nothing was tried.",
		"notRun":  "mandatory test cases did not run", "deviations": "Deviations", "noDeviations": "None: every test case that ran passed, or was skipped for a reason.",
		"simOnly": "@sim test cases left out (they run only against konform's simulator)", "notSelected": "Not in this run's selection; the pack covers it with",
		"status": "Status", "met": "met", "notMet": "not met", "notTried": "not tried", "undecided": "no verdict",
		"operator": "Run by", "host": "Host", "command": "Command", "seed": "Seed (order)", "shardRuns": "Shards", "local": "Swedish time",
		"tolerance": "tolerance", "withinTol": "within the tolerance", "outsideTol": "outside the tolerance",
		"envKind": "Kind of environment", "kind-simulator": "konform's simulator", "kind-test": "test environment",
		"verifyHint": "Check that the evidence is unchanged and signed with the supplier's test certificate:", "check": "Check",
		"registeredCert": "SHA-256 of the supplier's registered test certificate", "officerCert": "SHA-256 of the case officer's certificate", "packDigest": "SHA-256 of the test pack the case names",
		"pinsFromOutside": "Take the fingerprints from the case, not from this report: whoever holds the evidence may have written it.",
	},
}

// swedish renders the fixed English phrases of konform's check messages in Swedish, for the
// Swedish report; values (quoted text, FHIRPath, status codes) pass unchanged. A phrase it does
// not know stays English.
var swedish = strings.NewReplacer(
	// At one place the pair listed first wins: whole phrases before the words they hold.

	// why an exchange got no answer (fhirclient.TransportError.Cause, the gateway's calls)
	"the server refused the TLS connection (", "servern avvisade TLS-anslutningen (",
	"); check that the client certificate is valid and issued by a CA the service accepts", "); kontrollera att klientcertifikatet är giltigt och utfärdat av en CA som tjänsten godtar",
	"the answer's body is larger than konform's limit of ", "svarets kropp är större än konforms gräns på ",
	"; if NLL really sends answers this large, raise it with konform run --max-body", "; om NLL verkligen skickar så stora svar, höj gränsen med konform run --max-body",
	"the server's certificate is not issued by a CA in the CA bundle; check the environment's CA file", "serverns certifikat är inte utfärdat av någon CA i miljöns CA-fil; kontrollera CA-filen",
	"the server does not speak TLS on this port (it answered like plain HTTP or another protocol); check that the base URL names the service's HTTPS port",
	"servern talar inte TLS på den här porten (den svarade som okrypterad HTTP eller ett annat protokoll); kontrollera att basadressen anger tjänstens HTTPS-port",
	"the TLS handshake did not finish within ", "TLS-handskakningen blev inte klar inom ",
	" (connect_timeout): something accepts connections on this port but does not complete TLS; check the base URL's port, the proxy and the firewall",
	" (connect_timeout): något tar emot anslutningar på porten men slutför inte TLS; kontrollera basadressens port, proxyn och brandväggen",
	"timed out after ", "tidsgränsen överskreds efter ", "; check that the service is up or raise the timeout", "; kontrollera att tjänsten är igång eller höj tidsgränsen",
	"connection refused; check the URL and that the service is running", "anslutningen nekades; kontrollera adressen och att tjänsten körs",
	"the server closed the connection without an answer", "servern stängde anslutningen utan att svara",
	"the answer was cut off before its end", "svaret bröts av före slutet",
	"the gateway closed the connection without an answer (simulated outage)", "gatewayen stängde anslutningen utan att svara (simulerat avbrott)",
	"a connection refused by the gateway (", "en anslutning som gatewayen avvisade (",
	"the system presented no client certificate", "systemet visade inget klientcertifikat",
	"the request body is larger than the gateway accepts (", "begärans kropp är större än gatewayen tar emot (",
	"NLL gave no whole answer to the system's call ", "NLL gav inget helt svar på systemets anrop ",
	"the gateway's answer, since NLL gave none whole, to ", "gatewayens svar, eftersom NLL inte gav något helt svar, på ",
	// what the cleanup could not end (steps/cleanup.go)
	"; NLL may not let a client delete a data lock or dose basis: end it by hand (docs/ext.md)", "; NLL låter kanske inte en klient radera en spärr eller ett dosunderlag: avsluta den för hand (docs/ext.md)",
	"; NLL may end it another way: end it by hand (docs/ext.md)", "; NLL avslutar den kanske på ett annat sätt: avsluta den för hand (docs/ext.md)",
	// the checks of NLL's answers (steps/checks.go)
	", or Parameters carrying one", ", eller Parameters som innehåller en",
	" without an OperationOutcome in its parameters", " utan någon OperationOutcome bland sina parametrar",
	"an issue of severity error or fatal with a code among ", "ett fel med allvarlighetsgrad error eller fatal och en kod bland ",
	"an issue of severity error or fatal", "ett fel med allvarlighetsgrad error eller fatal",
	" (expression, location or diagnostics)", " (i expression, location eller diagnostics)",
	"a value starting with ", "ett värde som börjar med ", " (the next link ", " (next-länken ",
	"a random and unique id", "ett slumpmässigt och unikt id",
	// harness errors (steps, internal/run)
	"this environment cannot issue tokens with changed claims; run the scenario against the simulator (@sim)", "miljön kan inte utfärda token med ändrade claims; kör testfallet mot simulatorn (@sim)",
	"no resource with a Location header was created in this scenario", "ingen resurs med ett Location-huvud skapades i testfallet",
	"{{created.id}} needs a created resource; create one first", "{{created.id}} behöver en skapad resurs; skapa en först",
	"NLL never answered the system's update with 409 or 412: the system did not save ", "NLL besvarade aldrig systemets uppdatering med 409 eller 412: systemet sparade inte ",
	", which konform changed, so re-reading could not be checked (", ", som konform ändrade, så omläsningen kunde inte prövas (",
	"); a system that created one prescription saves that one", "); ett system som skapade en förskrivning sparar just den",
	"NLL never answered the system's update with 409 or 412, so re-reading could not be checked; the scenario must change the resource before the system saves it (",
	"NLL besvarade aldrig systemets uppdatering med 409 eller 412, så omläsningen kunde inte prövas; testfallet måste ändra resursen innan systemet sparar den (",
	"unknown test certificate ", "okänt testcertifikat ", "; use giltigt, utgånget or okänd-ca (valid, expired, unknown-ca)", "; använd giltigt, utgånget eller okänd-ca",
	"unknown role ", "okänd roll ", "; use förskrivare, farmaceut, sjuksköterska, farmaceut inom vården, dietist, apotekspersonal or privatperson",
	"; använd förskrivare, farmaceut, sjuksköterska, farmaceut inom vården, dietist, apotekspersonal eller privatperson",
	"the operator's answer: ", "operatörens svar: ",
	"the run does not say which system is under approval; pass --system system.yaml", "körningen anger inte vilket system som prövas för godkännande; ange --system system.yaml",
	"no request has been sent in this scenario; add a request step before checking the answer", "ingen begäran har skickats i testfallet; lägg till ett steg som skickar en begäran före kontrollen av svaret",
	"no request has been sent in this scenario; add a request step before checking the connection", "ingen begäran har skickats i testfallet; lägg till ett steg som skickar en begäran före kontrollen av anslutningen",

	"no call of the system was answered", "inget av systemets anrop besvarades",
	" (as sent)", " (som skickat)", "response header ", "svarshuvudet ", "status code of page ", "statuskod för sida ",
	"status code", "statuskod", "number of ", "antal ", "resource type", "resurstyp", "response body", "svarets kropp",
	"FHIRPath ", "FHIRPath-uttrycket ", " on the body of ", " på kroppen i ", "body of ", "kroppen i ",
	"refused (a TLS alert, or closed before any answer)", "avvisad (ett TLS-larm, eller stängd före svar)",
	"accepted, status ", "accepterad, status ", "a value matching ", "ett värde som matchar ", "a UUID", "ett UUID",
	"an empty collection", "en tom samling", ": expected ", ": förväntat ", ", got ", ", faktiskt ",
	"no answer to ", "inget svar på ", "what the system created", "det systemet skapade",
	"the system's calls to NLL", "systemets anrop till NLL", "order of the system's calls", "ordningen på systemets anrop",
	"OperationOutcome issue (severity/code)", "OperationOutcome-fel (allvarlighetsgrad/kod)",
	"OperationOutcome issue points at", "OperationOutcome-felet pekar ut", "handling of a version conflict", "hantering av en versionskonflikt",
	"status the system showed its user", "status som systemet visade för användaren", "the system's result ", "systemets resultat ",
	"NLL's answer to ", "NLL:s svar på ", "patients of the pool ", "patienter i poolen ", "patient of the pool ", "patient i poolen ", "patient of ", "patient i ", "x-request-id of ", "x-request-id i ",
	"x-user-agent of ", "x-user-agent i ", "x-provenance of ", "x-provenance i ",
	"true on some page of the search result", "sant på någon sida av sökresultatet", "the test patient's personnummer ", "testpatientens personnummer ",
	"the test patient ", "testpatienten ", "the system's name ", "systemets namn ", "the date of the call, ", "anropets datum, ",
	"at least one call", "minst ett anrop", "an id no other call used", "ett id som inget annat anrop använt",
	"a value to save as ", "ett värde att spara som ", "a status below 400", "en status under 400", "a status from 400 to 499 (NLL refuses what the case asked the system to send)", "en status från 400 till 499 (NLL avvisar det som testfallet bad systemet skicka)",
	": the system did not send what the action asked for, or NLL accepted it", ": systemet skickade inte det som åtgärden bad om, eller så godtog NLL det", "a status from 400 to 499", "en status från 400 till 499",
	"a date and time (dateTime with a zone)", "datum och tid (dateTime med tidszon)", "a FHIR resource with resourceType", "en FHIR-resurs med resourceType",
	"a FHIR JSON resource", "en FHIR JSON-resurs", "base64-encoded JSON", "base64-kodad JSON", "no call", "inget anrop",
	"no total", "inget total", "invalid JSON: ", "ogiltig JSON: ", "JSON without resourceType", "JSON utan resourceType",
	" page(s)", " sida/sidor", "matches on all pages of the search result", "träffar på alla sidor av sökresultatet",
	"the search result has more than ", "sökresultatet har fler än ", " pages; konform counts at most ", " sidor; konform räknar högst ",
	// konform's lookup of the test patient (steps.World), the commonest harness error
	"harness: cannot look up test patient ", "konform kunde inte slå upp testpatienten ",
	": the search (with the run's own identity and default headers) answered ", ": sökningen (med körningens egen identitet och standardhuvuden) svarade ",
	", not a Bundle", ", inte en Bundle", "harness: test patient ", "konform: testpatienten ",
	" is not registered in NLL; pick a patient the environment knows", " finns inte i NLL; välj en patient som miljön känner",
	// the checks of the system under test's calls (steps/sut.go)
	"refused (a TLS alert, closed before any answer, or an HTTP refusal without data)", "avvisad (ett TLS-larm, stängd före svar, eller ett HTTP-avslag utan data)",
	" → no answer", " → inget svar", ", also sent with ", ", skickat även med ", ", sent before in this run with ", ", skickat tidigare i körningen med ", " after the answer ", " efter svaret ",
	" before each ", " före varje ", " before GET ", " före GET ", " before POST ", " före POST ", " before PUT ", " före PUT ", " before DELETE ", " före DELETE ", "a POST ", "ett anrop POST ", "the system's last POST ", "systemets senaste POST ", " that NLL answered 201 with a Location", " som NLL besvarade med 201 och en Location",
	" for the test patient", " för testpatienten", " and version ", " och version ",
	"within ", "inom ", " minutes of ", " minuter från ", " (konform's clock)", " (konforms klocka)",
	" of GET ", " i GET ", " of POST ", " i POST ", " of PUT ", " i PUT ", " of DELETE ", " i DELETE ",
	"x-access of ", "x-access i ", "x-org-info of ", "x-org-info i ", "x-purpose of ", "x-purpose i ",
	"calls GET ", "antal anrop GET ", "calls POST ", "antal anrop POST ", "calls PUT ", "antal anrop PUT ", "calls DELETE ", "antal anrop DELETE ",
	"every call of the system", "vart och ett av systemets anrop", "every read (GET) of the system", "vart och ett av systemets läsande anrop (GET)",
	"every write (POST, PUT, DELETE, a transaction's entries; not $verify and the other checks and reads) of the system", "vart och ett av systemets skrivande anrop (POST, PUT, DELETE, en transaktions poster; inte $verify, de andra kontrollerna eller läsningar)",
	" (a transaction of no entry)", " (en transaktion utan poster)", " (a transaction of ", " (en transaktion av ", " or GET ", " eller GET ", "provenance (nllProvenanceDetails, else x-provenance) of ", "provenance (nllProvenanceDetails, annars x-provenance) i ",
	// the check of $verify before each dispense (steps/dispense.go)
	"$verify before ", "$verify före ", "a $verify of the same dispense (", "en $verify av samma uttag (", "no $verify of a dispense before it", "ingen $verify av ett uttag före det",
	"$verify of another dispense only: ", "$verify bara av ett annat uttag: ", "the system's dispenses", "systemets uttag",
	"prescription none", "förskrivning saknas", ", patient none", ", patient saknas", ", article none", ", artikel saknas", ", quantity none", ", mängd saknas",
	"prescription ", "förskrivning ", ", patient ", ", patient ", ", article ", ", artikel ", ", quantity ", ", mängd ",
	" of the system", " av systemet", "the last action's calls", "den senaste åtgärdens anrop",
	"the issuer of the system's client certificate", "utfärdaren av systemets klientcertifikat", "a test CA", "en test-CA",
	"JSON that is no Provenance (resourceType ", "JSON som inte är en Provenance (resourceType ", "a reference to ", "en referens till ",
	"false on ", "falskt på ", "every connection refused: ", "varje anslutning avvisad: ", "another personnummer (", "ett annat personnummer (",
	"client certificate presented by the system is issued by the production CA ", "klientcertifikatet som systemet visade är utfärdat av produktions-CA:n ",
	" (named in the certificate's issuer); NLL's test environment is a test environment and needs a test certificate (for example from TEST SITHS e-id Function CA v1 or ExpiTrust test CA v7)",
	" (enligt certifikatets utfärdare); NLL:s testmiljö är en testmiljö och kräver ett testcertifikat (till exempel från TEST SITHS e-id Function CA v1 eller ExpiTrust test CA v7)",
	// the reference system's and the drivers' harness errors (steps/sut.go, internal/refsys)
	"harness: the system under test could not perform ", "konform: systemet under test kunde inte utföra ",
	"harness: the system under test did not finish ", "konform: systemet under test blev inte klart med ",
	"; check that it runs, or raise the action timeout (timeout: in the sut section, or --sut-timeout)", "; kontrollera att det körs, eller höj åtgärdens tidsgräns (timeout: i avsnittet sut, eller --sut-timeout)",
	"the status of NLL's answer to the system's last call", "statusen i NLL:s svar på systemets senaste anrop",
	"the action needs förskrivning: no prescription was created or opened in this scenario", "åtgärden behöver en förskrivning: ingen förskrivning skapades eller öppnades i testfallet",
	"rätta uttag needs uttag: no dispense was registered in this scenario (NLL refused the system's dispense, or it made none; see the case's earlier steps and the system's calls)", "rätta uttag behöver ett uttag: inget uttag registrerades i testfallet (NLL avvisade systemets uttag, eller så gjorde det inget; se testfallets tidigare steg och systemets anrop)",
	// a call no action asked for (steps.StrayCalls)
	"harness: the system called NLL when no action of this case asked it to: ", "konform: systemet anropade NLL utan att någon åtgärd i testfallet bad om det: ",
	" (before the case's first action)", " (före testfallets första åtgärd)", " (after the case's last step)", " (efter testfallets sista steg)",
	"; konform cannot tell which case such a call belongs to. Make each action return only when the system has made its calls, and make no calls between actions, or raise sut.settle (docs/sut.md)",
	"; konform kan inte avgöra vilket testfall ett sådant anrop hör till. Låt varje åtgärd bli klar först när systemet har gjort sina anrop, och gör inga anrop mellan åtgärderna, eller höj sut.settle (docs/sut.md)",
	// a call after the last action that no check saw (steps.World.UnjudgedCalls)
	"harness: no check of this case judged these calls of the system to NLL: ", "konform: ingen kontroll i testfallet bedömde dessa anrop från systemet till NLL: ",
	" (after the last action had returned and the case's checks had looked)", " (efter att den senaste åtgärden var klar och testfallets kontroller hade tittat)",
	" (unfinished when the case ended)", " (inte klart när testfallet slutade)",
	". Make each action return only when the system has made its calls to NLL and had their answers (docs/sut.md)", ". Låt varje åtgärd bli klar först när systemet har gjort sina anrop till NLL och fått svar (docs/sut.md)",
	// konform's own prefix of a harness error, after every phrase that begins with it
	"harness: ", "konform: ",
)

// swedishWhole are whole messages (a check's name or value) in Swedish.
var swedishWhole = map[string]string{"none": "saknas", "connection": "anslutningen", "present": "finns", "absent": "saknas",
	"empty": "tom", "true": "sant", "false": "falskt", "(empty)": "(tom)", "none (none)": "saknas (saknas)",
	// the names and values of checks (steps/checks.go, steps/sut.go)
	"resourceType": "resurstyp", "nllDetectedIssue code": "nllDetectedIssue-kod", "no nllDetectedIssue": "ingen nllDetectedIssue",
	"a refusal's body": "avslagets kropp", "no FHIR data (an empty body, an error page or an OperationOutcome)": "inga FHIR-data (en tom kropp, en felsida eller en OperationOutcome)",
	"no issues": "inga fel", "no expression, location or diagnostics": "ingen expression, location eller diagnostics",
	"the system's client certificate": "systemets klientcertifikat", "a certificate on the system's calls": "ett certifikat på systemets anrop",
	"a test certificate the gateway accepted on at least one call": "ett testcertifikat som gatewayen godtog i minst ett anrop",
	"no reference": "ingen referens", "the system's calls": "systemets anrop", "at most a lookup of the patient (GET Patient?…, Patient/<id>)": "högst ett uppslag av patienten (GET Patient?…, Patient/<id>)",
	"a Provenance without a reason or an activity (the why)": "en Provenance utan reason eller activity (varför)", "not base64": "inte base64", "base64, but not JSON": "base64, men inte JSON", "a reason.text longer than 256 characters": "en reason.text längre än 256 tecken",
	"a file (such as a screenshot)": "en fil (till exempel en skärmbild)", "nej: none": "nej, utan kommentar",
	// the reasons a case is skipped (internal/run, steps.ErrNoSUT)
	"this case drives the system under test, and the run has no driver: pass --sut ref (konform's reference system) or configure the system's driver": "testfallet styr systemet under test, och körningen har ingen drivrutin: ange --sut ref (konforms referenssystem) eller konfigurera systemets drivrutin",
	"this case asks an operator to confirm what the system shows; run it at a terminal with --sut manual":                                             "testfallet ber en operatör bekräfta vad systemet visar; kör det vid en terminal med --sut manual",
	"the manual driver needs an operator at a terminal, and this run has none (CI); run the manual cases at a terminal":                               "den manuella drivrutinen behöver en operatör vid en terminal, och körningen har ingen (CI); kör de manuella testfallen vid en terminal",
	// an interrupted run's case in flight (internal/run)
	"the run was interrupted before this case finished; its exchanges so far and its cleanup are in the evidence": "körningen avbröts innan testfallet blev klart; dess anrop hittills och dess städning finns i beviset",
	"interrupted (SIGINT or SIGTERM) while this step ran":                                                         "avbrutet (SIGINT eller SIGTERM) medan steget kördes",
}

// A rule renders what the replacer cannot: a phrase with a value inside it (a number, a name, a
// quotation), or one after which the words are someone else's (a command's stderr, a Go error,
// an operator's comment). Quotations and URLs are rules too, rendered as they are.
type rule struct {
	// needle is a text the rule's match holds, to skip the expression quickly; "" for none.
	needle string
	re     *regexp.Regexp
	// to renders a match (the whole match and its groups).
	to func(m []string) string
	// foreign: the rest of the message after the match is someone else's words and stays as
	// it is.
	foreign bool
	// atStart: the rule holds only at the start of the message.
	atStart bool
}

// as renders a match by a template in which $1 … $9 stand for the match's groups.
func as(template string) func([]string) string {
	return func(m []string) string {
		var b strings.Builder
		for i := 0; i < len(template); i++ {
			if template[i] == '$' && i+1 < len(template) && template[i+1] >= '1' && template[i+1] <= '9' {
				if g := int(template[i+1] - '0'); g < len(m) {
					b.WriteString(m[g])
				}
				i++
				continue
			}
			b.WriteByte(template[i])
		}
		return b.String()
	}
}

func asIs(m []string) string { return m[0] }

// quoted is a quotation as strconv.Quote writes it, for a rule's expression.
const quoted = `("(?:[^"\\]|\\.)*")`

// pageValues renders the results of a FHIRPath expression on the pages of a search result.
func pageValues(m []string) string {
	values := strings.Split(m[1], ", ")
	for i, v := range values {
		values[i] = map[string]string{"true": "sant", "false": "falskt", "an empty collection": "en tom samling"}[v]
		if values[i] == "" {
			values[i] = v
		}
	}
	pages := "sidor"
	if m[2] == "1" {
		pages = "sida"
	}
	return strings.Join(values, ", ") + " på " + m[2] + " " + pages + " av sökresultatet"
}

// swedishRules are the rules of the Swedish report. Where two match, the one that starts first
// wins, and of two that start at one place, the one listed first.
var swedishRules = func() []rule {
	r := func(needle, expr string, to func([]string) string) rule {
		return rule{needle: needle, re: regexp.MustCompile(expr), to: to}
	}
	foreign := func(needle, expr string, to func([]string) string) rule {
		x := r(needle, expr, to)
		x.foreign = true
		return x
	}
	exited := func(how, sv string) []rule { // a command's end: what it printed is its own
		return []rule{
			r(" no output on stderr", `the command (.+?) `+how+`: no output on stderr$`, as("kommandot $1 "+sv+": inget på stderr")),
			foreign(" no output on stderr; stdout: ", `the command (.+?) `+how+`: no output on stderr; stdout: `, as("kommandot $1 "+sv+": inget på stderr; stdout: ")),
			foreign("the command ", `the command (.+?) `+how+`: `, as("kommandot $1 "+sv+": ")),
		}
	}
	rules := []rule{
		// the server's words to the end: an OperationOutcome's diagnostics
		foreign("(OperationOutcome ", `\(OperationOutcome `, asIs),
		// why no answer came (fhirclient.TransportError.Cause, the gateway)
		r(" does not resolve (", `the host name (\S+) does not resolve \((.*?)\); check the URL and the DNS or proxy settings`,
			as("värdnamnet $1 går inte att slå upp ($2); kontrollera adressen och inställningarna för DNS eller proxy")),
		foreign("does not match the host name: ", `the server's certificate does not match the host name: `, as("serverns certifikat stämmer inte med värdnamnet: ")),
		foreign("the server's certificate was not accepted: ", `the server's certificate was not accepted: `, as("serverns certifikat godtogs inte: ")),
		foreign(" is not accepted: ", `the system's client certificate `+quoted+` is not accepted: `, as("systemets klientcertifikat $1 godtogs inte: ")),
		foreign("NLL's answer broke off: ", `NLL's answer broke off: `, as("NLL:s svar bröts av: ")),
		foreign("the gateway could not reach NLL: ", `the gateway could not reach NLL: `, as("gatewayen kunde inte nå NLL: ")),
		r(" bytes)", `\((\d+) bytes\)`, as("($1 byte)")),
		// the drivers' errors (internal/driver): the command's, the hook's and the operator's words stay theirs
		r(" was not found; check command: in the sut: section", `the command (.+?) was not found; check command: in the sut: section`,
			as("kommandot $1 hittades inte; kontrollera command: i avsnittet sut:")),
		r(" is not executable (chmod +x)", `the command (.+?) is not executable \(chmod \+x\)`, as("kommandot $1 är inte körbart (chmod +x)")),
	}
	rules = append(rules, exited(`exited (\d+)`, "avslutades med kod $2")...)
	rules = append(rules, exited(`was killed by signal (\d+) \(([^)]*)\)`, "stoppades av signal $2 ($3)")...)
	rules = append(rules,
		foreign("the command ", `the command (\S+): `, as("kommandot $1: ")),
		foreign(" did not answer: ", `the test hook (\S+) did not answer: `, as("testkroken $1 svarade inte: ")),
		foreign(" broke off its answer: ", `the test hook (\S+) broke off its answer: `, as("testkroken $1 bröt av sitt svar: ")),
		r("the test hook ", `the test hook (\S+) answered (\d+): no body$`, as("testkroken $1 svarade $2: ingen kropp")),
		foreign("the test hook ", `the test hook (\S+) answered (\d+): `, as("testkroken $1 svarade $2: ")),
		foreign("the test hook ", `the test hook (\S+): `, as("testkroken $1: ")),
		r(" could not be done: no comment", `the operator (.+?) answered that `+quoted+` could not be done: no comment$`,
			as("operatören $1 svarade att $2 inte gick att utföra: ingen kommentar")),
		foreign(" could not be done: ", `the operator (.+?) answered that `+quoted+` could not be done: `, as("operatören $1 svarade att $2 inte gick att utföra: ")),
		foreign("no answer from the operator: ", `no answer from the operator: `, as("inget svar från operatören: ")),
		r(" driver has no operator to ask", `the (\S+) driver has no operator to ask; run the case with the manual driver`,
			as("drivrutinen $1 har ingen operatör att fråga; kör testfallet med den manuella drivrutinen")),
		r("only an operator can confirm that ", `only an operator can confirm that (.+); run the case with the manual driver \(sut: driver: manual\)`,
			as("bara en operatör kan bekräfta att $1; kör testfallet med den manuella drivrutinen (sut: driver: manual)")),
		// the manual driver's checks (steps/sut.go): the claim is the feature file's
		r("the file attached to the operator's confirmation that ", `the file attached to the operator's confirmation that (.+)$`,
			as("filen som operatören bifogade till sin bekräftelse av att $1")),
		r("the operator's confirmation that ", `the operator's confirmation that (.+)$`, as("operatörens bekräftelse av att $1")),
		rule{needle: "nej: ", re: regexp.MustCompile(`^nej: `), to: as("nej, med kommentaren "), atStart: true},
		// harness errors (steps, internal/run)
		foreign(" does not parse: ", `FHIRPath `+quoted+` does not parse: (?:parser|lexer) errors: `, as("FHIRPath-uttrycket $1 går inte att tolka: syntaxfel: ")),
		foreign(" does not parse: ", `FHIRPath `+quoted+` does not parse: `, as("FHIRPath-uttrycket $1 går inte att tolka: ")),
		foreign(" cannot be evaluated: ", `FHIRPath `+quoted+` cannot be evaluated: `, as("FHIRPath-uttrycket $1 kan inte beräknas: ")),
		r(" to change it: status ", `cannot read (\S+) to change it: status (\d+)`, as("kan inte läsa $1 för att ändra den: status $2")),
		foreign(" to change it: ", `cannot read (\S+) to change it: `, as("kan inte läsa $1 för att ändra den: ")),
		foreign(" do not fit NLL's claims: ", `token claims (.+?) do not fit NLL's claims: `, as("claims i token $1 passar inte NLL:s claims: ")),
		r("the system under test has not acted in this scenario", `the system under test has not acted in this scenario; add `+quoted+` first`,
			as("systemet under test har inte agerat i testfallet; lägg till $1 först")),
		r("the system under test has not acted in this scenario", `the system under test has not acted in this scenario`, as("systemet under test har inte agerat i testfallet")),
		// the run's users (internal/run/target.go)
		r("the token of user ", `the token of user (.+?) was refused \(\$ping with it answered (\d+) ([^)]*)\); renew it, or check token_env, token_file or token_command under users: (.+?) in the configuration`,
			as("token för användaren $1 avvisades ($ping med den besvarades med $2 $3); förnya den, eller kontrollera token_env, token_file eller token_command under users: $4 i konfigurationen")),
		// the pool of test patients (steps/pool.go)
		r("every patient of the pool ", `every patient of the pool (.+?) was taken out of it, since its cleanup left test data \((.*?)\); see the cleanup problems, end that data by hand, and add test patients to the pool`,
			as("alla patienter i poolen $1 har tagits ur den, eftersom städningen efter dem lämnade kvar testdata ($2); se Kvarlämnade testdata, avsluta dessa testdata för hand och lägg till testpatienter i poolen")),
		r("waited for a patient of the pool ", `the run ended while the scenario waited for a patient of the pool (.+)$`,
			as("körningen avslutades medan testfallet väntade på en patient ur poolen $1")),
		r(" taken out, since their cleanup left test data)", `all (\d+) patients of the pool (.+?) \((.*?) taken out, since their cleanup left test data\) have been leased by other scenarios for (\S+); add test patients to the pool \(at least as many as --concurrency\) or lower --concurrency`,
			as("alla $1 patienter i poolen $2 ($3 har tagits ur den, eftersom städningen efter dem lämnade kvar testdata) har varit upptagna av andra testfall i $4; lägg till testpatienter i poolen (minst lika många som --concurrency) eller sänk --concurrency")),
		r(" have been leased by other scenarios for ", `all (\d+) patients of the pool (.+?) have been leased by other scenarios for (\S+); add test patients to the pool \(at least as many as --concurrency\) or lower --concurrency`,
			as("alla $1 patienter i poolen $2 har varit upptagna av andra testfall i $3; lägg till testpatienter i poolen (minst lika många som --concurrency) eller sänk --concurrency")),
		// what the cleanup could not end (steps/cleanup.go)
		r("cannot read it to set status ", `cannot read it to set status (\S+): GET answered (\d+)`, as("kan inte läsa den för att sätta status $1: GET besvarades med $2")),
		foreign("cannot read it to set status ", `cannot read it to set status (\S+): `, as("kan inte läsa den för att sätta status $1: ")),
		r("PUT with status ", `PUT with status (\S+) answered (\d+)`, as("PUT med status $1 besvarades med $2")),
		r(" answered ", `(\$end|DELETE) answered (\d+)`, as("$1 besvarades med $2")),
		// the checks (steps/checks.go, steps/sut.go)
		r("call ", `\bcall (\d+) of the system\b`, as("systemets anrop $1")),
		r(" of the transaction POST [base]/)", ` \(entry (\d+) of the transaction POST \[base\]/\)`, as(" (post $1 i transaktionen POST [base]/)")),
		r("the system's call ", `\bthe system's call (\d+)\b`, as("systemets anrop $1")),
		r("a call ", `\ba call ([A-Z]+) `, as("ett anrop $1 ")),
		r(" page(s)", `((?:(?:true|false|an empty collection|-?\d+(?:\.\d+)?), )*(?:true|false|an empty collection|-?\d+(?:\.\d+)?)) on (\d+) page\(s\)`, pageValues),
		r(" off)", `\((-?[0-9][0-9a-zµ.]*) off\)`, as("(avviker $1)")),
		r(", got none", `, got none$`, as(", faktiskt saknas")),
		r("none (", `\bnone \(none\)`, as("saknas (saknas)")),
		r("none (", `\bnone \(`, as("saknas (")),
		r("(none)", `\(none\)`, as("(saknas)")),
		r(", body (empty))", `\(status (\d+), body \(empty\)\)`, as("(status $1, tom kropp)")),
		foreign(", body ", `\(status (\d+), body `, as("(status $1, kropp: ")),
		// values: URLs and quotations, as they are (last: a rule above that starts at the same
		// place wins)
		r("://", `https?://[^\s"]*[^\s"),;:.]`, asIs),
		r(`"`, quoted, asIs),
		foreign(`"`, `"[\s\S]*`, asIs), // a quotation that does not end: to the end
	)
	return rules
}()

// LookupPrefix begins the summary of konform's own lookup of a test patient's id, an exchange
// the case is not about.
const LookupPrefix = "konform's lookup of the test patient: "

// summaryText renders an exchange's summary in the report's language: only konform's own words
// in it are translated, never the request line.
func summaryText(lang, s string) string {
	if lang != "sv" {
		return s
	}
	prefix := ""
	if rest, ok := strings.CutPrefix(s, LookupPrefix); ok {
		prefix, s = "konforms uppslag av testpatienten: ", rest
	}
	if why, ok := strings.CutPrefix(s, "connection refused by the gateway: "); ok {
		return prefix + "anslutningen avvisades av gatewayen: " + text(lang, why)
	}
	if line, why, ok := strings.Cut(s, " → no answer: "); ok {
		return prefix + line + " → inget svar: " + text(lang, why)
	}
	return prefix + s
}

// driverSummary renders the summary of a driver's log (internal/run/sut.go): the action's name
// and the operator's claim as they are, konform's words about them in the report's language.
func driverSummary(lang, s string) string {
	if lang != "sv" {
		return s
	}
	if claim, ok := strings.CutPrefix(s, "confirmed: "); ok {
		return "bekräftat: " + claim
	}
	if claim, ok := strings.CutPrefix(s, "not confirmed: "); ok {
		return "inte bekräftat: " + claim
	}
	action, rest, ok := strings.Cut(s, " → ")
	if !ok {
		return s
	}
	if status, ok := strings.CutPrefix(rest, "the system showed "); ok && status != "" && strings.Trim(status, "0123456789") == "" {
		return action + " → systemet visade " + status
	}
	return action + " → " + text(lang, rest)
}

var attachedTo = regexp.MustCompile(`^(.*), attached by the operator to ` + quoted + ` \((\d+) bytes, sha256 ([0-9a-f]+)\)$`)

// attachmentText renders the summary of a file an operator attached (internal/run/sut.go): the
// file's name as it is, the driver log's summary as driverSummary renders it.
func attachmentText(lang, s string) string {
	m := attachedTo.FindStringSubmatch(s)
	if lang != "sv" || m == nil {
		return s
	}
	summary := m[2]
	if u, err := strconv.Unquote(summary); err == nil {
		summary = strconv.Quote(driverSummary(lang, u))
	}
	return m[1] + ", bifogad av operatören till " + summary + " (" + m[3] + " byte, sha256 " + m[4] + ")"
}

// detailText renders a failed check's detail: konform's words around an answer's status and
// body in the report's language, the server's words as they came. Its label says whether
// konform framed them.
func detailText(l Labels, lang, d string) (label, detail string) {
	status, body, ok := strings.Cut(d, ", body ")
	if !ok || !strings.HasPrefix(status, "status ") || strings.Trim(status[len("status "):], "0123456789") != "" {
		return l["detail"], d
	}
	if lang != "sv" {
		return l["detailAnswer"], d
	}
	if body == "(empty)" {
		return l["detailAnswer"], status + ", tom kropp"
	}
	return l["detailAnswer"], status + ", kropp: " + body
}

// checkValues renders a failed check's name, expected and actual value. A truth value compared
// with a quoted value stays as the expression gave it, as the quoted one does.
func checkValues(lang string, s *Step) (check, expect, actual string) {
	check, expect, actual = text(lang, s.Check), text(lang, s.Expect), text(lang, s.Actual)
	if strings.HasPrefix(s.Expect, `"`) && (s.Actual == "true" || s.Actual == "false") {
		actual = s.Actual
	}
	return check, expect, actual
}

// says is a step's message in the report's language, as Step.Says, with the detail's framing
// and the check's values as stepRows renders them.
func says(l Labels, lang string, s *Step) string {
	if lang != "sv" || s.Expect == "" {
		return s.Says(lang)
	}
	check, expect, actual := checkValues(lang, s)
	msg := check + ": förväntat " + expect + ", faktiskt " + actual
	if s.Detail != "" {
		_, d := detailText(l, lang, s.Detail)
		msg += " (" + d + ")"
	}
	return msg
}

// text renders a message in the report's language: in Swedish, a whole message of
// swedishWhole, else the rules where they match (the first to start wins) and the replacer
// between them. Quotations, URLs and whatever follows a foreign rule pass as they came.
func text(lang, s string) string {
	if lang != "sv" {
		return s
	}
	if w, ok := swedishWhole[s]; ok {
		return w
	}
	var b strings.Builder
	next := make([][]int, len(swedishRules)) // each rule's next match at or after pos; nil: none
	done := make([]bool, len(swedishRules))
	for pos := 0; pos < len(s); {
		best := -1
		for i := range swedishRules {
			x := &swedishRules[i]
			if done[i] || x.atStart && pos > 0 {
				continue
			}
			if next[i] == nil || next[i][0] < pos {
				if x.needle != "" && !strings.Contains(s[pos:], x.needle) {
					done[i] = true
					continue
				}
				loc := x.re.FindStringSubmatchIndex(s[pos:])
				if loc == nil {
					done[i] = true
					continue
				}
				for j := range loc {
					if loc[j] >= 0 {
						loc[j] += pos
					}
				}
				next[i] = loc
			}
			if best < 0 || next[i][0] < next[best][0] {
				best = i
			}
		}
		if best < 0 {
			b.WriteString(swedish.Replace(s[pos:]))
			break
		}
		loc := next[best]
		b.WriteString(swedish.Replace(s[pos:loc[0]]))
		m := make([]string, len(loc)/2)
		for j := range m {
			if loc[2*j] >= 0 {
				m[j] = s[loc[2*j]:loc[2*j+1]]
			}
		}
		b.WriteString(swedishRules[best].to(m))
		if swedishRules[best].foreign {
			b.WriteString(s[loc[1]:])
			break
		}
		if loc[1] == loc[0] { // an empty match: step on, so that the loop ends
			b.WriteString(s[loc[1]:min(loc[1]+1, len(s))])
			pos = loc[1] + 1
			continue
		}
		pos = loc[1]
	}
	return b.String()
}

// stepRows writes a case's steps as the items of the report's step list: the outcome, the step
// and, for the step that failed, what was checked, expected and found. It is the report's
// innermost loop (a row for every step of every detailed case), written here rather than in the
// template, whose reflection and escaping cost about 15 µs a row. Every value is escaped as
// element content.
func stepRows(l Labels, lang string, steps []Step) template.HTML {
	var b strings.Builder
	esc := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(html.EscapeString(p))
		}
	}
	for _, s := range steps {
		b.WriteString(`<li><span class="o-`)
		esc(string(s.Outcome))
		b.WriteString(`">[`)
		esc(l[string(s.Outcome)])
		b.WriteString(`]</span> <b>`)
		esc(s.Keyword)
		b.WriteString(`</b>`)
		esc(stepText(lang, s.Text))
		if s.Message != "" {
			b.WriteString(`<span class="msg">`)
			if s.Expect != "" {
				check, expect, actual := checkValues(lang, &s)
				esc(l["check"], ": ", check, "\n", l["expected"], ": ", expect, "\n", l["actual"], ": ", actual)
				if s.Detail != "" {
					label, detail := detailText(l, lang, s.Detail)
					esc("\n", label, ": ", detail)
				}
			} else {
				esc(text(lang, s.Message))
			}
			b.WriteString(`</span>`)
		}
		b.WriteString("</li>\n")
	}
	return template.HTML(b.String())
}

// caseRows writes the report's table of cases, a row each: the id (a link to the case's section
// when it has one), the name, mandatory or optional, the outcome and the requirements. Like
// stepRows it is written here, not in the template: a 10,000-case run has 10,000 rows.
func caseRows(l map[string]string, cases []reportCase) template.HTML {
	var b strings.Builder
	esc := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(html.EscapeString(p))
		}
	}
	for _, c := range cases {
		b.WriteString(`<tr><td class="mono">`)
		if c.Detailed {
			b.WriteString(`<a href="#`)
			esc(strings.ReplaceAll(url.PathEscape(c.ID), "%2F", "/"))
			b.WriteString(`">`)
			esc(c.ID)
			b.WriteString(`</a>`)
		} else {
			esc(c.ID)
		}
		b.WriteString(`</td><td>`)
		esc(c.Name)
		b.WriteString(`</td><td>`)
		if c.Mandatory {
			esc(l["mandatory"])
		} else {
			esc(l["optional"])
		}
		b.WriteString(`</td><td class="o-`)
		esc(string(c.Outcome))
		b.WriteString(`">`)
		esc(l[string(c.Outcome)])
		if c.Waiver != nil {
			b.WriteString(` <span class="waived">(`)
			esc(l["waived"])
			b.WriteString(`)</span>`)
		}
		b.WriteString(`</td><td class="mono">`)
		esc(strings.Join(c.Requirements, " "))
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}

// exchangeItems writes a case's list of exchanges (or of the system's calls, or of its driver's
// logs): each a closed <details> with its summary line, then its text when the report inlines
// it, else a link to its file. The item numbered open (from 1) is open; 0 opens none. Like
// stepRows it is written here, not in the template: a detailed case has an item per request.
func exchangeItems(l map[string]string, xs []reportExchange, open int, summary func(string) string, name func(ExchangeRef) string) template.HTML {
	var b strings.Builder
	for i, e := range xs {
		b.WriteString(`<details`)
		if i+1 == open {
			b.WriteString(` open`)
		}
		b.WriteString(`><summary class="mono">`)
		b.WriteString(html.EscapeString(summary(e.Summary)))
		b.WriteString(`</summary>`)
		if e.Linked {
			b.WriteString(`<p>`)
		} else {
			b.WriteString(`<p class="mono">`)
		}
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(fileHref(e.File)))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(name(e.ExchangeRef)))
		b.WriteString(`</a>`)
		if e.Linked {
			b.WriteString(` – `)
			b.WriteString(html.EscapeString(l["linked"]))
			b.WriteString(`</p>`)
		} else {
			b.WriteString(`</p><pre>`)
			b.WriteString(html.EscapeString(e.Text))
			b.WriteString(`</pre>`)
		}
		b.WriteString("</details>\n")
	}
	return template.HTML(b.String())
}

// fileHref is a link to a file of the evidence folder, by its slash-separated path: each
// segment percent-encoded, the colon too, so that no name can turn the link into another scheme
// or a query.
func fileHref(file string) string {
	parts := strings.Split(file, "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(p), ":", "%3A")
	}
	return strings.Join(parts, "/")
}

// unmetMust lists, for an approved run, the SKA requirements a failed case left unmet: an optional
// case, or a waived one, does not count towards the verdict, and the report says so next to it
// rather than only in the table of requirements.
func unmetMust(run *Run, cov []reportCoverage) []string {
	if v := run.Verdict(); v != Approved && v != ApprovedWithWaivers {
		return nil
	}
	var out []string
	for _, c := range cov {
		if c.Level == "SKA" && c.Status == "notMet" {
			out = append(out, c.ID)
		}
	}
	return out
}

// reportCoverage is a requirement with its status in this run.
type reportCoverage struct {
	Coverage
	// Status is met, notMet, undecided or notTried (a label key).
	Status string
}

// statusOf decides a requirement's status from the outcomes of the cases that cover it.
func statusOf(c Coverage, outcomes map[string]Outcome) string {
	status, ran := "met", false
	for _, id := range c.Cases {
		o, ok := outcomes[id]
		if !ok || o == Skipped {
			continue
		}
		ran = true
		switch o {
		case Failed:
			return "notMet"
		case Passed:
		default:
			status = "undecided"
		}
	}
	if !ran {
		return "notTried"
	}
	return status
}

// deviations are the mandatory cases that did not pass, for the list under the verdict.
func deviations(run *Run) []*Case {
	var out, optional []*Case
	for _, c := range run.Cases {
		switch {
		case c.Mandatory && c.Outcome != Passed && (c.Outcome != Skipped || c.SkipReason != ""):
			out = append(out, c)
		case !c.Mandatory && c.Outcome != Passed && c.Outcome != Skipped:
			optional = append(optional, c) // listed too: it decides nothing, but a requirement is unmet
		}
	}
	return append(out, optional...)
}

// Languages lists the report's languages.
func Languages() []string { return []string{"sv", "en"} }

type reportExchange struct {
	ExchangeRef
	Text   string
	Linked bool
}

type reportCase struct {
	*Case
	Exchanges  []reportExchange
	SUTCalls   []reportExchange
	DriverLogs []reportExchange
	// Detailed is false for a passed case of a large run: the report gives it a row only.
	Detailed bool
}

// exchangeReader reads exchanges for the report, keeping each file open once read from.
type exchangeReader struct {
	dir    string
	files  map[string]*os.File // nil for a file that cannot be opened
	budget int                 // bytes the report may still inline
}

// inline reads exchanges small enough to show in the report, within the report's budget: a part
// of exchanges.http, or a whole file.
func (x *exchangeReader) inline(refs []ExchangeRef) []reportExchange {
	var out []reportExchange
	for _, e := range refs {
		re := reportExchange{ExchangeRef: e, Linked: true}
		f, seen := x.files[e.File]
		if !seen {
			f, _ = os.Open(filepath.Join(x.dir, filepath.FromSlash(e.File)))
			x.files[e.File] = f
		}
		size := e.Size
		if e.Part == 0 && f != nil {
			if info, err := f.Stat(); err == nil {
				size = info.Size()
			}
		}
		if f != nil && size >= 0 && size <= inlineExchange && int(size) <= x.budget {
			data := make([]byte, size)
			if n, err := f.ReadAt(data, e.Offset); int64(n) == size && (err == nil || errors.Is(err, io.EOF)) {
				re.Text, re.Linked = string(data), false
				x.budget -= len(data)
			}
		}
		out = append(out, re)
	}
	return out
}

func (x *exchangeReader) close() {
	for _, f := range x.files {
		if f != nil {
			f.Close()
		}
	}
}

// WriteReport writes report.html into dir: one self-contained file (no scripts, no external
// requests), readable with JavaScript off, in lang ("sv" or "en"). The case's exchange files
// must already be in dir.
func WriteReport(dir string, run *Run, coverage []Coverage, lang string) error {
	l, ok := labels[lang]
	if !ok {
		return fmt.Errorf("no report language %q; use sv or en", lang)
	}
	x := &exchangeReader{dir: dir, files: map[string]*os.File{}, budget: inlineTotal}
	defer x.close()
	cases := make([]reportCase, len(run.Cases))
	all := len(run.Cases) <= detailLimit
	for i, c := range run.Cases {
		rc := reportCase{Case: c, Detailed: all || (c.Outcome != Passed && c.Outcome != Skipped)}
		if !rc.Detailed {
			cases[i] = rc
			continue
		}
		rc.Exchanges = x.inline(c.Exchanges)
		rc.SUTCalls = x.inline(c.SUTCalls)
		rc.DriverLogs = x.inline(c.DriverLogs)
		cases[i] = rc
	}
	outcomes := map[string]Outcome{}
	for _, c := range run.Cases {
		outcomes[c.ID] = Worse(outcomes[c.ID], c.Outcome)
		if base, _, row := strings.Cut(c.ID, "/"); row { // an outline row counts for its scenario's id too
			outcomes[base] = Worse(outcomes[base], c.Outcome)
		}
	}
	cov := make([]reportCoverage, len(coverage))
	for i, c := range coverage {
		cov[i] = reportCoverage{Coverage: c, Status: statusOf(c, outcomes)}
	}
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		stockholm = time.UTC
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"t":    func(key string) string { return l[key] },
		"msg":  func(s string) string { return text(lang, s) },
		"says": func(s *Step) string { return says(l, lang, s) },
		"problems": func(ps []string) string {
			out := make([]string, len(ps))
			for i, p := range ps {
				out[i] = text(lang, p)
			}
			return strings.Join(out, "; ")
		},
		"attachment": func(s string) string { return attachmentText(lang, s) },
		"summary":    func(s string) string { return summaryText(lang, s) },
		"local":      func(t time.Time) string { return t.In(stockholm).Format("2006-01-02 15:04:05 MST") },
		"abs": func(n int64) int64 {
			if n < 0 {
				return -n
			}
			return n
		},
		"utc":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
		"date":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"join":     strings.Join,
		"ms":       func(d time.Duration) int64 { return d.Milliseconds() },
		"steps":    func(steps []Step) template.HTML { return stepRows(l, lang, steps) },
		"caseRows": func(cases []reportCase) template.HTML { return caseRows(l, cases) },
		"exchanges": func(xs []reportExchange, open int) template.HTML {
			return exchangeItems(l, xs, open, func(s string) string { return summaryText(lang, s) }, ExchangeRef.Name)
		},
		"files": func(xs []reportExchange) template.HTML {
			return exchangeItems(l, xs, 0, func(s string) string { return summaryText(lang, s) }, func(e ExchangeRef) string { return e.File })
		},
		"logs": func(xs []reportExchange) template.HTML {
			return exchangeItems(l, xs, 0, func(s string) string { return driverSummary(lang, s) }, func(e ExchangeRef) string { return e.File })
		},
	}).Parse(reportTemplate)
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, ReportFile))
	if err != nil {
		return fmt.Errorf("cannot write the report: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	err = t.Execute(w, map[string]any{"Run": run, "Lang": lang, "Verdict": run.Verdict(), "Counts": run.Counts(),
		"Cases": cases, "Coverage": cov, "Abridged": !all, "Deviations": deviations(run), "UnmetMust": unmetMust(run, cov)})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
