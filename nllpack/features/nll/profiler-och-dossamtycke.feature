# language: sv
Egenskap: Profiler och dossamtycke
  NLL bortser från meta.profile i det klienten skickar och väljer profilen ur innehållet; svaren
  bär oftast profilen. Profilen NLLDosage kräver en sekvens i varje dosering (sequence 1..1): en
  dosering utan den avvisas, men med vilken statuskod dokumenteras inte. Ett dossamtycke (NLLMultiDoseDispConsent) är inte ett åtkomstsamtycke: de
  fyra årens giltighet (TA 53) gäller åtkomstsamtycket. Hur ett dossamtycke känns igen och hur
  länge det gäller dokumenteras inte, därför är det fallet @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att begäran har headern "Prefer" med värdet "return=representation"

  @tc:NLL-PRF-01 @krav:FHIR-CREATE @obligatorisk @beteende:WRITE-PROFILE
  Scenario: NLL väljer profilen ur innehållet, inte ur klientens meta.profile
    Givet att testpatienten har personnummer "189001019802"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-fel-profil.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.meta.profile.where($this.endsWith('NLLDispensePaperPrescription')).empty()" är sant

  # NLLDosage: sequence 1..1, doseringsstegets plats bland de andra (Simplifier, guiden
  # SwedishNationalMedicationList-current, sidan Dosage). Mallen är
  # forskrivning.json utan sekvensen; samma förskrivning med sekvensen tas emot. En avvisning
  # sparar ingenting (SIMP OperationOutcome-Reply: 422, inget sparas; i FHIR skapar ett
  # misslyckat create ingenting): patientens förskrivningar är lika många efteråt.
  @tc:NLL-PRF-03 @krav:FHIR-CREATE @krav:TK1 @obligatorisk @beteende:PROFILE-DOSAGE-SEQUENCE @beteende:WRITE-REFUSED-NOTHING-SAVED
  Scenario: En dosering utan sekvens avvisas, och inget sparas
    Givet att scenariot har en egen testpatient ur poolen
    Och systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Och antalet träffar på alla sidor av sökresultatet sparas som "före"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-dosering-utan-sekvens.json"
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så antalet träffar på alla sidor av sökresultatet är "{{var.före}}"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201

  @tc:NLL-PRF-02 @krav:SAMTYCKE @valfri @sim @beteende:WRITE-MULTIDOSE-CONSENT
  Scenario: Ett dossamtycke får inte åtkomstsamtyckets fyra år
    Givet att scenariot har en egen testpatient ur poolen
    När systemet skapar en "Consent" från mallen "dossamtycke.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "Consent.provision.period.empty()" är sant
    Och FHIRPath-uttrycket "Consent.meta.profile.where($this.endsWith('NLLMultiDoseDispConsent')).exists()" är sant
