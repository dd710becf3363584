package run_test

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/refsys"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// TestSUTPackPassesWithTheReferenceSystem runs every @sut scenario with konform's reference
// connecting system behind the gateway, and reads the system's calls in the evidence.
func TestSUTPackPassesWithTheReferenceSystem(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: run.SUTTag, SUT: "ref", Concurrency: 4})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	n := r.summary.Counts
	if n.Total < 23 || n.Passed+n.Skipped != n.Total || n.Skipped != r.count(run.ManualTag) {
		t.Fatalf("counts %+v; want every SUT case passed, at least 15 + 8, but the %s ones skipped", n, run.ManualTag)
	}
	if s := r.summary.Run.SUT; s == nil || s.Driver != "ref" || !strings.HasPrefix(s.Gateway, "https://127.0.0.1:") {
		t.Fatalf("summary.json sut = %+v", s)
	}
	if sys := r.summary.Run.System; sys == nil || sys.Name != refsys.Name {
		t.Fatalf("system under approval = %+v, want the reference system", sys)
	}
	c := r.outcome(t, "SUT-VARD-01")
	if len(c.SUTCalls) < 2 {
		t.Fatalf("SUT-VARD-01 has %d calls of the system in the evidence, want the patient lookup and the POST", len(c.SUTCalls))
	}
	data, err := os.ReadFile(filepath.Join(r.dir, c.SUTCalls[len(c.SUTCalls)-1].File))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"call of the system under test", "client certificate", "POST ", "X-Provenance:", "HTTP 201", "Authorization: Bearer [redacted]"} {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", c.SUTCalls[0].File, want, text)
		}
	}
	if strings.Contains(text, "199802262387") {
		t.Errorf("%s holds the test personnummer in clear", c.SUTCalls[0].File)
	}
	if v, err := evidence.Verify(r.dir, ""); err != nil || len(v.Problems) > 0 {
		t.Fatalf("the SUT run's evidence does not verify: %v %v", err, v)
	}
}

// TestSUTPackPassesWithTransactions runs every @sut scenario with the reference system sending
// its prescriptions and dispenses in transactions, as NLL allows: a system that writes so passes
// as one that writes one by one does.
func TestSUTPackPassesWithTransactions(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: run.SUTTag, SUT: "ref", SUTTransactions: true, Concurrency: 4})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	if n := r.summary.Counts; n.Passed+n.Skipped != n.Total || n.Skipped != r.count(run.ManualTag) {
		t.Fatalf("counts %+v; want every SUT case passed, but the %s ones skipped", n, run.ManualTag)
	}
	if s := r.summary.Run.SUT; s == nil || !s.Transactions {
		t.Fatalf("summary.json sut = %+v, want transactions", s)
	}
	c := r.outcome(t, "SUT-APO-03")
	transactions := 0
	for _, call := range c.SUTCalls {
		data, err := os.ReadFile(filepath.Join(r.dir, call.File))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "POST /fhir-server/fhir/\n") && strings.Contains(string(data), `"transaction-response"`) {
			transactions++
		}
	}
	if transactions == 0 {
		t.Fatalf("SUT-APO-03's calls hold no transaction NLL answered: %+v", c.SUTCalls)
	}
	// The evidence's list of the calls says what each transaction held.
	if !slices.ContainsFunc(c.SUTCalls, func(r evidence.ExchangeRef) bool {
		return strings.HasSuffix(r.Summary, "(a transaction of POST MedicationDispense → 201)")
	}) {
		t.Errorf("no call of SUT-APO-03 is summed up as a transaction of its dispense: %+v", c.SUTCalls)
	}
}

// TestEveryDefectIsCaught runs the SUT pack once per defect of the reference system. Each defect
// must fail the scenarios testdata/sut-defects.yaml names, as failed (not error) and at the named
// step, or as error where the file says "error: "; and every SUT scenario must fail under at
// least one defect.
func TestEveryDefectIsCaught(t *testing.T) {
	t.Parallel()
	catchEveryDefect(t, false)
}

// TestEveryDefectIsCaughtInTransactions does the same with the reference system sending its
// prescriptions and dispenses in transactions (NLLTransactionBundle): the checks judge each entry
// as the call it stands for, so every defect fails the same scenarios at the same steps.
func TestEveryDefectIsCaughtInTransactions(t *testing.T) {
	t.Parallel()
	catchEveryDefect(t, true)
}

func catchEveryDefect(t *testing.T, transactions bool) {
	data, err := os.ReadFile("testdata/sut-defects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string]string
	if err := yaml.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	p, err := pack.Load(nil, run.SUTTag)
	if err != nil {
		t.Fatal(err)
	}
	caught := map[string][]string{}
	for _, d := range refsys.Defects {
		cases, ok := want[d.Name]
		if !ok || len(cases) == 0 {
			t.Errorf("defect %s has no scenario in testdata/sut-defects.yaml", d.Name)
			continue
		}
		tags := run.SUTTag
		if refsys.Asynchronous(d.Name) {
			// The run waits a second after each case for late calls: only the named cases run.
			var ids []string
			for id := range cases {
				ids = append(ids, "@tc:"+id)
			}
			sort.Strings(ids)
			tags = strings.Join(ids, ",")
		}
		r := execute(t, run.Options{Tags: tags, SUT: "ref", SUTDefect: d.Name, SUTTransactions: transactions, Concurrency: 4})
		if r.code == run.ExitOK && anyMandatory(p, cases) {
			t.Errorf("defect %s: exit 0", d.Name)
		}
		for _, c := range r.summary.Run.Cases {
			if c.Outcome == evidence.Failed || c.Outcome == evidence.Error {
				caught[c.ID] = append(caught[c.ID], d.Name)
			}
		}
		for id, step := range cases {
			c := r.outcome(t, id)
			want := evidence.Failed
			if rest, ok := strings.CutPrefix(step, "error: "); ok {
				want, step = evidence.Error, rest
			}
			if c.Outcome != want {
				t.Errorf("defect %s: %s is %s, want %s", d.Name, id, c.Outcome, want)
				continue
			}
			if p := c.Problem(); p == nil || !strings.Contains(p.Text, step) {
				t.Errorf("defect %s: %s failed at %+v, want the step with %q", d.Name, id, p, step)
			}
		}
		delete(want, d.Name)
	}
	for name := range want {
		t.Errorf("testdata/sut-defects.yaml names %s, which is not a defect of the reference system", name)
	}
	var uncaught []string
	for _, c := range p.Cases {
		// An @manuell case has an operator's confirmation; TestOperatorAnswersAreEvidence shows
		// it failing when the operator answers nej.
		if len(caught[c.ID]) == 0 && !c.Has(run.ManualTag) {
			uncaught = append(uncaught, c.ID)
		}
	}
	sort.Strings(uncaught)
	if len(uncaught) > 0 {
		t.Errorf("no defect fails these SUT scenarios: %v", uncaught)
	}
}

func anyMandatory(p *pack.Pack, ids map[string]string) bool {
	for _, c := range p.Cases {
		if _, ok := ids[c.ID]; ok && c.Mandatory {
			return true
		}
	}
	return false
}

// TestSUTCaseWithoutADriverIsSkippedAndInconclusive checks that an @sut case never passes when no
// system is in the loop: the whole pack without --sut gives no verdict.
func TestSUTCaseWithoutADriverIsSkippedAndInconclusive(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{})
	c := r.outcome(t, "SUT-VARD-01")
	if c.Outcome != evidence.Skipped || !strings.Contains(c.SkipReason, "--sut ref") {
		t.Fatalf("outcome %s, reason %q; want skipped naming --sut", c.Outcome, c.SkipReason)
	}
	if r.summary.Verdict != evidence.Inconclusive || r.code != run.ExitHarness {
		t.Fatalf("verdict %s, exit %d; want inconclusive and 3", r.summary.Verdict, r.code)
	}
	if !strings.Contains(r.stderr, "--sut ref") {
		t.Fatalf("stderr does not say how to add the system:\n%s", r.stderr)
	}
}

// TestGatewayPortInUseExits2 checks the one line for a gateway address that is taken.
func TestGatewayPortInUseExits2(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-01", SUT: "ref", GatewayAddr: ln.Addr().String()})
	if r.code != run.ExitUsage || !strings.Contains(r.stderr, ln.Addr().String()) || !strings.Contains(r.stderr, "in use") {
		t.Fatalf("exit %d, stderr %q; want 2 naming the port in use", r.code, r.stderr)
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("more than one line:\n%s", r.stderr)
	}
}

// TestReferenceSystemSwitchesNeedSUTRef checks that the switches of the reference system are
// usage errors without it, not silently ignored.
func TestReferenceSystemSwitchesNeedSUTRef(t *testing.T) {
	t.Parallel()
	for flag, opts := range map[string]run.Options{
		"--sut-defect":       {Tags: run.SUTTag, SUTDefect: "ignore-409"},
		"--sut-transactions": {Tags: run.SUTTag, SUTTransactions: true},
	} {
		r := execute(t, opts)
		if r.code != run.ExitUsage || !strings.Contains(r.stderr, flag) || !strings.Contains(r.stderr, "--sut ref") {
			t.Errorf("%s without --sut ref: exit %d, %q; want 2 and a line naming both", flag, r.code, r.stderr)
		}
	}
}

// TestACallStillWaitingForNLLIsJudged checks that a call the system made in the background,
// which NLL had not answered when the action returned, is judged by the case's checks: it used
// to be filed only after them, so a slow NLL let SUT-VARD-09 pass a system that read the
// medication list without consent.
func TestACallStillWaitingForNLLIsJudged(t *testing.T) {
	t.Parallel()
	slow := sim.Fault{Method: "GET", Path: "Basic", Latency: 2 * time.Second}
	r := execute(t, run.Options{Tags: "@tc:SUT-VARD-09", SUT: "ref", SUTDefect: refsys.BackgroundPrefetch, Faults: []sim.Fault{slow}})
	c := r.outcome(t, "SUT-VARD-09")
	if p := c.Problem(); c.Outcome != evidence.Failed || p == nil || !strings.Contains(p.Text, "bara slagit upp patienten") ||
		!strings.Contains(p.Message, "GET Basic?code=medlistinfo") {
		t.Fatalf("outcome %s at %+v; want failed at the lookup-only step, naming the background read", c.Outcome, p)
	}
}
