package evidence

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// WriteJUnit writes the run as JUnit XML that keeps to the common (Apache Ant) JUnit schema:
// one testsuite per feature file, one testcase per case. A failure or error names the step,
// expected and actual, the requirement ids and the exchange files; the run's metadata are
// properties of every suite, and each suite's system-out lists its cases' exchanges.
func WriteJUnit(w io.Writer, run *Run) error {
	var suites junit.Testsuites
	var current *junit.Testsuite
	var elapsed time.Duration
	var out []string
	flush := func() {
		if current != nil {
			current.Time = seconds(elapsed)
			// The schema requires system-out and system-err on every suite.
			current.SystemOut = &junit.Output{Data: xmlText(strings.Join(out, "\n"))}
			current.SystemErr = &junit.Output{}
			suites.AddSuite(*current)
		}
	}
	var file string
	for _, c := range run.Cases {
		if current == nil || file != c.File {
			flush()
			file, out, elapsed = c.File, nil, 0
			// The schema wants a timestamp without a zone (it is UTC) and a hostname.
			current = &junit.Testsuite{Name: c.Feature, Package: c.File, ID: len(suites.Suites),
				Hostname: "localhost", Timestamp: run.Started.UTC().Format("2006-01-02T15:04:05")}
			addProperties(current, run)
		}
		elapsed += c.Duration
		var own []string // the case's files, on the case too: GitLab shows a testcase's system-out only
		for _, e := range c.Exchanges {
			own = append(own, c.ID+"  "+e.Name()+"  "+e.Summary)
		}
		for _, e := range c.SUTCalls {
			own = append(own, c.ID+"  "+e.File+"  system under test: "+e.Summary)
		}
		for _, e := range c.DriverLogs {
			own = append(own, c.ID+"  "+e.File+"  driver: "+e.Summary)
		}
		for _, e := range c.Attachments {
			own = append(own, c.ID+"  "+e.File+"  attachment: "+e.Summary)
		}
		tc := testcase(c)
		if len(own) > 0 {
			tc.SystemOut = &junit.Output{Data: xmlText(strings.Join(own, "\n"))}
		}
		current.AddTestcase(tc)
		out = append(out, own...)
	}
	flush()
	if why := stopCause(run); why != "" && len(suites.Suites) == 0 {
		// No case ran: one error names the cause, so that a CI's test report shows why, not an
		// empty report.
		current = &junit.Testsuite{Name: "konform", Package: "konform", Hostname: "localhost",
			Timestamp: run.Started.UTC().Format("2006-01-02T15:04:05")}
		addProperties(current, run)
		current.AddTestcase(junit.Testcase{Name: "konform: the run against " + run.Environment, Classname: "konform", Time: "0.000",
			Error: &junit.Result{Message: xmlText(firstLine(why)), Type: "error", Data: xmlText(why + "\n")}})
		out, elapsed = nil, 0
		flush()
	}
	// The schema's testsuites element has no attributes: write the suites without the totals
	// junit.Testsuites would add.
	doc := struct {
		XMLName xml.Name          `xml:"testsuites"`
		Suites  []junit.Testsuite `xml:"testsuite"`
	}{Suites: suites.Suites}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "\t")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func addProperties(s *junit.Testsuite, run *Run) {
	s.AddProperty("konform.run_id", run.ID)
	s.AddProperty("konform.version", run.RunnerVersion)
	s.AddProperty("konform.environment", run.Environment)
	s.AddProperty("konform.environment.kind", run.EnvironmentKind)
	s.AddProperty("konform.base_url", run.BaseURL)
	s.AddProperty("konform.seed", fmt.Sprint(run.Seed))
	for _, sh := range run.ShardRuns {
		s.AddProperty("konform.shard."+sh.Shard, fmt.Sprintf("%s seed %d", sh.ID, sh.Seed))
	}
	s.AddProperty("konform.started", run.Started.UTC().Format(time.RFC3339))
	s.AddProperty("konform.ended", run.Ended.UTC().Format(time.RFC3339))
	s.AddProperty("konform.client_certificate.subject", run.Client.Subject)
	s.AddProperty("konform.client_certificate.issuer", run.Client.Issuer)
	s.AddProperty("konform.client_certificate.sha256", run.Client.Fingerprint)
	s.AddProperty("konform.client_certificate.not_after", run.Client.NotAfter.UTC().Format(time.RFC3339))
	s.AddProperty("konform.verdict", string(run.Verdict()))
	if sel := run.Selection; sel.Partial() {
		s.AddProperty("konform.selection", sel.Describe())
		s.AddProperty("konform.selection.tags", sel.Tags)
		s.AddProperty("konform.selection.paths", strings.Join(sel.Paths, " "))
		s.AddProperty("konform.selection.shard", sel.Shard)
	}
	if len(run.Selection.NotRun) > 0 {
		s.AddProperty("konform.selection.mandatory_not_run", strings.Join(run.Selection.NotRun, " "))
	}
	if run.Unreachable != "" {
		s.AddProperty("konform.unreachable", run.Unreachable)
	}
	if run.Refused != "" {
		s.AddProperty("konform.refused", run.Refused)
	}
	s.AddProperty("konform.case", run.Case)
	s.AddProperty("konform.pack_digest", run.PackDigest)
	if run.Pack != nil {
		s.AddProperty("konform.pack", run.Pack.Describe("en"))
	}
	s.AddProperty("konform.redacted", fmt.Sprint(run.Redacted))
	if run.ClockOffsetMs != nil {
		s.AddProperty("konform.clock_offset_ms", fmt.Sprint(*run.ClockOffsetMs))
	}
	if sut := run.SUT; sut != nil {
		s.AddProperty("konform.sut.driver", sut.Driver)
		s.AddProperty("konform.sut.gateway", sut.Gateway)
		if sut.Transactions {
			s.AddProperty("konform.sut.transactions", "true")
		}
		if sut.Defect != "" {
			s.AddProperty("konform.sut.defect", sut.Defect)
		}
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
	}
	p := c.Problem()
	switch c.Outcome {
	case Failed:
		tc.Failure = result(c, p, "failed")
	case Error, Undefined, Pending:
		tc.Error = result(c, p, string(c.Outcome))
	case Skipped:
		tc.Skipped = &junit.Result{Message: "skipped", Type: "skipped"}
		if c.SkipReason != "" {
			tc.Skipped.Message = xmlText(c.SkipReason)
		}
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
		fmt.Fprintf(&b, "exchange: %s\n", e.Name())
	}
	for _, e := range c.SUTCalls {
		fmt.Fprintf(&b, "system under test's call: %s  %s\n", e.File, e.Summary)
	}
	for _, e := range c.DriverLogs {
		fmt.Fprintf(&b, "driver: %s  %s\n", e.File, e.Summary)
	}
	return &junit.Result{Message: xmlText(firstLine(p.Message)), Type: kind, Data: xmlText(b.String())}
}

// stopCause says why a run stopped before any case: its target unreachable, or its users refused.
func stopCause(run *Run) string {
	switch {
	case run.Unreachable != "":
		return "the environment could not be reached, so no case ran: " + run.Unreachable
	case run.Refused != "":
		return "the environment refused the run's users, so no case ran: " + run.Refused
	}
	return ""
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
