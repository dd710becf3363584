# language: sv
@vard
Egenskap: Händelser (Provenance)
  NLL registrerar en händelse (NLLProvenance) för varje skrivning: vad den gäller (target), när
  (recorded, satt av NLL), vem (agent.who, ur åtkomstintyget) och varför (activity och reason, ur
  x-provenance). Händelserna söks fram med target. Sökningen på target finns i E-hälsomyndighetens
  testkod men inte i den publicerade dokumentationen; därför är scenarierna valfria.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"

  # x-provenance är base64 av
  # {"resourceType":"Provenance","activity":{"text":"Skapa förskrivning"},"reason":[{"text":"konform NLL-PROV-01: orsaken till förskrivningen"}]}
  @tc:NLL-PROV-01 @krav:HDR-PROVENANCE @valfri @beteende:WRITE-PROVENANCE
  Scenario: En ny förskrivning får en händelse med vem, när och varför
    Givet att begäran har headern "x-provenance" med värdet "eyJyZXNvdXJjZVR5cGUiOiJQcm92ZW5hbmNlIiwiYWN0aXZpdHkiOnsidGV4dCI6IlNrYXBhIGbDtnJza3Jpdm5pbmcifSwicmVhc29uIjpbeyJ0ZXh0Ijoia29uZm9ybSBOTEwtUFJPVi0wMTogb3JzYWtlbiB0aWxsIGbDtnJza3Jpdm5pbmdlbiJ9XX0="
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    När systemet söker "Provenance" med "target=MedicationRequest/{{created.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(target.reference.startsWith('MedicationRequest/{{created.id}}')).exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(recorded.exists() and agent.who.exists()).exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(activity.text = 'Skapa förskrivning').exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(reason.text = 'konform NLL-PROV-01: orsaken till förskrivningen').exists()" är sant

  @tc:NLL-PROV-02 @krav:HDR-PROVENANCE @krav:FHIR-SEARCH @valfri @beteende:RES-PROVENANCE
  Scenario: Sökning på target ger bara den resursens händelser
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    När systemet söker "Provenance" med "target=MedicationRequest/{{created.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.exists()" är sant
    Och FHIRPath-uttrycket "Bundle.entry.resource.all(target.reference.startsWith('MedicationRequest/{{created.id}}'))" är sant
