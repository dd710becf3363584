# language: sv
@ta:53
Egenskap: TA 53 Hantera registrerat åtkomstsamtycke
  Ett åtkomstsamtycke som patienten har godkänt gäller i fyra år från registreringen.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    # Samtycket gäller patienten: scenariot lånar en egen patient ur poolen.
    Och att scenariot har en egen testpatient ur poolen

  @tc:NLL-TA53-01 @krav:SAMTYCKE @obligatorisk @beteende:WRITE-CONSENT
  Scenario: Registrera ett åtkomstsamtycke som gäller i fyra år
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Så är svarets statuskod 201
    Och resurstypen är "Consent"
    Och FHIRPath-uttrycket "Consent.provision.period.end = Consent.provision.period.start + 4 years" är sant

  # Sökparametern status är FHIR:s; NLL publicerar inte sina sökparametrar.
  @tc:NLL-TA53-02 @krav:SAMTYCKE @krav:FHIR-SEARCH @valfri @beteende:RES-CONSENT
  Scenario: Sökning på status ger bara samtycken med den statusen
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Så är svarets statuskod 201
    När systemet söker "Consent" med "patient={{patient.id}}&status=active"
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

  # Samtycket gäller en patient som NLL inte känner (ett påhittat logiskt id).
  @tc:NLL-TA53-04 @krav:SAMTYCKE @krav:TK1 @obligatorisk @beteende:AFF-09
  Scenario: Ett samtycke för en patient som NLL inte känner avvisas
    När systemet skapar en "Consent" med kroppen:
      """
      {
        "resourceType": "Consent",
        "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"text": "Åtkomstsamtycke (NLLAccessConsent)"}],
        "patient": {"reference": "Patient/00000000-0000-0000-0000-000000000000"},
        "dateTime": "{{today}}",
        "policyRule": {"text": "Samtycke till åtkomst av uppgifter i NLL"}
      }
      """
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
