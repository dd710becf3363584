package steps

import (
	"regexp"
	"strings"

	"github.com/agnivade/levenshtein"
)

var (
	suggestQuoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	suggestNumber = regexp.MustCompile(`\d+`)
	// stepKeyword is the Gherkin keyword stepKeyword an example line starts with.
	stepKeyword = regexp.MustCompile(`^(?i)(givet|när|så|och|men|given|when|then|and|but)\s+`)
)

// shape is a step's text for comparison: no keyword, quoted values and numbers as placeholders,
// lower case.
func shape(text string) string {
	text = stepKeyword.ReplaceAllString(strings.TrimSpace(text), "")
	text = suggestQuoted.ReplaceAllString(text, `""`)
	return strings.ToLower(suggestNumber.ReplaceAllString(text, "0"))
}

// Suggest returns the example line of the known step closest to text (an undefined step, without
// its keyword), in the language of the example that is closest: what a test author most likely
// meant. It returns "" when nothing is reasonably close.
func Suggest(text string) string {
	want := shape(text)
	best, bestDist := "", -1
	for _, d := range Vocabulary() {
		for _, ex := range []string{d.ExampleSV, d.ExampleEN} {
			if ex == "" {
				continue
			}
			if dist := levenshtein.ComputeDistance(want, shape(ex)); bestDist < 0 || dist < bestDist {
				best, bestDist = ex, dist
			}
		}
	}
	if bestDist < 0 || bestDist > max(8, len([]rune(want))/2) {
		return ""
	}
	return best
}
