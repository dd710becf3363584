# language: sv
@ta:47 @apotek
Egenskap: TA 47 Uppdatera uttag – Apotek
  Apoteket uppdaterar ett registrerat uttag med PUT och hela resursen. Ett uttag som registrerats
  fel makuleras med status entered-in-error och räknas sedan inte längre mot förskrivningens
  uttag. Hur NLL makulerar ett uttag dokumenterar NLL inte (simulatorns val: en PUT med status
  entered-in-error); därför är scenarierna @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att testpatienten har personnummer "189001019802"
    Och att användaren är förskrivare
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    # Förskrivningen får expedieras två gånger (numberOfRepeatsAllowed 1).
    Och systemet ändrar "dispenseRequest.numberOfRepeatsAllowed" till talet 1 i den skapade resursen
    Och systemet läser tillbaka den skapade resursen
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forskrivning"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-TA47-01 @krav:FHIR-UPDATE @obligatorisk @sim @beteende:END-DISPENSE
  Scenario: Ett makulerat uttag räknas inte mot förskrivningens uttag
    Givet systemet anropar "MedicationDispense/$verify" med mallen "uttag-av-forskrivning.json"
    Och systemet skapar en "MedicationDispense" från mallen "uttag-av-forskrivning.json"
    När systemet ändrar "status" till "entered-in-error" i den skapade resursen
    Så är svarets statuskod 200
    När systemet anropar "MedicationDispense/$verify" med mallen "uttag-av-forskrivning.json"
    Och systemet skapar en "MedicationDispense" från mallen "uttag-av-forskrivning.json"
    Så är svarets statuskod 201
    # Två uttag, varav ett makulerat: förskrivningen har ett uttag kvar och är fortfarande aktiv.
    När systemet hämtar "MedicationRequest/{{var.forskrivning}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  # TA 47: det som kan ändras på ett uttag är avräknad mängd och beslutet om slutexpediering, inte
  # vad som lämnades ut. Var NLL har den avräknade mängden är inte publicerat (simulatorns val:
  # quantity), därför @sim.
  @tc:NLL-TA47-02 @krav:FHIR-UPDATE @obligatorisk @sim @beteende:WRITE-DISPENSE-UPDATE
  Scenario: En uppdatering av ett uttag rättar mängden men byter inte artikel
    Givet systemet anropar "MedicationDispense/$verify" med mallen "uttag-av-forskrivning.json"
    Och systemet skapar en "MedicationDispense" från mallen "uttag-av-forskrivning.json"
    När systemet ändrar "quantity.value" till talet 2 i den skapade resursen
    Så är svarets statuskod 200
    När systemet ändrar "medicationCodeableConcept.coding[0].code" till "{{testdata.second.nplpackid}}" i den skapade resursen
    Så är svarets statuskod 400
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationDispense.medicationCodeableConcept.coding.code" ger värdet "{{testdata.article.nplpackid}}"
    Och FHIRPath-uttrycket "MedicationDispense.quantity.value" ger värdet "2"
