# language: sv
@vard
Egenskap: Sökning och sidindelning
  En sökning ger en Bundle (searchset) med de resurser som matchar alla sökparametrar. Ett stort
  resultat delas upp i sidor med _count, och next-länkarna leder genom alla träffar. NLL publicerar
  varken sina sökparametrar eller sin sidindelning; scenarierna använder FHIR:s parametrar och
  godtar varje sidstorlek. Förskrivningarna bär scenariots egen identifierare (mallen
  forskrivning-markerad.json, urn:konform:scenario), så att en sökning på den bara ger dem.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"

  # Varje förskrivning söks fram på nytt från första sidan: en next-länk som leder till samma sida
  # igen, eller som hoppar över en sida, lämnar någon av dem ohittad.
  @tc:NLL-SOK-01 @krav:FHIR-SEARCH @valfri @beteende:SEARCH-PAGING
  Scenario: Next-länkarna leder till varje träff
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-markerad.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "första"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-markerad.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "andra"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-markerad.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "tredje"
    När systemet söker "MedicationRequest" med "identifier=urn:konform:scenario|{{uuid}}&_count=1"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.första}}').exists()" är sant på någon sida av sökresultatet
    När systemet söker "MedicationRequest" med "identifier=urn:konform:scenario|{{uuid}}&_count=1"
    Så FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.andra}}').exists()" är sant på någon sida av sökresultatet
    När systemet söker "MedicationRequest" med "identifier=urn:konform:scenario|{{uuid}}&_count=1"
    Så FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.tredje}}').exists()" är sant på någon sida av sökresultatet

  @tc:NLL-SOK-02 @krav:FHIR-SEARCH @valfri @beteende:RES-MEDICATIONREQUEST
  Scenario: Sökning på status ger bara förskrivningar med den statusen
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning-markerad.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-markerad.json"
    Och systemet ändrar "status" till "on-hold" i den skapade resursen
    När systemet söker "MedicationRequest" med "identifier=urn:konform:scenario|{{uuid}}&status=on-hold"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.entry.resource.id" ger värdet "{{created.id}}"
    Och FHIRPath-uttrycket "Bundle.entry.resource.status" ger värdet "on-hold"

  # Simulatorn avvisar en okänd sökparameter, så att ett stavfel syns; FHIR tillåter också att den
  # ignoreras. Därför @sim.
  @tc:NLL-SOK-03 @krav:FHIR-SEARCH @obligatorisk @sim @beteende:SEARCH-UNKNOWN
  Scenario: En okänd sökparameter avvisas
    När systemet söker "MedicationRequest" med "patient={{patient.id}}&pateint={{patient.id}}"
    Så är svarets statuskod 400
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "not-supported"

  # Artiklarna är simulatorns påhittade testartiklar (fixtures/medications); mot EXT behöver NLL
  # ha samma artikel.
  @tc:NLL-SOK-04 @krav:FHIR-SEARCH @valfri @beteende:RES-MEDICATION
  Scenario: Sök en artikel på dess kod
    När systemet söker "Medication" med "code=http://medication.ehm.se/nplpackid|{{testdata.article.nplpackid}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.entry.resource.code.coding.where(system = 'http://medication.ehm.se/nplpackid').code" ger värdet "{{testdata.article.nplpackid}}"
