# language: sv
@ta:46 @apotek
Egenskap: Expediering av flera uttag – NLLDispatch
  Ett apotek som lämnar ut flera förskrivningar på en gång kan kontrollera alla uttagen i ett
  anrop: $verify på basen tar en NLLDispatch, en Bundle med uttagen (NLLVerify). Varje uttag
  kontrolleras som ett enskilt uttag och får registreras efteråt; ett fel pekar ut sitt uttag.
  Hur NLLDispatch kodas (Bundle-typen) och hur ett fel pekar ut sitt uttag är inte publicerat;
  fallen är därför @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att användaren är förskrivare
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "första"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-DISP-01 @krav:VERIFY-FORE-UTTAG @obligatorisk @sim @beteende:OP-VERIFY-DISPATCH
  Scenario: Kontrollera två uttag i ett anrop och registrera det andra
    När systemet anropar "$verify" med mallen "expediering-av-flera.json"
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'detectedIssues').value" ger värdet "false"
    När systemet skapar en "MedicationDispense" från mallen "uttag.json"
    Så är svarets statuskod 201

  @tc:NLL-DISP-02 @krav:VERIFY-FORE-UTTAG @valfri @sim @beteende:OP-VERIFY-DISPATCH
  Scenario: Ett fel i det andra uttaget pekar ut det
    När systemet anropar "$verify" med mallen "expediering-av-flera-noll.json"
    Så är svarets statuskod 200
    Och OperationOutcome pekar ut "Bundle.entry[1]"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'detectedIssues').value" ger värdet "true"
