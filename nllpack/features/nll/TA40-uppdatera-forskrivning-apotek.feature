# language: sv
@ta:40 @apotek
Egenskap: TA 40 Uppdatera förskrivning – Apotek
  Apoteket uppdaterar en förskrivning med PUT och hela resursen, byggd på den senaste versionen.
  Ett apotek får avsluta (completed) en förskrivning men inte parkera eller makulera den.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-TA40-01 @krav:FHIR-UPDATE @krav:BEHORIGHET @obligatorisk @beteende:WRITE-STATUS-ROLE
  Scenario: Apoteket avslutar en förskrivning
    När systemet ändrar "status" till "completed" i den skapade resursen
    Så är svarets statuskod 200
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "completed"

  # Vilka ändringar ett apotek får göra är inte dokumenterat; simulatorns regel kontrolleras här.
  @tc:NLL-TA40-02 @krav:BEHORIGHET @obligatorisk @sim @beteende:WRITE-STATUS-ROLE
  Scenario: Apoteket får inte parkera en förskrivning
    När systemet ändrar "status" till "on-hold" i den skapade resursen
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"

  # Handbokens verksamhetsflöde för expediering räknar upp att apoteket uppdaterar, avslutar,
  # aktiverar och makulerar förskrivningar (kanske bara dem apoteket själv registrerat från
  # pappers- eller telefonrecept); att apoteket inte makulerar förskrivarens är simulatorns regel,
  # därför valfritt.
  @tc:NLL-TA40-03 @krav:BEHORIGHET @valfri @sim @beteende:WRITE-STATUS-ROLE
  Scenario: Apoteket får inte makulera en förskrivning
    När systemet ändrar "status" till "cancelled" i den skapade resursen
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"
