package pack

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"

	"gopkg.in/yaml.v3"
)

// CatalogueFile is the requirement catalogue's file name, beside the feature files.
const CatalogueFile = "krav.yaml"

// Requirement is one requirement a scenario can evidence.
type Requirement struct {
	// ID is what @krav:<id> names.
	ID string `yaml:"id"`
	// Text says the requirement in short, in Swedish.
	Text string `yaml:"text"`
	// Level is SKA (mandatory) or BÖR (recommended).
	Level string `yaml:"level"`
	// Source links the agency's page the requirement comes from.
	Source string `yaml:"source"`
	// Uncovered says why no scenario covers the requirement, when none does.
	Uncovered string `yaml:"uncovered"`
}

// Catalogue is the requirement catalogue.
type Catalogue struct {
	// Source names the file, for messages.
	Source       string        `yaml:"-"`
	Requirements []Requirement `yaml:"krav"`
	byID         map[string]*Requirement
	raw          []byte
}

// ReadCatalogue reads and checks a catalogue: unique ids, a text, a level of SKA or BÖR and a
// source for each. source names the file in messages.
func ReadCatalogue(fsys fs.FS, name, source string) (*Catalogue, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the requirement catalogue %s: %v", source, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := &Catalogue{Source: source, byID: map[string]*Requirement{}, raw: data}
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	for i := range c.Requirements {
		r := &c.Requirements[i]
		switch {
		case r.ID == "":
			return nil, fmt.Errorf("%s: requirement %d has no id", source, i+1)
		case c.byID[r.ID] != nil:
			return nil, fmt.Errorf("%s: requirement %s is listed twice", source, r.ID)
		case r.Text == "" || r.Source == "":
			return nil, fmt.Errorf("%s: requirement %s needs text and source", source, r.ID)
		case r.Level != "SKA" && r.Level != "BÖR":
			return nil, fmt.Errorf("%s: requirement %s has level %q; use SKA or BÖR", source, r.ID, r.Level)
		}
		c.byID[r.ID] = r
	}
	return c, nil
}

// Requirement returns the requirement with id, or nil.
func (c *Catalogue) Requirement(id string) *Requirement { return c.byID[id] }

// Coverage is one requirement and the cases that evidence it.
type Coverage struct {
	Requirement
	// Cases are the ids of the selected cases tagged with the requirement; Unselected those of
	// the rest of the pack.
	Cases, Unselected []string
}

// Coverage maps every requirement of the catalogue to the pack's cases that tag it.
func (p *Pack) Coverage() []Coverage {
	byReq, elsewhere := map[string][]string{}, map[string][]string{}
	selected := map[*Case]bool{}
	for _, c := range p.Cases {
		selected[c] = true
		for _, r := range c.Requirements {
			byReq[r] = append(byReq[r], c.ID)
		}
	}
	for _, c := range p.byPickle {
		if !selected[c] {
			for _, r := range c.Requirements {
				elsewhere[r] = append(elsewhere[r], c.ID)
			}
		}
	}
	out := make([]Coverage, 0, len(p.Catalogue.Requirements))
	for _, r := range p.Catalogue.Requirements {
		cases, unselected := byReq[r.ID], elsewhere[r.ID]
		sort.Strings(cases)
		sort.Strings(unselected)
		out = append(out, Coverage{Requirement: r, Cases: cases, Unselected: unselected})
	}
	return out
}
