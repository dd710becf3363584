# language: sv
@ta:08
Egenskap: TA 08 Vårdnadshavare sökt på barnets personnummer
  Ett system som inte har barnets logiska id söker vårdnadshavaren med den kedjade parametern
  patient.identifier och barnets personnummer, med personnummerets system skrivet som OID
  (urn:oid:1.2.752.129.2.1.3.1), som i E-hälsomyndighetens egna testskript. Att NLL stöder den
  kedjade sökningen bygger bara på de skripten, därför är fallet valfritt.

  Bakgrund:
    Givet att systemet är anslutet till NLL med sitt testcertifikat
    Och att användaren är farmaceut
    Och att ändamålet är "EXPEDIERING" och åtkomsttypen "UTAN_KRAV_SAMTYCKE"

  @tc:NLL-KSK-01 @krav:VARDNADSHAVARE @krav:FHIR-SEARCH @valfri @beteende:SEARCH-CHAINED
  Scenario: Vårdnadshavaren hittas med barnets personnummer som OID
    När systemet söker "RelatedPerson" med "identifier=http://electronichealth.se/identifier/personnummer|199802262387&patient.identifier=urn:oid:1.2.752.129.2.1.3.1|201311122392"
    Så är svarets statuskod 200
    Och Bundle har 1 post
    När systemet söker "RelatedPerson" med "identifier=http://electronichealth.se/identifier/personnummer|199802262387&patient.identifier=urn:oid:1.2.752.129.2.1.3.1|189001019802"
    Så är svarets statuskod 200
    Och Bundle har 0 poster
