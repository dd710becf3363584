# language: sv
Egenskap: Patientvänlig doseringsanvisning ($patient-dosage-directions)
  $patient-dosage-directions (NLLPatientDosageDirections) gör patientvänliga doseringsanvisningar
  av strukturerad dosering: patientInstruction till etiketten och patientInstructionFormatted till en
  utskrift, båda alltid. Operationen tar minst en dosageInstruction. Aviseringar (varning eller
  information) kommer i en OperationOutcome som aldrig bär nllDetectedIssue. Hur NLL formulerar
  anvisningen, vilka doseringar som ger en avisering och vad som kommer tillbaka som
  behandlingsändamål är inte dokumenterat; de fallen är @sim. Också de andra är @sim: mallens dosering
  har den sekvens som profilen NLLDosage kräver, men resten av profilens krav (bindningar, längder)
  är inte kända här, så NLL skulle kunna avvisa den.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"

  @tc:NLL-DOS-01 @krav:DOSERINGSANVISNING @obligatorisk @sim @beteende:OP-DOSAGE
  Scenario: En strukturerad dosering ger en doseringsinstruktion och en formaterad
    När systemet anropar "$patient-dosage-directions" med mallen "dosering.json"
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'patientInstruction').value.exists()" är sant
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'patientInstructionFormatted').value.exists()" är sant

  @tc:NLL-DOS-02 @krav:DOSERINGSANVISNING @krav:TK1 @obligatorisk @sim @beteende:OP-DOSAGE-PARAMS
  Scenario: En begäran utan dosering avvisas
    När systemet anropar "$patient-dosage-directions" med mallen "dosering.json"
    Så är svarets statuskod 200
    När systemet anropar "$patient-dosage-directions" med mallen "dosering-utan-dosering.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel

  @tc:NLL-DOS-03 @krav:DOSERINGSANVISNING @valfri @sim @beteende:OP-DOSAGE
  Scenario: Anvisningen bygger på den strukturerade doseringen, inte på dess text
    När systemet anropar "$patient-dosage-directions" med mallen "dosering.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'patientInstruction').value" ger värdet "1 tablett 2 gånger per dygn högst 4 tabletter per dygn"

  @tc:NLL-DOS-04 @krav:DOSERINGSANVISNING @valfri @sim @beteende:OP-DOSAGE-REASON
  Scenario: Behandlingsändamålet kommer tillbaka
    När systemet anropar "$patient-dosage-directions" med mallen "dosering.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'nllPatientTreatmentReason').value" ger värdet "mot smärta"

  @tc:NLL-DOS-05 @krav:DOSERINGSANVISNING @obligatorisk @sim @beteende:OP-DOSAGE-NOTIFICATION
  Scenario: En avisering bär aldrig nllDetectedIssue
    När systemet anropar "$patient-dosage-directions" med mallen "dosering-endast-text.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'notification').resource.issue.exists()" är sant
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'notification').resource.issue.extension.where(url.endsWith('nllDetectedIssue')).empty()" är sant
