# language: sv
@ta:12
Egenskap: TA 12 Hämta information om patientens läkemedelslista
  Informationen om läkemedelslistan (NLLMedicationListInfo, en Basic med code medlistinfo) kan bara
  sökas. Den bär listans version och om det finns en spärr.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "189001019802"

  @tc:NLL-TA12-01 @krav:MEDLISTINFO @krav:FHIR-SEARCH @obligatorisk
  Scenario: Sök information om läkemedelslistan
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och resurstypen är "Bundle"
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllMedicationlistVersion')).exists()" är sant
