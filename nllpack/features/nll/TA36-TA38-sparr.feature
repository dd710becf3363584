# language: sv
@ta:36 @ta:38
Egenskap: TA 36 Skapa spärr och TA 38 Hämta spärr
  En spärr (NLLDataLock, Basic) döljer patientens förskrivningar för den som inte har patientens
  samtycke att se spärrade uppgifter. Med åtkomsttypen TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER syns de.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    # Spärren gäller patienten: scenariot lånar en egen patient, så att inget annat scenario ser den.
    Och att scenariot har en egen testpatient ur poolen

  @tc:NLL-TA36-01 @krav:SPARR @obligatorisk
  Scenario: En spärr döljer förskrivningarna utom med samtycke till spärrade uppgifter
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    Givet att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.exists()" är sant
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllPrivacyLock')).value" ger värdet "true"
