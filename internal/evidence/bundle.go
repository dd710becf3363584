package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
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
	// The three encodings read the run and nothing else: they run at once.
	var junitXML, cucumber bytes.Buffer
	var summary []byte
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = WriteJUnit(&junitXML, run) })
	wg.Go(func() { summary, errs[1] = json.MarshalIndent(NewSummary(run), "", "  ") })
	wg.Go(func() { errs[2] = WriteCucumber(&cucumber, run) })
	wg.Wait()
	for i, name := range []string{JUnitFile, SummaryFile, CucumberFile} {
		if errs[i] != nil {
			return fmt.Errorf("cannot encode %s: %w", name, errs[i])
		}
	}
	for name, data := range map[string][]byte{JUnitFile: junitXML.Bytes(), SummaryFile: append(summary, '\n'), CucumberFile: cucumber.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("cannot write evidence: %w", err)
		}
	}
	return nil
}
