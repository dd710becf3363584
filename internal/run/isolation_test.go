package run_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// TestPackRunsTwentyTimesAtConcurrencyEight runs the whole pack 20 times, 8 scenarios at a time,
// each run in its own order (seed), every other one with pages of 5 so that the paging checks
// cross pages while other scenarios write: not one case may fail and no cleanup may leave data.
// Scenarios that change or count something of a patient lease one of their own from the pool.
func TestPackRunsTwentyTimesAtConcurrencyEight(t *testing.T) {
	t.Parallel()
	certs := filepath.Join(t.TempDir(), "certs") // one dev PKI for all 20 runs
	if _, _, err := pki.EnsureDevPKI(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 20; i++ {
		opts := run.Options{Concurrency: 8, Seed: i * 7919, SUT: "ref", CertsDir: certs}
		name := fmt.Sprintf("seed-%d", opts.Seed)
		if i%2 == 0 {
			small := sim.DefaultPolicy()
			small.PageSize = 5
			opts.SimPolicy, name = &small, name+"-pages-of-5"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel() // two at a time on two cores (go test -parallel defaults to GOMAXPROCS)
			r := execute(t, opts)
			var bad []string
			for _, c := range r.summary.Run.Cases {
				if !passed(c) {
					line := c.ID + " " + string(c.Outcome)
					if p := c.Problem(); p != nil {
						line += " at " + p.Text + ": " + p.Message
					}
					bad = append(bad, line)
				}
				for _, problem := range c.CleanupProblems {
					bad = append(bad, c.ID+" left test data: "+problem)
				}
			}
			if len(bad) > 0 || r.code != run.ExitOK || r.summary.Counts.Total < 60 {
				t.Fatalf("seed %d at concurrency 8: exit %d, %+v\n%s", opts.Seed, r.code, r.summary.Counts, strings.Join(bad, "\n"))
			}
		})
	}
}

// shared is one simulator that several runs use in turn, served as a configured environment (as
// EXT is) with a prescriber and a pharmacist, so that what one run leaves the next one sees.
type shared struct {
	t          *testing.T
	s          *sim.Simulator
	cfg, certs string
}

func sharedSimulator(t *testing.T) *shared {
	t.Helper()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for file, claims := range map[string]sim.Claims{"prescriber": sim.PrescriberClaims(time.Now()), "pharmacist": sim.PharmacistClaims(time.Now()),
		"pharmacy-staff": sim.RoleClaims(sim.RolePharmacyStaff, time.Now())} {
		if err := os.WriteFile(filepath.Join(root, file), []byte(s.Token(claims)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(root, "konform.yaml")
	err = os.WriteFile(cfg, []byte(fmt.Sprintf(`environments:
  delad:
    kind: test
    base_url: %s
    ca: certs/ca.pem
    client: {cert: certs/client.pem, key: certs/client.key}
    users:
      förskrivare: {token_file: prescriber, org_info: '{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}'}
      farmaceut: {token_file: pharmacist, org_info: '{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}'}
      apotekspersonal: {token_file: pharmacy-staff, org_info: '{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}'}
`, srv.URL)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return &shared{t: t, s: s, cfg: cfg, certs: certs}
}

// run runs a selection of the pack against the shared simulator; every case must pass and
// leave nothing behind.
func (sh *shared) run(tags string, concurrency int) {
	sh.t.Helper()
	r := execute(sh.t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs, Tags: tags, SUT: "ref", Concurrency: concurrency})
	for _, c := range r.summary.Run.Cases {
		if !passed(c) || len(c.CleanupProblems) > 0 {
			msg := ""
			if p := c.Problem(); p != nil {
				msg = p.Text + ": " + p.Message
			}
			sh.t.Errorf("after the earlier runs, %s %s %s %v", c.ID, c.Outcome, msg, c.CleanupProblems)
		}
	}
	if r.code != run.ExitOK || r.summary.Counts.Total == 0 {
		sh.t.Fatalf("--tags %q: exit %d, %+v\n%s", tags, r.code, r.summary.Counts, r.stderr)
	}
}

// search reads the simulator's state directly, as a prescriber with the patient's consent to
// locked data (so that a lock hides nothing from the check).
func (sh *shared) search(query string) []map[string]any {
	sh.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://nll.test"+sh.s.BasePath()+"/"+query, nil)
	req.Header = http.Header{"Authorization": {"Bearer " + sh.s.Token(sim.PrescriberClaims(time.Now()))}, "X-Request-Id": {uuid.NewString()},
		"X-Org-Info": {`{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`}, "X-Purpose": {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"}}
	rec := httptest.NewRecorder()
	sh.s.ServeHTTP(rec, req)
	var bundle struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &bundle); err != nil || rec.Code != http.StatusOK {
		sh.t.Fatalf("GET %s: %d %s", query, rec.Code, rec.Body)
	}
	var out []map[string]any
	for _, e := range bundle.Entry {
		out = append(out, e.Resource)
	}
	return out
}

// leftovers lists what runs left that is not ended: locks and dose bases, consents not revoked,
// dispenses not nullified, prescriptions active or on hold.
func (sh *shared) leftovers() []string {
	sh.t.Helper()
	var out []string
	for query, ended := range map[string]string{
		"Basic?code=datalock&_count=1000":       "",
		"Basic?code=multidosebasis&_count=1000": "",
		"Consent?_count=1000":                   "inactive",
		"MedicationDispense?_count=1000":        "entered-in-error",
		"MedicationRequest?_count=1000":         "cancelled completed",
	} {
		for _, res := range sh.search(query) {
			status, _ := res["status"].(string)
			if ended == "" || !strings.Contains(ended, status) {
				out = append(out, fmt.Sprintf("%s/%v (%s)", res["resourceType"], res["id"], status))
			}
		}
	}
	return out
}

// TestNothingOutlivesItsScenario runs the lock and consent cases first and then the rest of the
// pack in one simulator, as several runs in one EXT environment would: the lock TA36 placed on
// its pool patient is gone after it, so that the next case that leases the same patient (FSK-03,
// which must find its own prescription) passes, and after all of it no lock, consent, dispense or
// prescription a scenario created is left active.
func TestNothingOutlivesItsScenario(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	sh.run("@tc:NLL-TA36-01", 1) // locks the pool's first patient
	if locks := sh.search("Basic?code=datalock"); len(locks) > 0 {
		t.Errorf("the lock Basic/%v outlives its scenario", locks[0]["id"])
	}
	sh.run("@tc:NLL-FSK-03", 1) // leases the same first patient
	sh.run("@tc:NLL-TA53-01,@tc:SUT-VARD-11,@tc:SUT-VARD-17", 1)
	sh.run("~@sim", 4)
	if left := sh.leftovers(); len(left) > 0 {
		t.Errorf("test data left active after the runs: %v", left)
	}
	if n := len(sh.search("MedicationDispense?_count=1000")); n < 3 {
		t.Errorf("only %d dispenses made; the check of their cleanup checks little", n)
	}
}

// TestSecretHeadersStayOutOfTheEvidence: a supplier's API key in konform.yaml's headers: goes
// with every request but appears in no file of the evidence, not even where the simulator
// echoes what it got.
func TestSecretHeadersStayOutOfTheEvidence(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	const key = "konform-test-api-key-4711"
	f, err := os.OpenFile(sh.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "    headers: {X-Api-Key: %s}\n", key)
	f.Close()
	r := execute(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs, Tags: "@tc:NLL-TA05-01"})
	if r.code != run.ExitOK || r.summary.Counts.Total != 1 {
		t.Fatalf("exit %d, %+v\n%s", r.code, r.summary.Counts, r.stderr)
	}
	seen := 0
	filepath.Walk(r.dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), key) {
			t.Errorf("%s holds the API key", path)
		}
		seen += strings.Count(string(data), "X-Api-Key: [redacted]")
		return nil
	})
	if seen == 0 {
		t.Error("no exchange shows the header X-Api-Key as redacted: was it sent?")
	}
}

// TestRefusedTokenIsAConfigurationError: when the environment refuses a configured user's token
// (here one the simulator did not issue), no case runs: the run says which user and what to do,
// exits 2, and its evidence is inconclusive, never "not approved".
func TestRefusedTokenIsAConfigurationError(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	other, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(sh.cfg), "pharmacist"), []byte(other.Token(sim.PharmacistClaims(time.Now()))), 0o600); err != nil {
		t.Fatal(err)
	}
	r := execute(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs})
	if r.code != run.ExitUsage || r.summary.Verdict != evidence.Inconclusive || len(r.summary.Run.Cases) != 0 {
		t.Fatalf("exit %d, verdict %s, %d cases; want 2, inconclusive, none run\n%s", r.code, r.summary.Verdict, len(r.summary.Run.Cases), r.stderr)
	}
	if !strings.Contains(r.stderr, "the token of user farmaceut was refused") || !strings.Contains(r.summary.Run.Refused, "farmaceut") {
		t.Errorf("want one line naming the user farmaceut:\n%s", r.stderr)
	}
	report, _ := os.ReadFile(filepath.Join(r.dir, evidence.ReportFile))
	if !strings.Contains(string(report), "Målmiljön avvisade körningens användare") {
		t.Error("report.html does not say why no case ran")
	}
}

// TestAnEmptyTokenFileStopsTheRun: a token file with nothing in it is a configuration error
// before any request, not a run without a token whose cases all fail.
func TestAnEmptyTokenFileStopsTheRun(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	os.WriteFile(filepath.Join(filepath.Dir(sh.cfg), "pharmacist"), []byte("\n"), 0o600)
	var stdout, stderr bytes.Buffer
	code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
		run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs, Out: filepath.Join(t.TempDir(), "reports")})
	if code != run.ExitUsage || !strings.Contains(stderr.String(), "user farmaceut") || !strings.Contains(stderr.String(), "is empty") {
		t.Errorf("exit %d; want 2 and a line naming the user and the empty file:\n%s", code, stderr.String())
	}
}

// TestInterruptedRunAgainstAnEnvironmentNamesTheCleanup: a run against a configured environment
// that stops on SIGINT says how to remove what it may have left there.
func TestInterruptedRunAgainstAnEnvironmentNamesTheCleanup(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the signal came before the first case
	var stdout, stderr bytes.Buffer
	code := run.Execute(ctx, run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
		run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs, Out: filepath.Join(t.TempDir(), "reports")})
	dir := strings.TrimSpace(stdout.String())
	want := "konform cleanup --env delad --run " + filepath.Base(dir) + " --config " + sh.cfg
	if code != run.ExitInterrupted || !strings.Contains(stderr.String(), want) {
		t.Errorf("exit %d; want 130 and the line %q:\n%s", code, want, stderr.String())
	}
}

// notKonform serves h without the header by which konform's simulator names itself, as a
// service that is not konform's (EXT) answers.
type notKonform struct{ h http.Handler }

func (n notKonform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.h.ServeHTTP(headerless{w}, r)
}

type headerless struct{ http.ResponseWriter }

func (h headerless) WriteHeader(code int) {
	h.Header().Del(sim.Header)
	h.ResponseWriter.WriteHeader(code)
}

func (h headerless) Write(b []byte) (int, error) {
	h.Header().Del(sim.Header)
	return h.ResponseWriter.Write(b)
}

// foreignEnvironment serves a simulator as konform's does not look: certificates of a CA of its
// own (not the dev PKI) and without konform's header, configured as environment "ext" of kind
// test with the users the pack needs, as a supplier configures EXT.
func foreignEnvironment(t *testing.T) (cfg string) {
	t.Helper()
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures()})
	if err != nil {
		t.Fatal(err)
	}
	root, url := ownCA(t, notKonform{s})
	files := map[string][]byte{}
	for file, claims := range map[string]sim.Claims{"prescriber": sim.PrescriberClaims(time.Now()), "pharmacist": sim.PharmacistClaims(time.Now()),
		"pharmacy-staff": sim.RoleClaims(sim.RolePharmacyStaff, time.Now())} {
		files[file] = []byte(s.Token(claims))
	}
	for name, data := range files {
		os.WriteFile(filepath.Join(root, name), data, 0o600)
	}
	cfg = filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`environments:
  ext:
    kind: test
    base_url: %s%s
    ca: ca.pem
    client: {cert: client.pem, key: client.key}
    users:
      förskrivare: {token_file: prescriber, org_info: '{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}'}
      farmaceut: {token_file: pharmacist, org_info: '{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}'}
      apotekspersonal: {token_file: pharmacy-staff, org_info: '{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}'}
`, url, s.BasePath())), 0o644)
	return cfg
}

// TestSimCasesAreLeftOutAgainstAnEnvironment: the @sim cases assert what konform's simulator does,
// so against an environment that is not konform's simulator the whole pack runs without them,
// they are no part of the verdict, and the run is not partial: a correct system and NLL are
// approved there. A plan that requires one of them cannot be met there, and the run says which
// and why. Against konform's simulator served elsewhere they still run (TestNothingOutlivesItsScenario).
func TestSimCasesAreLeftOutAgainstAnEnvironment(t *testing.T) {
	t.Parallel()
	cfg := foreignEnvironment(t)
	certs := t.TempDir()
	p, err := pack.Load(nil, pack.SimTag)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range p.Cases {
		want = append(want, c.ID)
	}
	sort.Strings(want)
	r := execute(t, run.Options{Env: "ext", Config: cfg, CertsDir: certs, SUT: "ref"})
	if r.summary.Run == nil {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, c := range r.summary.Run.Cases {
		if slices.Contains(c.Tags, pack.SimTag) {
			t.Errorf("%s (@sim) ran against an environment that is not konform's simulator: %s", c.ID, c.Outcome)
		}
	}
	sel := r.summary.Run.Selection
	if r.summary.Run.EnvironmentKind != evidence.TestKind || !slices.Equal(sel.SimOnly, want) || sel.Partial() || len(sel.NotRun) > 0 {
		t.Errorf("kind %s, selection %+v; want test, the %d @sim cases left out, not partial, none not run", r.summary.Run.EnvironmentKind, sel, len(want))
	}
	if r.code != run.ExitOK || r.summary.Verdict != evidence.Approved {
		t.Errorf("exit %d, verdict %s; want 0 and approved\n%s", r.code, r.summary.Verdict, r.stderr)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("%d @sim cases left out", len(want))) {
		t.Errorf("the console does not say the @sim cases were left out:\n%s", r.stderr)
	}

	plan := filepath.Join(t.TempDir(), "plan.yaml")
	os.WriteFile(plan, []byte("case: Dnr 2026/1\ntitle: t\nrequired: [NLL-TA05-01, NLL-TA01-01]\n"), 0o644)
	r = execute(t, run.Options{Env: "ext", Config: cfg, CertsDir: certs, Plan: plan})
	if r.code != run.ExitHarness || r.summary.Run == nil || !slices.Equal(r.summary.Run.Selection.NotRun, []string{"NLL-TA01-01"}) ||
		!strings.Contains(r.stderr, "the plan requires NLL-TA01-01, which run only against konform's simulator") {
		t.Errorf("exit %d; want 3 naming NLL-TA01-01 as simulator-only\n%s", r.code, r.stderr)
	}
	r = execute(t, run.Options{Env: "ext", Config: cfg, CertsDir: certs, Tags: "@tc:NLL-TA01-01"})
	if r.code != run.ExitUsage || !strings.Contains(r.stderr, "only @sim cases") {
		t.Errorf("exit %d; want 2 and a line saying the selection has only @sim cases\n%s", r.code, r.stderr)
	}
}
