package steps

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/driver"
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

var (
	actSteps     = []*regexp.Regexp{regexp.MustCompile(actSV), regexp.MustCompile(actEN)}
	actWithSteps = []*regexp.Regexp{regexp.MustCompile(actWithSV), regexp.MustCompile(actWithEN)}
)

// CheckAction says what is wrong with the action a step tells the system under test to perform
// (an action not in the catalogue, a parameter it does not take or lacks), as the run would find
// it; "" for a sound action and for every other step. args are the cells of the step's table,
// row by row.
func CheckAction(text string, args []string) string {
	var name string
	params := map[string]string{}
	for _, re := range actSteps {
		if m := re.FindStringSubmatch(text); m != nil {
			name, params = unescape(m[1]), actParams(m[2] != "", "the test patient", unescape(m[3]))
		}
	}
	for _, re := range actWithSteps {
		if m := re.FindStringSubmatch(text); m != nil {
			if len(args)%2 != 0 {
				return "the parameters of an action are a table of two columns: name | value"
			}
			name = unescape(m[1])
			for i := 0; i+1 < len(args); i += 2 {
				params[args[i]] = args[i+1]
			}
		}
	}
	if name == "" {
		return ""
	}
	if _, err := driver.Check(driver.Action{Name: name, Params: params}); err != nil {
		return err.Error()
	}
	return ""
}

// knownPlaceholders lists the placeholders for messages.
const knownPlaceholders = "{{patient.id}}, {{patient.personnummer}}, {{created.id}}, {{var.<name>}}, {{run.id}}, {{today}}, " +
	"{{today+14d}}, {{now}}, {{now-5m}}, {{uuid}}, {{base64:<text>}}, {{testdata.<key>}}"

// knownPlaceholder reports whether fill knows a placeholder's name.
func knownPlaceholder(name string) bool {
	switch name {
	case "run.id", "today", "patient.personnummer", "created.id", "patient.id":
		return true
	}
	if _, ok, err := computed(name, nil); ok {
		return err == nil
	}
	if v, ok := strings.CutPrefix(name, "testdata."); ok {
		return v != "" // whether the pack has the key is CheckPack's to say (TestDataKeys)
	}
	v, ok := strings.CutPrefix(name, "var.")
	return ok && v != ""
}

// TestDataKeys lists the test_data keys ({{testdata.<key>}}) that text and the templates it
// names use; fixtures holds the templates.
func TestDataKeys(text string, fixtures fs.FS) []string {
	var keys []string
	collect := func(s string) {
		for _, m := range placeholder.FindAllString(s, -1) {
			if key, ok := strings.CutPrefix(strings.TrimSpace(m[2:len(m)-2]), "testdata."); ok && key != "" {
				keys = append(keys, key)
			}
		}
	}
	collect(text)
	for _, m := range templateArg.FindAllStringSubmatch(text, -1) {
		if raw, err := fs.ReadFile(fixtures, "templates/"+m[1]); err == nil {
			collect(string(raw))
		}
	}
	return keys
}

// offsetPattern is {{today±N(d)}} or {{now±N(s|m|h|d)}}.
var offsetPattern = regexp.MustCompile(`^(today|now)([+-])(\d{1,5})([smhd])$`)

// computed fills the placeholders made from nothing but the clock and the scenario: {{uuid}}
// (one per scenario), {{today+14d}} (a date, Stockholm), {{now}} and {{now-5m}} (an instant, UTC,
// RFC 3339)
// and {{base64:text}}. ok is false for any other name. With w nil it only checks the name.
func computed(name string, w *World) (value string, ok bool, err error) {
	switch {
	case name == "uuid":
		if w == nil {
			return "", true, nil
		}
		if w.uuid == "" {
			w.uuid = uuid.NewString()
		}
		return w.uuid, true, nil
	case name == "now":
		return time.Now().UTC().Format(time.RFC3339), true, nil
	case strings.HasPrefix(name, "base64:"):
		return base64.StdEncoding.EncodeToString([]byte(strings.TrimPrefix(name, "base64:"))), true, nil
	}
	m := offsetPattern.FindStringSubmatch(name)
	if m == nil {
		if strings.HasPrefix(name, "today") || strings.HasPrefix(name, "now") {
			return "", true, harnessError("{{%s}}: write a date as {{today+14d}} or {{today-1d}}, an instant as {{now-5m}} (s, m, h or d)", name)
		}
		return "", false, nil
	}
	n, _ := strconv.Atoi(m[3])
	if m[2] == "-" {
		n = -n
	}
	if m[1] == "today" && m[4] != "d" {
		return "", true, harnessError("{{%s}}: today moves by days only, such as {{today+14d}}", name)
	}
	if w == nil {
		return "", true, nil
	}
	if m[1] == "today" {
		day, err := time.ParseInLocation(time.DateOnly, w.env.Today, time.UTC)
		if err != nil {
			return "", true, harnessError("the run's date %q: %v", w.env.Today, err)
		}
		return day.AddDate(0, 0, n).Format(time.DateOnly), true, nil
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[4]]
	return time.Now().UTC().Add(time.Duration(n) * unit).Format(time.RFC3339), true, nil
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
			problems = append(problems, fmt.Sprintf("template %q not found in the pack's templates/", name))
			continue
		case err != nil:
			problems = append(problems, fmt.Sprintf("template %q: %v", name, err))
			continue
		}
		if bad := UnknownPlaceholders(string(raw)); len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("template %q holds %s, which no step fills; known: %s", name, strings.Join(bad, ", "), knownPlaceholders))
		}
	}
	return problems
}
