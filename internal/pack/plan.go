package pack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/konform/konform/internal/evidence"
)

// Plan is plan.yaml: what one approval case requires of a pack. The case officer writes it (and
// may sign it like a pack); konform run --plan runs what it requires and gives the verdict
// against it.
type Plan struct {
	// Case is the agency's case id (ärendenummer).
	Case string `yaml:"case"`
	// Title says what the case is about, for people.
	Title string `yaml:"title"`
	// PackSHA256, when set, is the digest of the one pack the plan is for.
	PackSHA256 string `yaml:"pack_sha256"`
	// Required are the test cases the case requires: test-case ids (NLL-TA05-01) or tag
	// expressions in godog's syntax (@obligatorisk && ~@sim).
	Required []string `yaml:"required"`
	// Waivers are the required cases the agency waived, each with reason and reference.
	Waivers []evidence.Waiver `yaml:"waivers"`

	// Source is the plan's file; Digest the SHA-256 of its bytes; Signer who signed it, once
	// Verify found a valid signature (nil when unsigned).
	Source string  `yaml:"-"`
	Digest string  `yaml:"-"`
	Signer *Signer `yaml:"-"`
	sig    []byte  // the signature file, nil when there is none
	count  int     // the required cases, once Apply has resolved them
	waived map[string]bool
}

// maxPlanBytes bounds a plan file.
const maxPlanBytes = 1 << 20

// ReadPlan reads and checks a plan file and its signature (<file>.sig), if any.
func ReadPlan(path string) (*Plan, error) {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("plan %s not found; pass the plan.yaml of the approval case", path)
	case !info.Mode().IsRegular() || info.Size() > maxPlanBytes:
		return nil, fmt.Errorf("plan %s is not a plan file (a regular file of at most %d bytes)", path, maxPlanBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the plan %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var pl Plan
	if err := dec.Decode(&pl); err != nil {
		return nil, fmt.Errorf("%s: %v", path, printable(oneLine(err.Error())))
	}
	sum := sha256.Sum256(data)
	pl.Source, pl.Digest, pl.waived = path, hex.EncodeToString(sum[:]), map[string]bool{}
	switch {
	case strings.TrimSpace(pl.Case) == "":
		return nil, fmt.Errorf("%s: the plan needs case, the agency's case id", path)
	case len(pl.Required) == 0:
		return nil, fmt.Errorf("%s: the plan requires nothing; list test-case ids or tag expressions under required", path)
	}
	for _, r := range pl.Required {
		if isTagExpression(r) {
			if err := CheckTags(r); err != nil {
				return nil, fmt.Errorf("%s: required %v", path, err)
			}
		} else if strings.Contains(r, "/") || strings.TrimSpace(r) == "" {
			return nil, fmt.Errorf("%s: required %q: name a whole test case (its @tc id, not one row of it) or a tag expression", path, printable(r))
		}
	}
	for _, w := range pl.Waivers {
		if w.Case == "" || w.Reason == "" || w.Reference == "" {
			return nil, fmt.Errorf("%s: each waiver needs case, reason and reference (the agency's decision)", path)
		}
		pl.waived[w.Case] = true
	}
	if pl.sig, err = ReadSignature(path + ".sig"); err != nil {
		return nil, err
	}
	return &pl, nil
}

// Verify checks the plan's signature as Source.Verify checks a pack's.
func (pl *Plan) Verify(pin string) error {
	if pl.sig == nil && pin == "" {
		return nil
	}
	signer, err := CheckSignature(pl.sig, PlanSignatureFormat, pl.Digest, pin, "the plan "+pl.Source)
	pl.Signer = signer
	if err != nil && pl.sig != nil && pin == "" {
		err = fmt.Errorf("%v; sign it again with konform pack sign, or remove %s.sig", err, pl.Source)
	}
	return err
}

// isTagExpression tells a tag expression ("@a && ~@b") from a test-case id.
func isTagExpression(s string) bool { return strings.ContainsAny(s, "@~") }

// Apply makes the plan the pack's selection and required set: the cases it requires, whatever
// their tags say, are the cases to run, and each counts towards the verdict (Mandatory). A plan
// for another pack, or one that requires a case the pack lacks, is refused.
func (pl *Plan) Apply(p *Pack) error {
	if pl.PackSHA256 != "" && !strings.EqualFold(pl.PackSHA256, p.Digest) {
		return fmt.Errorf("the plan %s is for the pack with digest %s; this pack's is %s", pl.Source, pl.PackSHA256, p.Digest)
	}
	all := p.allCases()
	required := map[string]bool{}
	for _, r := range pl.Required {
		found := false
		for _, c := range all {
			if isTagExpression(r) && matchTags(r, c.Tags) || !isTagExpression(r) && baseID(c.ID) == r {
				required[c.ID], found = true, true
			}
		}
		if !found {
			return fmt.Errorf("the plan %s requires %s, which matches no test case of the pack; konform list shows them", pl.Source, printable(r))
		}
	}
	for id := range pl.waived {
		if !required[id] {
			return fmt.Errorf("the plan %s waives %s, which it does not require", pl.Source, printable(id))
		}
	}
	// A selection made besides the plan (tags, paths) narrows it: the run is then partial.
	narrowed := p.Tags != "" || p.Selected != nil
	selected := map[*Case]bool{}
	for _, c := range p.Cases {
		selected[c] = true
	}
	var cases []*Case
	bases := map[string]bool{}
	for _, c := range all {
		if required[c.ID] && (!narrowed || selected[c]) {
			c.Mandatory = true
			cases = append(cases, c)
			bases["@tc:"+baseID(c.ID)] = true
		} else if required[c.ID] {
			c.Mandatory = true
		} else {
			c.Mandatory = false
		}
	}
	if len(cases) == 0 {
		return fmt.Errorf("the selection (--tags, feature paths) leaves none of the cases the plan %s requires", pl.Source)
	}
	tags := make([]string, 0, len(bases))
	for t := range bases {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	sortByPlace(cases)
	p.Cases, p.Tags, p.Plan = cases, strings.Join(tags, ","), pl
	pl.count = len(required)
	return nil
}

// WaiverMap returns the plan's waivers by case id, as --waivers gives them.
func (pl *Plan) WaiverMap() map[string]*evidence.Waiver {
	out := map[string]*evidence.Waiver{}
	for i := range pl.Waivers {
		out[pl.Waivers[i].Case] = &pl.Waivers[i]
	}
	return out
}

// Info records the plan for the evidence; nil for no plan.
func (pl *Plan) Info() *evidence.PlanInfo {
	if pl == nil {
		return nil
	}
	out := &evidence.PlanInfo{Case: pl.Case, Title: pl.Title, SHA256: pl.Digest, Required: pl.count}
	if pl.Signer != nil {
		out.Signer = &evidence.PackSigner{Subject: pl.Signer.Subject, SHA256: pl.Signer.SHA256}
	}
	return out
}

// allCases returns every case of the pack, whatever is selected, in file and line order.
func (p *Pack) allCases() []*Case {
	all := make([]*Case, 0, len(p.byPickle))
	for _, c := range p.byPickle {
		all = append(all, c)
	}
	sortByPlace(all)
	return all
}

// matchTags evaluates a tag expression in godog's syntax (checked by CheckTags) against tags:
// terms joined by "&&" (and) and "," (or, binding tighter), each a tag or ~ and a tag.
func matchTags(expr string, tags []string) bool {
	for _, and := range strings.Split(expr, "&&") {
		any := false
		for _, term := range strings.Split(and, ",") {
			term = strings.TrimSpace(term)
			tag, not := strings.CutPrefix(term, "~")
			if hasTag(tags, tag) != not {
				any = true
			}
		}
		if !any {
			return false
		}
	}
	return true
}
