package evidence

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// WriteJUnit writes the run as JUnit XML: one testsuite per feature file, one testcase per case.
// A failure or error names the step, expected and actual, and the requirement ids; the run's
// metadata are properties of every suite.
func WriteJUnit(w io.Writer, run *Run) error {
	suites := junit.Testsuites{Name: "konform " + run.ID}
	var current *junit.Testsuite
	var elapsed time.Duration
	flush := func() {
		if current != nil {
			current.Time = seconds(elapsed)
			suites.AddSuite(*current)
		}
	}
	for _, c := range run.Cases {
		if current == nil || current.File != c.File {
			flush()
			current = &junit.Testsuite{Name: c.Feature, File: c.File, ID: len(suites.Suites), Timestamp: run.Started.UTC().Format(time.RFC3339)}
			addProperties(current, run)
			elapsed = 0
		}
		elapsed += c.Duration
		current.AddTestcase(testcase(c))
	}
	flush()
	suites.Time = seconds(run.Ended.Sub(run.Started))
	return suites.WriteXML(w)
}

func addProperties(s *junit.Testsuite, run *Run) {
	s.AddProperty("konform.run_id", run.ID)
	s.AddProperty("konform.version", run.RunnerVersion)
	s.AddProperty("konform.environment", run.Environment)
	s.AddProperty("konform.base_url", run.BaseURL)
	s.AddProperty("konform.seed", fmt.Sprint(run.Seed))
	s.AddProperty("konform.started", run.Started.UTC().Format(time.RFC3339))
	s.AddProperty("konform.ended", run.Ended.UTC().Format(time.RFC3339))
	s.AddProperty("konform.client_certificate.subject", run.Client.Subject)
	s.AddProperty("konform.client_certificate.issuer", run.Client.Issuer)
	s.AddProperty("konform.client_certificate.sha256", run.Client.Fingerprint)
	s.AddProperty("konform.client_certificate.not_after", run.Client.NotAfter.UTC().Format(time.RFC3339))
	s.AddProperty("konform.verdict", string(run.Verdict()))
	s.AddProperty("konform.case", run.Case)
	s.AddProperty("konform.pack_digest", run.PackDigest)
	s.AddProperty("konform.redacted", fmt.Sprint(run.Redacted))
	if run.ClockOffsetMs != nil {
		s.AddProperty("konform.clock_offset_ms", fmt.Sprint(*run.ClockOffsetMs))
	}
	if sys := run.System; sys != nil {
		s.AddProperty("konform.system.name", sys.Name)
		s.AddProperty("konform.system.version", sys.Version)
		for _, c := range sys.Components {
			s.AddProperty("konform.system.component", c.Name+" "+c.Version)
		}
	}
}

func testcase(c *Case) junit.Testcase {
	tc := junit.Testcase{
		Name:      c.ID + " " + c.Name,
		Classname: c.Feature,
		Time:      seconds(c.Duration),
		Status:    string(c.Outcome),
	}
	if len(c.Exchanges) > 0 {
		lines := make([]string, len(c.Exchanges))
		for i, e := range c.Exchanges {
			lines[i] = e.File + "  " + e.Summary
		}
		tc.SystemOut = &junit.Output{Data: xmlText(strings.Join(lines, "\n"))}
	}
	p := c.Problem()
	switch c.Outcome {
	case Failed:
		tc.Failure = result(c, p, "failed")
	case Error, Undefined, Pending:
		tc.Error = result(c, p, string(c.Outcome))
	case Skipped:
		tc.Skipped = &junit.Result{Message: "skipped"}
	}
	return tc
}

func result(c *Case, p *Step, kind string) *junit.Result {
	if p == nil {
		return &junit.Result{Message: kind, Type: kind}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "step: %s%s (%s:%d)\n", p.Keyword, p.Text, c.File, p.Line)
	if p.Expect != "" || p.Actual != "" {
		fmt.Fprintf(&b, "expected: %s\nactual: %s\n", p.Expect, p.Actual)
	}
	fmt.Fprintf(&b, "message: %s\n", p.Message)
	if len(c.Requirements) > 0 {
		fmt.Fprintf(&b, "requirements: %s\n", strings.Join(c.Requirements, ", "))
	}
	fmt.Fprintf(&b, "mandatory: %t\n", c.Mandatory)
	for _, e := range c.Exchanges {
		fmt.Fprintf(&b, "exchange: %s\n", e.File)
	}
	return &junit.Result{Message: xmlText(firstLine(p.Message)), Type: kind, Data: xmlText(b.String())}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// xmlText drops characters XML 1.0 cannot carry; a control character in CDATA would make the
// whole file invalid.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			return -1
		}
		return r
	}, s)
}
