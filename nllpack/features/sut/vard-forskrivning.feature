# language: sv
@sut @vard
Egenskap: Systemet under test förskriver – anrop till NLL från ett vårdsystem
  Här är det leverantörens system som anropar NLL. konform ber systemet utföra en åtgärd ur
  åtgärdskatalogen (docs/sut.md), systemets anrop går genom konforms gateway till NLL, och
  scenarierna kontrollerar de anrop systemet gjorde och det tillstånd NLL fick. konforms egna
  läsningar (för att se NLL:s tillstånd) använder ändamålet i bakgrunden.

  Bakgrund:
    Givet att testpatienten har personnummer "199802262387"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"

  @tc:SUT-VARD-01 @krav:FHIR-CREATE @obligatorisk
  Scenario: Systemet skapar en förskrivning som NLL registrerar
    När systemet under test utför "skapa förskrivning" för testpatienten
    # En förskrivning som användaren skapar en gång registreras en gång.
    Så har systemet anropat NLL med POST "MedicationRequest" 1 gång
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400
    När konform hämtar förskrivningen som systemet under test skapade
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"
    Och FHIRPath-uttrycket "MedicationRequest.subject" refererar till "Patient/{{patient.id}}"

  @tc:SUT-VARD-02 @krav:HDR-REQUEST-ID @obligatorisk
  Scenario: Varje anrop från systemet har ett eget x-request-id
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så varje anrop från systemet har ett eget x-request-id

  @tc:SUT-VARD-03 @krav:HDR-PROVENANCE @obligatorisk
  Scenario: Systemets skrivningar anger vem och varför i x-provenance
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så har systemet anropat NLL med POST "MedicationRequest"
    Och varje skrivande anrop från systemet har ett giltigt x-provenance
    # NLL läste och godtog uppgiften: en form som NLL inte läser avvisas.
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400

  @tc:SUT-VARD-04 @krav:FORSKRIVARE @obligatorisk
  Scenario: Systemet anger förskrivaren som en innesluten Practitioner
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så varje skrivande anrop från systemet har en kropp där FHIRPath-uttrycket "MedicationRequest.requester.reference.startsWith('#') and MedicationRequest.contained.exists()" är sant

  @tc:SUT-VARD-05 @krav:ARK-3.6.1 @obligatorisk
  Scenario: Förskrivningens tidpunkt kommer från en rätt ställd klocka
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så varje skrivande anrop från systemet har tidpunkten "MedicationRequest.authoredOn" inom 2 minuter från konforms klocka

  @tc:SUT-VARD-06 @krav:ARK-3.1.3 @valfri
  Scenario: Systemet anger sitt namn och sin version i x-user-agent
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så varje anrop från systemet anger systemets namn och version i x-user-agent

  @tc:SUT-VARD-07 @krav:GK4 @krav:GK5 @obligatorisk
  Scenario: Systemets anrop anger vårdenheten i x-org-info
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så varje anrop från systemet har headern "x-org-info" som matchar "orgenhetsIdTyp.{1,5}HSA"

  @tc:SUT-VARD-08 @krav:HDR-PURPOSE @obligatorisk
  Scenario: Systemet läser läkemedelslistan med ändamålet vård och en åtkomsttyp
    När systemet under test utför "läs läkemedelslista" för testpatienten
    Så varje läsande anrop från systemet har headern "x-purpose" med värdet "VARD"
    Och varje läsande anrop från systemet har headern "x-access" som matchar "^[A-Z_]+$"
    Och varje läsande anrop från systemet besvarades med en statuskod under 400
    Och har systemet anropat NLL med GET "MedicationRequest"

  @tc:SUT-VARD-09 @krav:ANDAMAL @krav:SAMTYCKE @obligatorisk
  Scenario: Utan patientens samtycke läser systemet inte läkemedelslistan
    När systemet under test utför "läs läkemedelslista" med:
      | patient  | {{patient.personnummer}} |
      | samtycke | nej                      |
    # Inte förskrivningarna, och inte heller läkemedelslisteinformationen (sökning eller
    # Patient/<id>/MedicationListInfo), uttagen eller något annat om patienten: bara uppslaget.
    Så har systemet bara slagit upp patienten i NLL

  @tc:SUT-VARD-10 @krav:ANDAMAL @obligatorisk
  Scenario: När användaren byter patient anropar systemet NLL bara för den nya patienten
    När systemet under test utför "läs läkemedelslista" med:
      | patient | 189002039817 |
    Och systemet under test utför "läs läkemedelslista" för testpatienten
    Så systemets anrop i den senaste åtgärden gällde bara testpatienten

  @tc:SUT-VARD-11 @krav:ANDAMAL @krav:SPARR @obligatorisk
  Scenario: Spärrade uppgifter läses inte utan patientens samtycke till dem
    Givet att scenariot har en egen testpatient ur poolen
    Och systemet skapar en "Basic" från mallen "sparr.json"
    När systemet under test utför "läs läkemedelslista" för testpatienten
    Så har systemet anropat NLL med GET "MedicationRequest"
    # Varje dokumenterad åtkomsttyp utom de som ser integritetsspärrade uppgifter: …_SPARRADE_UPPGIFTER,
    # NODATKOMST (FIL002) och DOSPATIENTS_UPPGIFTER (FIL004, filtreringsreglerna).
    Och varje läsande anrop från systemet har headern "x-access" som matchar "^(TILLFALLIGT_SAMTYCKE|UTAN_KRAV_SAMTYCKE|UTAN_KRAV_SAMTYCKE_BARN|FORMODAT_SAMTYCKE|SAMTYCKE_PRIVAT_TILL_VARDPERSONAL)$"

  @tc:SUT-VARD-12 @krav:VERSION @krav:FHIR-UPDATE @obligatorisk
  Scenario: Systemet uppdaterar en förskrivning från den senaste versionen
    När systemet under test utför "skapa förskrivning" för testpatienten
    Och konform hämtar förskrivningen som systemet under test skapade
    Och systemet ändrar "status" till "on-hold" i den skapade resursen
    Och systemet under test utför "uppdatera förskrivning" med:
      | fält  | status |
      | värde | active |
    Så har systemet anropat NLL med GET "MedicationRequest/{{created.id}}" före PUT "MedicationRequest/{{created.id}}"
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  @tc:SUT-VARD-13 @krav:VERSION @krav:TK1 @obligatorisk
  Scenario: Vid en versionskonflikt läser systemet om förskrivningen
    När systemet under test utför "skapa förskrivning" för testpatienten
    Och systemet under test utför "öppna förskrivning"
    Och konform hämtar förskrivningen som systemet under test skapade
    Och systemet ändrar "status" till "on-hold" i den skapade resursen
    Och systemet under test utför "spara öppnad förskrivning" med:
      | fält  | dosageInstruction.0.text |
      | värde | 2 tabletter vid behov    |
    Så har systemet läst om resursen efter varje svar med 409 eller 412
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.dosageInstruction.text" ger värdet "2 tabletter vid behov"
    # Den andra ändringen (parkerad) finns kvar: systemet gjorde om sin ändring på den senaste
    # versionen i stället för att skicka sin gamla kopia igen.
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "on-hold"

  @tc:SUT-VARD-14 @krav:TK1 @krav:P17 @obligatorisk
  Scenario: En förskrivning som NLL avvisar skickas inte igen och felet visas för användaren
    När systemet under test utför "skapa förskrivning" för testpatienten med mallen "forskrivning-okand-patient.json"
    Så har systemet anropat NLL med POST "MedicationRequest" 1 gång
    # Vilken 4xx NLL svarar för en okänd patient är inte dokumenterat: systemet ska visa NLL:s svar.
    Och NLL avvisade systemets anrop med POST "MedicationRequest" med en statuskod från 400 till 499
    Och rapporterade systemet under test NLL:s statuskod för användaren

  @tc:SUT-VARD-20 @krav:TK1 @krav:P17 @manuell @valfri
  Scenario: Operatören bekräftar med en skärmbild hur användaren ser felet när NLL avvisar förskrivningen
    # SUT-VARD-14 prövar systemets anrop; här intygar operatören vad användaren ser (TK1, P17).
    När systemet under test utför "skapa förskrivning" för testpatienten med mallen "forskrivning-okand-patient.json"
    Så bekräftar operatören med en bifogad fil att systemet visade NLL:s felmeddelande för användaren direkt (en skärmbild)

  @tc:SUT-VARD-21 @krav:ARK-3.7.1 @obligatorisk
  Scenario: Systemet legitimerar sig med ett testcertifikat, inte med ett från en produktions-CA
    När systemet under test utför "läs läkemedelslista" för testpatienten
    Så är systemets klientcertifikat inte utfärdat av en produktions-CA

  # NLL dokumenterar två sätt att makulera: PUT med status cancelled och $end (SIMP Prescription-Close).
  @tc:SUT-VARD-15 @krav:END @obligatorisk
  Scenario: Systemet makulerar en förskrivning
    När systemet under test utför "skapa förskrivning" för testpatienten
    Och systemet under test utför "makulera förskrivning"
    Så varje skrivande anrop från systemet besvarades med en statuskod under 400
    När konform hämtar förskrivningen som systemet under test skapade
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "cancelled"

  @tc:SUT-VARD-16 @krav:AUTO05 @krav:FHIR-CREATE @obligatorisk
  Scenario: Systemet förnyar en förskrivning i samma kedja
    När systemet under test utför "skapa förskrivning" för testpatienten
    Och konform hämtar förskrivningen som systemet under test skapade
    Och värdet av FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" sparas som "kedja"
    Och systemet under test utför "förnya förskrivning"
    Så har systemet anropat NLL med POST "MedicationRequest" 2 gånger
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400
    # Förnyade förskrivningar delar nllPrescriptionChain (SIMP MedicationRequest); hur förnyelsen
    # i övrigt anges (priorPrescription) dokumenterar NLL inte.
    När konform hämtar förskrivningen som systemet under test skapade
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" ger värdet "{{var.kedja}}"

  @tc:SUT-VARD-17 @krav:SAMTYCKE @obligatorisk
  Scenario: Systemet registrerar patientens åtkomstsamtycke
    Givet att scenariot har en egen testpatient ur poolen
    När systemet under test utför "registrera samtycke" för testpatienten
    Så har systemet anropat NLL med POST "Consent"
    När konform hämtar samtycket som systemet under test skapade
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Consent.patient" refererar till "Patient/{{patient.id}}"
    # Vården registrerar en samtyckesförfrågan, som gäller först när patienten godkänt den (TA 53):
    # NLL sparar den som inte gällande, vilken status systemet än skickade. Ett dossamtycke är något
    # annat än det åtkomstsamtycke som användaren bad om.
    Och FHIRPath-uttrycket "Consent.status = 'active'" ger värdet "false"
    Och FHIRPath-uttrycket "Consent.meta.profile.where($this.endsWith('NLLMultiDoseDispConsent')).exists()" ger värdet "false"

  @tc:SUT-VARD-18 @krav:ARK-3.4 @krav:TK1 @valfri
  Scenario: När NLL svarar 503 köar systemet förskrivningen och skickar den när NLL svarar igen
    Givet att NLL inte är tillgängligt för systemet under test
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så har systemet anropat NLL
    Och rapporterade systemet under test statuskoden 503 för användaren
    Och resultatet "köad" från systemet under test är "ja"
    När NLL är tillgängligt igen för systemet under test
    Och systemet under test utför "skicka köade förskrivningar"
    Och konform hämtar förskrivningen som systemet under test skapade
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  @tc:SUT-VARD-19 @krav:ARK-3.4 @valfri
  Scenario: När anslutningen till NLL bryts köar systemet förskrivningen
    Givet att NLL stänger anslutningarna för systemet under test
    När systemet under test utför "skapa förskrivning" för testpatienten
    Så har systemet anropat NLL
    Och är resultatet "köad" från systemet under test "ja"
    När NLL är tillgängligt igen för systemet under test
    Och systemet under test utför "skicka köade förskrivningar"
    Och konform hämtar förskrivningen som systemet under test skapade
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"
