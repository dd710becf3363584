// Package evidence owns the results of a run and the files that record them for an approval case:
// junit.xml, summary.json and later the report, the exchanges and the signed manifest. It does not
// import godog: package run adapts godog's hooks to this model.
package evidence

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/konform/konform/internal/userfile"
)

// Outcome is the result of a step or a case, one vocabulary from steps to exit code.
type Outcome string

// The outcomes.
const (
	// Passed: every step held.
	Passed Outcome = "passed"
	// Failed: the service or the supplier's system broke a requirement.
	Failed Outcome = "failed"
	// Skipped: not applicable here, or not reached after an earlier step stopped the case.
	Skipped Outcome = "skipped"
	// Error: the harness or the connection broke, so the case has no verdict.
	Error Outcome = "error"
	// Undefined: the pack uses a step konform lacks.
	Undefined Outcome = "undefined"
	// Pending: the step exists but is not implemented yet.
	Pending Outcome = "pending"
)

// severity orders outcomes: a case takes the most severe outcome of its steps.
var severity = map[Outcome]int{Passed: 0, Skipped: 1, Failed: 2, Error: 3, Pending: 4, Undefined: 5}

// Worse returns the more severe of two outcomes; the empty outcome (none yet) is less severe
// than any.
func Worse(a, b Outcome) Outcome {
	if a == "" || severity[b] > severity[a] {
		return b
	}
	return a
}

// Run is everything one run of the pack produced.
type Run struct {
	ID            string `json:"runId"`
	RunnerVersion string `json:"runnerVersion"`
	Environment   string `json:"environment"`
	// EnvironmentKind is simulator for konform's built-in simulator, else the configured kind
	// (test): evidence from the simulator is no evidence for approval.
	EnvironmentKind string `json:"environmentKind"`
	BaseURL         string `json:"baseUrl"`
	// Server is the certificate the environment's server presented to the run's first request,
	// nil when none was seen.
	Server  *ServerInfo `json:"serverCertificate,omitempty"`
	Started time.Time   `json:"started"`
	Ended   time.Time   `json:"ended"`
	// Seed is the order seed; the same seed gives the same order.
	Seed int64 `json:"seed"`
	// Operator is who ran konform (--operator, else the OS user); Host is the machine; Command is
	// the command line.
	Operator string `json:"operator,omitempty"`
	Host     string `json:"host,omitempty"`
	Command  string `json:"command,omitempty"`
	// Case is the agency's case id (--case).
	Case string `json:"case,omitempty"`
	// Shard is "K/N" for one slice of a sharded run; empty for a whole run or a merged one.
	Shard string `json:"shard,omitempty"`
	// Shards lists the run ids a merged run was made from.
	Shards []string `json:"shards,omitempty"`
	// ShardRuns says, for a merged run, where and how each shard ran: its seed above all, since
	// the merged run's Seed is 0 when the shards' seeds differ.
	ShardRuns []ShardRun `json:"shardRuns,omitempty"`
	// Selection says which part of the pack ran: a run of less than the whole required set gets
	// no verdict (partial).
	Selection Selection `json:"selection"`
	// Unreachable is set when the run stopped before any case because the target could not be
	// reached: the URL and the cause.
	Unreachable string `json:"unreachable,omitempty"`
	// Refused is set when the run stopped before any case because the target refused the run's
	// configuration (a user's token): which user, the answer, and what to do.
	Refused string `json:"refused,omitempty"`
	// System is the supplier's system under approval (--system).
	System *System `json:"system,omitempty"`
	// PackDigest is the test pack's canonical digest (see konform pack verify).
	PackDigest string `json:"packDigest"`
	// Pack says which pack ran and who signed it.
	Pack *PackInfo `json:"pack,omitempty"`
	// Plan is the approval case's plan (--plan) the verdict was computed against.
	Plan *PlanInfo `json:"plan,omitempty"`
	// ClockOffsetMs is the server's clock minus konform's, from the answers' Date headers.
	ClockOffsetMs *int64 `json:"clockOffsetMs,omitempty"`
	// ClockToleranceMs is the offset the run accepts as synchronised (the agency's requirement
	// 3.6.1 on time); a larger offset is flagged in the report.
	ClockToleranceMs int64 `json:"clockToleranceMs,omitempty"`
	// Client describes the client certificate the run used.
	Client CertInfo `json:"clientCertificate"`
	// Interrupted is true when the run was stopped before every case ran.
	Interrupted bool `json:"interrupted"`
	// WaiversSigned is true when the run's waivers came in a signed plan. Waivers from
	// --waivers, or from an unsigned plan, are whatever the supplier wrote.
	WaiversSigned bool `json:"waiversSigned,omitempty"`
	// Redacted is true when personal data and secrets were scrubbed (the default).
	Redacted bool `json:"redacted"`
	// SUT describes the system under test in the loop, when the run had a driver.
	SUT *SUTInfo `json:"sut,omitempty"`
	// Unattributed are calls the system under test made through the gateway while no scenario ran.
	Unattributed []ExchangeRef `json:"unattributedSutCalls,omitempty"`
	Cases        []*Case       `json:"cases"`
}

// PackInfo names the test pack a run ran: its pack.yaml, and the certificate that signed it.
type PackInfo struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Version    string `json:"version"`
	NLLRelease string `json:"nllRelease,omitempty"`
	Publisher  string `json:"publisher,omitempty"`
	Date       string `json:"date,omitempty"`
	// Loose is true when the feature files lay outside any pack: ID and the rest are then the
	// bundled pack's, whose catalogue, templates and fixtures they used.
	Loose bool `json:"looseFeatures,omitempty"`
	// Bundled is true when the pack is, byte for byte, the one the konform that ran bundles;
	// ChangedBundled when it bears the bundled pack's id but is not (a copy someone changed).
	Bundled        bool `json:"bundled,omitempty"`
	ChangedBundled bool `json:"changedCopyOfBundled,omitempty"`
	// Signer is who signed the pack (subject and SHA-256 of the certificate); nil when unsigned.
	Signer *PackSigner `json:"signer,omitempty"`
}

// ServerInfo names the certificate a server presented.
type ServerInfo struct {
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
}

// IssuerName is the issuer, "" for no certificate.
func (s *ServerInfo) IssuerName() string {
	if s == nil {
		return ""
	}
	return s.Issuer
}

// PlanInfo names the plan of an approval case a run followed: the required set is the plan's.
type PlanInfo struct {
	Case  string `json:"case"`
	Title string `json:"title,omitempty"`
	// SHA256 is the digest of the plan file.
	SHA256 string `json:"sha256"`
	// Required is the number of test cases (outline rows counted) the plan requires.
	Required int `json:"required"`
	// Signer is who signed the plan; nil when unsigned.
	Signer *PackSigner `json:"signer,omitempty"`
}

// Describe says in one line which plan the run followed.
func (p *PlanInfo) Describe(lang string) string {
	if p == nil {
		return ""
	}
	s := p.Case
	if p.Title != "" {
		s += " (" + p.Title + ")"
	}
	signed, unsigned := ", signerad av ", ", osignerad"
	if lang == "en" {
		signed, unsigned = ", signed by ", ", unsigned"
	}
	if p.Signer != nil {
		return s + signed + p.Signer.Subject
	}
	return s + unsigned
}

// PackSigner is the certificate that signed a pack or a plan.
type PackSigner struct {
	Subject string `json:"subject"`
	SHA256  string `json:"sha256"`
}

// Describe says in one line which pack ran, in Swedish ("<title> <version>, signerat av <subject>")
// or English.
func (p *PackInfo) Describe(lang string) string {
	if p == nil {
		return ""
	}
	s := p.Title + " " + p.Version
	signed, unsigned, loose := ", signerat av ", ", osignerat", "egna featurefiler utanför ett testpaket, med mallarna i "
	bundled, changed := " (konforms medföljande testpaket)", " (en ÄNDRAD kopia av konforms medföljande testpaket)"
	if lang == "en" {
		signed, unsigned, loose = ", signed by ", ", unsigned", "feature files outside any pack, with the templates of "
		bundled, changed = " (konform's bundled pack)", " (a CHANGED copy of konform's bundled pack)"
	}
	if p.Loose {
		return loose + s
	}
	switch {
	case p.Bundled:
		s += bundled
	case p.ChangedBundled:
		s += changed
	}
	if p.Signer != nil {
		return s + signed + p.Signer.Subject
	}
	return s + unsigned
}

// The kinds of environment evidence can come from.
const (
	// SimulatorKind is konform's built-in NLL simulator.
	SimulatorKind = "simulator"
	// TestKind is one of the agency's test environments (EXT, …) or another configured one.
	TestKind = "test"
)

// Selection records which cases a run selected from its pack. The required set is every
// mandatory case of the pack; a run that selected less (a tag expression, feature paths, one
// shard) is partial and gets no verdict, whatever its results.
type Selection struct {
	// Tags is the tag expression (--tags), "" for none.
	Tags string `json:"tags,omitempty"`
	// Paths are the feature files or folders given instead of the bundled pack.
	Paths []string `json:"paths,omitempty"`
	// Shard is "K/N" for one unmerged slice of a sharded run.
	Shard string `json:"shard,omitempty"`
	// Required is the number of mandatory cases in the required set.
	Required int `json:"requiredMandatory"`
	// NotRun lists the mandatory cases of the required set that this run did not run.
	NotRun []string `json:"mandatoryNotRun,omitempty"`
	// SimOnly lists the selected cases left out because they run only against konform's
	// simulator (@sim) and the run was against another environment. They are no part of the
	// required set, unless a plan requires them (then they are in NotRun too).
	SimOnly []string `json:"simOnlyLeftOut,omitempty"`
}

// Partial reports whether the run selected less than the whole required set (tags, paths, one
// shard). A run that selected everything but did not run it all (interrupted, unreachable) is not
// partial: it is inconclusive.
func (s Selection) Partial() bool {
	return s.Tags != "" || len(s.Paths) > 0 || s.Shard != ""
}

// Describe says in one line what was selected, "" for the whole pack.
func (s Selection) Describe() string {
	var parts []string
	if s.Tags != "" {
		parts = append(parts, "--tags "+s.Tags)
	}
	if len(s.Paths) > 0 {
		parts = append(parts, "paths "+strings.Join(s.Paths, " "))
	}
	if s.Shard != "" {
		parts = append(parts, "shard "+s.Shard)
	}
	if len(s.NotRun) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d mandatory cases not run", len(s.NotRun), s.Required))
	}
	return strings.Join(parts, " · ")
}

// ReferenceSystem is the driver that makes konform's own reference connecting system the system
// under test: its @sut verdicts are about konform's system, no evidence for a supplier's.
const ReferenceSystem = "ref"

// ByReferenceSystem reports whether konform's reference system, not the supplier's, was the
// system under test of the run: driven as --sut ref, or reached through another driver (its
// calls named it in x-user-agent).
func (r *Run) ByReferenceSystem() bool {
	return r.SUT != nil && (r.SUT.Driver == ReferenceSystem || r.SUT.ReferenceCalls > 0)
}

// Describe says in a few words how the system under test was driven: its driver and defect, not
// its gateway's address, which each run chooses anew.
func (s *SUTInfo) Describe() string {
	if s == nil {
		return "not at all"
	}
	d := "with driver " + s.Driver
	if s.Defect != "" {
		d += " and defect " + s.Defect
	}
	if s.Transactions {
		d += ", writing in transactions"
	}
	return d
}

// SUTInfo says how the system under test was in the loop.
type SUTInfo struct {
	// Driver is how konform made it act: ref (konform's reference connecting system), ….
	Driver string `json:"driver"`
	// Defect is the reference system's deliberate defect, "" for none.
	Defect string `json:"defect,omitempty"`
	// Transactions is set when the reference system sent its writes in transactions
	// (--sut-transactions).
	Transactions bool `json:"transactions,omitempty"`
	// Gateway is the base URL the system called NLL through.
	Gateway string `json:"gateway"`
	// ReferenceCalls counts the calls, under another driver than ref, that named konform's
	// reference system in x-user-agent: the driver reached konform's system, not the
	// supplier's (as examples/sut-http does), and the run is no evidence for the supplier's.
	ReferenceCalls int `json:"referenceCalls,omitempty"`
}

// ShardRun is one shard of a merged run.
type ShardRun struct {
	ID       string    `json:"runId"`
	Shard    string    `json:"shard,omitempty"`
	Seed     int64     `json:"seed"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	Operator string    `json:"operator,omitempty"`
	Host     string    `json:"host,omitempty"`
	Command  string    `json:"command,omitempty"`
}

// System is the supplier's system under approval: its name and version and those of its
// components (the agency's architecture requirement 3.1.3).
type System struct {
	Name       string      `json:"name" yaml:"name"`
	Version    string      `json:"version" yaml:"version"`
	Components []Component `json:"components,omitempty" yaml:"components"`
}

// Describe names the system and its version, "no system" when none was given.
func (s *System) Describe() string {
	if s == nil {
		return "no system (--system)"
	}
	return s.Name + " " + s.Version
}

// Component is a part of the supplier's system.
type Component struct {
	Name    string `json:"name" yaml:"name"`
	Version string `json:"version" yaml:"version"`
}

// CertInfo identifies a certificate.
type CertInfo struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	Fingerprint string    `json:"sha256"`
	NotAfter    time.Time `json:"notAfter"`
}

// Case is one executed scenario.
type Case struct {
	// ID is the test-case id from the @tc tag.
	ID      string `json:"id"`
	Name    string `json:"name"`
	Feature string `json:"feature"`
	// File and Line locate the scenario (or its example row).
	File string `json:"file"`
	Line int    `json:"line"`
	// Requirements are the @krav ids.
	Requirements []string `json:"requirements"`
	// Mandatory is true for @obligatorisk cases; only they decide the verdict.
	Mandatory bool          `json:"mandatory"`
	Tags      []string      `json:"tags"`
	Outcome   Outcome       `json:"outcome"`
	Duration  time.Duration `json:"durationNs"`
	Steps     []Step        `json:"steps"`
	// Waiver, when set, is the agency's decision that the case's outcome does not count.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Exchanges point to the case's exchange files, in order; the cleanup's come last.
	Exchanges []ExchangeRef `json:"exchanges,omitempty"`
	// SUTCalls point to the calls the system under test made to NLL through the gateway while the
	// case ran (exchanges/<case>/sut-NNN.http), in order.
	SUTCalls []ExchangeRef `json:"sutCalls,omitempty"`
	// DriverLogs point to what the driver of the system under test saw of each action it was
	// asked for (attachments/<case>/driver-NNN.txt: a command's stdin, stdout and stderr, or a
	// test hook's request and answer), in order.
	DriverLogs []ExchangeRef `json:"driverLogs,omitempty"`
	// Attachments point to the files an operator attached to an answer (manual driver),
	// attachments/<case>/NNN-<name>, with their SHA-256 in the summary.
	Attachments []ExchangeRef `json:"attachments,omitempty"`
	// SkipReason says why a case was skipped before it started, such as no driver for @sut.
	SkipReason string `json:"skipReason,omitempty"`
	// FailedExchange is the number (from 1) of the exchange the case's first failing step judged,
	// 0 when none; the report opens it.
	FailedExchange int `json:"failedExchange,omitempty"`
	// CleanupProblems lists test data the run could not remove after the case.
	CleanupProblems []string `json:"cleanupProblems,omitempty"`
}

// Step is one executed step.
type Step struct {
	Keyword string  `json:"keyword"`
	Text    string  `json:"text"`
	Line    int     `json:"line"`
	Outcome Outcome `json:"outcome"`
	Message string  `json:"message,omitempty"`
	// Check names what a failed check looked at; Expect and Actual are its values.
	Check  string `json:"check,omitempty"`
	Expect string `json:"expected,omitempty"`
	Actual string `json:"actual,omitempty"`
	// Detail is what the server said about it (an OperationOutcome's diagnostics, a body's
	// start): its words, never translated.
	Detail string        `json:"detail,omitempty"`
	Time   time.Duration `json:"durationNs"`
}

// StrayStep is the text of the step konform adds to a case of the system under test in which the
// system called NLL when none of the case's actions asked it to (steps.StrayCalls). It names no
// line of the feature file; the report gives it in its language.
const StrayStep = "(konform) the system called NLL only when an action of the case asked it to"

// UnjudgedStep is the text of the step konform adds to a case of the system under test in which
// no check judged a call of the system: one after its last action had returned and after the
// case's checks had looked, or one unfinished when the case ended (steps.World.UnjudgedCalls).
const UnjudgedStep = "(konform) a check of the case saw every call of the system"

// stepText is a step's text in the report's language: the feature file's words as written, and
// konform's own step in the language.
func stepText(lang, s string) string {
	if s == StrayStep && lang == "sv" {
		return "(konform) systemet anropade NLL bara när en åtgärd i testfallet bad om det"
	}
	if s == UnjudgedStep && lang == "sv" {
		return "(konform) en kontroll i testfallet såg vart och ett av systemets anrop"
	}
	return s
}

// Problem returns the step that decided a case's outcome: the first of its most severe steps
// (konform's step for a stray call, an error, outweighs a failed check before it), or nil when
// the case passed.
func (c *Case) Problem() *Step {
	var worst *Step
	for i := range c.Steps {
		s := &c.Steps[i]
		if s.Outcome != Passed && s.Outcome != Skipped && (worst == nil || Worse(worst.Outcome, s.Outcome) != worst.Outcome) {
			worst = s
		}
	}
	return worst
}

// Says is the step's message in the report's language: konform's words translated, the server's
// words (Detail) as they came.
func (s *Step) Says(lang string) string {
	if s.Expect == "" {
		return text(lang, s.Message)
	}
	expected, got := ": expected ", ", got "
	if lang == "sv" {
		expected, got = ": förväntat ", ", faktiskt "
	}
	msg := text(lang, s.Check) + expected + text(lang, s.Expect) + got + text(lang, s.Actual)
	if s.Detail != "" {
		msg += " (" + s.Detail + ")"
	}
	return msg
}

// Location is "file:line".
func (c *Case) Location() string { return fmt.Sprintf("%s:%d", c.File, c.Line) }

// Counts tallies cases by outcome.
type Counts struct {
	Total     int `json:"total"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Error     int `json:"error"`
	Undefined int `json:"undefined"`
	Pending   int `json:"pending"`
}

// Counts tallies the run's cases.
func (r *Run) Counts() Counts {
	var c Counts
	for _, k := range r.Cases {
		c.Total++
		switch k.Outcome {
		case Passed:
			c.Passed++
		case Failed:
			c.Failed++
		case Skipped:
			c.Skipped++
		case Error:
			c.Error++
		case Undefined:
			c.Undefined++
		case Pending:
			c.Pending++
		}
	}
	return c
}

// Verdict is the run's answer for the approval case.
type Verdict string

// The verdicts.
const (
	// Approved: every mandatory case passed.
	Approved Verdict = "approved"
	// NotApproved: a mandatory case failed.
	NotApproved Verdict = "not approved"
	// Inconclusive: no mandatory case failed, but one had no verdict (error, undefined, pending,
	// or skipped before it started, such as an @sut case without a driver).
	Inconclusive Verdict = "inconclusive"
	// ApprovedWithWaivers: every mandatory case passed or is waived, and one is waived.
	ApprovedWithWaivers Verdict = "approved with waivers"
	// Partial: the run covered less than the whole required set (tags, paths, one shard), so it
	// gives no verdict whatever its results; the exit code still follows them.
	Partial Verdict = "partial"
)

// Waiver is the agency's decision that a case's outcome does not count towards the verdict.
type Waiver struct {
	Case      string `json:"case" yaml:"case"`
	Reason    string `json:"reason" yaml:"reason"`
	Reference string `json:"reference" yaml:"reference"`
}

// ReadWaivers reads a waivers file (--waivers): a list of case, reason and the agency's reference.
func ReadWaivers(path string) (map[string]*Waiver, error) {
	data, err := userfile.Read(path, userfile.Config)
	if err != nil {
		return nil, fmt.Errorf("cannot read the waivers file %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f struct {
		Waivers []Waiver `yaml:"waivers"`
	}
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := map[string]*Waiver{}
	for i := range f.Waivers {
		w := &f.Waivers[i]
		if w.Case == "" || w.Reason == "" || w.Reference == "" {
			return nil, fmt.Errorf("%s: waiver %d needs case, reason and reference (the agency's decision)", path, i+1)
		}
		out[w.Case] = w
	}
	return out, nil
}

// Verdict decides the run from its mandatory cases; optional ones never decide it, and a waived
// case counts as passed (the verdict then says so).
//
// A run that could not reach its target, or whose users the target refused, is inconclusive; a run of less than the required set is
// partial, and one that stopped before every required case ran (interrupted) is inconclusive
// unless a mandatory case already failed.
func (r *Run) Verdict() Verdict {
	if r.Unreachable != "" || r.Refused != "" {
		return Inconclusive
	}
	if r.Selection.Partial() {
		return Partial
	}
	v := r.resultVerdict()
	if len(r.Selection.NotRun) > 0 && v != NotApproved {
		return Inconclusive
	}
	return v
}

// resultVerdict decides from the mandatory cases that ran.
func (r *Run) resultVerdict() Verdict {
	v := Approved
	waived := false
	for _, c := range r.Cases {
		if !c.Mandatory || c.Outcome == Passed || (c.Outcome == Skipped && c.SkipReason == "") {
			continue
		}
		if c.Waiver != nil {
			waived = true
			continue
		}
		switch c.Outcome {
		case Failed:
			return NotApproved
		case Error, Undefined, Pending, Skipped:
			v = Inconclusive
		}
	}
	if v == Approved && waived {
		return ApprovedWithWaivers
	}
	return v
}

// Sort orders the cases by file and line, so that evidence does not depend on run order.
// A sorted run is left as it is (not written to), so that evidence writers may read it at once.
func (r *Run) Sort() {
	less := func(i, j int) bool {
		a, b := r.Cases[i], r.Cases[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	}
	if !sort.SliceIsSorted(r.Cases, less) {
		sort.SliceStable(r.Cases, less)
	}
}

// ReadSystem reads a system description (--system system.yaml): name, version and components.
func ReadSystem(path string) (*System, error) {
	data, err := userfile.Read(path, userfile.Config)
	if err != nil {
		return nil, fmt.Errorf("cannot read the system description %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s System
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if s.Name == "" || s.Version == "" {
		return nil, fmt.Errorf("%s needs name and version (the agency's requirement 3.1.3)", path)
	}
	for i, c := range s.Components {
		if c.Name == "" || c.Version == "" {
			return nil, fmt.Errorf("%s: component %d needs name and version", path, i+1)
		}
	}
	return &s, nil
}
