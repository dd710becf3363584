package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/cucumber/godog"
)

// result is what godog made of one step.
type result struct {
	text   string
	status godog.StepResultStatus
	err    error
}

// played is one scenario run through godog: its World, as it was before its cleanup, and its
// steps' results.
type played struct {
	world *World
	steps []result
}

// play runs a feature through godog against env with the vocabulary registered as konform run
// registers it (Register once for the suite: patterns, unescaping, the doc string checks; the
// scenario's World in its context), one scenario at a time,
// each cleaned up after it. It returns the scenarios by name.
func play(t *testing.T, env *Env, feature string) map[string]*played {
	t.Helper()
	out := map[string]*played{}
	suite := godog.TestSuite{
		TestSuiteInitializer: func(ts *godog.TestSuiteContext) { Register(ts.ScenarioContext()) },
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			p := &played{world: NewWorld(context.Background(), env)}
			sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
				out[s.Name] = p
				return WithWorld(ctx, p.world), nil
			})
			sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
				p.steps = append(p.steps, result{st.Text, status, err})
				return ctx, err
			})
			sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
				w := p.world
				before := *w
				p.world = &before
				if problems := w.Cleanup(context.Background()); len(problems) > 0 {
					t.Errorf("cleanup: %v", problems)
				}
				return ctx, err
			})
		},
		Options: &godog.Options{Format: "progress", Output: io.Discard, NoColors: true, Strict: true, Concurrency: 1,
			FeatureContents: []godog.Feature{{Name: t.Name() + ".feature", Contents: []byte(feature)}}},
	}
	suite.Run()
	return out
}

// scenario returns a played scenario, failing the test when it did not run.
func scenario(t *testing.T, all map[string]*played, name string) *played {
	t.Helper()
	p, ok := all[name]
	if !ok {
		t.Fatalf("scenario %q did not run", name)
	}
	return p
}

// passed checks that every step of a scenario passed.
func passed(t *testing.T, all map[string]*played, name string) *played {
	t.Helper()
	p := scenario(t, all, name)
	for _, s := range p.steps {
		if s.status != godog.StepPassed {
			t.Errorf("%s: %q %v: %v", name, s.text, s.status, s.err)
		}
	}
	return p
}

// failedLast checks that every step of a scenario but the last passed and the last failed with
// an error that says want.
func failedLast(t *testing.T, all map[string]*played, name, want string) *played {
	t.Helper()
	p := scenario(t, all, name)
	if len(p.steps) == 0 {
		t.Fatalf("%s: no steps ran", name)
	}
	for _, s := range p.steps[:len(p.steps)-1] {
		if s.status != godog.StepPassed {
			t.Errorf("%s: %q %v: %v", name, s.text, s.status, s.err)
		}
	}
	last := p.steps[len(p.steps)-1]
	if last.status != godog.StepFailed || last.err == nil || !strings.Contains(last.err.Error(), want) {
		t.Errorf("%s: the last step %q: %v %v, want it to fail saying %q", name, last.text, last.status, last.err, want)
	}
	return p
}

// docString indents a JSON body as a Gherkin doc string below a step.
func docString(body string) string {
	lines := strings.Split(strings.TrimSpace(body), "\n")
	return "      \"\"\"\n      " + strings.Join(lines, "\n      ") + "\n      \"\"\"\n"
}

// prescription is the pack's prescription template, changed by change, as a doc string.
func prescription(t *testing.T, env *Env, change func(map[string]any)) string {
	t.Helper()
	raw, err := fs.ReadFile(env.Fixtures, "templates/forskrivning.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(doc)
	}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return docString(string(out))
}

// TestChecksOnSomePageEachStartFromTheFirstPage: with pages of five, six prescriptions are
// found by six checks of one search, whatever page each is on and in whatever order they are
// checked: each check follows the next links from the search's first page.
func TestChecksOnSomePageEachStartFromTheFirstPage(t *testing.T) {
	env := simEnv(t, "alt") // pages of five
	var f strings.Builder
	f.WriteString("# language: sv\nEgenskap: sidor\n\n  Scenario: sex förskrivningar\n    Givet att ändamålet är \"VARD\" och åtkomsttypen \"TILLFALLIGT_SAMTYCKE\"\n" +
		"    Och att scenariot har en egen testpatient ur poolen\n    Och att begäran har headern \"Prefer\" med värdet \"return=representation\"\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&f, "    Och systemet skapar en \"MedicationRequest\" från mallen \"forskrivning.json\"\n"+
			"    Och värdet av FHIRPath-uttrycket \"MedicationRequest.id\" sparas som \"f%d\"\n", i)
	}
	f.WriteString("    När systemet söker \"MedicationRequest\" med \"patient={{patient.id}}\"\n")
	for i := 6; i >= 1; i-- {
		fmt.Fprintf(&f, "    Så är FHIRPath-uttrycket \"Bundle.entry.resource.where(id = '{{var.f%d}}').exists()\" sant på någon sida av sökresultatet\n", i)
	}
	passed(t, play(t, env, f.String()), "sex förskrivningar")
}
