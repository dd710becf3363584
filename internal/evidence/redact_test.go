package evidence

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Official test personnummer of Skatteverket, and samordningsnummer made from them (day + 60,
// check digit recomputed).
const (
	testPnr1     = "189001019802"
	testPnr2     = "199802262387"
	testPnr3     = "201311122392"
	testSamordn1 = "199802862384" // 1998-02-26
	testSamordn2 = "201311722399" // 2013-11-12
)

// forms returns every way a number is written: twelve and ten digits, with and without a
// separator, and with the separator URL-encoded.
func forms(p string) []string {
	date12, date10, nr := p[:8], p[2:8], p[8:]
	out := []string{p, p[2:]}
	for _, sep := range []string{"-", "+", " ", "%20", "%2B", "%2D", " - ", " \u2013 ", "\u2013", "\u2010", "\u2011", "\u2212", "\u00a0"} {
		out = append(out, date12+sep+nr, date10+sep+nr)
	}
	return out
}

func TestRedactCoversEveryFormOfPersonnummerAndSamordningsnummer(t *testing.T) {
	for _, p := range []string{testPnr1, testPnr2, testPnr3, testSamordn1, testSamordn2} {
		r := NewRedactor()
		for _, f := range forms(p) {
			for _, in := range []string{f, "pnr " + f + ".", `{"value":"` + f + `"}`, "identifier=http://electronichealth.se/identifier/personnummer%7C" + f + "&x=1",
				"Patient?identifier=x|" + f, "(" + f + ")", "nr:" + f + "\n"} {
				out := r.Redact(in)
				if strings.Contains(out, f) || !strings.Contains(out, "[personnummer-1]") {
					t.Errorf("%s: %q → %q", p, in, out)
				}
			}
		}
	}
}

// TestRedactCoversSamordningsnummerOfUnknownBirthDate: a samordningsnummer whose birth day (60)
// or month (00) is not known.
func TestRedactCoversSamordningsnummerOfUnknownBirthDate(t *testing.T) {
	for _, p := range []string{"199802602384", "199800602386"} {
		for _, f := range forms(p) {
			if out := NewRedactor().Redact(f); out != "[personnummer-1]" {
				t.Errorf("%q → %q", f, out)
			}
		}
	}
}

// TestRedactGivesOnePersonOnePseudonym: the same number in any form is the same pseudonym, another
// number another.
func TestRedactGivesOnePersonOnePseudonym(t *testing.T) {
	r := NewRedactor()
	got := r.Redact("19980226-2387, 9802262387, 980226+2387, 199802862384, 980286-2384 och 189001019802 igen 980226 2387")
	want := "[personnummer-1], [personnummer-1], [personnummer-1], [personnummer-2], [personnummer-2] och [personnummer-3] igen [personnummer-1]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestRedactLeavesOrdinaryNumbers: numbers that are no personnummer stay: a wrong check digit, no
// date, a longer number, or ten digits that are part of an id.
func TestRedactLeavesOrdinaryNumbers(t *testing.T) {
	for _, s := range []string{
		"9802262388", "980226-2388", "19980226-2388", "199802262388", // check digit
		"9813262384", "9802922386", "9802002387", "199802002387", "9813622389", // month 13, day 92, day 00, month 13 + 60
		"219802262387", "1998022623870", "29802262387", "1998022623871", "0199802262387", // longer numbers
		"7350045511999", "GLN 7350045511999",
		"SE2321000016-1003", "SE162321000255-O12345", // HSA ids
		"f47ac10b-58cc-4372-a567-0e02b2c3d479", "3f2a9b1c-0d4e-4f5a-8b6c-a9802262387b", "a980226-2387", "x9802262387", // ids, UUIDs
		"19980226-2387-4abc-8def-0123456789ab", "3f2a9b1c-0d4e-4f5a-8b6c-199802262387", "Patient/3f2a9b1c-0d4e-4f5a-8b6c-199802262387/_history/1", // UUIDs all of digits where a personnummer could stand
		"9802262387b", "980226-2387x",
		"20110119100011", "2024-05-01T12:00:00.000+02:00", "1714564800", "1714564800123", `"versionId": "3"`,
		`"lastUpdated": "2024-05-01T12:00:00Z"`, "x-request-id: 0b5e9f5c-3ad2-4c62-9b6d-5c1f0e8a7d21",
		"urn:oid:1.2.752.129.2.1.3.1", "1.2.752.129.2.1.4.1", "3.14159802262387",
	} {
		if got := NewRedactor().Redact(s); got != s {
			t.Errorf("%q became %q", s, got)
		}
	}
}

// TestRedactFindsANumberRightAfterALongerOne: a candidate that is rejected does not hide a
// number that starts inside it.
func TestRedactFindsANumberRightAfterALongerOne(t *testing.T) {
	for in, want := range map[string]string{
		"990101-189001019802":   "990101-[personnummer-1]",
		"19900101-199802262387": "19900101-[personnummer-1]",
		"980226-19980226-2387":  "980226-[personnummer-1]",
		// a personnummer beside a UUID, or in something shaped almost like one, is still one
		"3f2a9b1c-0d4e-4f5a-8b6c-a98022623870 199802262387": "3f2a9b1c-0d4e-4f5a-8b6c-a98022623870 [personnummer-1]",
		"19980226-2387-4abc-8def-0123456789":                "[personnummer-1]-4abc-8def-0123456789",
		"0d4e-4f5a-8b6c-199802262387":                       "0d4e-4f5a-8b6c-[personnummer-1]",
	} {
		if got := NewRedactor().Redact(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

// TestScrubRedactsPersonnummerInsideBase64: NLL's x-provenance header (and a transaction entry's
// nllProvenanceDetails) is a base64-encoded Provenance, whose reason a system may fill with the
// patient's personnummer. It used to reach the evidence in clear, since redaction read only the
// encoded form. The number now becomes the person's pseudonym inside the decoded text, encoded again.
func TestScrubRedactsPersonnummerInsideBase64(t *testing.T) {
	r := NewRedactor()
	prov := base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","reason":[{"text":"Förskrivning för patient 199802262387"}]}`))
	out := r.Scrub("GET /Patient?identifier=199802262387\nX-Provenance: " + prov + "\n\n{\"valueString\": \"" + prov + "\"}")
	if strings.Contains(out, prov) {
		t.Fatalf("the encoded personnummer is in the evidence:\n%s", out)
	}
	_, rest, _ := strings.Cut(out, "X-Provenance: ")
	enc, _, _ := strings.Cut(rest, "\n")
	dec, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || strings.Contains(string(dec), "199802262387") || !strings.Contains(string(dec), "patient [personnummer-1]") {
		t.Errorf("x-provenance decodes to %q (%v), want the pseudonym of the patient in the query", dec, err)
	}
	// base64 without a personnummer in it, and a hash that only looks like base64, stay as they were
	plain := base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","reason":[{"text":"körning 20261124T101500Z"}]}`))
	hash := "58e8be182b3003af2b2b945a52cb3a0bdf337190f50845d941d7cc8b98bc84bd"
	if got := r.Scrub("X-Provenance: " + plain + "\n" + hash); got != "X-Provenance: "+plain+"\n"+hash {
		t.Errorf("changed text without a personnummer: %q", got)
	}
}
