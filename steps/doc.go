package steps

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/konform/konform/internal/pack"
)

// Markdown renders the step reference, docs/steps.md, from the vocabulary.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Step reference\n\n" +
		"Generated from `steps/vocabulary.go` by `make docs`; a test fails when this file is stale.\n\n" +
		"Every step has a Swedish form (for `# language: sv` files, the agency's language) and an English\n" +
		"form (for `# language: en`), bound to the same code. `\"…\"` is a quoted text parameter, `N` a\n" +
		"number. Inside a quoted parameter `\\\"` stands for a quote and `\\\\` for a backslash\n" +
		"(`\"W/\\\"1\\\"\"` is `W/\"1\"`); any other backslash stays as written. A step ending in `:` takes a\n" +
		"doc string: the text between two lines of `\"\"\"` right below it.\n\n" +
		"Text parameters and doc strings may hold placeholders: `{{patient.id}}` (the test patient's id\n" +
		"in NLL, looked up by personnummer with the run's own identity and default headers, whatever the\n" +
		"scenario changed), `{{patient.personnummer}}`, `{{created.id}}` (the last created resource),\n" +
		"`{{var.<name>}}` (a saved value), `{{run.id}}`, `{{today}}`, `{{today+14d}}` (days from the run's\n" +
		"date), `{{now}}` and `{{now-5m}}` (an instant, UTC), `{{uuid}}` (one per scenario) and\n" +
		"`{{base64:<text>}}`.\n")
	group := ""
	for _, d := range Vocabulary() {
		if d.Group != group {
			group = d.Group
			fmt.Fprintf(&b, "\n## %s\n", group)
		}
		fmt.Fprintf(&b, "\n### %s\n\n%s\n\n| | pattern | example |\n|---|---|---|\n", readable(d.SV), d.Doc)
		fmt.Fprintf(&b, "| sv | `%s` | `%s` |\n", cell(readable(d.SV)), cell(d.ExampleSV))
		fmt.Fprintf(&b, "| en | `%s` | `%s` |\n", cell(readable(d.EN)), cell(d.ExampleEN))
	}
	return b.String()
}

var (
	quotedParam  = regexp.MustCompile(regexp.QuoteMeta(quoted))
	numberParam  = regexp.MustCompile(regexp.QuoteMeta(number))
	decimalParam = regexp.MustCompile(regexp.QuoteMeta(decimal))
	optional     = regexp.MustCompile(`\(\?:([^()|]*)\)\?`)
	choice       = regexp.MustCompile(`\(\?:([^()]*)\)`)
)

// readable turns a step pattern into the form a test author reads: "…" for text, N for numbers.
func readable(pattern string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(pattern, "^"), "$")
	s = strings.ReplaceAll(s, statusSetSV, "N eller M | Nxx")
	s = strings.ReplaceAll(s, statusSetEN, "N or M | Nxx")
	s = quotedParam.ReplaceAllString(s, `"…"`)
	s = decimalParam.ReplaceAllString(s, "N")
	s = numberParam.ReplaceAllString(s, "N")
	s = optional.ReplaceAllString(s, "[$1]")
	s = choice.ReplaceAllString(s, "($1)")
	s = strings.ReplaceAll(s, methods, "GET|POST|PUT|PATCH|DELETE")
	s = strings.ReplaceAll(s, "(GET|POST)", "GET|POST")
	return s
}

// cell escapes a table cell's pipes.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// TemplatesMarkdown renders docs/templates.md: each template of a pack (files holds its
// templates/) with its resource type, the placeholders a step fills in it, and the cases whose
// steps name it.
func TemplatesMarkdown(files fs.FS, cases []*pack.Case) string {
	uses := map[string][]string{}
	for _, c := range cases {
		for _, s := range c.Steps() {
			for _, m := range templateArg.FindAllStringSubmatch(s.Text, -1) {
				if ids := uses[m[1]]; len(ids) == 0 || ids[len(ids)-1] != c.ID {
					uses[m[1]] = append(ids, c.ID)
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("# Templates of the bundled pack\n\n" +
		"Generated from `nllpack/templates/` by `make docs`; a test fails when this file is stale.\n" +
		"A step names a template with `från mallen \"<name>\"` (`from the template \"<name>\"`) and sends it\n" +
		"with its placeholders filled (the table in [writing-test-cases.md](writing-test-cases.md#placeholders)).\n" +
		"A pack of one's own brings its own templates in its `templates/` folder.\n\n" +
		"| template | resource | placeholders | used by |\n|---|---|---|---|\n")
	names, _ := fs.Glob(files, "templates/*.json")
	for _, name := range names {
		raw, _ := fs.ReadFile(files, name)
		var doc struct {
			ResourceType string `json:"resourceType"`
		}
		_ = json.Unmarshal(placeholder.ReplaceAll(raw, []byte("0")), &doc)
		seen := map[string]bool{}
		var ph []string
		for _, m := range placeholder.FindAllString(string(raw), -1) {
			if !seen[m] {
				seen[m] = true
				ph = append(ph, "`"+m+"`")
			}
		}
		sort.Strings(ph)
		base := strings.TrimPrefix(name, "templates/")
		used := strings.Join(uses[base], ", ")
		if used == "" {
			used = "the reference system (docs/sut.md)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", base, doc.ResourceType, strings.Join(ph, " "), used)
	}
	return b.String()
}
