# language: sv
@anslutning
Egenskap: Anslutning med ömsesidig TLS
  Alla anrop till NLL:s FHIR-gränssnitt (versionspaket 21) görs över ömsesidig TLS. Systemet ska
  presentera ett klientcertifikat som är giltigt och utfärdat av en CA som E-hälsomyndigheten
  godtar för miljön; andra anslutningar avvisas redan i TLS-handskakningen.

  @tc:NLL-ANSL-01 @krav:MTLS @krav:KONN @obligatorisk @beteende:OP-PING
  Scenario: Konnektivitetstest ($ping) med giltigt klientcertifikat
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    När systemet hämtar "$ping"
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'result').exists()" är sant

  # NLLPing tas emot med GET eller POST.
  @tc:NLL-ANSL-02 @krav:KONN @obligatorisk @beteende:OP-PING
  Scenario: Konnektivitetstest ($ping) med POST
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    När systemet anropar "$ping" med POST
    Så är svarets statuskod 200
    Och resurstypen är "Parameters"
    Och FHIRPath-uttrycket "Parameters.parameter.where(name = 'result').exists()" är sant

  @tc:NLL-ANSL-03 @krav:MTLS @obligatorisk @generisk @beteende:CONN-MTLS
  Scenario: Anslutning utan klientcertifikat avvisas
    Givet att systemet ansluter utan klientcertifikat
    När systemet hämtar "$ping"
    Så avvisas anslutningen
    # Med sitt testcertifikat besvaras samma anrop: avvisningen gällde certifikatet.
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    När systemet hämtar "$ping"
    Så är svarets statuskod 200

  # konforms utgångna testcertifikat är utfärdat av konforms egen test-CA: mot EXT skulle en
  # avvisning bara visa att CA:n är okänd (som NLL-ANSL-05), inte att utgångna certifikat avvisas.
  # Därför @sim.
  @tc:NLL-ANSL-04 @krav:MTLS @obligatorisk @sim @generisk @beteende:CONN-MTLS
  Scenario: Anslutning med utgånget klientcertifikat avvisas
    Givet att systemet ansluter med testcertifikatet "utgånget"
    När systemet hämtar "$ping"
    Så avvisas anslutningen

  @tc:NLL-ANSL-05 @krav:MTLS @obligatorisk @generisk @beteende:CONN-MTLS
  Scenario: Anslutning med klientcertifikat från okänd CA avvisas
    Givet att systemet ansluter med testcertifikatet "okänd-ca"
    När systemet hämtar "$ping"
    Så avvisas anslutningen
    # Med sitt testcertifikat besvaras samma anrop: avvisningen gällde certifikatet.
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    När systemet hämtar "$ping"
    Så är svarets statuskod 200
