# language: sv
@ta:36 @ta:38
Egenskap: TA 36 Skapa spärr och TA 38 Hämta spärr
  En spärr (NLLDataLock, Basic) är en integritetsspärr eller en sekretesspärr. Patientens
  integritetsspärr döljer förskrivningarna för vården, utom med patientens samtycke att se spärrade
  uppgifter (TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER), vid nödåtkomst (FIL002) och med åtkomst till
  dospatientens uppgifter (FIL004); apoteket som expedierar ser dem (FIL001). Förskrivarens
  sekretesspärr döljer för patienten eller vårdnadshavarna, inte för vården.

  NLL lägger en spärr på en förskrivningskedja eller på patientens uttag på pappersrecept (SIMP
  BasicNLLDataLock); en spärr på hela patienten, som mallen sparr.json skapar, är simulatorns, och
  hur en spärr anger sin kedja är inte publicerat. Fallen med spärrar är därför @sim, också där
  regeln de prövar är dokumenterad (FIL001).

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    # Spärren gäller patienten: scenariot lånar en egen patient, så att inget annat scenario ser den.
    Och att scenariot har en egen testpatient ur poolen

  @tc:NLL-TA36-01 @krav:SPARR @obligatorisk @sim @beteende:LOCK-PATIENT @beteende:LOCK-ACCESS @beteende:LOCK-MEDLISTINFO
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

  # Att en spärrad förskrivning inte heller kan läsas med sitt id, och att svaret då är 404 (så att
  # inget avslöjar att den finns), är simulatorns val; därför @sim.
  @tc:NLL-TA36-02 @krav:SPARR @obligatorisk @sim @beteende:LOCK-PATIENT
  Scenario: En spärrad förskrivning kan inte läsas med sitt id
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forskrivning"
    När systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    När systemet hämtar "MedicationRequest/{{var.forskrivning}}"
    Så är svarets statuskod 404
    Och OperationOutcome har ett fel

  # En spärr på en förskrivningskedja (nllPrescriptionChain) döljer den kedjan, inte patientens
  # andra förskrivningar. Hur spärren anger kedjan publicerar NLL inte (simulatorns val), därför valfritt.
  @tc:NLL-TA36-03 @krav:SPARR @valfri @beteende:LOCK-CHAIN
  Scenario: En spärr på en förskrivningskedja döljer bara den kedjan
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "spärrad"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" sparas som "kedja"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "öppen"
    När systemet skapar en "Basic" från mallen "sparr-kedja.json"
    Så är svarets statuskod 201
    När systemet söker "MedicationRequest" med "_id={{var.öppen}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet söker "MedicationRequest" med "_id={{var.spärrad}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster

  # Hur en spärr hävs dokumenterar NLL inte (simulatorn: DELETE, sedan 410 Gone); därför @sim.
  @tc:NLL-TA36-04 @krav:SPARR @obligatorisk @sim @beteende:END-BASIC
  Scenario: En hävd spärr döljer inget längre
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forskrivning"
    Och systemet skapar en "Basic" från mallen "sparr.json"
    När systemet skickar DELETE till "Basic/{{created.id}}"
    Så är svarets statuskod 204
    När systemet hämtar "Basic/{{created.id}}"
    Så är svarets statuskod 410
    När systemet söker "MedicationRequest" med "_id={{var.forskrivning}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Så FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllPrivacyLock')).value" ger värdet "false"

  # Sökningen på kod skiljer spärrar (datalock) från dosunderlag (multidosebasis). Kodsystemet och
  # koderna är simulatorns (NLL publicerar dem inte); sökparametrarna är inte heller publicerade.
  @tc:NLL-TA38-03 @krav:SPARR @krav:FHIR-SEARCH @valfri @beteende:RES-BASIC
  Scenario: En spärr hittas med sin kod och inte med dosunderlagets
    När systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    När systemet söker "Basic" med "code=datalock&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" är sant på någon sida av sökresultatet
    När systemet söker "Basic" med "code=multidosebasis&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" ger värdet "false"

  # Patientens integritetsspärr gäller vården: för ändamålet Expediering ges åtkomst till
  # uppgifterna även om de är integritetsspärrade för vården (filtreringsregel FIL001). Förskrivaren
  # ser först att spärren döljer förskrivningen, så att fallet inte går igenom utan en spärr.
  @tc:NLL-TA36-06 @krav:SPARR @krav:FIL001 @obligatorisk @sim @beteende:LOCK-PHARMACY
  Scenario: Apoteket ser en förskrivning som är integritetsspärrad för vården
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forskrivning"
    När systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    När systemet söker "MedicationRequest" med "_id={{var.forskrivning}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    Givet att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet söker "MedicationRequest" med "_id={{var.forskrivning}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post

  # Med åtkomsttypen DOSPATIENTS_UPPGIFTER filtreras integritetsspärrad information inte bort
  # (FIL004). Patienten görs först till dospatient med ett dossamtycke; hur dossamtycket kodas är
  # simulatorns val (WRITE-MULTIDOSE-CONSENT), därför @sim.
  @tc:NLL-TA36-07 @krav:SPARR @krav:FIL004 @obligatorisk @sim @beteende:LOCK-DOSE-ACCESS
  Scenario: Åtkomst till dospatientens uppgifter ser det som är integritetsspärrat
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "Consent" från mallen "dossamtycke.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "Consent.status" ger värdet "active"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forskrivning"
    Och systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    När systemet söker "MedicationRequest" med "_id={{var.forskrivning}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    Givet att ändamålet är "VARD" och åtkomsttypen "DOSPATIENTS_UPPGIFTER"
    När systemet söker "MedicationRequest" med "_id={{var.forskrivning}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post

  # … men bara för en dospatient: åtkomsttypen gäller dospatientens uppgifter (FIL004). Hur NLL
  # svarar för en annan patient är inte publicerat; simulatorn låter spärren gälla.
  @tc:NLL-TA36-08 @krav:SPARR @krav:FIL004 @obligatorisk @sim @beteende:LOCK-DOSE-ACCESS
  Scenario: Åtkomst till dospatientens uppgifter ser inget spärrat hos den som inte är dospatient
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forskrivning"
    När systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    Givet att ändamålet är "VARD" och åtkomsttypen "DOSPATIENTS_UPPGIFTER"
    När systemet söker "MedicationRequest" med "_id={{var.forskrivning}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster

  # En sekretesspärr döljer förskrivningskedjan för patienten eller vårdnadshavarna, inte för
  # vården: personalen ska se den för att inte röja det den omfattar (TA 38). Hur spärrtypen kodas
  # är inte dokumenterat; därför @sim.
  @tc:NLL-TA36-05 @krav:SPARR @obligatorisk @sim @beteende:LOCK-SECRECY
  Scenario: En sekretesspärr döljer inte förskrivningen för vården, och den syns vid sökning på spärrar
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "spärrad"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" sparas som "kedja"
    När systemet skapar en "Basic" från mallen "sekretessparr-kedja.json"
    Så är svarets statuskod 201
    När systemet söker "MedicationRequest" med "_id={{var.spärrad}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet söker "Basic" med "patient={{patient.id}}&code=datalock"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(extension.where(url.endsWith('nllDataLockType')).value = 'sekretesspärr').exists()" är sant
