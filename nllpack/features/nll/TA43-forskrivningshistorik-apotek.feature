# language: sv
@ta:43 @apotek
Egenskap: TA 43 Skapa utdrag – Förskrivningshistorik – Apotek
  Apoteket skapar ett utdrag med patientens förskrivningshistorik, med ändamålet Expediering och
  åtkomsttypen Utan krav på samtycke (TA 43). Historiken omfattar också förskrivningar som inte
  längre kan expedieras: makulerade (status cancelled) och avslutade (completed). Vilka
  förskrivningar NLL tar med i historiken är inte publicerat i detalj; fallet är därför @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att scenariot har en egen testpatient ur poolen
    Och att begäran har headern "Prefer" med värdet "return=representation"

  @tc:NLL-TA43-01 @krav:FHIR-SEARCH @obligatorisk @sim @beteende:SEARCH-STATUS-ALL
  Scenario: Historiken tar med makulerade och avslutade förskrivningar
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "makulerad"
    Och systemet anropar "MedicationRequest/$end" med mallen "makulera.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "avslutad"
    Och systemet anropar "MedicationRequest/$end" med mallen "avsluta.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "aktiv"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.aktiv}}' and status = 'active').exists()" är sant på någon sida av sökresultatet
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.makulerad}}' and status = 'cancelled').exists()" är sant på någon sida av sökresultatet
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.avslutad}}' and status = 'completed').exists()" är sant på någon sida av sökresultatet

  # För ändamålet Expediering ges åtkomst till det som registrerats i NLL inom de senaste 24
  # månaderna (FIL001). Förskrivningen från 2022-03-01 finns bara i simulatorns testdata (dospatienten
  # 189002049808), och att registreringsdagen räknas från authoredOn är simulatorns val; därför @sim.
  @tc:NLL-TA43-02 @krav:FIL001 @obligatorisk @sim @beteende:FILTER-PHARMACY-WINDOW
  Scenario: Apoteket ser inte förskrivningar registrerade för mer än 24 månader sedan
    Givet att testpatienten har personnummer "189002049808"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    När systemet söker "MedicationRequest" med "_id=8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d02"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Givet att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet söker "MedicationRequest" med "_id=8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d02"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    När systemet hämtar "MedicationRequest/8a4e1c2d-5f6b-4a7c-9d8e-0f1a2b3c0d02"
    Så är svarets statuskod 404
