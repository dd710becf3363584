# language: sv
@ta:53
Egenskap: TA 53 Hantera registrerat åtkomstsamtycke
  Vården registrerar en samtyckesförfrågan som patienten sedan godkänner eller avvisar; samtycket
  kan inte användas förrän patienten har godkänt det, och när patienten accepterar gäller det från
  den dagen i fyra år (TA 53). Patienten svarar i Läkemedelskollen; i simulatorn svarar patienten
  (privatperson) med en PUT, och förfrågans status (proposed) är simulatorns val.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    # Samtycket gäller patienten: scenariot lånar en egen patient ur poolen.
    Och att scenariot har en egen testpatient ur poolen

  # En förfrågan som patienten inte har godkänt kan inte användas, så den är inte aktiv. Mallen
  # skickar förfrågan med FHIR:s status för ett förslag, proposed: att vården får registrera ett
  # samtycke som redan är active dokumenterar NLL inte (bara patienten godkänner). Vilken status NLL
  # ger förfrågan (proposed eller draft) är inte dokumenterat; båda godtas.
  @tc:NLL-TA53-01 @krav:SAMTYCKE @obligatorisk @beteende:WRITE-CONSENT
  Scenario: Vården registrerar en samtyckesförfrågan som inte gäller förrän patienten godkänt den
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Så är svarets statuskod 201
    Och resurstypen är "Consent"
    Och FHIRPath-uttrycket "Consent.status = 'active'" ger värdet "false"

  @tc:NLL-TA53-05 @krav:SAMTYCKE @obligatorisk @sim @beteende:WRITE-CONSENT @beteende:WRITE-CONSENT-ACCEPT
  Scenario: Patienten godkänner vårdens förfrågan, som sedan gäller i fyra år
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "Consent" från mallen "samtycke.json"
    När systemet ändrar "status" till "active" i den skapade resursen
    Så är svarets statuskod 403
    Givet att användaren är privatperson
    När systemet ändrar "status" till "active" i den skapade resursen
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Consent.status" ger värdet "active"
    # Giltighetstiden börjar den dag patienten godkänner, i dag.
    Och FHIRPath-uttrycket "Consent.provision.period.start.toString().startsWith('{{today}}')" är sant
    Och FHIRPath-uttrycket "Consent.provision.period.end = Consent.provision.period.start + 4 years" är sant

  # Sökparametern status är FHIR:s; NLL publicerar inte sina sökparametrar, och förfrågans status
  # (proposed) är simulatorns val.
  @tc:NLL-TA53-02 @krav:SAMTYCKE @krav:FHIR-SEARCH @valfri @sim @beteende:RES-CONSENT
  Scenario: Sökning på status ger bara samtycken med den statusen
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Så är svarets statuskod 201
    När systemet söker "Consent" med "patient={{patient.id}}&status=proposed"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" är sant på någon sida av sökresultatet
    När systemet söker "Consent" med "patient={{patient.id}}&status=inactive"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" ger värdet "false"

  # Hur ett samtycke återkallas dokumenterar NLL inte (simulatorns val: status inactive), inte heller
  # att ett återkallat samtycke inte kan bli aktivt igen; därför @sim.
  @tc:NLL-TA53-03 @krav:SAMTYCKE @obligatorisk @sim @beteende:END-CONSENT
  Scenario: Ett återkallat samtycke kan inte bli aktivt igen
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Och systemet ändrar "status" till "inactive" i den skapade resursen
    Så är svarets statuskod 200
    När systemet ändrar "status" till "active" i den skapade resursen
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-12"
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "Consent.status" ger värdet "inactive"

  # Samtycket gäller en patient som NLL inte känner (ett påhittat logiskt id); kroppen är i övrigt
  # mallen samtycke.json, som sedan tas emot för testpatienten: det var patienten som stoppade den.
  @tc:NLL-TA53-04 @krav:SAMTYCKE @krav:TK1 @obligatorisk @beteende:AFF-09
  Scenario: Ett samtycke för en patient som NLL inte känner avvisas
    När systemet skapar en "Consent" med kroppen:
      """
      {
        "resourceType": "Consent",
        "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
        "status": "proposed",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"text": "Åtkomstsamtycke (NLLAccessConsent)"}],
        "patient": {"reference": "Patient/00000000-0000-0000-0000-000000000000"},
        "dateTime": "{{today}}",
        "policyRule": {"text": "Samtycke till åtkomst av uppgifter i NLL"}
      }
      """
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Så är svarets statuskod 201
