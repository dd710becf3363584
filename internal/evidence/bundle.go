package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Summary is summary.json: the verdict and counts, for machines.
type Summary struct {
	Verdict            Verdict  `json:"verdict"`
	Counts             Counts   `json:"counts"`
	MandatoryNotPassed []string `json:"mandatoryNotPassed"`
	OptionalNotPassed  []string `json:"optionalNotPassed"`
	Waived             []string `json:"waived"`
	*Run
}

// NewSummary builds the summary of a run.
func NewSummary(run *Run) Summary {
	s := Summary{Verdict: run.Verdict(), Counts: run.Counts(), Run: run,
		MandatoryNotPassed: []string{}, OptionalNotPassed: []string{}, Waived: []string{}}
	for _, c := range run.Cases {
		if c.Outcome == Passed || c.Outcome == Skipped {
			continue
		}
		if c.Waiver != nil {
			s.Waived = append(s.Waived, c.ID)
		}
		if c.Mandatory {
			s.MandatoryNotPassed = append(s.MandatoryNotPassed, c.ID)
		} else {
			s.OptionalNotPassed = append(s.OptionalNotPassed, c.ID)
		}
	}
	return s
}

// Files of an evidence bundle.
const (
	JUnitFile    = "junit.xml"
	SummaryFile  = "summary.json"
	CucumberFile = "cucumber.json"
)

// Write writes the run's evidence files into dir, which must exist.
func Write(dir string, run *Run) error {
	run.Sort()
	var junitXML bytes.Buffer
	if err := WriteJUnit(&junitXML, run); err != nil {
		return fmt.Errorf("cannot encode junit.xml: %w", err)
	}
	summary, err := json.MarshalIndent(NewSummary(run), "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode summary.json: %w", err)
	}
	var cucumber bytes.Buffer
	if err := WriteCucumber(&cucumber, run); err != nil {
		return fmt.Errorf("cannot encode cucumber.json: %w", err)
	}
	for name, data := range map[string][]byte{JUnitFile: junitXML.Bytes(), SummaryFile: append(summary, '\n'), CucumberFile: cucumber.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("cannot write evidence: %w", err)
		}
	}
	return nil
}
