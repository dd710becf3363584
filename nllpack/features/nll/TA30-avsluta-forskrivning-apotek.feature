# language: sv
@ta:30 @apotek
Egenskap: TA 30 Avsluta förskrivning – Apotek
  Apoteket avslutar en förskrivning (avsluta, status completed) men makulerar den inte: att makulera
  är förskrivarens sak. Med PUT (TA 40) och med MedicationRequest/$end gäller samma regel. Om
  apoteket får använda $end, och vad NLL svarar när apoteket försöker makulera, dokumenterar NLL
  inte; scenarierna kontrollerar simulatorns regel och är därför @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-TA30A-01 @krav:END @krav:BEHORIGHET @valfri @sim @beteende:OP-END @beteende:OP-END-ROLE
  Scenario: Apoteket avslutar en förskrivning med $end
    När systemet anropar "MedicationRequest/$end" med mallen "avsluta.json"
    Så är svarets statuskod 2xx
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "completed"

  @tc:NLL-TA30A-02 @krav:END @krav:BEHORIGHET @valfri @sim @beteende:OP-END-ROLE
  Scenario: Apoteket får inte makulera en förskrivning med $end
    När systemet anropar "MedicationRequest/$end" med mallen "makulera.json"
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"
