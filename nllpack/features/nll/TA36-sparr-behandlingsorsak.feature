# language: sv
@ta:36
Egenskap: TA 36 Spärr av behandlingsorsak
  En spärr kan gälla all information eller bara behandlingsorsaken. En spärr av behandlingsorsaken
  lämnar förskrivningen synlig men filtrerar bort orsaken; filterregeln FIL006 flaggar den
  bortfiltrerade orsaken med tillägget nlldataAbsentReason. Hur spärrens omfattning kodas är inte
  dokumenterat (simulatorns val: tillägget nllDataLockScope), därför är scenariot @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att scenariot har en egen testpatient ur poolen

  @tc:NLL-TA36B-01 @krav:SPARR @valfri @sim @beteende:LOCK-REASON
  Scenario: En spärr av behandlingsorsaken döljer orsaken men inte förskrivningen
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-med-orsak.json"
    Och systemet skapar en "Basic" från mallen "sparr-behandlingsorsak.json"
    Så är svarets statuskod 201
    När systemet söker "MedicationRequest" med "patient={{patient.id}}&status=active"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.entry.resource.reasonCode.text.empty()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.reasonCode.extension.where(url.endsWith('nlldataAbsentReason')).exists()" är sant
    Givet att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}&status=active"
    Så FHIRPath-uttrycket "Bundle.entry.resource.reasonCode.text" ger värdet "Smärta"

  # Patientens spärr av behandlingsorsaken hindrar också apoteket från att se orsaken (SIMP
  # BasicNLLDataLock), fast apoteket ser integritetsspärrade förskrivningar (FIL001).
  @tc:NLL-TA36B-02 @krav:SPARR @valfri @sim @beteende:LOCK-REASON
  Scenario: Apoteket ser förskrivningen men inte den spärrade behandlingsorsaken
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-med-orsak.json"
    Och systemet skapar en "Basic" från mallen "sparr-behandlingsorsak.json"
    Så är svarets statuskod 201
    Givet att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}&status=active"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.entry.resource.reasonCode.text.empty()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.reasonCode.extension.where(url.endsWith('nlldataAbsentReason')).exists()" är sant
