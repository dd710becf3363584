# language: sv
@vard
Egenskap: Skapa förskrivning
  Förskrivaren registrerar en förskrivning i NLL med POST [base]/MedicationRequest. NLL sätter ett
  unikt id och versionen 1 (Auto01), svarar 201 med Location och, utan Prefer, en tom kropp
  (return=minimal). Förskrivaren är alltid en innesluten (contained) Practitioner.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"

  @tc:NLL-FSK-01 @krav:FHIR-CREATE @krav:AUTO01 @krav:PREFER @obligatorisk @beteende:WRITE-CREATE @beteende:HDR-PREFER
  Scenario: Skapa en förskrivning och läs tillbaka den
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och svaret har headern "Location" som matchar "MedicationRequest/[^/]+"
    Och svarets kropp är tom
    När systemet läser tillbaka den skapade resursen
    Så är svarets statuskod 200
    Och resurstypen är "MedicationRequest"
    Och FHIRPath-uttrycket "MedicationRequest.id" ger värdet "{{created.id}}"
    # meta.versionId är Förskrivningsversion, ett löpnummer; vilket nummer den första versionen har
    # dokumenterar NLL inte.
    Och FHIRPath-uttrycket "MedicationRequest.meta.versionId.exists()" är sant
    Och FHIRPath-uttrycket "MedicationRequest.subject" refererar till "Patient/{{patient.id}}"
    Och FHIRPath-uttrycket "MedicationRequest.requester.reference.startsWith('#')" är sant

  @tc:NLL-FSK-02 @krav:PREFER @obligatorisk @generisk @beteende:HDR-PREFER
  Scenario: Med Prefer return=representation svarar NLL med den skapade förskrivningen
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och resurstypen är "MedicationRequest"
    Och FHIRPath-uttrycket "MedicationRequest.id" ger värdet "{{created.id}}"
    Och FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  @tc:NLL-FSK-03 @krav:FHIR-SEARCH @obligatorisk @beteende:RES-MEDICATIONREQUEST
  Scenario: Den skapade förskrivningen finns bland patientens förskrivningar
    # Sökresultatet bläddras sida för sida: ingen annan får skriva till patienten under tiden.
    Givet att scenariot har en egen testpatient ur poolen
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och resurstypen är "Bundle"
    Och FHIRPath-uttrycket "Bundle.entry.resource.where(id = '{{created.id}}').exists()" är sant på någon sida av sökresultatet
    # … och bara patientens förskrivningar.
    Och FHIRPath-uttrycket "Bundle.entry.resource.ofType(MedicationRequest).all(subject.reference.endsWith('Patient/{{patient.id}}'))" är sant

  @tc:NLL-FSK-04 @krav:TK1 @obligatorisk @beteende:AFF-09
  Scenario: En förskrivning till en patient som NLL inte känner avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-okand-patient.json"
    Så är svarets statuskod 4xx
    Och svaret är tomt eller en OperationOutcome med ett fel
    # Samma förskrivning till testpatienten tas emot: det var patienten som stoppade den.
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201

  # NLL:s felhantering tillåter ett felsvar utan kropp (ErrorHandling); har svaret en kropp ska den
  # vara en OperationOutcome med ett fel.
  @tc:NLL-FSK-05 @krav:FHIR-READ @krav:TK1 @obligatorisk @generisk @beteende:RES-READ
  Scenario: En okänd förskrivning ger 404
    När systemet hämtar "MedicationRequest/00000000-0000-0000-0000-000000000000"
    Så är svarets statuskod 404
    Och svaret är tomt eller en OperationOutcome med ett fel

  @tc:NLL-FSK-06 @krav:AUTO02 @krav:AUTO03 @krav:AUTO05 @obligatorisk @beteende:WRITE-AUTO02 @beteende:WRITE-AUTO03 @beteende:WRITE-AUTO05
  Scenario: NLL kompletterar en ny förskrivning med lagringstid, sista giltighetsdag och kedje-id
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.meta.lastUpdated.exists()" är sant
    # Auto03: utfärdandedagen plus ett år, som handboken anger som 366 dagar.
    Och FHIRPath-uttrycket "MedicationRequest.dispenseRequest.validityPeriod.end = MedicationRequest.dispenseRequest.validityPeriod.start + 366 days" är sant
    Och FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).exists()" är sant

  # Auto01: en ny förskrivning får ett unikt id. Auto05: den första förskrivningen i en kedja får
  # ett nytt kedje-id, så två nya förskrivningar (ingen förnyar eller ersätter den andra) hamnar i
  # var sin kedja.
  @tc:NLL-FSK-07 @krav:AUTO01 @krav:AUTO05 @obligatorisk @beteende:WRITE-AUTO01 @beteende:WRITE-AUTO05
  Scenario: Två förskrivningar får olika id och var sin kedja
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "första"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value" sparas som "kedja"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.id != '{{var.första}}'" är sant
    Och FHIRPath-uttrycket "MedicationRequest.extension.where(url.endsWith('nllPrescriptionChain')).value != '{{var.kedja}}'" är sant

  # Sidindelning (_count, next-länkar) är inte dokumenterad för NLL.
  @tc:NLL-FSK-08 @krav:FHIR-SEARCH @obligatorisk @sim @beteende:SEARCH-TOTAL @beteende:SEARCH-PAGING
  Scenario: Sökresultat delas upp i sidor med _count och en next-länk
    Givet att scenariot har en egen testpatient ur poolen
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och systemet söker "MedicationRequest" med "patient={{patient.id}}&_count=1"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    Och FHIRPath-uttrycket "Bundle.total >= 2" är sant
    Och FHIRPath-uttrycket "Bundle.link.where(relation = 'next').exists()" är sant

  # FHIR R4 (create): "If an id is provided, the server SHALL ignore it." Mallen skickar scenariots
  # eget UUID som id.
  @tc:NLL-FSK-09 @krav:AUTO01 @krav:FHIR-CREATE @obligatorisk @beteende:WRITE-AUTO01
  Scenario: NLL sätter förskrivningens id också när klienten skickar ett eget
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-med-id.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.id.exists() and MedicationRequest.id != '{{uuid}}'" är sant
    Och FHIRPath-uttrycket "MedicationRequest.id" ger värdet "{{created.id}}"

  # Auto03 för telefonrecept: sista giltighetsdag blir utfärdandedagen plus två veckor. Mallen
  # märker receptet med tillägget nllTelephonePrescription (simulatorns val: NLL publicerar inte
  # hur ett telefonrecept anges). Valfritt: mot EXT kan NLL ange telefonreceptet på annat sätt.
  @tc:NLL-FSK-30 @krav:AUTO03 @valfri @beteende:WRITE-AUTO03
  Scenario: Ett telefonrecept utan sista giltighetsdag gäller i två veckor
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-telefon.json"
    Så är svarets statuskod 201
    Och FHIRPath-uttrycket "MedicationRequest.dispenseRequest.validityPeriod.end = MedicationRequest.dispenseRequest.validityPeriod.start + 14 days" är sant

  # Att NLL låser hela läkemedelslistan med underlagsversionen (nllMedicationlistVersion) är
  # simulatorns gissning ur NLL:s kod från 2019; statusen vid konflikt är inte dokumenterad.
  @tc:NLL-FSK-31 @krav:VERSION @valfri @sim @beteende:WRITE-LIST-LOCK
  Scenario: En förskrivning gjord från en äldre version av läkemedelslistan avvisas
    Givet att scenariot har en egen testpatient ur poolen
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Och värdet av FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllMedicationlistVersion')).value" sparas som "listversion"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-med-listversion.json"
    Så är svarets statuskod 201
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-med-listversion.json"
    Så är svarets statuskod 409 eller 412
    Och OperationOutcome har ett fel
    # Med listans nya version godtas förskrivningen: det var versionen som stoppade den.
    När systemet söker "Basic" med "code=medlistinfo&patient={{patient.id}}"
    Och värdet av FHIRPath-uttrycket "Bundle.entry.resource.extension.where(url.endsWith('nllMedicationlistVersion')).value" sparas som "listversion"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning-med-listversion.json"
    Så är svarets statuskod 201
