package evidence

import (
	"encoding/json"
	"io"
	"strings"
)

// Cucumber's JSON report, as the Jenkins and GitLab cucumber plugins read it.
type cucumberFeature struct {
	URI      string            `json:"uri"`
	ID       string            `json:"id"`
	Keyword  string            `json:"keyword"`
	Name     string            `json:"name"`
	Line     int               `json:"line"`
	Elements []cucumberElement `json:"elements"`
}

type cucumberElement struct {
	ID      string         `json:"id"`
	Keyword string         `json:"keyword"`
	Name    string         `json:"name"`
	Line    int            `json:"line"`
	Type    string         `json:"type"`
	Tags    []cucumberTag  `json:"tags"`
	Steps   []cucumberStep `json:"steps"`
}

type cucumberTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cucumberStep struct {
	Keyword string         `json:"keyword"`
	Name    string         `json:"name"`
	Line    int            `json:"line"`
	Result  cucumberResult `json:"result"`
}

type cucumberResult struct {
	Status   string `json:"status"`
	Duration int64  `json:"duration,omitempty"` // nanoseconds
	Error    string `json:"error_message,omitempty"`
}

// cucumberStatus maps outcomes to Cucumber's step statuses.
var cucumberStatus = map[Outcome]string{Passed: "passed", Failed: "failed", Error: "failed", Skipped: "skipped",
	Undefined: "undefined", Pending: "pending"}

// WriteCucumber writes the run as Cucumber JSON, one feature per feature file, from the same
// results (and the same redaction) as the rest of the evidence.
func WriteCucumber(w io.Writer, run *Run) error {
	var features []*cucumberFeature
	byFile := map[string]*cucumberFeature{}
	for _, c := range run.Cases {
		f := byFile[c.File]
		if f == nil {
			f = &cucumberFeature{URI: c.File, ID: slug(c.Feature), Keyword: "Egenskap", Name: c.Feature, Line: 1}
			byFile[c.File] = f
			features = append(features, f)
		}
		e := cucumberElement{ID: f.ID + ";" + slug(c.ID), Keyword: "Scenario", Name: c.ID + " " + c.Name, Line: c.Line,
			Type: "scenario", Tags: []cucumberTag{}, Steps: []cucumberStep{}}
		for _, t := range c.Tags {
			e.Tags = append(e.Tags, cucumberTag{Name: t, Line: c.Line - 1})
		}
		for _, s := range c.Steps {
			st := cucumberStep{Keyword: s.Keyword, Name: s.Text, Line: s.Line,
				Result: cucumberResult{Status: cucumberStatus[s.Outcome], Duration: s.Time.Nanoseconds(), Error: s.Message}}
			e.Steps = append(e.Steps, st)
		}
		f.Elements = append(f.Elements, e)
	}
	if features == nil {
		features = []*cucumberFeature{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(features)
}

func slug(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), "-"))
}
