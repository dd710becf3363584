# language: sv
@ta:46 @apotek
Egenskap: TA 46 Registrera och kontrollera uttag – Apotek
  Innan apoteket registrerar ett uttag ska uttaget kontrolleras med $verify (NLLVerify), som kör de
  automatiska kontrollerna utan att spara. Ett uttag som inte kontrollerats först avvisas med 422
  och en OperationOutcome vars nllDetectedIssue anger regeln. Bara apotek registrerar uttag.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att användaren är förskrivare
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-TA46-01 @krav:VERIFY-FORE-UTTAG @obligatorisk
  Scenario: Kontrollera uttaget med $verify och registrera det
    När systemet anropar "MedicationDispense/$verify" med mallen "uttag.json"
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'detectedIssues').value" ger värdet "false"
    När systemet skapar en "MedicationDispense" från mallen "uttag.json"
    Så är svarets statuskod 201
    Och svaret har headern "Location" som matchar "MedicationDispense/[^/]+"
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    Och resurstypen är "MedicationDispense"

  @tc:NLL-TA46-02 @krav:VERIFY-FORE-UTTAG @krav:TK1 @obligatorisk @sim
  Scenario: Ett uttag som inte kontrollerats med $verify avvisas
    När systemet skapar en "MedicationDispense" från mallen "uttag.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "business-rule"
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-04"

  @tc:NLL-TA46-03 @krav:BEHORIGHET @obligatorisk
  Scenario: En förskrivare får inte registrera uttag
    Givet att användaren är förskrivare
    När systemet skapar en "MedicationDispense" från mallen "uttag.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
