# language: sv
Egenskap: Patient utan personnummer och varningar i svaret
  En förskrivning till en patient utan personnummer har patienten innesluten (contained) och anger
  det mottagande apoteket i tillägget nllReceivingPharmacy, som då krävs. En varning från de
  automatiska kontrollerna sparar förskrivningen (201); med Prefer: return=representation bäddas
  varningen (detectedIssue) in i svaret.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"

  @tc:NLL-RES-01 @krav:FHIR-CREATE @krav:TK1 @obligatorisk @beteende:AFF-15
  Scenario: En patient utan personnummer och utan mottagande apotek avvisas
    När systemet skapar en "MedicationRequest" med kroppen:
      """
      {
        "resourceType": "MedicationRequest",
        "contained": [
          {"resourceType": "Practitioner", "id": "forskrivare",
           "identifier": [{"system": "http://electronichealth.se/identifier/forskrivarkod", "value": "9000027"}]},
          {"resourceType": "Patient", "id": "patient", "name": [{"family": "Reservsson", "given": ["Utan"]}], "birthDate": "1990-01-01"}
        ],
        "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://medication.ehm.se/nplpackid", "code": "{{testdata.article.nplpackid}}"}]},
        "subject": {"reference": "#patient"},
        "authoredOn": "{{today}}",
        "requester": {"reference": "#forskrivare"},
        "dosageInstruction": [{"sequence": 1, "text": "1 tablett vid behov", "patientInstruction": "1 tablett vid behov"}],
        "dispenseRequest": {"quantity": {"value": 1, "unit": "förpackning"}}
      }
      """
    # Att tillägget krävs står i profilen (SIMP MedicationRequest); om NLL avvisar det som en
    # AFF-regel (422) eller som ett profilfel (400 eller 422) dokumenteras inte, därför 4xx.
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    # Samma förskrivning till en patient som NLL känner tas emot: avvisningen gällde patienten, inte
    # resten av kroppen.
    Givet att testpatienten har personnummer "189001019802"
    När systemet skapar en "MedicationRequest" med kroppen:
      """
      {
        "resourceType": "MedicationRequest",
        "contained": [
          {"resourceType": "Practitioner", "id": "forskrivare",
           "identifier": [{"system": "http://electronichealth.se/identifier/forskrivarkod", "value": "9000027"}]}
        ],
        "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://medication.ehm.se/nplpackid", "code": "{{testdata.article.nplpackid}}"}]},
        "subject": {"reference": "Patient/{{patient.id}}"},
        "authoredOn": "{{today}}",
        "requester": {"reference": "#forskrivare"},
        "dosageInstruction": [{"sequence": 1, "text": "1 tablett vid behov", "patientInstruction": "1 tablett vid behov"}],
        "dispenseRequest": {"quantity": {"value": 1, "unit": "förpackning"}}
      }
      """
    Så är svarets statuskod 201

  # Hur tillägget nllReceivingPharmacy anger apoteket publicerar NLL inte (simulatorns val:
  # valueIdentifier med apotekets GLN), därför valfritt.
  @tc:NLL-RES-03 @krav:FHIR-CREATE @valfri @beteende:AFF-15
  Scenario: En patient utan personnummer med mottagande apotek godtas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-utan-personnummer.json"
    Så är svarets statuskod 201

  # NLLPatient tillåter en innesluten patient med personnummer i reservlösningen; vad som gör en
  # förskrivning till en del av reservlösningen är inte dokumenterat (simulatorns val: ett
  # personnummer som NLL inte känner till, här 193104219096), därför @sim.
  @tc:NLL-RES-04 @krav:FHIR-CREATE @valfri @sim @beteende:WRITE-RESERVE
  Scenario: Reservlösning: en innesluten patient med ett personnummer som NLL inte känner godtas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-reservlosning.json"
    Så är svarets statuskod 201

  @tc:NLL-RES-02 @krav:PREFER @krav:TK1 @valfri @sim @beteende:VARN-REPRESENTATION @beteende:VARN-01
  Scenario: En varning följer med när svaret är resursen
    Givet att scenariot har en egen testpatient ur poolen
    Och att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.detectedIssue.empty()" är sant
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.detectedIssue.exists()" är sant
    Och FHIRPath-uttrycket "MedicationRequest.contained.where(resourceType = 'DetectedIssue').code.coding.code" ger värdet "SIM-VARN-01"
