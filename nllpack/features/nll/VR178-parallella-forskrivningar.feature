# language: sv
@vard
Egenskap: VR178 Parallella förskrivningar i en transaktion
  Flera förskrivningar registreras tillsammans i en NLLPrescriptionBundle, en transaktion som
  skickas med POST [base]/ (inte [base]/Bundle). Transaktionen är allt eller inget: ett fel i en
  post avvisar hela transaktionen och OperationOutcome pekar ut posten.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"

  @tc:NLL-VR178-01 @krav:VR178 @obligatorisk @beteende:OP-TRANSACTION
  Scenario: Två parallella förskrivningar registreras i en transaktion
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet anropar "" med mallen "transaktion-parallell.json"
    Så är svarets statuskod 200
    Och resurstypen är "Bundle"
    Och FHIRPath-uttrycket "Bundle.type" ger värdet "transaction-response"
    Och Bundle har 2 poster
    # FHIR tillåter statusen med eller utan förklarande text ("201" eller "201 Created").
    Och FHIRPath-uttrycket "Bundle.entry.all(response.status.startsWith('201'))" är sant
    # Två förskrivningar, inte en som besvaras två gånger: varje post har en egen location.
    Och FHIRPath-uttrycket "Bundle.entry.response.location.distinct().count() = 2" är sant

  # Den andra posten bryter mot en dokumenterad regel: en innesluten patient utan mottagande apotek
  # (nllReceivingPharmacy krävs då, SIMP MedicationRequest).
  @tc:NLL-VR178-02 @krav:VR178 @krav:TK1 @obligatorisk @beteende:OP-TRANSACTION
  Scenario: Ett fel i en post avvisar hela transaktionen
    När systemet anropar "" med mallen "transaktion-trasig.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
    Och OperationOutcome pekar ut "Bundle.entry[1]"

  # Allt eller inget: förskrivningen i den första, felfria posten sparas inte heller. Scenariot lånar
  # en egen patient, så att antalet förskrivningar bara kan ändras av en som transaktionen sparat.
  # (Sökparametern status publicerar NLL inte; därför räknas alla patientens förskrivningar.)
  @tc:NLL-VR178-03 @krav:VR178 @obligatorisk @beteende:OP-TRANSACTION
  Scenario: En avvisad transaktion sparar ingen av sina förskrivningar
    Givet att scenariot har en egen testpatient ur poolen
    Och systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Och antalet träffar på alla sidor av sökresultatet sparas som "före"
    När systemet anropar "" med mallen "transaktion-trasig.json"
    Så är svarets statuskod 4xx
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och antalet träffar på alla sidor av sökresultatet är "{{var.före}}"
