package run_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

func writePlan(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPlanIsTheRequiredSet: a plan that requires two cases (by id and by tag) runs those two and
// gives the verdict against them, an optional case it requires counts, a waived failure is
// approved with waivers, a narrower selection is partial, and the evidence names the plan.
func TestPlanIsTheRequiredSet(t *testing.T) {
	t.Parallel()
	plan := writePlan(t, "case: \"Dnr 2026/0042\"\ntitle: Journalsystem X 4.2\nrequired:\n  - NLL-TA05-01\n  - \"@tc:NLL-TA05-02\"\n  - NLL-ANSL-02\n")
	r := execute(t, run.Options{Plan: plan})
	sel := r.summary.Run.Selection
	if r.code != run.ExitOK || r.summary.Verdict != evidence.Approved || len(r.summary.Run.Cases) != 3 || sel.Required != 3 || len(sel.NotRun) != 0 {
		t.Fatalf("exit %d, verdict %s, %d cases, selection %+v\n%s", r.code, r.summary.Verdict, len(r.summary.Run.Cases), sel, r.stderr)
	}
	for _, c := range r.summary.Run.Cases {
		if !c.Mandatory {
			t.Errorf("%s is required by the plan but not counted as mandatory", c.ID)
		}
	}
	if p := r.summary.Run.Plan; p == nil || p.Case != "Dnr 2026/0042" || p.Required != 3 || r.summary.Run.Case != "Dnr 2026/0042" {
		t.Errorf("the evidence names the plan %+v, case %q", p, r.summary.Run.Case)
	}
	report, _ := os.ReadFile(filepath.Join(r.dir, "report.html"))
	if !strings.Contains(string(report), "Dnr 2026/0042 (Journalsystem X 4.2), osignerad") {
		t.Error("report.html does not name the plan")
	}
	// The selection is the plan's, never "the whole pack", and an unsigned plan says so at the
	// verdict; verify names the plan too.
	if strings.Contains(string(report), "hela testpaketet") || !strings.Contains(string(report), "testplanens testfall (3 testfall krävs)") ||
		!strings.Contains(string(report), "enligt en osignerad testplan") {
		t.Error("report.html reads as if the whole pack ran, or hides that the plan is unsigned")
	}
	if v, err := evidence.Verify(r.dir, ""); err != nil || v.Plan == nil || v.Plan.Case != "Dnr 2026/0042" || v.Plan.Signer != nil {
		t.Errorf("verify does not see the plan: %+v %v", v, err)
	}

	if r := execute(t, run.Options{Plan: plan, Tags: "@tc:NLL-TA05-01"}); r.summary.Verdict != evidence.Partial || len(r.summary.Run.Cases) != 1 {
		t.Errorf("a plan narrowed by --tags: verdict %s, %d cases", r.summary.Verdict, len(r.summary.Run.Cases))
	}

	// A required case that fails, waived by the plan: approved with waivers.
	waived := writePlan(t, "case: D1\nrequired: [NLL-TA05-01, NLL-ANSL-01]\nwaivers:\n  - {case: NLL-TA05-01, reason: känt fel i EXT, reference: \"Dnr 2026/0042 beslut 3\"}\n")
	fault, _ := sim.ParseFault("path=Patient,status=500")
	r = execute(t, run.Options{Plan: waived, Faults: []sim.Fault{fault}})
	if r.summary.Verdict != evidence.ApprovedWithWaivers || r.outcome(t, "NLL-TA05-01").Outcome != evidence.Failed {
		t.Errorf("a waived failure: verdict %s\n%s", r.summary.Verdict, r.stderr)
	}
	// The plan is unsigned, so its waivers are whatever the supplier wrote: the verdict says so.
	if report, _ := os.ReadFile(filepath.Join(r.dir, "report.html")); r.summary.Run.WaiversSigned || !strings.Contains(string(report), "undantagen är inte signerade av handläggaren") {
		t.Errorf("unsigned waivers pass as the officer's: waiversSigned %t", r.summary.Run.WaiversSigned)
	}
}

// TestBadPlansAreOneLine: a plan that requires what the pack lacks, waives what it does not
// require, belongs to another pack, or was changed after it was signed, stops before any
// connection with one line and exit 2.
func TestBadPlansAreOneLine(t *testing.T) {
	t.Parallel()
	officer, err := pki.IssueClient("Handläggarens CA", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	signed := writePlan(t, "case: D2\nrequired: [NLL-TA05-01]\n")
	pl, err := pack.ReadPlan(signed)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := pack.Sign(pack.PlanSignatureFormat, pl.Digest, officer.Key, []*x509.Certificate{officer.Leaf}, time.Now())
	os.WriteFile(signed+".sig", sig, 0o644)
	if r := execute(t, run.Options{Plan: signed, PlanSignerSHA256: officer.Fingerprint()}); r.code != run.ExitOK || r.summary.Run.Plan.Signer == nil || !r.summary.Run.WaiversSigned {
		t.Fatalf("a signed plan: exit %d\n%s", r.code, r.stderr)
	}
	os.WriteFile(signed, []byte("case: D2\nrequired: [NLL-TA05-02]\n"), 0o644)

	for plan, want := range map[string]string{
		writePlan(t, "case: D3\nrequired: [NLL-TA99-01]\n"):                                                          "requires NLL-TA99-01, which matches no test case",
		writePlan(t, "case: D3\nrequired: [NLL-TA05-01]\nwaivers: [{case: NLL-TA05-02, reason: r, reference: x}]\n"): "waives NLL-TA05-02, which it does not require",
		writePlan(t, "case: D3\npack_sha256: \""+strings.Repeat("0", 64)+"\"\nrequired: [NLL-TA05-01]\n"):            "is for the pack with digest 0000",
		writePlan(t, "case: D3\nrequired: [\"@a &&\"]\n"):                                                            "has an empty term",
		writePlan(t, "case: D3\nrequired: [NLL-TA05-01/2]\n"):                                                        "name a whole test case",
		writePlan(t, "required: [NLL-TA05-01]\n"):                                                                    "needs case",
		signed: "was changed after it was signed",
	} {
		var stdout, stderr bytes.Buffer
		code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
			run.Options{Plan: plan, Out: filepath.Join(t.TempDir(), "reports"), CertsDir: filepath.Join(t.TempDir(), "certs")})
		if code != run.ExitUsage || !strings.Contains(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 || stdout.Len() != 0 {
			t.Errorf("want %q: exit %d, stderr %q", want, code, stderr.String())
		}
	}
}

// TestPatientLookupIsLabelledInTheEvidence: konform's own lookup of {{patient.id}} is in the
// evidence, said to be konform's, and the case's own request is not.
func TestPatientLookupIsLabelledInTheEvidence(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-TA05-03"})
	ex := r.outcome(t, "NLL-TA05-03").Exchanges
	if len(ex) != 2 || !strings.HasPrefix(ex[0].Summary, "konform's lookup of the test patient: GET ") || strings.Contains(ex[1].Summary, "lookup") {
		t.Fatalf("exchanges %+v", ex)
	}
}
