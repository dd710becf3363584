package pack

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"
)

func TestBundledPackMeetsItsRules(t *testing.T) {
	p, err := Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	mandatory := 0
	for _, c := range p.Cases {
		if c.Mandatory {
			mandatory++
		}
		if len(c.Requirements) == 0 {
			t.Errorf("%s (%s:%d) traces to no requirement", c.ID, c.File, c.Line)
		}
		if !strings.HasPrefix(c.File, "features/") || c.Line == 0 {
			t.Errorf("%s has no location: %s:%d", c.ID, c.File, c.Line)
		}
	}
	// Most of the pack decides the verdict. A case is mandatory only where NLL documents the
	// answer (docs/writing-test-cases.md), so the share follows the documentation: checks of the
	// simulator's own encodings (a telephone prescription's flag, a lock's chain) are optional.
	if len(p.Cases) < 40 || mandatory*100 < 75*len(p.Cases) {
		t.Errorf("%d cases, %d mandatory: want at least 40, 75%% mandatory", len(p.Cases), mandatory)
	}
	for _, cov := range p.Coverage() {
		if len(cov.Cases) == 0 && cov.Uncovered == "" {
			t.Errorf("requirement %s has no scenario and no reason", cov.ID)
		}
	}
}

func TestTagsSelectCases(t *testing.T) {
	p, err := Load(nil, "@tc:NLL-TA05-01")
	if err != nil || len(p.Cases) != 1 || p.Cases[0].ID != "NLL-TA05-01" {
		t.Fatalf("%v %v", p, err)
	}
	// The coverage of a selection names the rest of the pack's cases for each requirement.
	for _, cov := range p.Coverage() {
		if len(cov.Cases) == 0 && cov.Uncovered == "" && len(cov.Unselected) == 0 {
			t.Errorf("requirement %s: neither a selected case, nor an unselected one, nor a reason", cov.ID)
		}
		if slices.Contains(cov.Unselected, "NLL-TA05-01") {
			t.Errorf("requirement %s names the selected case as unselected", cov.ID)
		}
	}
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUnknownRequirementStopsTheLoad(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "a.feature", "# language: sv\nEgenskap: A\n  @tc:A-1 @krav:NOPE @obligatorisk\n  Scenario: a\n    Givet x\n")
	_, err := Load([]string{f}, "")
	if err == nil || !strings.Contains(err.Error(), f+":4: unknown requirement @krav:NOPE; add it to nllpack/krav.yaml") {
		t.Fatalf("%v", err)
	}
	root := makePack(t, map[string]string{"features/a.feature": "# language: sv\nEgenskap: A\n  @tc:A-1 @krav:NOPE @obligatorisk\n  Scenario: a\n    Givet x\n"})
	p, err := Load([]string{filepath.Join(root, "features", "a.feature")}, "")
	if err != nil || p.Catalogue.Source != filepath.Join(root, "krav.yaml") {
		t.Fatalf("the pack's krav.yaml is not used: %v", err)
	}
}

func TestOutlineRowsGetTheirOwnIDs(t *testing.T) {
	f := write(t, t.TempDir(), "o.feature", `# language: sv
Egenskap: O
  @tc:O-1 @valfri
  Abstrakt Scenario: rad <n>
    Givet x <n>
    Exempel:
      | n |
      | 1 |
      | 2 |
`)
	p, err := Load([]string{f}, "")
	if err != nil || len(p.Cases) != 2 || p.Cases[0].ID != "O-1/1" || p.Cases[1].ID != "O-1/2" || p.Cases[1].Line != 9 {
		t.Fatalf("%+v %v", p.Cases, err)
	}
}

// TestAnOutlineWithoutRowsIsRefused: an outline whose Examples table has only its header (or
// whose Examples have no table) makes no test case; the load says where, instead of dropping it from every run.
func TestAnOutlineWithoutRowsIsRefused(t *testing.T) {
	other := "  @tc:O-2 @valfri\n  Scenario: finns\n    Givet x\n\n"
	for name, examples := range map[string]string{"header only": "    Exempel:\n      | n |\n", "no table": "    Exempel:\n"} {
		for _, alone := range []bool{false, true} {
			body, line := other, 8
			if alone {
				body, line = "", 4
			}
			f := write(t, t.TempDir(), "o.feature", "# language: sv\nEgenskap: O\n"+body+
				"  @tc:O-1 @valfri\n  Abstrakt Scenario: rad <n>\n    Givet x <n>\n"+examples)
			_, err := Load([]string{f}, "")
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s:%d: Abstrakt Scenario \"rad <n>\" has no example rows", f, line)) {
				t.Errorf("%s, alone in its file %t: %v", name, alone, err)
			}
		}
	}
	// in a pack, too, when the file is not named
	root := makePack(t, map[string]string{"features/a.feature": "# language: sv\nEgenskap: A\n" + other, "features/o.feature": "# language: sv\nEgenskap: O\n  @tc:O-1 @valfri\n  Abstrakt Scenario: rad <n>\n    Givet x <n>\n    Exempel:\n      | n |\n"})
	if _, err := Load([]string{root}, ""); err == nil || !strings.Contains(err.Error(), "has no example rows") {
		t.Errorf("a pack with an outline without rows: %v", err)
	}
}

// TestAnOutlineWithoutExamplesIsRefused: an outline with no Examples block at all compiles, as
// Gherkin has it, to one scenario whose steps keep their <placeholders>; the load refuses it, in
// Swedish and in English, instead of sending "<n>".
func TestAnOutlineWithoutExamplesIsRefused(t *testing.T) {
	for lang, head := range map[string]string{"sv": "# language: sv\nEgenskap: O\n  @tc:O-1 @valfri\n  Abstrakt Scenario: rad <n>\n    Givet x <n>\n",
		"en": "# language: en\nFeature: O\n  @tc:O-1 @valfri\n  Scenario Outline: rad <n>\n    Given x <n>\n"} {
		f := write(t, t.TempDir(), "o.feature", head)
		line := 4
		if _, err := Load([]string{f}, ""); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s:%d:", f, line)) || !strings.Contains(err.Error(), "has no Examples (Exempel) table") {
			t.Errorf("%s: %v", lang, err)
		}
	}
	// a Scenario with no Examples is a scenario
	f := write(t, t.TempDir(), "s.feature", "# language: sv\nEgenskap: S\n  @tc:S-1 @valfri\n  Scenario: s\n    Givet x\n")
	if _, err := Load([]string{f}, ""); err != nil {
		t.Error(err)
	}
}

// TestAScenarioWithoutStepsIsRefused: a scenario with no steps of its own (even under a
// Background) is refused with its file and line, instead of counting as a mandatory case that
// never runs.
func TestAScenarioWithoutStepsIsRefused(t *testing.T) {
	for name, body := range map[string]string{
		"alone":            "  @tc:E-1 @obligatorisk\n  Scenario: tom\n",
		"before another":   "  @tc:E-1 @obligatorisk\n  Scenario: tom\n\n  @tc:E-2 @valfri\n  Scenario: s\n    Givet x\n",
		"under a Bakgrund": "  Bakgrund:\n    Givet y\n\n  @tc:E-1 @obligatorisk\n  Scenario: tom\n",
	} {
		f := write(t, t.TempDir(), "e.feature", "# language: sv\nEgenskap: E\n"+body)
		_, err := Load([]string{f}, "")
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s:", f)) || !strings.Contains(err.Error(), "Scenario \"tom\" has no steps") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCatalogueErrors(t *testing.T) {
	cases := map[string]string{
		"krav:\n  - {id: A, text: t, level: SKA, source: s}\n  - {id: A, text: t, level: SKA, source: s}\n": "listed twice",
		"krav:\n  - {id: A, text: t, level: KANSKE, source: s}\n":                                           `level "KANSKE"`,
		"krav:\n  - {id: A, level: SKA, source: s}\n":                                                       "needs text and source",
		"krav:\n  - {id: A, text: t, level: SKA, source: s, extra: 1}\n":                                    "field extra not found",
	}
	for body, want := range cases {
		dir := t.TempDir()
		write(t, dir, "krav.yaml", body)
		_, err := ReadCatalogue(os.DirFS(dir), "krav.yaml", "krav.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

// TestCasesMatchByFileAndIDWhateverTheParseOrder: godog numbers pickles in the order it parses
// files, so a run that reads the files in another order than the pack did must still find each
// scenario's case, and every outline row its own.
func TestCasesMatchByFileAndIDWhateverTheParseOrder(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.feature", "# language: sv\nEgenskap: A\n  @tc:A-1 @valfri\n  Scenario: a\n    Givet x 1\n")
	b := write(t, dir, "b.feature", `# language: sv
Egenskap: B
  @tc:B-1 @valfri
  Abstrakt Scenario: rad
    Givet x <n>
    Exempel:
      | n |
      | 1 |
      | 2 |
`)
	p, err := Load([]string{a, b}, "")
	if err != nil {
		t.Fatal(err)
	}
	feats, err := (&godog.TestSuite{Options: &godog.Options{Paths: []string{b, a}, Dialect: "sv"}}).RetrieveFeatures()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range feats {
		for _, pk := range f.Pickles {
			c := p.Match(pk)
			if c == nil {
				t.Fatalf("no case for %s %q", pk.Uri, pk.Steps[0].Text)
			}
			got = append(got, c.ID+"="+pk.Steps[0].Text)
		}
	}
	if strings.Join(got, " ") != "B-1/1=x 1 B-1/2=x 2 A-1=x 1" {
		t.Fatalf("matched %v", got)
	}
	if _, err := Load([]string{write(t, dir, "c.feature", "# language: sv\nEgenskap: C\n  @tc:C-1 @valfri\n  Abstrakt Scenario: rad\n    Givet x\n    Exempel:\n      | n |\n      | 1 |\n      | 1 |\n")}, ""); err == nil || !strings.Contains(err.Error(), "word for word") {
		t.Errorf("two identical rows: %v", err)
	}
}

func TestPatientPoolRules(t *testing.T) {
	p, err := Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Pool == nil || len(p.Pool.Patients) < 8 || p.Pool.Source != "nllpack/pack.yaml" {
		t.Fatalf("bundled pool %+v: want at least 8 patients (one per scenario at --concurrency 8)", p.Pool)
	}
	dir := t.TempDir()
	feature := "# language: sv\nEgenskap: A\n  @tc:A-1 @krav:NOPE @obligatorisk\n  Scenario: a\n    Givet att testpatienten har personnummer \"189001029819\"\n"
	f := write(t, dir, "a.feature", strings.Replace(feature, "NOPE", "FHIR-READ", 1))
	if _, err := Load([]string{f}, ""); err == nil || !strings.Contains(err.Error(), f+":4: scenario \"a\" names 189001029819, a patient of the pool nllpack/pack.yaml") {
		t.Errorf("a scenario naming a pool patient: %v", err)
	}
	for patients, want := range map[string]string{
		"[]":                               "has no patients",
		`["189001029818"]`:                 "not a 12-digit personnummer with a valid check digit",
		`["189002049808", "189002049808"]`: "189002049808 is listed twice",
	} {
		root := makePack(t, map[string]string{"features/a.feature": feature, "pack.yaml": strings.Replace(testInfo, `["189001029819"]`, patients, 1)})
		if _, err := Load([]string{root}, ""); err == nil || !strings.Contains(err.Error(), filepath.Join(root, "pack.yaml")) || !strings.Contains(err.Error(), want) {
			t.Errorf("pool %s: %v, want %q", patients, err, want)
		}
	}
	root := makePack(t, map[string]string{"features/a.feature": strings.Replace(feature, "189001029819", "189002049808", 1)})
	own, err := Load([]string{root}, "")
	if err != nil || own.Pool.Source != filepath.Join(root, "pack.yaml") || !own.Pool.Has("189001029819") || own.Pool.Has("189001039800") {
		t.Fatalf("the pack's pool is not used: %+v %v", own, err)
	}
}

// TestBadTagExpressionsAreRefused: an expression godog would crash on or read as "everything"
// gets one line naming the syntax.
func TestBadTagExpressionsAreRefused(t *testing.T) {
	for _, bad := range []string{" @a &&", "&& @a", "@a && && @b", "@a,", "~", "not @sim", "@obligatorisk and not @sim", "@a || @b", "sim"} {
		if _, err := Load(nil, bad); err == nil || !strings.Contains(err.Error(), "godog's syntax") {
			t.Errorf("--tags %q: %v", bad, err)
		}
	}
	for _, good := range []string{"@obligatorisk && ~@sim", "@tc:NLL-TA05-01,@tc:NLL-TA05-02", " @anslutning "} {
		if err := CheckTags(good); err != nil {
			t.Errorf("--tags %q: %v", good, err)
		}
	}
}

// TestBinaryGarbageIsNotEchoedRaw: a feature file of binary garbage gets one printable line.
func TestBinaryGarbageIsNotEchoedRaw(t *testing.T) {
	f := write(t, t.TempDir(), "g.feature", "\x1b[2J\x00\x07\xff\xfe garbage \x1b]0;title\x07\n")
	_, err := Load([]string{f}, "")
	if err == nil {
		t.Fatal("garbage accepted")
	}
	msg := err.Error()
	for _, r := range msg {
		if r < ' ' || r == 0x7f {
			t.Fatalf("control character %q in %q", r, msg)
		}
	}
	if strings.Count(msg, "\n") > 0 || !strings.Contains(msg, "g.feature") {
		t.Errorf("not one line naming the file: %q", msg)
	}
}

// TestALineGherkinCannotReadIsRefused: a line longer than Gherkin's reader takes is refused with
// its file and line, in loose feature files and in a pack, where the parser would stop with a
// nil line; the longest line it takes loads.
func TestALineGherkinCannotReadIsRefused(t *testing.T) {
	feature := func(comment int) string {
		return "# language: sv\nEgenskap: L\n  @tc:L-1 @valfri\n  Scenario: s\n    Givet x # " + strings.Repeat("x", comment) + "\n"
	}
	fits := MaxLine - len("    Givet x # ")
	ok := write(t, t.TempDir(), "ok.feature", feature(fits))
	if _, err := Load([]string{ok}, ""); err != nil {
		t.Errorf("a line of %d bytes: %v", MaxLine, err)
	}
	long := write(t, t.TempDir(), "long.feature", feature(fits+1))
	if _, err := Load([]string{long}, ""); err == nil || !strings.Contains(err.Error(), long+":5: a line of 65536 bytes") {
		t.Errorf("loose: %v", err)
	}
	root := makePack(t, map[string]string{"features/long.feature": feature(70000)})
	if _, err := Load([]string{root}, ""); err == nil || !strings.Contains(err.Error(), "features/long.feature:5: a line of") {
		t.Errorf("a pack: %v", err)
	}
}
