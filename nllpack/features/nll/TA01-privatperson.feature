# language: sv
@roller @privatperson
Egenskap: TA 01 Hämta patientens förskrivningar och uthämtade läkemedel – privat
  En privatperson, inloggad i ett apoteks e-handel, ser sina egna förskrivningar och uttag men
  inte andras (TA 01). En förskrivare kan dölja en förskrivning för patienten av sekretesskäl
  (sekretesspärr); patientens egen integritetsspärr döljer uppgifter för vård- och
  apotekspersonal, inte för patienten själv (E-hälsomyndigheten, Samtycken och spärrar).
  Vilket anspråk i åtkomstintyget som bär personnumret, och vilka rubriker TA 01 kräver, är inte
  publicerat; fallen behöver simulatorns åtkomstintyg, som bär personnumret för den testpatient
  fallet lånar ur poolen, och är därför @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att scenariot har en egen testpatient ur poolen
    # Förskrivarens ändamål; privatpersonen behöver inget men får skicka det.
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"

  @tc:NLL-TA01-01 @krav:PRIVATPERSON @obligatorisk @sim @beteende:ROLE-PRIVATE-OWN
  Scenario: Privatpersonen ser sina egna förskrivningar
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att användaren är privatperson
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" är sant på någon sida av sökresultatet

  # NLL får svara 403 eller med ett tomt sökresultat; de andras förskrivningar får inte synas.
  @tc:NLL-TA01-02 @krav:PRIVATPERSON @obligatorisk @sim @beteende:ROLE-PRIVATE-OWN
  Scenario: Privatpersonen ser inte någon annans förskrivningar
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att användaren är privatperson
    Och att åtkomstintyget har "PERSONNUMMER" satt till "189001019802"
    # Privatpersonens intyg godtas: hon hittar sig själv.
    När systemet söker "Patient" med "identifier=http://electronichealth.se/identifier/personnummer|189001019802"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200 eller 403
    Och FHIRPath-uttrycket "Bundle.entry.exists().not()" är sant
    När systemet hämtar "MedicationRequest/{{created.id}}"
    Så är svarets statuskod 403 eller 404

  @tc:NLL-TA01-03 @krav:PRIVATPERSON @krav:SPARR @obligatorisk @sim @beteende:LOCK-SECRECY-PATIENT
  Scenario: En sekretesspärr döljer förskrivningen för patienten
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "spärrad"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" sparas som "kedja"
    Och systemet skapar en "Basic" från mallen "sekretessparr-kedja.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "öppen"
    Och att användaren är privatperson
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{var.öppen}}').exists()" är sant på någon sida av sökresultatet
    När systemet söker "MedicationRequest" med "_id={{var.spärrad}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    När systemet hämtar "MedicationRequest/{{var.spärrad}}"
    Så är svarets statuskod 403 eller 404

  # Hur patienten själv ser sina spärrade uppgifter i NLL:s FHIR-gränssnitt är inte beskrivet.
  @tc:NLL-TA01-04 @krav:PRIVATPERSON @krav:SPARR @valfri @sim @beteende:LOCK-PATIENT-OWN
  Scenario: Patientens egen integritetsspärr döljer inget för patienten
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "spärrad"
    Och systemet skapar en "Basic" från mallen "sparr.json"
    Så är svarets statuskod 201
    # Spärren gäller: förskrivaren ser inte förskrivningen.
    När systemet hämtar "MedicationRequest/{{var.spärrad}}"
    Så är svarets statuskod 404
    Givet att användaren är privatperson
    När systemet hämtar "MedicationRequest/{{var.spärrad}}"
    Så är svarets statuskod 200
    Och resurstypen är "MedicationRequest"

  @tc:NLL-TA01-05 @krav:PRIVATPERSON @krav:BEHORIGHET @valfri @sim @beteende:ROLE-READ-ONLY
  Scenario: En privatperson förskriver inte
    Givet att användaren är privatperson
    # Privatpersonens intyg godtas: hon hittar sig själv.
    När systemet söker testpatienten på personnummer
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 403
    Och OperationOutcome har ett fel
