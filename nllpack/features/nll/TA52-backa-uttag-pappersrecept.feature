# language: sv
@ta:52 @apotek
Egenskap: TA 52 Backa eller kreditera uttag pappersrecept – Apotek
  Ett uttag på pappersrecept backas eller krediteras av ett apotek som tillhör, eller tillhörde,
  samma apotek eller apoteksaktör som det apotek som registrerade uttaget; det går inte att ångra.
  Hur NLL tar emot en backning är inte publicerat (simulatorns val: en PUT med status
  entered-in-error), och vilka apotek som hör till samma aktör vet simulatorn inte (den godtar
  bara samma apotek, APOTEKSID i åtkomstintyget). Därför är scenariot @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    # En egen patient: $verify och registreringen av samma uttag i ett annat scenario stör inte.
    Och att scenariot har en egen testpatient ur poolen
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-TA52-01 @krav:FHIR-UPDATE @obligatorisk @sim @beteende:END-PAPER-DISPENSE-PHARMACY
  Scenario: Ett annat apotek kan inte backa ett uttag på pappersrecept
    Givet systemet anropar "MedicationDispense/$verify" med mallen "uttag-pappersrecept.json"
    När systemet skapar en "MedicationDispense" från mallen "uttag-pappersrecept.json"
    Så är svarets statuskod 201
    Givet att åtkomstintyget har "APOTEKSID" satt till "7350045500007"
    När systemet ändrar "status" till "entered-in-error" i den skapade resursen
    Så är svarets statuskod 403
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationDispense.status" ger värdet "completed"
    # Apoteket som registrerade uttaget backar det.
    Givet att åtkomstintyget har "APOTEKSID" satt till "7350045511999"
    När systemet ändrar "status" till "entered-in-error" i den skapade resursen
    Så är svarets statuskod 200
