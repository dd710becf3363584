# language: sv
@ta:38
Egenskap: TA 38 Hämta spärr
  En registrerad spärr (NLLDataLock, Basic med koden datalock) kan hämtas: läsas med sitt id och
  sökas fram för patienten. Det spärren döljer syns inte heller via händelserna (Provenance): de
  säger vem som förskrev vad och varför. Att händelserna döljs är simulatorns val (@sim).

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att scenariot har en egen testpatient ur poolen

  # Spärren på hela patienten (sparr.json) och koden datalock är simulatorns; därför @sim.
  @tc:NLL-TA38-01 @krav:SPARR @obligatorisk @sim
  Scenario: Hämta patientens spärr med id och med sökning
    När systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Basic.code.coding.code" ger värdet "datalock"
    När systemet söker "Basic" med "code=datalock&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" är sant

  @tc:NLL-TA38-02 @krav:SPARR @valfri @sim @beteende:LOCK-PROVENANCE
  Scenario: Händelserna för en spärrad förskrivning döljs som förskrivningen
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "mr"
    När systemet söker "Provenance" med "target=MedicationRequest/{{var.mr}}"
    Så FHIRPath-uttrycket "Bundle.entry.exists()" är sant
    När systemet skapar en "Basic" från mallen "sparr.json"
    Och systemet söker "Provenance" med "target=MedicationRequest/{{var.mr}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    Givet att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"
    När systemet söker "Provenance" med "target=MedicationRequest/{{var.mr}}"
    Så FHIRPath-uttrycket "Bundle.entry.exists()" är sant
