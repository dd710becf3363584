package evidence

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestRedactorMasksPersonnummerConsistently(t *testing.T) {
	r := NewRedactor()
	got := r.Redact("Patient?identifier=x%7C189001019802 och 18900201-9819, igen 189001019802; ej 20110119100011 eller 189001019803")
	want := "Patient?identifier=x%7C[personnummer-1] och [personnummer-2], igen [personnummer-1]; ej 20110119100011 eller 189001019803"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestValidPersonnummer(t *testing.T) {
	for p, ok := range map[string]bool{"189001019802": true, "199802262387": true, "189001019803": false, "18900101980": false, "1890010198a2": false} {
		if ValidPersonnummer(p) != ok {
			t.Errorf("%s: want %t", p, ok)
		}
	}
}

func TestJUnitIsValidXMLEvenWithControlCharacters(t *testing.T) {
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{{
		ID: "T-1", Name: "bad\x01name", Feature: "F", File: "f.feature", Line: 3, Mandatory: true, Outcome: Failed,
		Requirements: []string{"TK1"}, Exchanges: []ExchangeRef{{File: "exchanges/T-1/001.http", Summary: "GET x → 500"}},
		Steps: []Step{{Keyword: "Så ", Text: "är svarets statuskod 200", Line: 4, Outcome: Failed,
			Message: "status code: expected 200, got 500 \x00\x1b[31m ]]> end", Expect: "200", Actual: "500"}},
	}}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, run); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Failure struct {
					Message string `xml:"message,attr"`
					Data    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, b.String())
	}
	data := doc.Suites[0].Cases[0].Failure.Data
	for _, w := range []string{"step: Så är svarets statuskod 200 (f.feature:4)", "expected: 200", "actual: 500", "requirements: TK1", "]]> end", "exchange: exchanges/T-1/001.http"} {
		if !strings.Contains(data, w) {
			t.Errorf("failure text lacks %q:\n%s", w, data)
		}
	}
}

func TestVerdictCountsOnlyMandatoryCases(t *testing.T) {
	c := func(m bool, o Outcome) *Case { return &Case{Mandatory: m, Outcome: o} }
	cases := []struct {
		cases []*Case
		want  Verdict
	}{
		{[]*Case{c(true, Passed), c(false, Failed)}, Approved},
		{[]*Case{c(true, Passed), c(true, Error)}, Inconclusive},
		{[]*Case{c(true, Error), c(true, Failed)}, NotApproved},
		{[]*Case{c(true, Skipped)}, Approved},
	}
	for i, k := range cases {
		if got := (&Run{Cases: k.cases}).Verdict(); got != k.want {
			t.Errorf("%d: %s, want %s", i, got, k.want)
		}
	}
}

func TestScrubRemovesSecrets(t *testing.T) {
	r := NewRedactor()
	in := `token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and {"password": "hemligt", "client_secret":"x"}
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49
-----END PRIVATE KEY-----
pnr 189001019802`
	out := r.Scrub(in)
	for _, bad := range []string{"eyJhbGci", "hemligt", `"x"`, "MIGHAgEA", "189001019802"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q survives:\n%s", bad, out)
		}
	}
	for _, want := range []string{"[token redacted]", `"password": "[redacted]"`, "[private key redacted]", "[personnummer-1]"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing:\n%s", want, out)
		}
	}
}

func TestFormatRedactsAuthorization(t *testing.T) {
	e := &Exchange{Method: "GET", URL: "https://x/Patient?identifier=189001019802", Status: 200,
		ReqHeader: map[string][]string{"Authorization": {"Bearer abc.def"}, "X-Purpose": {"VARD"}}}
	out := e.Format(NewRedactor(), true)
	if !strings.Contains(out, "Authorization: Bearer [redacted]") || strings.Contains(out, "abc.def") || !strings.Contains(out, "X-Purpose: VARD") {
		t.Errorf("%s", out)
	}
	if clear := e.Format(NewRedactor(), false); !strings.Contains(clear, "Bearer abc.def") {
		t.Errorf("without redaction: %s", clear)
	}
}

func TestCucumberJSON(t *testing.T) {
	run := &Run{Cases: []*Case{
		{ID: "A-1", Name: "a", Feature: "F", File: "f.feature", Line: 4, Tags: []string{"@tc:A-1"}, Outcome: Failed,
			Steps: []Step{{Keyword: "Så ", Text: "x", Line: 5, Outcome: Failed, Message: "boom"}, {Keyword: "Och ", Text: "y", Line: 6, Outcome: Skipped}}},
		{ID: "B-1", Name: "b", Feature: "G", File: "g.feature", Line: 2, Outcome: Error, Steps: []Step{{Text: "z", Outcome: Error}}},
	}}
	var b bytes.Buffer
	if err := WriteCucumber(&b, run); err != nil {
		t.Fatal(err)
	}
	var doc []struct {
		URI      string
		Elements []struct {
			Name  string
			Steps []struct {
				Result struct {
					Status, Error_message string
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 2 || doc[0].URI != "f.feature" || doc[0].Elements[0].Steps[0].Result.Status != "failed" ||
		doc[0].Elements[0].Steps[0].Result.Error_message != "boom" || doc[0].Elements[0].Steps[1].Result.Status != "skipped" ||
		doc[1].Elements[0].Steps[0].Result.Status != "failed" {
		t.Errorf("%s", b.String())
	}
}
