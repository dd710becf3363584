# language: sv
@ta:12
Egenskap: TA 12 Hämta information om patientens läkemedelslista
  Informationen om läkemedelslistan (NLLMedicationListInfo, en Basic med code medlistinfo) kan bara
  sökas. Den bär listans version och om det finns en spärr.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "189001019802"

  # NLL dokumenterar sökningen som Patient/[id]/MedicationListInfo (SIMP BasicNLLMedicationListInfo);
  # sökparametrarna för Basic (code, patient) publicerar NLL inte.
  @tc:NLL-TA12-01 @krav:MEDLISTINFO @krav:FHIR-SEARCH @obligatorisk @beteende:RES-MEDLISTINFO
  Scenario: Sök information om läkemedelslistan
    När systemet hämtar "Patient/{{patient.id}}/MedicationListInfo"
    Så är svarets statuskod 200
    Och resurstypen är "Bundle"
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllMedicationlistVersion')).exists()" är sant

  # Listans version räknas per patient: scenariot lånar en egen patient, så att ingen annan skriver
  # till listan under tiden.
  @tc:NLL-TA12-02 @krav:MEDLISTINFO @valfri @beteende:WRITE-LIST-VERSION
  Scenario: Läkemedelslistans version ökar när en förskrivning registreras
    Givet att scenariot har en egen testpatient ur poolen
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och värdet av FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllMedicationlistVersion')).value" sparas som "version"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllMedicationlistVersion')).value > {{var.version}}" är sant

  # nllControlledDrugs: patienten har en aktiv förskrivning av ett narkotikaklassat läkemedel. Vad
  # flaggan betyder i detalj är inte dokumenterat, och artikeln är simulatorns; därför @sim.
  @tc:NLL-TA12-03 @krav:MEDLISTINFO @valfri @sim @beteende:RES-MEDLISTINFO
  Scenario: Läkemedelslistan visar att patienten har narkotikaklassade läkemedel
    Givet att scenariot har en egen testpatient ur poolen
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllControlledDrugs')).value" ger värdet "false"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-narkotika.json"
    Och systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllControlledDrugs')).value" ger värdet "true"
