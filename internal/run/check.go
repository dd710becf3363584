package run

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/konform/konform/internal/fhircheck"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/steps"
)

// Problem is a fault of the pack that shows before any request is made.
type Problem struct {
	// Where is the step's file:line.
	Where string
	// What says what is wrong and what to do.
	What string
	// Undefined marks a step konform does not know (exit 4); every other problem exits 2.
	Undefined bool
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// CheckPack finds what can be known about a pack before a request: fixtures and templates that
// are not valid FHIR R4, steps konform does not know (with the closest known step), templates
// that do not exist or hold placeholders no step fills, and such placeholders in the steps
// themselves, and @beteende tags that name no row of docs/simulator.md. Unknown @krav and duplicate @tc are already refused by pack.Load. Problems come in
// the pack's order (its JSON files by path, then the cases by file and line), each once.
func CheckPack(p *pack.Pack, fixtures fs.FS) []Problem {
	seen := map[string]bool{}
	var out []Problem
	add := func(pr Problem) {
		if k := pr.String(); !seen[k] {
			seen[k] = true
			out = append(out, pr)
		}
	}
	for _, pr := range checkResources(p.Source) {
		add(pr)
	}
	rows := map[string]bool{}
	for _, b := range sim.Behaviours {
		rows[b.ID] = true
	}
	testData := p.TestData()
	memo := map[string][]Problem{}
	for _, c := range p.Cases {
		for _, tag := range c.Tags {
			if id, ok := strings.CutPrefix(tag, "@beteende:"); ok && !rows[id] {
				add(Problem{Where: p.Locate(c.File, c.Line), What: "unknown tag " + tag + "; @beteende names a row of docs/simulator.md, such as @beteende:HDR-REQUEST-ID-ECHO"})
			}
		}
		for _, s := range c.Steps() {
			// A pack says the same steps many times over: each is checked once.
			key := s.Keyword + s.Text + "\x00" + strings.Join(s.Args, "\x00")
			found, ok := memo[key]
			if !ok {
				found = stepProblems(s, fixtures, testData)
				memo[key] = found
			}
			for _, pr := range found {
				pr.Where = p.Locate(c.File, s.Line)
				add(pr)
			}
		}
	}
	return out
}

// stepProblems checks one step of a case: that konform knows it, its placeholders, its action
// and parameters, its templates and its test data. The problems have no Where yet.
func stepProblems(s pack.Step, fixtures fs.FS, testData map[string]string) []Problem {
	var out []Problem
	if !steps.Known(s.Text) {
		what := fmt.Sprintf("unknown step %q", strings.TrimSpace(s.Keyword)+" "+s.Text)
		if hint := steps.Suggest(s.Text); hint != "" {
			what += "; did you mean (menade du): " + hint
		}
		return []Problem{{What: what, Undefined: true}}
	}
	text := strings.Join(append([]string{s.Text}, s.Args...), "\n")
	for _, bad := range steps.UnknownPlaceholders(text) {
		out = append(out, Problem{What: "unknown placeholder " + bad + "; docs/writing-test-cases.md lists the known ones"})
	}
	if problem := steps.CheckAction(s.Text, s.Args); problem != "" {
		out = append(out, Problem{What: problem})
	}
	for _, problem := range steps.CheckTemplates(s.Text, fixtures) {
		out = append(out, Problem{What: problem})
	}
	for _, key := range steps.TestDataKeys(text, fixtures) {
		if _, ok := testData[key]; !ok {
			out = append(out, Problem{What: "{{testdata." + key + "}} is not in the pack's test_data (pack.yaml) nor the bundled pack's; add it to pack.yaml with the simulator's value"})
		}
	}
	return out
}

// checkResources checks the pack's fixtures and templates as FHIR R4 resources (templates with
// their placeholders filled with plausible values first).
func checkResources(src *pack.Source) []Problem {
	names := make([]string, 0, len(src.Files))
	for name := range src.Files {
		if strings.HasSuffix(name, ".json") && (strings.HasPrefix(name, "fixtures/") || strings.HasPrefix(name, "templates/")) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []Problem
	for _, name := range names {
		check := fhircheck.Resource
		if strings.HasPrefix(name, "templates/") {
			check = fhircheck.Template
		}
		for _, problem := range check(src.Files[name].Data) {
			out = append(out, Problem{Where: src.Name(name), What: "not valid FHIR R4: " + problem})
		}
	}
	return out
}

// allUndefined reports whether every problem is an unknown step.
func allUndefined(problems []Problem) bool {
	for _, p := range problems {
		if !p.Undefined {
			return false
		}
	}
	return true
}

// problemsExit prints the problems, one line each, and returns the exit code they call for:
// ExitUsage when any is not an unknown step, else ExitUndefined; ExitOK for none.
func problemsExit(sys IO, problems []Problem) int {
	code := ExitOK
	for _, p := range problems {
		fmt.Fprintln(sys.Stderr, p)
		if !p.Undefined {
			code = ExitUsage
		} else if code == ExitOK {
			code = ExitUndefined
		}
	}
	if code == ExitUndefined {
		fmt.Fprintln(sys.Stderr, "konform does not know these steps: check their wording against docs/steps.md (--snippets prints Go snippets for new steps)")
	}
	return code
}

// CheckOptions configure konform check.
type CheckOptions struct {
	// Pack, Paths and Tags select the pack, feature files and scenarios, as for konform run.
	Pack  string
	Paths []string
	Tags  string
}

// Check reports, before any connection, everything wrong with a pack that can be known without
// NLL (konform check). It prints one line per problem and a last line with the counts; it
// returns ExitOK, ExitUsage or ExitUndefined.
func Check(_ context.Context, sys IO, o CheckOptions) int {
	p, err := pack.Select(o.Pack, o.Paths, o.Tags)
	if err == nil {
		err = p.Verify("")
	}
	if err != nil {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return ExitUsage
	}
	problems := CheckPack(p, p.Templates())
	code := problemsExit(sys, problems)
	fmt.Fprintf(sys.Stdout, "%s checked: %d problems\n", cases(len(p.Cases)), len(problems))
	return code
}
