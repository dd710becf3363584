# language: sv
@ta:08
Egenskap: TA 08 Kontrollera vårdnadshavare
  Apoteket kontrollerar att en person är vårdnadshavare för ett barn genom att söka RelatedPerson
  (NLLRelatedPerson) på vårdnadshavarens personnummer och barnet. En person som inte är
  vårdnadshavare ger en tom Bundle. TA 08:s roller är farmaceut på apotek, icke-legitimerad
  apotekspersonal och privatperson.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    Och att testpatienten har personnummer "201311122392"

  @tc:NLL-TA08-01 @krav:VARDNADSHAVARE @krav:FHIR-SEARCH @obligatorisk @beteende:RES-RELATEDPERSON
  Scenario: En vårdnadshavare hittas för barnet
    När systemet söker "RelatedPerson" med "identifier=http://electronichealth.se/identifier/personnummer|199802262387&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    # Vilken relationskod NLL använder är inte dokumenterat; träffen ska gälla barnet.
    Och FHIRPath-uttrycket "Bundle.entry.resource.patient.reference.endsWith('Patient/{{patient.id}}')" är sant

  @tc:NLL-TA08-02 @krav:VARDNADSHAVARE @obligatorisk @beteende:RES-RELATEDPERSON @beteende:SEARCH-BUNDLE
  Scenario: En person som inte är vårdnadshavare ger ingen träff
    När systemet söker "RelatedPerson" med "identifier=http://electronichealth.se/identifier/personnummer|189001019802&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
    # Barnets vårdnadshavare är inte vårdnadshavare för en annan patient: sökningen gäller paret.
    Givet att testpatienten har personnummer "189001019802"
    När systemet söker "RelatedPerson" med "identifier=http://electronichealth.se/identifier/personnummer|199802262387&patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster

  # Sökningen på patient ger bara den patientens vårdnadshavare: en vuxen utan vårdnadshavare ger
  # ingen träff, fast barnet har en. NLL beskriver sökningen på vårdnadshavaren och patienten
  # tillsammans (SIMP RelatedPerson), inte på patienten ensam; därför @sim.
  @tc:NLL-TA08-03 @krav:VARDNADSHAVARE @krav:FHIR-SEARCH @obligatorisk @sim @beteende:RES-RELATEDPERSON
  Scenario: En patient utan vårdnadshavare ger ingen träff
    Givet att testpatienten har personnummer "189001019802"
    När systemet söker "RelatedPerson" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 0 poster

  # TA 08 används också av privatpersonen i ett apoteks e-handel. Privatpersonens intyg bär
  # personnumret i simulatorns anspråk; därför @sim.
  @tc:NLL-TA08-04 @krav:VARDNADSHAVARE @krav:PRIVATPERSON @obligatorisk @sim @beteende:ROLE-PRIVATE-OWN
  Scenario: En privatperson som är vårdnadshavare hittar sin relation till barnet, ingen annan gör det
    Givet att användaren är privatperson
    Och att åtkomstintyget har "PERSONNUMMER" satt till "199802262387"
    När systemet söker "RelatedPerson" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Givet att åtkomstintyget har "PERSONNUMMER" satt till "189001019802"
    När systemet söker "RelatedPerson" med "patient={{patient.id}}"
    Så är svarets statuskod 200 eller 403
    Och FHIRPath-uttrycket "Bundle.entry.exists().not()" är sant

  # TA 08 nämner inte vårdens roller; att NLL då avvisar en förskrivare är simulatorns slutsats.
  @tc:NLL-TA08-05 @krav:VARDNADSHAVARE @krav:BEHORIGHET @valfri @sim @beteende:ROLE-RELATEDPERSON
  Scenario: En förskrivare kontrollerar inte vårdnadshavare
    Givet att användaren är förskrivare
    Och att ändamålet är "VARD" och åtkomsttypen "UTAN_KRAV_SAMTYCKE_BARN"
    När systemet söker "RelatedPerson" med "identifier=http://electronichealth.se/identifier/personnummer|199802262387&patient={{patient.id}}"
    Så är svarets statuskod 403
    Och OperationOutcome har ett fel
