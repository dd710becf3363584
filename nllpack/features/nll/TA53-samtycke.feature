# language: sv
@ta:53
Egenskap: TA 53 Hantera registrerat åtkomstsamtycke
  Ett åtkomstsamtycke som patienten har godkänt gäller i fyra år från registreringen.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att ändamålet är "VARD" och åtkomsttypen "TILLFALLIGT_SAMTYCKE"
    # Samtycket gäller patienten: scenariot lånar en egen patient ur poolen.
    Och att scenariot har en egen testpatient ur poolen

  @tc:NLL-TA53-01 @krav:SAMTYCKE @obligatorisk
  Scenario: Registrera ett åtkomstsamtycke som gäller i fyra år
    Givet att begäran har headern "Prefer" med värdet "return=representation"
    När systemet skapar en "Consent" från mallen "samtycke.json"
    Så är svarets statuskod 201
    Och resurstypen är "Consent"
    Och FHIRPath-uttrycket "Consent.provision.period.end = Consent.provision.period.start + 4 years" är sant
