# language: sv
@anslutning
Egenskap: Meddelandehuvud
  Varje anrop bär NLL:s meddelandehuvud: authorization (åtkomstintyg), x-org-info (arbetsplatsen),
  x-request-id (ett nytt UUID per anrop), vid läsning x-purpose och x-access (ändamål och
  åtkomsttyp) och vid skrivning x-provenance (vem och varför, base64-kodad JSON). Saknas en header
  som NLL kräver avvisas anropet med ett klientfel (4xx) och en OperationOutcome. Vilken statuskod,
  felkod och text NLL då svarar med dokumenterar NLL inte, så scenarierna godtar varje klientfel.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"

  @tc:NLL-HDR-01 @krav:KONN @obligatorisk @beteende:OP-PING
  Scenario: Konnektivitetstest ($ping) utan åtkomstintyg
    Givet att begäran saknar headern "authorization"
    När systemet hämtar "$ping"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'result').value.exists()" är sant

  @tc:NLL-HDR-02 @krav:HDR-AUTHORIZATION @obligatorisk @beteende:HDR-AUTH
  Scenario: Läsning utan åtkomstintyg avvisas
    Givet att begäran saknar headern "authorization"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Samma sökning med det vanliga åtkomstintyget besvaras: avvisningen gällde intyget.
    Givet att begäran åter har headern "authorization" som vanligt
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 200

  @tc:NLL-HDR-03 @krav:HDR-PURPOSE @obligatorisk @beteende:HDR-PURPOSE
  Scenario: Läsning utan ändamål avvisas
    Givet att begäran saknar headern "x-purpose"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Inte bara patientuppslaget: patientens förskrivningar också.
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Samma sökning med ändamålet besvaras: avvisningen gällde headern, inte sökningen.
    Givet att begäran åter har headern "x-purpose" som vanligt
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200

  @tc:NLL-HDR-04 @krav:HDR-PURPOSE @obligatorisk @beteende:HDR-PURPOSE
  Scenario: En åtkomsttyp som NLL inte har avvisas
    Givet att ändamålet är "VARD" och åtkomsttypen "PAHITTAD"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Inte bara patientuppslaget: patientens förskrivningar också.
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Samma sökning med en åtkomsttyp som NLL har besvaras: avvisningen gällde koden.
    Givet att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200

  @tc:NLL-HDR-05 @krav:HDR-PROVENANCE @obligatorisk @beteende:HDR-PROVENANCE
  Scenario: Skrivning utan x-provenance avvisas
    Givet att begäran saknar headern "x-provenance"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Samma skrivning med x-provenance tas emot: avvisningen gällde headern.
    Givet att begäran åter har headern "x-provenance" som vanligt
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201

  @tc:NLL-HDR-06 @krav:HDR-ORG-INFO @krav:GK4 @krav:GK5 @obligatorisk @beteende:HDR-ORG-INFO
  Scenario: Anrop utan x-org-info avvisas
    Givet att begäran saknar headern "x-org-info"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Inte bara patientuppslaget: patientens förskrivningar också.
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Samma sökning med x-org-info besvaras: avvisningen gällde headern.
    Givet att begäran åter har headern "x-org-info" som vanligt
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200

  # Att NLL avvisar ett anrop utan x-request-id är inte dokumenterat (bara att det ska skickas och
  # ekas); därför @sim. Simulatorns egen statuskod och text kontrolleras här.
  @tc:NLL-HDR-07 @krav:HDR-REQUEST-ID @obligatorisk @sim @beteende:HDR-REQUEST-ID
  Scenario: Anrop utan x-request-id avvisas
    Givet att begäran saknar headern "x-request-id"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 400
    Och FHIRPath-uttrycket "OperationOutcome.issue.diagnostics.startsWith('x-request-id')" är sant

  @tc:NLL-HDR-08 @krav:KONN @krav:BEHORIGHET @obligatorisk @beteende:OP-PING
  Scenario: Konnektivitetstest ($ping) med åtkomstintyg visar användarens roll
    Givet att användaren är farmaceut
    När systemet hämtar "$ping"
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    # NLL dokumenterar bara utparametern result; hur rollen redovisas (egen parameter eller i
    # result, som sträng, kod eller Coding) är inte dokumenterat. Farmaceutens svar ska därför
    # skilja sig från förskrivarens i något värde, och svaret med intyg från svaret utan.
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'result').value.exists()" är sant
    # Ett svar som bara skiljer sig i en tidpunkt (ett datum, en tid eller en räknare i ms) visar
    # ingen roll: tidpunkter tas bort innan svaren jämförs.
    Och värdet av FHIRPath-uttrycket "Parameters.parameter.where(name = 'result').value.toString().replaceMatches('[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*|[0-9]{9,}', '')" sparas som "farmaceut"
    Och värdet av FHIRPath-uttrycket "Parameters.parameter.descendants().select($this.toString().replaceMatches('[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*|[0-9]{9,}', '')).join('|')" sparas som "farmaceutsvar"
    Och värdet av FHIRPath-uttrycket "Parameters.parameter.count()" sparas som "antal"
    Givet att användaren är förskrivare
    När systemet hämtar "$ping"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.descendants().select($this.toString().replaceMatches('[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*|[0-9]{9,}', '')).join('|') != '{{var.farmaceutsvar}}'" är sant
    Givet att begäran saknar headern "authorization"
    När systemet hämtar "$ping"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.count() < {{var.antal}} or Parameters.parameter.where(name = 'result').value.toString().replaceMatches('[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*|[0-9]{9,}', '') != '{{var.farmaceut}}'" är sant

  @tc:NLL-HDR-09 @krav:HDR-AUTHORIZATION @obligatorisk @sim @beteende:HDR-AUTH-ROLE
  Scenario: Ett åtkomstintyg med för låg tillitsnivå avvisas
    Givet att åtkomstintyget har "loa" satt till "2"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"

  # Ett åtkomstintyg vars innehåll ändrats efter att det signerades: här har tillitsnivån (loa)
  # höjts från 2 till 3, så signaturen gäller inte längre innehållet. Intyget är en påhittad JWT
  # (header.innehåll.signatur; headern { "alg": "HS256", "typ": "JWT" }) med förskrivarens
  # påståenden som i E-hälsomyndighetens exempel:
  # {"FORSKRIVARKOD":"9000027","VARDGIVARE":"0123456789","YRKESKOD":["LK"],"loa":3,"sub":"Test Doktorsson","exp":4102444800}
  @tc:NLL-HDR-10 @krav:HDR-AUTHORIZATION @obligatorisk @beteende:HDR-AUTH-TOKEN
  Scenario: Ett åtkomstintyg som ändrats efter signeringen avvisas
    Givet att begäran har headern "authorization" med värdet "Bearer eyAiYWxnIjogIkhTMjU2IiwgInR5cCI6ICJKV1QiIH0.eyJGT1JTS1JJVkFSS09EIjoiOTAwMDAyNyIsIlZBUkRHSVZBUkUiOiIwMTIzNDU2Nzg5IiwiWVJLRVNLT0QiOlsiTEsiXSwibG9hIjozLCJzdWIiOiJUZXN0IERva3RvcnNzb24iLCJleHAiOjQxMDI0NDQ4MDB9.TxqvseVMG_ipHmatHeBqB1MyhrtUYTqhZrw9rd5fyls"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # Samma sökning med det vanliga åtkomstintyget besvaras: avvisningen gällde intyget.
    Givet att begäran åter har headern "authorization" som vanligt
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 200

  # Bara simulatorn utfärdar intyg med ändrade påståenden; exp 1000000000 är 2001-09-09.
  @tc:NLL-HDR-11 @krav:HDR-AUTHORIZATION @obligatorisk @sim @beteende:HDR-AUTH-TOKEN
  Scenario: Ett åtkomstintyg som har gått ut avvisas
    Givet att åtkomstintyget har "exp" satt till "1000000000"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 401
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "login"
    Och svaret har headern "WWW-Authenticate"

  # Med ett åtkomstintyg kontrollerar $ping intyget (NLLPing, variant 1.2 av konnektivitetstestet);
  # intyget är det ändrade ur NLL-HDR-10.
  @tc:NLL-HDR-12 @krav:KONN @krav:HDR-AUTHORIZATION @obligatorisk @beteende:OP-PING
  Scenario: Konnektivitetstest ($ping) med ett ogiltigt åtkomstintyg avvisas
    Givet att begäran har headern "authorization" med värdet "Bearer eyAiYWxnIjogIkhTMjU2IiwgInR5cCI6ICJKV1QiIH0.eyJGT1JTS1JJVkFSS09EIjoiOTAwMDAyNyIsIlZBUkRHSVZBUkUiOiIwMTIzNDU2Nzg5IiwiWVJLRVNLT0QiOlsiTEsiXSwibG9hIjozLCJzdWIiOiJUZXN0IERva3RvcnNzb24iLCJleHAiOjQxMDI0NDQ4MDB9.TxqvseVMG_ipHmatHeBqB1MyhrtUYTqhZrw9rd5fyls"
    När systemet hämtar "$ping"
    Så är svarets statuskod 4xx
    Och svaret lämnar inte ut några FHIR-data
    # $ping med det vanliga åtkomstintyget besvaras: avvisningen gällde intyget.
    Givet att begäran åter har headern "authorization" som vanligt
    När systemet hämtar "$ping"
    Så är svarets statuskod 200

  # NLL kräver ett slumpat, unikt id men dokumenterar inte svaret på ett som inte är ett UUID.
  @tc:NLL-HDR-13 @krav:HDR-REQUEST-ID @obligatorisk @sim @beteende:HDR-REQUEST-ID
  Scenario: Ett x-request-id som inte är ett UUID avvisas
    Givet att begäran har headern "x-request-id" med värdet "inte-ett-uuid"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 400
    Och FHIRPath-uttrycket "OperationOutcome.issue.diagnostics.startsWith('x-request-id')" är sant

  # NLL:s dokumentation säger base64, men myndighetens egen äldre kod skickade JSON i klartext
  # (nll.md); att NLL avvisar klartext är därför inte säkert, och fallet är @sim.
  @tc:NLL-HDR-14 @krav:HDR-PROVENANCE @obligatorisk @sim @beteende:HDR-PROVENANCE
  Scenario: Ett x-provenance i klartext, inte base64-kodat, avvisas
    Givet att begäran har headern "x-provenance" med värdet "{\"resourceType\":\"Provenance\",\"activity\":{\"text\":\"Skapa forskrivning\"},\"reason\":[{\"text\":\"x-provenance i klartext\"}]}"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
    Och OperationOutcome pekar ut "http.header.x-provenance"
    Givet att begäran åter har headern "x-provenance" som vanligt
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201

  # Först en orsak (reason.text) på exakt 256 tecken, som NLL tar emot, sedan en på 257, ett mer än
  # NLL tillåter. Båda har å, ä och ö: 256 tecken är fler än 256 byte, så en server som räknar
  # byte avvisar den första. Headrarna är base64 av {"resourceType":"Provenance","activity":{"text":"Skapa
  # förskrivning"},"reason":[{"text":"Godkännandetest av x-provenance: en orsak med exakt 256 tecken, …"}]}
  # och av {…"reason":[{"text":"Godkännandetest av x-provenance: en orsak med fler tecken än de 256 …"}]}.
  @tc:NLL-HDR-15 @krav:HDR-PROVENANCE @obligatorisk @beteende:HDR-PROVENANCE-REASON
  Scenario: En orsak i x-provenance får vara 256 tecken men inte längre
    Givet att begäran har headern "x-provenance" med värdet "eyJyZXNvdXJjZVR5cGUiOiJQcm92ZW5hbmNlIiwiYWN0aXZpdHkiOnsidGV4dCI6IlNrYXBhIGbDtnJza3Jpdm5pbmcifSwicmVhc29uIjpbeyJ0ZXh0IjoiR29ka8Okbm5hbmRldGVzdCBhdiB4LXByb3ZlbmFuY2U6IGVuIG9yc2FrIG1lZCBleGFrdCAyNTYgdGVja2VuLCBzw6UgbcOlbmdhIHNvbSBOTEwgdGlsbMOldGVyIGkgcmVhc29uLnRleHQuIEdvZGvDpG5uYW5kZXRlc3QgYXYgeC1wcm92ZW5hbmNlOiBlbiBvcnNhayBtZWQgZXhha3QgMjU2IHRlY2tlbiwgc8OlIG3DpW5nYSBzb20gTkxMIHRpbGzDpXRlciBpIHJlYXNvbi50ZXh0LiBHb2Rrw6RubmFuZGV0ZXN0IGF2IHgtcHJvdmVuYW5jZTogZW4gb3JzYWsgbWVkICJ9XX0="
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Givet att begäran har headern "x-provenance" med värdet "eyJyZXNvdXJjZVR5cGUiOiJQcm92ZW5hbmNlIiwiYWN0aXZpdHkiOnsidGV4dCI6IlNrYXBhIGbDtnJza3Jpdm5pbmcifSwicmVhc29uIjpbeyJ0ZXh0IjoiR29ka8Okbm5hbmRldGVzdCBhdiB4LXByb3ZlbmFuY2U6IGVuIG9yc2FrIG1lZCBmbGVyIHRlY2tlbiDDpG4gZGUgMjU2IHNvbSBOTEwgdGlsbMOldGVyIGkgcmVhc29uLnRleHQuIEdvZGvDpG5uYW5kZXRlc3QgYXYgeC1wcm92ZW5hbmNlOiBlbiBvcnNhayBtZWQgZmxlciB0ZWNrZW4gw6RuIGRlIDI1NiBzb20gTkxMIHRpbGzDpXRlciBpIHJlYXNvbi50ZXh0LiBHb2Rrw6RubmFuZGV0ZXN0IGF2IHgtcHJvdmVuYW5jZTogZW4gb3JzYWsgbWVkIGZsZXIgdGVja2UuIn1dfQ=="
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel

  # Ändamålskoden för apotek är inte publicerad (simulatorns: EXPEDIERING), och inte heller att en
  # förskrivare som använder den avvisas; därför @sim.
  @tc:NLL-HDR-16 @krav:HDR-PURPOSE @krav:BEHORIGHET @obligatorisk @sim @beteende:HDR-PURPOSE-ROLE
  Scenario: En förskrivare som läser med apotekets ändamål avvisas
    Givet att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"
    Och OperationOutcome pekar ut "x-purpose"

  @tc:NLL-HDR-17 @krav:HDR-PURPOSE @krav:BEHORIGHET @obligatorisk @sim @beteende:HDR-PURPOSE-ROLE
  Scenario: En farmaceut som läser med vårdens ändamål avvisas
    Givet att användaren är farmaceut
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"
    Och OperationOutcome pekar ut "x-purpose"

  # FHIR R4: "The correct mime type SHALL be used by clients and servers" (application/fhir+json).
  @tc:NLL-HDR-18 @krav:FHIR-JSON @obligatorisk @beteende:CONN-JSON
  Scenario: NLL svarar med FHIR JSON
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 200
    Och svaret har headern "Content-Type" som matchar "^application/fhir\+json"

  # Att NLL avvisar en kropp som inte anges som JSON, och med vilken statuskod, är inte dokumenterat
  # (simulatorn: 415 Unsupported Media Type); därför valfritt.
  @tc:NLL-HDR-19 @krav:FHIR-JSON @valfri @beteende:CONN-JSON
  Scenario: En skrivning vars kropp inte anges som FHIR JSON avvisas
    Givet att begäran har headern "Content-Type" med värdet "text/plain"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    Givet att begäran åter har headern "Content-Type" som vanligt
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
