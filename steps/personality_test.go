package steps

import (
	"context"
	"strings"
	"testing"

	"github.com/konform/konform/internal/sim"
)

// simWorld serves a simulator of a personality over mutual TLS on loopback and returns a World
// connected to it as a prescriber, with the VARD purpose and a test patient.
func simWorld(t *testing.T, personality string) *World {
	t.Helper()
	w := NewWorld(context.Background(), simEnv(t, personality))
	must(t, w.setPurposeAndAccess("VARD", "TILLFALLIGT_SAMTYCKE"))
	must(t, w.setTestPatient("199802262387"))
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSetChecksPassAgainstBothPersonalities runs the checks for what NLL leaves open against real
// simulators of both personalities: each passes against both where the exact check
// (statusIs, a diagnostics prefix, an absolute Location) passes against one only, and each fails
// on an answer outside its set.
func TestSetChecksPassAgainstBothPersonalities(t *testing.T) {
	for _, personality := range sim.Personalities {
		t.Run(personality, func(t *testing.T) {
			t.Parallel()
			w := simWorld(t, personality)
			alt := personality == "alt"
			expect := func(what string, err error, pass bool) {
				t.Helper()
				if pass && err != nil {
					t.Errorf("%s fails: %v", what, err)
				}
				if !pass && err == nil {
					t.Errorf("%s passes", what)
				}
			}

			must(t, w.create("MedicationRequest", "forskrivning.json"))
			expect("Location matching MedicationRequest/<id>", w.headerMatches("Location", "MedicationRequest/[^/]+/_history/1$"), true)
			expect("Location matching MedicationDispense/", w.headerMatches("Location", "MedicationDispense/"), false)
			expect("Location matching ^https://", w.headerMatches("Location", "^https://"), !alt)
			expect("a bad regular expression", w.headerMatches("Location", "("), false)

			must(t, w.changeCreated("status", "on-hold"))
			must(t, w.changeVersion("status", "completed", 1))
			expect("status 409 eller 412", w.statusIn("409 eller 412"), true)
			expect("status 4xx", w.statusIn("4xx"), true)
			expect("status 200, 201 eller 2xx", w.statusIn("200, 201 eller 2xx"), false)
			expect("status 409 exactly", w.statusIs(409), !alt)
			expect("empty or an error", w.errorEmptyOrOutcome(), true)
			expect("an error", w.outcomeHasError(""), !alt) // alt refuses without a body
			expect("an error with a code among conflict, processing", w.outcomeHasError("conflict, processing"), !alt)
			expect("an error with the code not-found", w.outcomeHasError("not-found"), false)
			expect("the issue code conflict exactly", w.outcomeHasIssue("error", "conflict"), !alt)

			must(t, w.callWithTemplate("", "transaktion-trasig.json"))
			expect("pointing at Bundle.entry[1]", w.outcomePointsAt("Bundle.entry[1]"), true)
			expect("pointing at Bundle.entry[0]", w.outcomePointsAt("Bundle.entry[0]"), false)
			expect("diagnostics starting with Bundle.entry[1]", w.fhirPathTrue("OperationOutcome.issue.diagnostics.startsWith('Bundle.entry[1]')"), !alt)

			for i := 0; i < 6; i++ {
				must(t, w.create("MedicationRequest", "forskrivning.json"))
			}
			must(t, w.search("MedicationRequest", "patient={{patient.id}}&_count=2"))
			expect("the last prescription on some page", w.fhirPathTrueOnSomePage("Bundle.entry.resource.where(id = '{{created.id}}').exists()"), true)
			must(t, w.search("MedicationRequest", "patient={{patient.id}}&_count=2"))
			err := w.fhirPathTrueOnSomePage("Bundle.entry.resource.where(id = 'none').exists()")
			expect("an unknown id on some page", err, false)
			if err != nil && !strings.Contains(err.Error(), "on 4 page(s)") {
				t.Errorf("the paging check read %v, want 4 pages of 2 for 7 prescriptions", err)
			}
			must(t, w.search("MedicationRequest", "patient={{patient.id}}&_count=2"))
			must(t, w.saveMatchCount("alla"))
			expect("7 matches on all pages", w.matchCountIs("7"), true)
			expect("the saved count on all pages", w.matchCountIs("{{var.alla}}"), true)
			expect("2 matches, the first page's", w.matchCountIs("2"), false)
		})
	}
}
