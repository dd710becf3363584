package steps

import (
	"strings"
	"testing"
)

// TestSuggestFindsTheStepMeant: misspelt steps get the known step they were meant to be, in their
// language; text far from every step gets no suggestion.
func TestSuggestFindsTheStepMeant(t *testing.T) {
	for text, want := range map[string]string{
		`systemet hämtar "Patient/123" `:                   `När systemet hämtar "$ping"`,
		`är svarets statuskod 20`:                          `Så är svarets statuskod 200`,
		`är svarets statuskd 404`:                          `Så är svarets statuskod 200`,
		`the response status is 201`:                       `Then the response status is 200`,
		`en helt annan mening om väder och vind i fjällen`: "",
	} {
		if got := Suggest(text); got != want && !(want != "" && got != "" && shape(got) == shape(want)) {
			t.Errorf("Suggest(%q) = %q, want %q", text, got, want)
		}
	}
	if got := Suggest(`systemet under tset utför "skapa förskrivning" för testpatient`); !strings.HasPrefix(got, "När systemet under test utför ") {
		t.Errorf("a misspelt action step: %q", got)
	}
}
