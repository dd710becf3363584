package evidence

import (
	"bytes"
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
		Requirements: []string{"TK1"},
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
	for _, w := range []string{"step: Så är svarets statuskod 200 (f.feature:4)", "expected: 200", "actual: 500", "requirements: TK1", "]]> end"} {
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
