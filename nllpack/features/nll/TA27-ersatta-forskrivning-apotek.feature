# language: sv
@ta:27 @apotek
Egenskap: TA 27 Ersätta förskrivning – Apotek
  Expedierande personal på dosapotek kan på en förskrivares uppdrag ersätta en förskrivning för en
  patient med dossamtycke (dospatient). Den befintliga förskrivningen avslutas samtidigt som den nya
  skapas, och båda ingår i samma förskrivningskedja. Har den ersatta förskrivningens läkemedel en
  sjuställig ATC-kod ska den nya ha samma (TA 27).
  Hur ersättningen skickas är inte publicerat: simulatorn tar en ny förskrivning från apoteket som
  anger den ersatta i priorPrescription, och regelkoderna är simulatorns egna; därför @sim.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att scenariot har en egen testpatient ur poolen
    Och att begäran har headern "Prefer" med värdet "return=representation"

  @tc:NLL-TA27-01 @krav:TA27 @obligatorisk @sim @beteende:WRITE-REPLACE-PHARMACY
  Scenario: Apoteket ersätter en dospatients förskrivning, som avslutas
    Givet systemet skapar en "Consent" från mallen "dossamtycke.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "ersatt"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" sparas som "kedja"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet skapar en "MedicationRequest" från mallen "ersattning-apotek.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" ger värdet "{{var.kedja}}"
    När systemet hämtar "MedicationRequest/{{var.ersatt}}"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "completed"

  @tc:NLL-TA27-02 @krav:TA27 @obligatorisk @sim @beteende:AFF-17
  Scenario: En ersättning med en annan ATC-kod avvisas
    Givet systemet skapar en "Consent" från mallen "dossamtycke.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "ersatt"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet skapar en "MedicationRequest" från mallen "ersattning-apotek-annan-atc.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-17"
    När systemet hämtar "MedicationRequest/{{var.ersatt}}"
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  @tc:NLL-TA27-03 @krav:TA27 @obligatorisk @sim @beteende:AFF-16
  Scenario: Apoteket ersätter inte förskrivningen för en patient utan dossamtycke
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "ersatt"
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"
    När systemet skapar en "MedicationRequest" från mallen "ersattning-apotek.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-16"
