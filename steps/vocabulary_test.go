package steps

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var keywords = regexp.MustCompile(`^(Givet|När|Så|Och|Men|Given|When|Then|And|But) `)

// TestEveryStepHasTwinsAndWorkingExamples checks that each step has a Swedish and an English
// form, that each example matches its own pattern and no other step's, so no step is ambiguous.
func TestEveryStepHasTwinsAndWorkingExamples(t *testing.T) {
	defs := Vocabulary()
	type compiled struct{ sv, en *regexp.Regexp }
	all := make([]compiled, len(defs))
	for i, d := range defs {
		if d.SV == "" || d.EN == "" || d.ExampleSV == "" || d.ExampleEN == "" || d.Doc == "" || d.Group == "" || d.Bind == nil {
			t.Fatalf("step %d (%q / %q) lacks a twin, an example, a group or a doc", i, d.SV, d.EN)
		}
		all[i] = compiled{regexp.MustCompile(d.SV), regexp.MustCompile(d.EN)}
		if all[i].sv.NumSubexp() != all[i].en.NumSubexp() {
			t.Errorf("%q and %q take different numbers of parameters", d.SV, d.EN)
		}
		if !slices.Equal(groupsLike(d.SV, quotedInner()), groupsLike(d.EN, quotedInner())) {
			t.Errorf("%q and %q quote different parameters, so Register would unescape them differently", d.SV, d.EN)
		}
	}
	for i, d := range defs {
		for _, ex := range []struct {
			lang, line string
		}{{"sv", d.ExampleSV}, {"en", d.ExampleEN}} {
			text := keywords.ReplaceAllString(ex.line, "")
			if text == ex.line {
				t.Errorf("example %q does not start with a keyword", ex.line)
			}
			for j, c := range all {
				re := c.sv
				if ex.lang == "en" {
					re = c.en
				}
				if matched := re.MatchString(text); matched != (i == j) {
					t.Errorf("example %q matches step %d: %t (its own is %d)", ex.line, j, matched, i)
				}
			}
		}
	}
}

func TestFillKnowsItsPlaceholders(t *testing.T) {
	w := NewWorld(context.Background(), &Env{RunID: "run-1", Today: "2026-11-23"})
	w.pnr = "189001019802"
	w.created = "https://h/fhir/MedicationRequest/abc/_history/1"
	got, err := w.fill("{{run.id}} {{today}} {{patient.personnummer}} {{created.id}}")
	if err != nil || got != "run-1 2026-11-23 189001019802 abc" {
		t.Errorf("fill: %q %v", got, err)
	}
	if _, err := w.fill("{{nope}}"); err == nil || !strings.Contains(err.Error(), "unknown placeholder {{nope}}") {
		t.Errorf("unknown placeholder: %v", err)
	}
}
