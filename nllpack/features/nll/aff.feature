# language: sv
@vard
Egenskap: Automatiska format- och författningskontroller (AFF)
  NLL kontrollerar varje förskrivning innan den sparas. En förskrivning som bryter mot en regel
  avvisas med 422 och en OperationOutcome vars tillägg nllDetectedIssue anger regeln; inget sparas.
  En varning sparar förskrivningen (201) och visas med Prefer: return=OperationOutcome. $verify
  (NLLVerify) kör kontrollerna utan att spara. NLL:s regelkoder är inte publicerade: koderna här
  (SIM-AFF-…, SIM-VARN-…) är simulatorns, och scenarierna som kontrollerar dem är @sim. Varje
  scenario skickar en mall som bryter mot en enda regel.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    Och att testpatienten har personnummer "199802262387"

  @tc:NLL-AFF-01 @krav:TK1 @obligatorisk @sim @beteende:AFF-01
  Scenario: En innesluten patient vars personnummer har fel kontrollsiffra avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-fel-kontrollsiffra.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-01"

  @tc:NLL-AFF-02 @krav:TK1 @obligatorisk @sim @beteende:AFF-02
  Scenario: En förskrivning utan doseringsanvisning avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-utan-dosering.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-02"

  @tc:NLL-AFF-03 @krav:TK1 @obligatorisk @sim @beteende:AFF-03
  Scenario: En förskrivning vars sista giltighetsdag ligger före utfärdandedagen avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-giltighet-fore-utfardande.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-03"

  @tc:NLL-AFF-05 @krav:TK1 @obligatorisk @sim @beteende:AFF-05
  Scenario: En förskrivning av mängden noll avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-mangd-noll.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-05"

  @tc:NLL-AFF-06 @krav:TK1 @obligatorisk @sim @beteende:AFF-06
  Scenario: En förskrivning av en artikel som NLL inte känner avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-okand-artikel.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-06"

  @tc:NLL-AFF-07 @krav:TK1 @krav:FORSKRIVARE @obligatorisk @sim @beteende:AFF-07
  Scenario: En förskrivare utan förskrivarkod avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-utan-forskrivarkod.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-07"

  @tc:NLL-AFF-10 @krav:TK1 @krav:FORSKRIVARE @obligatorisk @sim @beteende:AFF-10
  Scenario: En förskrivare som inte är innesluten (contained) avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-forskrivare-ej-innesluten.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-10"

  # 189002029800 är avliden (active=false).
  @tc:NLL-AFF-11 @krav:TK1 @obligatorisk @sim @beteende:AFF-11
  Scenario: En förskrivning till en avliden patient avvisas
    Givet att testpatienten har personnummer "189002029800"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-11"

  @tc:NLL-AFF-12 @krav:TK1 @obligatorisk @sim @beteende:AFF-12
  Scenario: En ny förskrivning som redan är avslutad avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-avslutad.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-12"

  # $end gäller förskrivningar för en patient (NLLEnd); båda förskrivningarna är kvar oförändrade.
  @tc:NLL-AFF-13 @krav:END @krav:TK1 @obligatorisk @sim @beteende:AFF-13
  Scenario: $end över förskrivningar för två patienter avvisas
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och värdet av FHIRPath-uttrycket "MedicationRequest.id" sparas som "forsta"
    Och att testpatienten har personnummer "189001019802"
    Och systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    När systemet anropar "MedicationRequest/$end" med mallen "makulera-tva-patienter.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-13"
    När systemet hämtar "MedicationRequest/{{var.forsta}}"
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"
    När systemet läser tillbaka den skapade resursen
    Så FHIRPath-uttrycket "MedicationRequest.status" ger värdet "active"

  # En patient med personnummer refereras (Patient/<id>); bara en patient utan personnummer innesluts.
  @tc:NLL-AFF-14 @krav:TK1 @obligatorisk @sim @beteende:AFF-14
  Scenario: En innesluten patient med personnummer avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-innesluten-patient.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-14"

  # Formatkontroll FK001 (handbokens Formatkontroller): ett personnummer har ett verkligt
  # födelsedatum, inte bara rätt kontrollsiffra. 199013010013 har rätt kontrollsiffra men månad 13,
  # så det kan inte tillhöra någon. Mallen har mottagande apotek och födelsedatum, så att inget
  # annat än personnumret kan avvisa den.
  @tc:NLL-AFF-18 @krav:TK1 @obligatorisk @sim @beteende:AFF-01
  Scenario: En innesluten patient vars personnummer saknar ett verkligt födelsedatum avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-personnummer-ogiltigt-datum.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-01"
    Och OperationOutcome pekar ut "MedicationRequest.contained.identifier"

  # Formatkontroll FK002: ett födelsedatum är inte äldre än 130 år.
  @tc:NLL-AFF-19 @krav:TK1 @obligatorisk @sim @beteende:AFF-18
  Scenario: En innesluten patient född för mer än 130 år sedan avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-fodelsedatum-over-130-ar.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-18"
    Och OperationOutcome pekar ut "MedicationRequest.contained.birthDate"

  # En patient utan personnummer känns igen på namn och födelsedatum (NLLMedicationRequest).
  @tc:NLL-AFF-20 @krav:TK1 @obligatorisk @sim @beteende:AFF-18
  Scenario: En innesluten patient utan personnummer och utan födelsedatum avvisas
    När systemet skapar en "MedicationRequest" från mallen "forskrivning-utan-fodelsedatum.json"
    Så är svarets statuskod 422
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-18"

  # Varningen visas med Prefer: return=OperationOutcome (SIMP OperationOutcome-Reply); regeln och
  # dess kod är simulatorns.
  @tc:NLL-VARN-01 @krav:TK1 @obligatorisk @sim @beteende:VARN-01
  Scenario: En andra aktiv förskrivning av samma artikel sparas med en varning
    Givet systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Och att begäran har headern "Prefer" med värdet "return=OperationOutcome"
    När systemet skapar en "MedicationRequest" från mallen "forskrivning.json"
    Så är svarets statuskod 201
    Och OperationOutcome har en issue med allvarlighetsgrad "warning" och kod "business-rule"
    Och OperationOutcome har en AFF-avvisning med kod "SIM-VARN-01"

  # $verify kör kontrollerna utan att spara (NLLVerify). Scenariot lånar en egen patient och räknar
  # hennes förskrivningar (alla: sökparametern status publicerar NLL inte) före och efter: bara en som $verify sparat kan ändra antalet (en
  # sökning på klientens identifierare bevisar inget om NLL inte sparar den).
  @tc:NLL-VERIFY-01 @krav:FHIR-CREATE @obligatorisk @beteende:OP-VERIFY
  Scenario: $verify av en förskrivning sparar den inte
    Givet att scenariot har en egen testpatient ur poolen
    Och systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Och antalet träffar på alla sidor av sökresultatet sparas som "före"
    När systemet anropar "MedicationRequest/$verify" med mallen "forskrivning-markerad.json"
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'detectedIssues').value.exists()" är sant
    När systemet söker "MedicationRequest" med "patient={{patient.id}}"
    Så är svarets statuskod 200
    Och antalet träffar på alla sidor av sökresultatet är "{{var.före}}"

  @tc:NLL-VERIFY-02 @krav:TK1 @obligatorisk @sim @beteende:OP-VERIFY @beteende:AFF-02
  Scenario: $verify av en förskrivning utan doseringsanvisning anger regeln
    När systemet anropar "MedicationRequest/$verify" med mallen "forskrivning-utan-dosering.json"
    Så är svarets statuskod 200
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'detectedIssues').value" ger värdet "true"
    Och OperationOutcome har en AFF-avvisning med kod "SIM-AFF-02"
