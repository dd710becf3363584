# language: sv
@ta:30
Egenskap: TA 30 Avsluta och makulera förskrivning
  Förskrivningar för en patient avslutas eller makuleras med MedicationRequest/$end (NLLEnd), utan
  versionskontroll. Varje entry bär sina delar: resource, reason och activity, och kan ge en ny eller
  ta bort sista doseringsdag (nllUsageEndDate). Vad $end svarar med är inte dokumenterat, bara att
  förskrivningen blir makulerad (cancelled) i en ny version.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"

  @tc:NLL-TA30-01 @krav:END @obligatorisk @beteende:OP-END @beteende:WRITE-NEW-VERSION
  Scenario: Makulera en förskrivning med $end
    När systemet läser tillbaka den skapade resursen
    Och värdet av FHIRPath-uttrycket "MedicationRequest.meta.versionId" sparas som "version"
    Och systemet anropar "MedicationRequest/$end" med mallen "makulera.json"
    Så är svarets statuskod 2xx
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "cancelled"
    # meta.versionId är Förskrivningsversion, ett löpnummer: en ändring ger en ny version. Vilket
    # nummer den får, och vilket den första har, dokumenterar NLL inte.
    Och FHIRPath-uttrycket "MedicationRequest.meta.versionId != '{{var.version}}'" är sant

  # Att en makulerad förskrivning inte kan makuleras igen (och med vilket svar) är inte dokumenterat.
  @tc:NLL-TA30-02 @krav:END @krav:TK1 @obligatorisk @sim @beteende:AFF-12
  Scenario: En makulerad förskrivning kan inte makuleras igen
    När systemet anropar "MedicationRequest/$end" med mallen "makulera.json"
    Och systemet anropar "MedicationRequest/$end" med mallen "makulera.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en issue med allvarlighetsgrad "error" och kod "business-rule"

  @tc:NLL-TA30-03 @krav:END @obligatorisk @beteende:OP-END @beteende:WRITE-NEW-VERSION
  Scenario: Avsluta en förskrivning med $end
    När systemet läser tillbaka den skapade resursen
    Och värdet av FHIRPath-uttrycket "MedicationRequest.meta.versionId" sparas som "version"
    Och systemet anropar "MedicationRequest/$end" med mallen "avsluta.json"
    Så är svarets statuskod 2xx
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    # Vilken status en avslutad förskrivning får dokumenterar NLL inte (bara active, on-hold och
    # cancelled = makulerad); FHIR:s koder för en avslutad förskrivning är completed och stopped.
    Och FHIRPath-uttrycket "MedicationRequest.status in ('completed' | 'stopped')" är sant
    Och FHIRPath-uttrycket "MedicationRequest.meta.versionId != '{{var.version}}'" är sant

  # Var NLL håller sista doseringsdagen på förskrivningen är inte dokumenterat.
  @tc:NLL-TA30-04 @krav:END @valfri @sim @beteende:OP-END-USAGE-END-DATE
  Scenario: Avsluta med en ny sista doseringsdag
    När systemet anropar "MedicationRequest/$end" med mallen "avsluta-sista-doseringsdag.json"
    Så är svarets statuskod 2xx
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "completed"
    Och FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllUsageEndDate')).value" ger värdet "{{today+10d}}"

  # NLLEnd dokumenterar delarna i en entry, inte vad ett annat upplägg får för svar.
  @tc:NLL-TA30-05 @krav:END @krav:TK1 @valfri @sim @beteende:OP-END-PARTS
  Scenario: En entry utan delar avvisas och förskrivningen står kvar
    När systemet anropar "MedicationRequest/$end" med mallen "makulera-utan-delar.json"
    Så är svarets statuskod 4xx
    Och OperationOutcome har ett fel
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"
