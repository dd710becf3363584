package steps

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// Known reports whether text (a step without its keyword) matches a step of the vocabulary.
func Known(text string) bool {
	for _, re := range patterns() {
		if re[0].MatchString(text) || re[1].MatchString(text) {
			return true
		}
	}
	return false
}

// knownPlaceholder reports whether fill knows a placeholder's name.
func knownPlaceholder(name string) bool {
	switch name {
	case "run.id", "today", "patient.personnummer", "created.id", "patient.id":
		return true
	}
	v, ok := strings.CutPrefix(name, "var.")
	return ok && v != ""
}

// UnknownPlaceholders lists the placeholders in s that no step could fill, such as {{patinet.id}}.
func UnknownPlaceholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllString(s, -1) {
		if name := strings.TrimSpace(m[2 : len(m)-2]); !knownPlaceholder(name) {
			out = append(out, m)
		}
	}
	return out
}

// templateArg is the template a step names: "från mallen", "med mallen", "the template".
var templateArg = regexp.MustCompile(`(?:mallen|the template) "([^"]*)"`)

// CheckTemplates checks the templates step text names: each must exist in fixtures (under
// templates/) and hold only placeholders a step can fill. It returns one line per problem.
func CheckTemplates(text string, fixtures fs.FS) []string {
	var problems []string
	for _, m := range templateArg.FindAllStringSubmatch(text, -1) {
		name := m[1]
		raw, err := fs.ReadFile(fixtures, "templates/"+name)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid):
			problems = append(problems, fmt.Sprintf("template %q not found in fixtures/templates", name))
			continue
		case err != nil:
			problems = append(problems, fmt.Sprintf("template %q: %v", name, err))
			continue
		}
		if bad := UnknownPlaceholders(string(raw)); len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("template %q holds %s, which no step fills; known: {{patient.id}}, {{patient.personnummer}}, {{created.id}}, {{var.<name>}}, {{run.id}}, {{today}}", name, strings.Join(bad, ", ")))
		}
	}
	return problems
}
