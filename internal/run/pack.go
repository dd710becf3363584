package run

import (
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/konform/konform/features"
)

// Pack is a parsed test pack: what godog will run, and what the evidence needs to know about
// each scenario and step that godog's hooks do not carry.
type Pack struct {
	// FS and Paths are what godog reads.
	FS    fs.FS
	Paths []string
	// Tags is the tag expression that selects scenarios.
	Tags string
	// prefix turns a feature URI into the path a person knows ("features/" for the bundled pack).
	prefix    string
	scenarios map[string]*scenarioInfo // by pickle id
	steps     map[string]stepInfo      // by pickle step id
}

type scenarioInfo struct {
	id, name, feature, file string
	line                    int
	tags, requirements      []string
	mandatory               bool
}

type stepInfo struct {
	keyword string
	line    int
}

// LoadPack parses the feature files at paths (the bundled pack when paths is empty) and checks
// that every scenario has a unique @tc id and is @obligatorisk or @valfri.
func LoadPack(paths []string, tags string) (*Pack, error) {
	p := &Pack{Tags: tags, scenarios: map[string]*scenarioInfo{}, steps: map[string]stepInfo{}}
	if len(paths) == 0 {
		p.FS, p.Paths, p.prefix = features.FS, []string{"."}, "features/"
	} else {
		for _, path := range paths {
			file, _ := splitLine(path)
			if _, err := os.Stat(file); err != nil {
				return nil, fmt.Errorf("feature path %s not found; pass a .feature file or a folder of them", file)
			}
		}
		p.FS, p.Paths = nil, paths
	}
	suite := godog.TestSuite{Options: &godog.Options{FS: p.FS, Paths: p.Paths, Tags: tags, Dialect: "sv"}}
	feats, err := suite.RetrieveFeatures()
	if err != nil {
		return nil, parseError(err, p.prefix)
	}
	seen := map[string]string{} // tc id → location
	for _, f := range feats {
		if err := p.index(f.GherkinDocument, f.Pickles, seen); err != nil {
			return nil, err
		}
	}
	if len(p.scenarios) == 0 {
		if tags != "" {
			return nil, fmt.Errorf("no scenario matches --tags %q; check the tags in the feature files", tags)
		}
		return nil, fmt.Errorf("no scenarios found in %s", strings.Join(p.Paths, ", "))
	}
	return p, nil
}

// splitLine separates a godog "file.feature:12" path into file and line.
func splitLine(path string) (string, int) {
	if i := strings.LastIndexByte(path, ':'); i > 0 {
		if n, err := strconv.Atoi(path[i+1:]); err == nil {
			return path[:i], n
		}
	}
	return path, 0
}

// parseError rewords a Gherkin parse error as "file:line: problem; next step".
func parseError(err error, prefix string) error {
	msg := err.Error()
	// godog reports "<path> - Parser errors:\n(line:col): problem".
	if path, rest, ok := strings.Cut(msg, " - "); ok {
		rest = strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(rest, "Parser errors:")), "\n")
		first, _, _ := strings.Cut(strings.TrimSpace(rest), "\n")
		line := ""
		if strings.HasPrefix(first, "(") {
			if end := strings.IndexByte(first, ')'); end > 0 {
				line, _, _ = strings.Cut(first[1:end], ":")
				first = strings.TrimSpace(first[end+1:])
			}
		}
		first = strings.TrimSpace(strings.TrimPrefix(first, ":"))
		if _, got, ok := strings.Cut(first, ", got "); ok && strings.HasPrefix(first, "expected:") {
			first = "unexpected line " + strings.TrimSpace(got)
		}
		loc := prefix + path
		if line != "" {
			loc += ":" + line
		}
		return fmt.Errorf("%s: malformed feature file: %s; fix the Gherkin (files start with \"# language: sv\")", loc, first)
	}
	return fmt.Errorf("cannot read the feature files: %s", msg)
}

func (p *Pack) index(doc *messages.GherkinDocument, pickles []*messages.Pickle, seen map[string]string) error {
	lines := map[string]int64{}
	keywords := map[string]string{}
	var walk func(children []*messages.FeatureChild)
	addSteps := func(steps []*messages.Step) {
		for _, s := range steps {
			lines[s.Id], keywords[s.Id] = s.Location.Line, s.Keyword
		}
	}
	walk = func(children []*messages.FeatureChild) {
		for _, c := range children {
			if c.Background != nil {
				addSteps(c.Background.Steps)
			}
			if c.Scenario != nil {
				lines[c.Scenario.Id] = c.Scenario.Location.Line
				addSteps(c.Scenario.Steps)
				for _, ex := range c.Scenario.Examples {
					for _, row := range ex.TableBody {
						lines[row.Id] = row.Location.Line
					}
				}
			}
			if c.Rule != nil {
				for _, rc := range c.Rule.Children {
					walk([]*messages.FeatureChild{{Background: rc.Background, Scenario: rc.Scenario}})
				}
			}
		}
	}
	if doc.Feature == nil {
		return nil
	}
	walk(doc.Feature.Children)
	file := p.prefix + doc.Uri
	rows := map[string]int{} // example rows seen per scenario, for outline ids
	for _, pk := range pickles {
		astID := pk.AstNodeIds[len(pk.AstNodeIds)-1]
		info := &scenarioInfo{name: pk.Name, feature: doc.Feature.Name, file: file, line: int(lines[astID])}
		var tcs []string
		for _, t := range pk.Tags {
			info.tags = append(info.tags, t.Name)
			switch {
			case strings.HasPrefix(t.Name, "@tc:"):
				tcs = append(tcs, strings.TrimPrefix(t.Name, "@tc:"))
			case strings.HasPrefix(t.Name, "@krav:"):
				info.requirements = append(info.requirements, strings.TrimPrefix(t.Name, "@krav:"))
			case t.Name == "@obligatorisk":
				info.mandatory = true
			}
		}
		loc := fmt.Sprintf("%s:%d", file, info.line)
		if len(tcs) != 1 {
			return fmt.Errorf("%s: scenario %q needs exactly one @tc:<id> tag, has %d; give every scenario a unique test-case id", loc, pk.Name, len(tcs))
		}
		if info.mandatory == hasTag(info.tags, "@valfri") {
			return fmt.Errorf("%s: scenario %q needs exactly one of @obligatorisk and @valfri", loc, pk.Name)
		}
		info.id = tcs[0]
		if len(pk.AstNodeIds) > 1 { // an example row of a Scenario Outline
			rows[pk.AstNodeIds[0]]++
			info.id += "/" + strconv.Itoa(rows[pk.AstNodeIds[0]])
		}
		if prev, dup := seen[info.id]; dup {
			return fmt.Errorf("%s: test-case id @tc:%s is already used at %s; test-case ids must be unique", loc, info.id, prev)
		}
		seen[info.id] = loc
		sort.Strings(info.requirements)
		p.scenarios[pk.Id] = info
		for _, st := range pk.Steps {
			p.steps[st.Id] = stepInfo{keyword: keywords[st.AstNodeIds[0]], line: int(lines[st.AstNodeIds[0]])}
		}
	}
	return nil
}

func hasTag(tags []string, name string) bool {
	for _, t := range tags {
		if t == name {
			return true
		}
	}
	return false
}
