# language: sv
@anslutning
Egenskap: Meddelandehuvudets innehåll
  NLL kontrollerar inte bara att meddelandehuvudet finns utan också vad det säger: x-request-id ska
  vara slumpat och unikt per anrop, x-org-info ska ange en vårdenhet (HSA) för vården och ett apotek
  (GLN) för apoteket, och x-patientref är den patient anropet gäller. Hur NLL svarar när innehållet
  är fel dokumenterar NLL inte; scenarierna kontrollerar simulatorns svar och är därför @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"

  @tc:NLL-MHK-01 @krav:HDR-REQUEST-ID @valfri @sim @beteende:HDR-REQUEST-ID-UNIQUE
  Scenario: Ett x-request-id som redan använts avvisas
    Givet att begäran har headern "x-request-id" med värdet "{{uuid}}"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 200
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
    Och OperationOutcome pekar ut "x-request-id"

  @tc:NLL-MHK-02 @krav:GK5 @valfri @sim @beteende:HDR-ORG-INFO-TYPE
  Scenario: En förskrivare som anger ett apotek (GLN) som arbetsplats avvisas
    Givet att begäran har headern "x-org-info" med värdet "{\"orgenhetsId\":\"7350045511999\",\"orgenhetsIdTyp\":\"GLN\"}"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
    Och OperationOutcome pekar ut "x-org-info"

  @tc:NLL-MHK-03 @krav:GK5 @valfri @sim @beteende:HDR-ORG-INFO-TYPE
  Scenario: En farmaceut som anger en vårdenhet (HSA) som arbetsplats avvisas
    Givet att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    Och att begäran har headern "x-org-info" med värdet "{\"orgenhetsId\":\"SE2321000016-TEST1\",\"orgenhetsIdTyp\":\"HSA\"}"
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
    Och OperationOutcome pekar ut "x-org-info"

  @tc:NLL-MHK-04 @krav:HDR-PATIENTREF @valfri @sim @beteende:HDR-PATIENTREF
  Scenario: x-patientref ska vara den patient anropet gäller
    Givet att begäran har headern "x-patientref" med värdet "{{patient.id}}"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Givet att begäran har headern "x-patientref" med värdet "00000000-0000-0000-0000-000000000000"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 4xx
    Och OperationOutcome pekar ut "x-patientref"
    När systemet hämtar "Patient/{{patient.id}}"
    Så är svarets statuskod 4xx
    Och OperationOutcome pekar ut "x-patientref"
