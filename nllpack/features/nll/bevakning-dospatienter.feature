# language: sv
Egenskap: Bevakning av dospatienters förskrivningar ($monitoring)
  Vården bevakar dospatienters förskrivningar med MedicationRequest/$monitoring (NLLMonitoring):
  de som uppdaterats från och med fromDate, eller de vars sista giltighetsdag infaller senast
  toDate. Operationen tar 1–50 personnummer och antingen fromDate (högst 60 dagar bakåt) eller
  toDate (högst 90 dagar framåt), och svarar med en Bundle av förskrivningarna och deras patienter,
  där en patient bara bär id, meta.security, identifier och name. Fallen behöver en dospatient med
  känd historik: i simulatorns testdata är 189002049808 dospatient (ett aktivt dossamtycke och en
  avslutad förskrivning, senast ändrad 2025-01-15). Därför är alla fall @sim. Vilken statuskod en
  felaktig begäran får är inte dokumenterat, så varje 4xx godtas.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att begäran har headern "Prefer" med värdet "return=representation"
    Och att testpatienten har personnummer "189002049808"

  @tc:NLL-MON-01 @krav:BEVAKNING @obligatorisk @sim @beteende:OP-MONITORING
  Scenario: Bevakning från ett datum ger förskrivningar uppdaterade sedan dess, men inte äldre
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran.json"
    Så är svarets statuskod 200
    Och resurstypen är "Bundle"
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(MedicationRequest).where(id = '{{created.id}}').exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(MedicationRequest).where(id = '8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d01').empty()" är sant

  @tc:NLL-MON-02 @krav:BEVAKNING @obligatorisk @sim @beteende:OP-MONITORING-PATIENT
  Scenario: Patienterna i svaret bär bara id, meta.security, identifier och name
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(Patient).where(identifier.value = '{{patient.personnummer}}').exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(Patient).where(active.exists() or gender.exists() or birthDate.exists() or address.exists() or telecom.exists() or deceased.exists() or extension.exists()).empty()" är sant

  @tc:NLL-MON-03 @krav:BEVAKNING @obligatorisk @sim @beteende:OP-MONITORING-TO
  Scenario: Bevakning till ett datum ger förskrivningar vars sista giltighetsdag infaller senast då
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-giltig-30-dagar.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "snart"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-giltig-200-dagar.json"
    Och systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-till.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(MedicationRequest).where(id = '{{var.snart}}').exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(MedicationRequest).where(id = '{{created.id}}').empty()" är sant

  @tc:NLL-MON-04 @krav:BEVAKNING @krav:TK1 @obligatorisk @sim @beteende:OP-MONITORING-PARAMS
  Scenario: Både fromDate och toDate avvisas
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran.json"
    Så är svarets statuskod 200
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-bada-datum.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel

  @tc:NLL-MON-05 @krav:BEVAKNING @krav:TK1 @obligatorisk @sim @beteende:OP-MONITORING-PARAMS
  Scenario: Ett fromDate mer än 60 dagar bakåt avvisas
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran.json"
    Så är svarets statuskod 200
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran-for-tidigt.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel

  @tc:NLL-MON-06 @krav:BEVAKNING @krav:TK1 @obligatorisk @sim @beteende:OP-MONITORING-PARAMS
  Scenario: Ett toDate mer än 90 dagar framåt avvisas
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-till.json"
    Så är svarets statuskod 200
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-till-for-sent.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel

  # Vad NLL svarar för en patient som inte är dospatient är inte dokumenterat.
  @tc:NLL-MON-07 @krav:BEVAKNING @valfri @sim @beteende:OP-MONITORING-DOSE
  Scenario: En patient som inte är dospatient ger inga förskrivningar
    Givet att testpatienten har personnummer "189001019802"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(MedicationRequest).where(id = '{{created.id}}').empty()" är sant

  # Beskrivningen nämner vårdpersonal; vilka roller som får anropa är inte uppräknat.
  @tc:NLL-MON-08 @krav:BEVAKNING @krav:BEHORIGHET @valfri @sim @beteende:OP-MONITORING-ROLE
  Scenario: Ett apotek får inte bevaka
    Givet att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet anropar "MedicationRequest/$monitoring" med mallen "bevakning-fran.json"
    Så är svarets statuskod 403
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "forbidden"
