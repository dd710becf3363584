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

  @tc:NLL-FSK-10 @krav:FHIR-UPDATE @obligatorisk
  Scenario: Parkera en förskrivning med den senaste versionen
    När systemet ändrar "status" till "on-hold" i den skapade resursen
    Så är svarets statuskod 200
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "on-hold"
    Och FHIRPath-uttrycket "MedicationRequest.meta.versionId" ger värdet "2"

  @tc:NLL-FSK-11 @krav:FHIR-UPDATE @krav:TK1 @obligatorisk
  Scenario: En uppdatering som bygger på en gammal version avvisas
    När systemet ändrar "status" till "on-hold" i den skapade resursen
    Och systemet ändrar "status" till "completed" i version 1 av den skapade resursen
    Så är svarets statuskod 409 eller 412
    Och OperationOutcome har ett fel
