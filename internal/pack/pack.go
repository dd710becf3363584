// Package pack loads a test pack: a folder or .tar.gz with pack.yaml (what the pack is, and its
// patient pool), krav.yaml (the requirement catalogue the @krav tags refer to), the feature files
// below features/ with their test-case ids, requirement tags and step locations, templates/ and
// fixtures/. It checks the pack before any request, computes its canonical digest, and signs and
// verifies packs and plans.
package pack

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	gherkin "github.com/cucumber/gherkin/go/v26"
	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/konform/konform/internal/evidence"
)

// Pack is a parsed test pack: what godog will run, and what the evidence needs to know about
// each scenario and step that godog's hooks do not carry.
type Pack struct {
	// FS and Paths are what godog reads (FS nil means the operating system's files).
	FS    fs.FS
	Paths []string
	// Tags is the tag expression that selects scenarios.
	Tags string
	// Cases are the selected scenarios in file and line order.
	Cases []*Case
	// Catalogue is the requirement catalogue the @krav tags refer to.
	Catalogue *Catalogue
	// Pool is the patient pool, the test patients a scenario leases for itself alone.
	Pool *Pool
	// Digest is the pack's canonical digest (see Digest), or for feature files outside any pack
	// the SHA-256 of those files and the bundled pack's digest: it names the exact pack that ran.
	Digest string
	// Source is the pack the cases come from, which also gives their templates and fixtures.
	// For feature files outside any pack (Loose), it is the bundled pack.
	Source *Source
	// Loose is true when the feature files lie outside any pack.
	Loose bool
	// Signer is who signed the pack, once Verify found a valid signature.
	Signer *Signer
	// Selected are the feature paths that selected part of the pack (or the loose feature
	// files); nil when the whole pack runs.
	Selected []string
	// Plan, once applied, is the approval case's plan: its required cases are the selection and
	// the required set.
	Plan *Plan

	where    string                 // what goes before a case's file in messages: the pack's folder on disk
	parsed   []*godog.ParsedFeature // the last parse, of Paths with the tags then selected
	byPickle map[string]*Case
	byKey    map[string]*Case // by key(pickle)
}

// Case is one scenario (or one example row of a Scenario Outline).
type Case struct {
	// ID is the @tc id; an outline's rows get /1, /2, ….
	ID, Name, Feature, File string
	Line                    int
	Tags, Requirements      []string
	// Mandatory is true for @obligatorisk, false for @valfri.
	Mandatory bool

	steps []Step // in the order of the pickle's steps
}

// Has reports whether the case carries tag, such as "@sut".
func (c *Case) Has(tag string) bool { return hasTag(c.Tags, tag) }

// Step locates a step of a scenario.
type Step struct {
	Keyword string
	Line    int
	// Text is the step without its keyword (an outline's row filled in); Args are the cells of
	// its data table and its doc string, if any.
	Text string
	Args []string
}

// Match returns the case a godog pickle runs, found by its file, its @tc id, name and steps
// (which tell the rows of a Scenario Outline apart), not by godog's pickle numbering, which
// depends on the order the files were parsed in. Nil when the pack has no such case.
func (p *Pack) Match(pk *messages.Pickle) *Case { return p.byKey[key(pk)] }

// key identifies a pickle by content: file, @tc tag, name and step texts.
func key(pk *messages.Pickle) string {
	var b strings.Builder
	b.WriteString(pk.Uri)
	for _, t := range pk.Tags {
		if strings.HasPrefix(t.Name, "@tc:") {
			b.WriteString("\x00" + t.Name)
		}
	}
	b.WriteString("\x00" + pk.Name)
	for _, st := range pk.Steps {
		b.WriteString("\x00" + st.Text)
		if st.Argument != nil && st.Argument.DocString != nil {
			b.WriteString("\x00" + st.Argument.DocString.Content)
		}
		if st.Argument != nil && st.Argument.DataTable != nil {
			for _, row := range st.Argument.DataTable.Rows {
				for _, cell := range row.Cells {
					b.WriteString("\x01" + cell.Value)
				}
			}
		}
	}
	return b.String()
}

// Steps returns the case's steps in order.
func (c *Case) Steps() []Step { return c.steps }

// StepAt returns the location of the i-th step (from 0) of a case.
func (c *Case) StepAt(i int) Step {
	if i < 0 || i >= len(c.steps) {
		return Step{}
	}
	return c.steps[i]
}

// Shard keeps the k-th of n deterministic slices of the selected cases (k from 1): cases are
// dealt out by test-case id, so every shard of the same pack and tags gets the same cases on
// every machine, and the rows of a Scenario Outline stay together.
func (p *Pack) Shard(k, n int) error {
	if n < 1 || k < 1 || k > n {
		return fmt.Errorf("--shard %d/%d: use K/N with 1 ≤ K ≤ N", k, n)
	}
	var bases []string
	seen := map[string]bool{}
	for _, c := range p.Cases {
		if b := baseID(c.ID); !seen[b] {
			seen[b] = true
			bases = append(bases, b)
		}
	}
	sort.Strings(bases)
	mine := map[string]bool{}
	for i, b := range bases {
		if i%n == k-1 {
			mine[b] = true
		}
	}
	var tags []string
	var kept []*Case
	for _, c := range p.Cases {
		if mine[baseID(c.ID)] {
			kept = append(kept, c)
		}
	}
	for b := range mine {
		tags = append(tags, "@tc:"+b)
	}
	sort.Strings(tags)
	if len(kept) == 0 {
		return fmt.Errorf("--shard %d/%d selects no case: the selection has %d", k, n, len(bases))
	}
	p.Cases, p.Tags = kept, strings.Join(tags, ",")
	return nil
}

// baseID is a case id without an outline row's /n.
func baseID(id string) string {
	b, _, _ := strings.Cut(id, "/")
	return b
}

// Has reports whether the whole pack (whatever the tags select) has a case with id.
func (p *Pack) Has(id string) bool {
	for _, c := range p.byPickle {
		if c.ID == id {
			return true
		}
	}
	return false
}

// SimTag marks the cases that assert what konform's simulator does (its AFF codes, its tokens with
// changed claims, its test certificates): they run only against the built-in simulator.
const SimTag = "@sim"

// LeaveOut takes the selected cases tagged tag out of the run and returns their ids, sorted.
// Unless a plan requires them, every case with the tag leaves the required set too: against an
// environment that cannot run them they are no part of the verdict. A case a plan requires stays
// required, and so is counted as not run.
func (p *Pack) LeaveOut(tag string) []string {
	var kept []*Case
	var ids []string
	for _, c := range p.Cases {
		if c.Has(tag) {
			ids = append(ids, c.ID)
		} else {
			kept = append(kept, c)
		}
	}
	if p.Plan == nil {
		for _, c := range p.byPickle {
			if c.Has(tag) {
				c.Mandatory = false
			}
		}
	}
	p.Cases = kept
	sort.Strings(ids)
	return ids
}

// Required returns the ids of every mandatory case of the whole pack, whatever the tags select,
// sorted: the set a run must cover to give a verdict.
func (p *Pack) Required() []string {
	var ids []string
	for _, c := range p.byPickle {
		if c.Mandatory {
			ids = append(ids, c.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// Count returns how many selected cases carry tag, or, for "~@tag", do not.
func (p *Pack) Count(tag string) int {
	without := strings.HasPrefix(tag, "~")
	tag = strings.TrimPrefix(tag, "~")
	n := 0
	for _, c := range p.Cases {
		if c.Has(tag) != without {
			n++
		}
	}
	return n
}

// Load parses the pack that paths name and selects by tags. No paths means the bundled pack; a
// folder with a pack.yaml, or a .tar.gz, is that pack; feature files and folders belong to the pack
// they lie in (the nearest folder above them with a pack.yaml) and are a selection of it. Feature
// files outside any pack run on their own, with the bundled pack's catalogue, patient pool,
// templates and fixtures.
func Load(paths []string, tags string) (*Pack, error) {
	if len(paths) == 0 {
		src, err := Bundled()
		if err != nil {
			return nil, err
		}
		return FromSource(src, nil, tags)
	}
	for _, path := range paths {
		file, _ := splitLine(path)
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("feature path %s not found; pass a .feature file, a folder of them or a pack", file)
		}
	}
	if len(paths) == 1 && IsPack(paths[0]) {
		src, err := Open(paths[0])
		if err != nil {
			return nil, err
		}
		return FromSource(src, nil, tags)
	}
	root, rel, err := enclosingPack(paths)
	if err != nil {
		return nil, err
	}
	if root == "" {
		return loose(paths, tags)
	}
	src, err := Open(root)
	if err != nil {
		return nil, err
	}
	return FromSource(src, rel, tags)
}

// FromSource parses the pack src, selects the feature files or folders at paths (slash paths from
// the pack's root such as features/nll/x.feature or features/nll/x.feature:12; none means every
// one) and then by tags. Every feature file of the pack is read and checked whatever is selected,
// so that the ids, the required cases and the digest are the whole pack's.
func FromSource(src *Source, paths []string, tags string) (*Pack, error) {
	for _, path := range paths {
		file, _ := splitLine(path)
		if !fs.ValidPath(file) || !strings.HasPrefix(file+"/", "features/") {
			return nil, fmt.Errorf("%s is not a path in the pack's features/ folder (such as features/a.feature)", printable(path))
		}
		if _, err := fs.Stat(src.Files, file); err != nil {
			return nil, fmt.Errorf("%s has no %s; konform list --pack %s lists its test cases", src.Where, file, src.Where)
		}
	}
	p, err := newPack(src, tags)
	if err != nil {
		return nil, err
	}
	p.FS, p.Paths, p.Digest = src.Files, []string{"features"}, src.Digest
	if src.Path != "" {
		p.where = src.Path + string(filepath.Separator)
	}
	all, err := p.parse("")
	if err != nil {
		return nil, err
	}
	if err := p.indexAll(all); err != nil {
		return nil, err
	}
	if len(paths) > 0 {
		p.Paths, p.Selected = paths, paths
	}
	return p.selectCases(len(paths) > 0)
}

// loose loads feature files that lie in no pack, with the bundled pack's catalogue, pool,
// templates and fixtures. The digest covers the feature files and the bundled pack's digest.
func loose(paths []string, tags string) (*Pack, error) {
	src, err := Bundled()
	if err != nil {
		return nil, err
	}
	p, err := newPack(src, tags)
	if err != nil {
		return nil, err
	}
	p.Paths, p.Selected, p.Loose = paths, paths, true
	all, err := p.parse("")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	sort.Slice(all, func(i, j int) bool { return all[i].uri < all[j].uri })
	for _, f := range all {
		fmt.Fprintf(h, "%s\x00%d\x00", f.uri, len(f.content))
		h.Write(f.content)
	}
	fmt.Fprintf(h, "pack\x00%s", src.Digest)
	p.Digest = hex.EncodeToString(h.Sum(nil))
	if err := p.indexAll(all); err != nil {
		return nil, err
	}
	return p.selectCases(false)
}

// newPack reads src's catalogue and pool.
func newPack(src *Source, tags string) (*Pack, error) {
	if err := CheckTags(tags); err != nil {
		return nil, err
	}
	p := &Pack{Tags: strings.TrimSpace(tags), Source: src, byPickle: map[string]*Case{}, byKey: map[string]*Case{}} // godog panics on a blank expression
	var err error
	if p.Catalogue, err = ReadCatalogue(src.Files, CatalogueFile, path2(src.Where, CatalogueFile)); err != nil {
		return nil, err
	}
	if p.Pool, err = NewPool(src.Info.Patients, path2(src.Where, InfoFile)); err != nil {
		return nil, err
	}
	return p, nil
}

// indexAll indexes every parsed feature file.
func (p *Pack) indexAll(all []feature) error {
	seen := map[string]string{} // tc id → location
	for _, f := range all {
		if err := p.index(f.doc, f.pickles, seen); err != nil {
			return err
		}
	}
	return nil
}

// selectCases keeps the cases of p.Paths (when byPath) and p.Tags, in file and line order.
func (p *Pack) selectCases(byPath bool) (*Pack, error) {
	if p.Tags != "" || byPath {
		selected, err := p.parse(p.Tags)
		if err != nil {
			return nil, err
		}
		p.Cases = nil
		for _, f := range selected {
			for _, pk := range f.pickles {
				if c := p.byKey[key(pk)]; c != nil {
					p.Cases = append(p.Cases, c)
				}
			}
		}
	}
	if len(p.Cases) == 0 {
		if p.Tags != "" {
			return nil, fmt.Errorf("no scenario matches --tags %q; konform list shows the test cases and their tags", p.Tags)
		}
		return nil, fmt.Errorf("no scenarios found in %s", strings.Join(p.Paths, ", "))
	}
	sortByPlace(p.Cases)
	return p, nil
}

// enclosingPack finds the pack the feature paths lie in: the nearest folder above the first one
// with a pack.yaml. It returns "" when there is none, and each path from the pack's root.
func enclosingPack(paths []string) (string, []string, error) {
	first, _ := splitLine(paths[0])
	abs, err := filepath.Abs(first)
	if err != nil {
		return "", nil, err
	}
	root := ""
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if info, err := os.Stat(filepath.Join(dir, InfoFile)); err == nil && info.Mode().IsRegular() {
			root = dir
			break
		}
		if filepath.Dir(dir) == dir {
			return "", nil, nil
		}
	}
	rel := make([]string, len(paths))
	for i, path := range paths {
		file, line := splitLine(path)
		a, err := filepath.Abs(file)
		if err != nil {
			return "", nil, err
		}
		r, err := filepath.Rel(root, a)
		if err != nil || !strings.HasPrefix(filepath.ToSlash(r)+"/", "features/") {
			return "", nil, fmt.Errorf("%s is not in the features/ folder of the pack %s; run the pack's features, or pass files of one pack only", file, root)
		}
		rel[i] = filepath.ToSlash(r)
		if line > 0 {
			rel[i] += ":" + strconv.Itoa(line)
		}
	}
	return root, rel, nil
}

// sortByPlace orders cases by file and line.
func sortByPlace(cases []*Case) {
	sort.SliceStable(cases, func(i, j int) bool {
		a, b := cases[i], cases[j]
		return a.File < b.File || a.File == b.File && a.Line < b.Line
	})
}

// tagTerm is one term of a tag expression: a tag, or ~ and a tag.
var tagTerm = regexp.MustCompile(`^~?@[^\s@~,&]+$`)

// CheckTags checks a tag expression in godog's syntax before godog sees it: terms joined by
// "&&" (and) or "," (or), each a tag such as @tc:NLL-TA05-01, or ~@tag (not). An empty term or a
// bare "~" would select everything or crash godog; Cucumber's "not", "and" and "or" are not
// understood.
func CheckTags(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	syntax := "use godog's syntax: @a && ~@b (and, not), @a,@b (or); konform list shows the tags"
	for _, and := range strings.Split(expr, "&&") {
		for _, term := range strings.Split(and, ",") {
			term = strings.TrimSpace(term)
			switch {
			case strings.TrimPrefix(term, "~") == "":
				return fmt.Errorf("--tags %q has an empty term; %s", expr, syntax)
			case !tagTerm.MatchString(term):
				return fmt.Errorf("--tags %q: %q is not a tag; %s", expr, printable(term), syntax)
			}
		}
	}
	return nil
}

// feature is one parsed feature file.
type feature struct {
	uri     string
	content []byte
	doc     *messages.GherkinDocument
	pickles []*messages.Pickle
}

// parse reads the feature files with godog's parser, as the run will.
func (p *Pack) parse(tags string) ([]feature, error) {
	if err := p.checkLineLengths(); err != nil {
		return nil, err
	}
	suite := godog.TestSuite{Options: &godog.Options{FS: p.FS, Paths: p.Paths, Tags: tags, Dialect: "sv"}}
	feats, err := suite.RetrieveFeatures()
	if err != nil {
		return nil, parseError(err, p.where)
	}
	p.parsed = feats
	out := make([]feature, len(feats))
	for i, f := range feats {
		out[i] = feature{uri: f.Uri, content: f.Content, doc: f.GherkinDocument, pickles: f.Pickles}
	}
	return out, nil
}

// MaxLine is the longest line of a feature file: Gherkin's reader stops at a longer one.
const MaxLine = bufio.MaxScanTokenSize - 1

// checkLineLengths refuses a feature file with a line Gherkin cannot read, naming the file and
// the line, before the parser meets it.
func (p *Pack) checkLineLengths() error {
	for _, root := range p.Paths {
		root, _ = splitLine(root)
		fsys, dir := p.FS, ""
		if fsys == nil { // feature files outside any pack, read from disk
			abs, err := filepath.Abs(root)
			if err != nil {
				return err
			}
			dir, root = filepath.Dir(abs), filepath.Base(abs)
			fsys = os.DirFS(dir)
		}
		err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(name, ".feature") {
				return err
			}
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			for line := 1; len(data) > 0; line++ {
				end := bytes.IndexByte(data, '\n')
				if end < 0 {
					end = len(data)
				}
				if end > MaxLine {
					return fmt.Errorf("%s%s:%d: a line of %d bytes; a feature file's lines may be at most %d bytes, so shorten it (a long value belongs in a template)",
						p.where, filepath.Join(dir, name), line, end, MaxLine)
				}
				data = data[min(end+1, len(data)):]
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Features returns the feature files as godog parsed them for Paths, holding at least the
// scenarios Tags selects (a plan or a shard narrows Tags after the parse), so that a run filters
// them by Tags instead of parsing the files again.
func (p *Pack) Features() []*godog.ParsedFeature { return p.parsed }

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
		return fmt.Errorf("%s: malformed feature file: %s; fix the Gherkin (files start with \"# language: sv\")", loc, printable(first))
	}
	return fmt.Errorf("cannot read the feature files: %s", printable(msg))
}

// printable makes text from a file fit one terminal line: control characters and invalid UTF-8
// become \uFFFD, and the text is cut at 120 characters.
func printable(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if n == 120 {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// locations maps the AST ids of a document to their lines and step keywords.
func locations(doc *messages.GherkinDocument) (map[string]int64, map[string]string) {
	lines := map[string]int64{}
	keywords := map[string]string{}
	addSteps := func(steps []*messages.Step) {
		for _, s := range steps {
			lines[s.Id], keywords[s.Id] = s.Location.Line, s.Keyword
		}
	}
	var walk func(children []*messages.FeatureChild)
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
	if doc.Feature != nil {
		walk(doc.Feature.Children)
	}
	return lines, keywords
}

func (p *Pack) index(doc *messages.GherkinDocument, pickles []*messages.Pickle, seen map[string]string) error {
	if doc.Feature == nil {
		return nil
	}
	lines, keywords := locations(doc)
	file := doc.Uri
	if err := p.checkEveryScenarioRuns(doc, pickles); err != nil {
		return err
	}
	rows := map[string]int{} // example rows seen per scenario, for outline ids
	for _, pk := range pickles {
		astID := pk.AstNodeIds[len(pk.AstNodeIds)-1]
		c := &Case{Name: pk.Name, Feature: doc.Feature.Name, File: file, Line: int(lines[astID])}
		loc := fmt.Sprintf("%s%s:%d", p.where, file, c.Line)
		var tcs []string
		for _, t := range pk.Tags {
			c.Tags = append(c.Tags, t.Name)
			switch {
			case strings.HasPrefix(t.Name, "@tc:"):
				tcs = append(tcs, strings.TrimPrefix(t.Name, "@tc:"))
			case strings.HasPrefix(t.Name, "@krav:"):
				id := strings.TrimPrefix(t.Name, "@krav:")
				if p.Catalogue.Requirement(id) == nil {
					return fmt.Errorf("%s: unknown requirement %s; add it to %s or fix the tag", loc, t.Name, p.Catalogue.Source)
				}
				c.Requirements = append(c.Requirements, id)
			case t.Name == "@obligatorisk":
				c.Mandatory = true
			}
		}
		if len(tcs) != 1 {
			return fmt.Errorf("%s: scenario %q needs exactly one @tc:<id> tag, has %d; give every scenario a unique test-case id", loc, pk.Name, len(tcs))
		}
		if c.Mandatory == hasTag(c.Tags, "@valfri") {
			return fmt.Errorf("%s: scenario %q needs exactly one of @obligatorisk and @valfri", loc, pk.Name)
		}
		if err := p.checkPoolUse(pk, loc); err != nil {
			return err
		}
		c.ID = tcs[0]
		if len(pk.AstNodeIds) > 1 { // an example row of a Scenario Outline
			rows[pk.AstNodeIds[0]]++
			c.ID += "/" + strconv.Itoa(rows[pk.AstNodeIds[0]])
		}
		if prev, dup := seen[c.ID]; dup {
			return fmt.Errorf("%s: test-case id @tc:%s is already used at %s; test-case ids must be unique", loc, c.ID, prev)
		}
		seen[c.ID] = loc
		sort.Strings(c.Requirements)
		p.byPickle[pk.Id] = c
		k := key(pk)
		if prev, dup := p.byKey[k]; dup {
			return fmt.Errorf("%s: scenario %q repeats the one at %s%s:%d word for word; give each row or scenario its own values", loc, pk.Name, p.where, prev.File, prev.Line)
		}
		p.byKey[k] = c
		p.Cases = append(p.Cases, c)
		for _, st := range pk.Steps {
			s := Step{Keyword: keywords[st.AstNodeIds[0]], Line: int(lines[st.AstNodeIds[0]]), Text: st.Text}
			if a := st.Argument; a != nil {
				if a.DocString != nil {
					s.Args = append(s.Args, a.DocString.Content)
				}
				if a.DataTable != nil {
					for _, row := range a.DataTable.Rows {
						for _, cell := range row.Cells {
							s.Args = append(s.Args, cell.Value)
						}
					}
				}
			}
			c.steps = append(c.steps, s)
		}
	}
	return nil
}

// checkEveryScenarioRuns refuses a scenario that makes no test case: a Scenario Outline whose
// Examples have no rows. It would silently be missing from every run and every count. It refuses
// a scenario with no steps of its own too: it tests nothing, and godog never runs it, so a
// mandatory one could only ever end the run without a verdict.
func (p *Pack) checkEveryScenarioRuns(doc *messages.GherkinDocument, pickles []*messages.Pickle) error {
	made := map[string]bool{}
	for _, pk := range pickles {
		made[pk.AstNodeIds[0]] = true
	}
	var check func(children []*messages.FeatureChild) error
	check = func(children []*messages.FeatureChild) error {
		for _, c := range children {
			if c.Rule != nil {
				for _, rc := range c.Rule.Children {
					if err := check([]*messages.FeatureChild{{Scenario: rc.Scenario}}); err != nil {
						return err
					}
				}
			}
			if s := c.Scenario; s != nil && len(s.Examples) == 0 && isOutline(doc.Feature.Language, s.Keyword) {
				return fmt.Errorf("%s%s:%d: %s %q has no Examples (Exempel) table, so its steps would run with their <placeholders> as they stand; add an Examples table with a row, or make it a Scenario",
					p.where, doc.Uri, s.Location.Line, strings.TrimSpace(s.Keyword), s.Name)
			}
			if s := c.Scenario; s != nil && len(s.Steps) == 0 {
				return fmt.Errorf("%s%s:%d: %s %q has no steps, so it tests nothing; add its steps, or remove it",
					p.where, doc.Uri, s.Location.Line, strings.TrimSpace(s.Keyword), s.Name)
			}
			if s := c.Scenario; s != nil && !made[s.Id] {
				return fmt.Errorf("%s%s:%d: %s %q has no example rows, so it makes no test case; add a row under its Examples (Exempel) table, or remove it",
					p.where, doc.Uri, s.Location.Line, strings.TrimSpace(s.Keyword), s.Name)
			}
		}
		return nil
	}
	return check(doc.Feature.Children)
}

// isOutline reports whether keyword is a Scenario Outline keyword of the language.
func isOutline(language, keyword string) bool {
	d := gherkin.DialectsBuiltin().GetDialect(language)
	return d != nil && slices.Contains(d.ScenarioOutlineKeywords(), strings.TrimSpace(keyword))
}

func hasTag(tags []string, name string) bool {
	for _, t := range tags {
		if t == name {
			return true
		}
	}
	return false
}

// Locate names a line of a feature file of the pack in messages, with the pack's folder on disk
// before the file's path in the pack.
func (p *Pack) Locate(file string, line int) string {
	return fmt.Sprintf("%s%s:%d", p.where, file, line)
}

// Templates is where the pack's steps find templates/: inside the pack alone (the bundled pack for
// feature files outside any pack).
func (p *Pack) Templates() fs.FS { return p.Source.Files }

// SystemTemplates is where the reference system finds the templates its actions name: the pack's,
// and the bundled pack's for a name the pack lacks (the reference system is konform's own).
func (p *Pack) SystemTemplates() fs.FS {
	bundled, err := Bundled()
	if err != nil || p.Source.Path == "" {
		return p.Source.Files
	}
	return overlay{own: p.Source.Files, bundled: bundled.Files}
}

// TestData is the test data the pack's templates fill ({{testdata.<key>}}): the bundled pack's
// test_data, with the pack's own in its place. A pack of one's own often starts from copies of the
// bundled templates, and the reference system falls back to them (SystemTemplates).
func (p *Pack) TestData() map[string]string {
	out := map[string]string{}
	if bundled, err := Bundled(); err == nil {
		maps.Copy(out, bundled.Info.TestData)
	}
	maps.Copy(out, p.Source.Info.TestData)
	return out
}

// Fixtures is the pack's fixtures/ folder: the test data its cases assume (patients/,
// medications/, relatedpersons/, consents/, medicationrequests/), which the simulator seeds
// after its own.
func (p *Pack) Fixtures() fs.FS { return p.Source.Sub("fixtures") }

// overlay serves templates/ from a pack before the bundled one; everything else from bundled.
type overlay struct{ own, bundled fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	if f, err := o.own.Open(name); err == nil {
		return f, nil
	}
	return o.bundled.Open(name)
}

// Select loads what a command names: the pack at packPath (a folder or a .tar.gz) with feature
// paths from its root, or, without packPath, what Load makes of paths.
func Select(packPath string, paths []string, tags string) (*Pack, error) {
	if packPath == "" {
		return Load(paths, tags)
	}
	src, err := Open(packPath)
	if err != nil {
		return nil, err
	}
	return FromSource(src, paths, tags)
}

// Verify checks the pack's signature (see Source.Verify) and records its signer. Feature files
// outside any pack have no signature: with pin set they are refused.
func (p *Pack) Verify(pin string) error {
	if p.Loose {
		if pin != "" {
			return fmt.Errorf("--pack-signer-sha256: the feature files %s lie outside any pack, so nothing signs them; run a signed pack with --pack", strings.Join(p.Paths, ", "))
		}
		return nil
	}
	signer, err := p.Source.Verify(pin)
	p.Signer = signer
	return err
}

// Info records which pack ran, and who signed it, for the evidence.
func (p *Pack) Info() *evidence.PackInfo {
	in := p.Source.Info
	out := &evidence.PackInfo{ID: in.ID, Title: in.Title, Version: in.Version, NLLRelease: in.NLLRelease,
		Publisher: in.Publisher, Date: in.Date, Loose: p.Loose}
	if b, err := Bundled(); err == nil && !p.Loose {
		out.Bundled = p.Source.Digest == b.Digest
		out.ChangedBundled = !out.Bundled && in.ID == b.Info.ID
	}
	if p.Signer != nil {
		out.Signer = &evidence.PackSigner{Subject: p.Signer.Subject, SHA256: p.Signer.SHA256}
	}
	return out
}
