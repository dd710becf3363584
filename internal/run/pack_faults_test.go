package run_test

import (
	"crypto/tls"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// breaker is a broken simulator behaviour a scenario must catch, and the step that must catch it.
type breaker struct {
	Fault string `yaml:"fault"`
	TLS   string `yaml:"tls"`
	// Step is (a part of) the text of the step that names the broken behaviour: the scenario must
	// fail there, not at an earlier step as a side effect.
	Step string `yaml:"step"`
}

// TestEveryScenarioFailsAgainstItsFault runs each bundled scenario against the broken simulator
// it is paired with in testdata/pack-faults.yaml: a check that cannot fail is a defect.
func TestEveryScenarioFailsAgainstItsFault(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/pack-faults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pairs map[string]breaker
	if err := yaml.Unmarshal(data, &pairs); err != nil {
		t.Fatal(err)
	}
	p, err := pack.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var unbroken []string
	for _, c := range p.Cases {
		if c.Has(run.SUTTag) {
			continue // the system under test's cases are broken by the reference system's defects (TestEveryDefectIsCaught)
		}
		b, ok := pairs[c.ID]
		if !ok {
			unbroken = append(unbroken, c.ID)
			continue
		}
		delete(pairs, c.ID)
		opts := run.Options{Tags: "@tc:" + c.ID, Concurrency: 1}
		switch {
		case b.TLS == "lax":
			opts.SimTLS = func(c *tls.Config) { c.ClientAuth = tls.RequestClientCert }
		case b.TLS == "anyca":
			opts.SimTLS = func(c *tls.Config) { c.ClientAuth = tls.RequireAnyClientCert }
		case b.Fault != "":
			f, err := sim.ParseFault(b.Fault)
			if err != nil {
				t.Fatalf("%s: %v", c.ID, err)
			}
			opts.Faults = []sim.Fault{f}
		default:
			t.Fatalf("%s: pair has neither fault nor tls", c.ID)
		}
		if b.Step == "" {
			t.Errorf("%s: the pair names no step that must fail", c.ID)
		}
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			r := execute(t, opts)
			got := r.outcome(t, c.ID)
			p := got.Problem()
			switch {
			case got.Outcome != evidence.Failed || p == nil:
				t.Errorf("%s %s against %+v; it must fail (not error) at the step %q\n%s", c.ID, got.Outcome, b, b.Step, r.stderr)
			case p.Outcome != evidence.Failed || !strings.Contains(p.Text, b.Step):
				t.Errorf("%s failed at the step %q (%s: %s); it must fail at the step %q", c.ID, p.Text, p.Outcome, p.Message, b.Step)
			}
			if c.Mandatory && r.code == run.ExitOK {
				t.Errorf("exit 0 with a broken simulator")
			}
		})
	}
	if len(unbroken) > 0 {
		t.Errorf("no fault breaks these scenarios (add a pair to testdata/pack-faults.yaml): %v", unbroken)
	}
	var stale []string
	for id := range pairs {
		stale = append(stale, id)
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("pairs for scenarios the pack does not have: %v", stale)
	}
}
