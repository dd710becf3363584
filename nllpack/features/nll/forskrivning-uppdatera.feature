# language: sv
@vard
Egenskap: Uppdatera förskrivning
  En förskrivning uppdateras med PUT [base]/MedicationRequest/[id] och hela resursen. Klienten ska
  först hämta den senaste versionen; en uppdatering som bygger på en äldre version avvisas (med 409
  eller 412: vilken av dem är inte dokumenterat).

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"

  @tc:NLL-FSK-10 @krav:FHIR-UPDATE @obligatorisk @beteende:WRITE-STATUS @beteende:WRITE-NEW-VERSION
  Scenario: Parkera en förskrivning med den senaste versionen
    När systemet läser tillbaka den skapade resursen
    Och värdet av FHIRPath-uttrycket "MedicationRequest.meta.versionId" sparas som "version"
    Och systemet ändrar "status" till "on-hold" i den skapade resursen
    Så är svarets statuskod 200
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "on-hold"
    # meta.versionId är Förskrivningsversion, ett löpnummer: en ändring ger en ny version. Vilket
    # nummer den får, och vilket den första har, dokumenterar NLL inte.
    Och FHIRPath-uttrycket "MedicationRequest.meta.versionId != '{{var.version}}'" är sant

  # Den gamla versionen är den klienten läste före ändringen: dess meta.versionId sparas och skickas
  # tillbaka efter ändringen. Varken läsning av en äldre version (_history/n) eller vilket nummer den
  # första versionen har dokumenterar NLL, så fallet använder inget av dem.
  @tc:NLL-FSK-11 @krav:FHIR-UPDATE @krav:TK1 @obligatorisk @beteende:WRITE-VERSION
  Scenario: En uppdatering som bygger på en gammal version avvisas
    När systemet läser tillbaka den skapade resursen
    Och värdet av FHIRPath-uttrycket "MedicationRequest.meta.versionId" sparas som "gammal"
    Och systemet ändrar "status" till "on-hold" i den skapade resursen
    Så är svarets statuskod 200
    När systemet uppdaterar den skapade resursen med kroppen:
      """
      {
        "resourceType": "MedicationRequest",
        "id": "{{created.id}}",
        "meta": {"versionId": "{{var.gammal}}"},
        "contained": [
          {"resourceType": "Practitioner", "id": "forskrivare",
           "identifier": [{"system": "http://electronichealth.se/identifier/forskrivarkod", "value": "9000027"}],
           "name": [{"family": "Doktorsson", "given": ["Test"]}]}
        ],
        "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://medication.ehm.se/nplpackid", "code": "{{testdata.article.nplpackid}}", "display": "{{testdata.article.name}}"}]},
        "subject": {"reference": "Patient/{{patient.id}}"},
        "authoredOn": "{{today}}",
        "requester": {"reference": "#forskrivare"},
        "dosageInstruction": [{"sequence": 1, "text": "1 tablett vid behov, högst 4 gånger per dygn", "patientInstruction": "1 tablett vid behov, högst 4 gånger per dygn"}],
        "dispenseRequest": {"validityPeriod": {"start": "{{today}}"}, "numberOfRepeatsAllowed": 0, "quantity": {"value": 1, "unit": "förpackning"}}
      }
      """
    # Med vilken status NLL avvisar en gammal version dokumenterar NLL inte (409, 412, eller 422 som
    # för en regel): att den avvisas och att den senaste ändringen står kvar är det som gäller.
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "on-hold"

  # Läsning av en äldre version (vread, _history/n) är inte dokumenterad för NLL; därför @sim.
  @tc:NLL-FSK-12 @krav:FHIR-READ @obligatorisk @sim @beteende:RES-VREAD
  Scenario: En äldre version av förskrivningen kan läsas
    När systemet ändrar "status" till "on-hold" i den skapade resursen
    Så är svarets statuskod 200
    När systemet hämtar "MedicationRequest/{{created.id}}/_history/1"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.meta.versionId" ger värdet "1"
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  # PUT uppdaterar en förskrivning som finns: en PUT på ett id som NLL inte känner avvisas
  # (SIMP Prescription-Close). Kroppen är i övrigt en giltig förskrivning, så att bara id:t kan
  # vara felet.
  @tc:NLL-FSK-13 @krav:FHIR-UPDATE @krav:TK1 @obligatorisk @beteende:WRITE-UPDATE
  Scenario: En uppdatering av en förskrivning som inte finns avvisas
    När systemet skickar PUT till "MedicationRequest/{{uuid}}" med kroppen:
      """
      {
        "resourceType": "MedicationRequest",
        "id": "{{uuid}}",
        "meta": {"versionId": "1"},
        "contained": [
          {"resourceType": "Practitioner", "id": "forskrivare",
           "identifier": [{"system": "http://electronichealth.se/identifier/forskrivarkod", "value": "9000027"}],
           "name": [{"family": "Doktorsson", "given": ["Test"]}]}
        ],
        "identifier": [{"system": "urn:konform:run", "value": "{{run.id}}"}],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://medication.ehm.se/nplpackid", "code": "{{testdata.article.nplpackid}}"}]},
        "subject": {"reference": "Patient/{{patient.id}}"},
        "authoredOn": "{{today}}",
        "requester": {"reference": "#forskrivare"},
        "dosageInstruction": [{"sequence": 1, "text": "1 tablett vid behov, högst 4 gånger per dygn", "patientInstruction": "1 tablett vid behov, högst 4 gånger per dygn"}],
        "dispenseRequest": {"validityPeriod": {"start": "{{today}}"}, "numberOfRepeatsAllowed": 0, "quantity": {"value": 1, "unit": "förpackning"}}
      }
      """
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    När systemet hämtar "MedicationRequest/{{uuid}}"
    Så är svarets statuskod 404
