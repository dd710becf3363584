# language: sv
@sut @apotek
Egenskap: Systemet under test expedierar – anrop till NLL från ett apotekssystem
  En förskrivare (konform själv) registrerar en förskrivning; sedan ber konform apotekssystemet
  under test att hämta och expediera den. Kontrollerna gäller de anrop systemet gjorde genom
  konforms gateway, och uttaget som NLL registrerade.

  Bakgrund:
    Givet att testpatienten har personnummer "189001019802"
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"

  @tc:SUT-APO-01 @krav:HDR-PURPOSE @krav:BEHORIGHET @obligatorisk
  Scenario: Apoteket hämtar kundens förskrivningar med ett ändamål som NLL godtar för apotek
    När systemet under test utför "hämta förskrivningar för expediering" för testpatienten
    Så varje läsande anrop från systemet har headern "x-purpose" som matchar "^[A-Z_]+$"
    Och varje läsande anrop från systemet besvarades med en statuskod under 400
    Och har systemet anropat NLL med GET "MedicationRequest"

  @tc:SUT-APO-02 @krav:VERIFY-FORE-UTTAG @obligatorisk
  Scenario: Apoteket kontrollerar uttaget med $verify innan det registreras
    När systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{created.id}} |
    Så har systemet kontrollerat varje uttag med $verify innan det registrerades

  @tc:SUT-APO-03 @krav:FHIR-CREATE @obligatorisk
  Scenario: Uttaget som apoteket registrerar finns i NLL och gäller förskrivningen
    Givet systemet läser tillbaka den skapade resursen
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "förskrivning"
    När systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{var.förskrivning}} |
    Så varje skrivande anrop från systemet besvarades med en statuskod under 400
    När konform hämtar uttaget som systemet under test skapade
    Så är svarets statuskod 200
    Och resurstypen är "MedicationDispense"
    Och FHIRPath-uttrycket "MedicationDispense.authorizingPrescription" refererar till "MedicationRequest/{{var.förskrivning}}"
    # Uttaget gäller förskrivningens patient, inte en tidigare kunds.
    Och FHIRPath-uttrycket "MedicationDispense.subject" refererar till "Patient/{{patient.id}}"

  @tc:SUT-APO-04 @krav:VERIFY-FORE-UTTAG @krav:TK1 @obligatorisk
  Scenario: När $verify hittar avvikelser registrerar apoteket inte uttaget
    Givet systemet ändrar "status" till "cancelled" i den skapade resursen
    När systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{created.id}} |
    Så har systemet inte anropat NLL med POST "MedicationDispense"
    Och har systemet anropat NLL med POST "{$verify,MedicationDispense/$verify}"
    Och resultatet "avvikelser" från systemet under test är "ja"

  @tc:SUT-APO-05 @krav:HDR-REQUEST-ID @obligatorisk
  Scenario: Varje anrop från apotekssystemet har ett eget x-request-id
    När systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{created.id}} |
    Så varje anrop från systemet har ett eget x-request-id

  @tc:SUT-APO-06 @krav:HDR-PROVENANCE @obligatorisk
  Scenario: Apoteket anger vem och varför i x-provenance när uttaget registreras
    När systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{created.id}} |
    Så har systemet anropat NLL med POST "MedicationDispense"
    Och varje skrivande anrop från systemet har ett giltigt x-provenance
    # NLL läste och godtog uppgiften: en form som NLL inte läser avvisas.
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400

  @tc:SUT-APO-07 @krav:GK4 @krav:GK5 @obligatorisk
  Scenario: Apotekssystemets anrop anger apoteket med GLN i x-org-info
    När systemet under test utför "hämta förskrivningar för expediering" för testpatienten
    # Både läsningarna och anropen som expedierar: kontrollen ($verify) och registreringen.
    Och systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{created.id}} |
    Så varje anrop från systemet har headern "x-org-info" som matchar "orgenhetsIdTyp.{1,5}GLN"
    Och har systemet anropat NLL med POST "{$verify,MedicationDispense/$verify}"

  @tc:SUT-APO-08 @krav:ANDAMAL @obligatorisk
  Scenario: När apoteket byter kund anropar systemet NLL bara för den nya kunden
    När systemet under test utför "hämta förskrivningar för expediering" med:
      | patient | 199802262387 |
    Och systemet under test utför "hämta förskrivningar för expediering" för testpatienten
    Så systemets anrop i den senaste åtgärden gällde bara testpatienten

  @tc:SUT-APO-09 @krav:ARK-3.1.3 @valfri
  Scenario: Apotekssystemet anger sitt namn och sin version i x-user-agent
    När systemet under test utför "hämta förskrivningar för expediering" för testpatienten
    Så varje anrop från systemet anger systemets namn och version i x-user-agent

  # TA 27: dosapoteket ersätter på förskrivarens uppdrag en dospatients förskrivning; den ersatta
  # avslutas och båda ingår i samma kedja. Hur ersättningen skickas (en ny förskrivning med
  # priorPrescription) är simulatorns val; därför @sim.
  @tc:SUT-APO-10 @krav:TA27 @obligatorisk @sim
  Scenario: Dosapoteket ersätter en dospatients förskrivning, som då avslutas
    Givet att scenariot har en egen testpatient ur poolen
    Och att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "Consent" från mallen "dossamtycke.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "ersatt"
    När systemet under test utför "ersätt förskrivning" med:
      | förskrivning | {{var.ersatt}} |
    Så har systemet anropat NLL med POST "MedicationRequest"
    Och varje skrivande anrop från systemet har en kropp där FHIRPath-uttrycket "MedicationRequest.priorPrescription.reference.replaceMatches('/_history/.*$', '').matches('(^|/)MedicationRequest/{{var.ersatt}}$')" är sant
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400
    Och varje skrivande anrop från systemet har headern "x-org-info" som matchar "orgenhetsIdTyp.{1,5}GLN"
    När systemet hämtar "MedicationRequest/{{var.ersatt}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "completed"

  # TA 47: apoteket rättar den avräknade mängden på ett registrerat uttag, till exempel när en annan
  # styrka lämnades ut; vad som lämnades ut ändras inte. Var NLL har den avräknade mängden är inte
  # publicerat (simulatorns val: quantity, WRITE-DISPENSE-UPDATE), därför @sim.
  @tc:SUT-APO-11 @krav:FHIR-UPDATE @obligatorisk @sim
  Scenario: Apoteket rättar den avräknade mängden på ett uttag
    Givet systemet under test utför "expediera förskrivning" med:
      | förskrivning | {{created.id}} |
    När systemet under test utför "rätta uttag" med:
      | mängd | 2 |
    Så har systemet anropat NLL med PUT "MedicationDispense/*"
    Och rapporterade systemet under test NLL:s statuskod för användaren
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400
    När konform hämtar uttaget som systemet under test skapade
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationDispense.quantity.value" ger värdet "2"
    Och FHIRPath-uttrycket "MedicationDispense.medicationCodeableConcept.coding.code" ger värdet "{{testdata.article.nplpackid}}"

  # TA 49: ett uttag på ett pappersrecept som inte finns i NLL kontrolleras alltid med $verify
  # innan det registreras ("i förberedande syfte innan slutgiltig expediering").
  @tc:SUT-APO-12 @krav:VERIFY-FORE-UTTAG @obligatorisk
  Scenario: Apoteket kontrollerar ett uttag på pappersrecept med $verify innan det registreras
    Givet att scenariot har en egen testpatient ur poolen
    När systemet under test utför "expediera pappersrecept" för testpatienten
    Så har systemet kontrollerat varje uttag med $verify innan det registrerades
    Och varje skrivande anrop från systemet besvarades med en statuskod under 400
    När konform hämtar uttaget som systemet under test skapade
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationDispense.subject" refererar till "Patient/{{patient.id}}"
