package steps

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/gateway"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// simEnv serves a simulator of a personality ("default" or "alt") over mutual TLS on loopback and returns what a run's scenarios share
// to reach it: the client, a prescriber's and a pharmacist's credentials, and tokens with changed
// claims, as konform run gives them.
func simEnv(t *testing.T, personality string) *Env {
	t.Helper()
	now := time.Now()
	d, _, err := pki.EnsureDevPKI(t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := sim.Personality(personality)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Policy: &policy})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	id, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		t.Fatal(err)
	}
	roots, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	c, err := fhirclient.New(fhirclient.Config{BaseURL: srv.URL, TLS: pki.ClientTLS(roots, id)})
	if err != nil {
		t.Fatal(err)
	}
	claims := func(role Role) sim.Claims {
		if role == Pharmacist {
			return sim.PharmacistClaims(now)
		}
		return sim.PrescriberClaims(now)
	}
	bundled, err := pack.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{RunID: "isolering", Today: now.Format("2006-01-02"), Fixtures: nllpack.FS, TestData: bundled.Info.TestData,
		Client: func(Identity) (*fhirclient.Client, error) { return c, nil },
		Credentials: func(role Role) (http.Header, error) {
			org := `{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}`
			if role == Pharmacist {
				org = `{"orgenhetsId":"7350045511999","orgenhetsIdTyp":"GLN"}`
			}
			return http.Header{"Authorization": {"Bearer " + s.Token(claims(role))}, "X-Org-Info": {org}}, nil
		},
		Token: func(role Role, changes map[string]any) (string, error) {
			c := claims(role)
			raw, _ := json.Marshal(changes)
			if err := json.Unmarshal(raw, &c); err != nil {
				return "", err
			}
			return s.Token(c), nil
		}}
}

// look reads NLL's state with a fresh scenario of its own: the search's entries, after the
// cleanup of the scenario under test.
func look(t *testing.T, env *Env, typ, query string) []any {
	t.Helper()
	w := NewWorld(context.Background(), env)
	must(t, w.setPurposeAndAccess("VARD", "TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER"))
	must(t, w.search(typ, query+"&_count=1000"))
	doc, _, err := w.fhirBody()
	if err != nil {
		t.Fatal(err)
	}
	return asList(doc["entry"])
}

func statuses(entries []any) []string {
	var out []string
	for _, e := range entries {
		out = append(out, firstString(e, "resource", "status"))
	}
	return out
}

// TestCleanupEndsEverythingTheScenarioMade: a scenario on a patient of its own creates a
// prescription, a data lock, a consent and a dispense, then lowers the token's assurance level,
// drops headers and connects without a certificate; its cleanup still ends all four, and the
// patient goes back to the pool as it was.
func TestCleanupEndsEverythingTheScenarioMade(t *testing.T) {
	env := simEnv(t, "default")
	w := NewWorld(context.Background(), env)
	must(t, w.setPurposeAndAccess("VARD", "TILLFALLIGT_SAMTYCKE"))
	must(t, w.leasePatient())
	pnr := w.pnr
	for _, template := range []string{"forskrivning.json", "sparr.json", "samtycke.json"} {
		typ := map[string]string{"forskrivning.json": "MedicationRequest", "sparr.json": "Basic", "samtycke.json": "Consent"}[template]
		must(t, w.create(typ, template))
		must(t, w.statusIs(201))
		if typ == "MedicationRequest" {
			w.vars["förskrivning"] = createdID(w.created)
		}
	}
	must(t, w.actAs("farmaceut"))
	must(t, w.setPurposeAndAccess("EXPEDIERING", "UTAN_KRAV_SAMTYCKE"))
	w.created = "MedicationRequest/" + w.vars["förskrivning"]
	must(t, w.callWithTemplate("MedicationDispense/$verify", "uttag.json"))
	must(t, w.create("MedicationDispense", "uttag.json"))
	must(t, w.statusIs(201))
	if len(w.made) != 4 {
		t.Fatalf("the scenario remembers %v, want a prescription, a lock, a consent and a dispense", w.made)
	}
	must(t, w.setClaim("loa", "2"))
	must(t, w.omitHeader("x-provenance"))
	must(t, w.omitHeader("authorization"))
	must(t, w.setHeader("Prefer", "return=OperationOutcome"))
	must(t, w.connectWithoutCertificate())
	patient := w.patient

	if problems := w.Cleanup(context.Background()); len(problems) > 0 {
		t.Fatalf("cleanup problems: %v", problems)
	}
	if w.leased != "" || len(env.leases.free) != env.leases.size {
		t.Errorf("the patient was not given back to the pool: %d of %d free", len(env.leases.free), env.leases.size)
	}
	if got := look(t, env, "Basic", "code=datalock&patient="+patient); len(got) != 0 {
		t.Errorf("the data lock outlives the scenario: %v", got)
	}
	if got := statuses(look(t, env, "Consent", "patient="+patient)); strings.Join(got, ",") != "inactive" {
		t.Errorf("consents after the cleanup: %v, want one inactive", got)
	}
	if got := statuses(look(t, env, "MedicationDispense", "patient="+patient)); strings.Join(got, ",") != "entered-in-error" {
		t.Errorf("dispenses after the cleanup: %v, want one entered-in-error", got)
	}
	// The dispense completed the prescription (no repeats), so $end had nothing left to end.
	if got := statuses(look(t, env, "MedicationRequest", "patient="+patient)); strings.Join(got, ",") != "completed" {
		t.Errorf("prescriptions after the cleanup: %v, want one completed by its dispense", got)
	}
	// The exchanges of the cleanup were made with the run's user and headers, not the scenario's.
	last := w.Exchanges[len(w.Exchanges)-1]
	if last.Request.Header.Get("Authorization") == "" || last.Request.Header.Get("X-Provenance") == "" || last.Request.Header.Get("Prefer") != "" {
		t.Errorf("the cleanup sent the scenario's headers: %v", last.Request.Header)
	}
	// The next scenario on the patient finds it unlocked.
	next := NewWorld(context.Background(), env)
	must(t, next.setPurposeAndAccess("VARD", "TILLFALLIGT_SAMTYCKE"))
	must(t, next.setTestPatient(pnr))
	must(t, next.search("Basic", "code=medlistinfo&patient={{patient.id}}"))
	must(t, next.fhirPathEquals("Bundle.entry.resource.extension.where(url.endsWith('nllPrivacyLock')).value", "false"))
}

// TestCleanupCancelsAfterChangedClaims: a scenario that lowered its token's assurance level
// (which NLL refuses) and dropped the headers konform sends still gets its prescription cancelled.
func TestCleanupCancelsAfterChangedClaims(t *testing.T) {
	env := simEnv(t, "default")
	w := NewWorld(context.Background(), env)
	must(t, w.setPurposeAndAccess("VARD", "TILLFALLIGT_SAMTYCKE"))
	must(t, w.setTestPatient("199802262387"))
	must(t, w.create("MedicationRequest", "forskrivning.json"))
	must(t, w.setClaim("loa", "2"))
	must(t, w.setClaim("FORSKRIVARKOD", ""))
	must(t, w.omitHeader("x-org-info"))
	must(t, w.readBackCreated())
	must(t, w.statusIn("4xx"))
	id := createdID(w.created)
	if problems := w.Cleanup(context.Background()); len(problems) > 0 {
		t.Fatalf("cleanup problems: %v", problems)
	}
	if got := statuses(look(t, env, "MedicationRequest", "_id="+id)); strings.Join(got, ",") != "cancelled" {
		t.Errorf("the prescription after the cleanup: %v, want cancelled", got)
	}
}

// TestCleanupEndsWhatTheSystemUnderTestMade: the prescriptions, consents, locks and dispenses the
// system created through the gateway (a POST answered 201 with a Location, or a transaction) are
// the cleanup's too; its operations ($verify, $end) created nothing.
func TestCleanupEndsWhatTheSystemUnderTestMade(t *testing.T) {
	loc := func(l string) http.Header { return http.Header{"Location": {l}} }
	r := &recorded{calls: []*gateway.Call{
		{Method: "POST", Path: "Consent", Status: 201, RespHeader: loc("https://nll.test/fhir/Consent/c1/_history/1")},
		{Method: "POST", Path: "Basic", Status: 201, RespHeader: loc("/fhir/Basic/b1/_history/1")},
		{Method: "POST", Path: "MedicationDispense/$verify", Status: 200, RespHeader: http.Header{}, RespBody: []byte(`{"resourceType":"Parameters"}`)},
		{Method: "POST", Path: "MedicationDispense", Status: 201, RespHeader: loc("MedicationDispense/d1/_history/1")},
		{Method: "POST", Path: "MedicationRequest", Status: 422, RespHeader: http.Header{}},
		{Method: "POST", Path: "", Status: 200, RespHeader: http.Header{}, RespBody: []byte(`{"resourceType":"Bundle","type":"transaction-response","entry":[` +
			`{"response":{"status":"201","location":"MedicationRequest/m1/_history/1"}},{"response":{"status":"201 Created","location":"https://nll.test/fhir/MedicationRequest/m2/_history/1"}}]}`)},
		{Method: "POST", Path: "MedicationRequest/$end", Status: 200, RespHeader: loc("MedicationRequest/m9")},
		{Method: "PUT", Path: "MedicationRequest/m3", Status: 200, RespHeader: loc("MedicationRequest/m3/_history/2")},
	}}
	w := sutWorld(r)
	var got []string
	for _, x := range w.sutCreated() {
		got = append(got, x.String())
	}
	if want := "Consent/c1 Basic/b1 MedicationDispense/d1 MedicationRequest/m1 MedicationRequest/m2"; strings.Join(got, " ") != want {
		t.Errorf("the system created %v, want %s", got, want)
	}
}

// TestPoolLendsEachPatientToOneScenario: scenarios that lease at once get different patients;
// with every patient leased a scenario waits until one comes back, and after the pool's wait it
// stops with an error that says what to do; a patient whose cleanup left data is not lent again.
func TestPoolLendsEachPatientToOneScenario(t *testing.T) {
	pool, err := pack.NewPool([]string{"189001029819", "189001039800"}, "my/pack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Pool: pool, PoolWait: 200 * time.Millisecond}
	a, b, c := NewWorld(context.Background(), env), NewWorld(context.Background(), env), NewWorld(context.Background(), env)
	must(t, a.leasePatient())
	must(t, b.leasePatient())
	if a.pnr == b.pnr || !pool.Has(a.pnr) || !pool.Has(b.pnr) {
		t.Fatalf("two scenarios share %s and %s", a.pnr, b.pnr)
	}
	if err := a.leasePatient(); err == nil || !strings.Contains(err.Error(), "already has its own test patient") {
		t.Errorf("a second lease in one scenario: %v", err)
	}
	err = c.leasePatient()
	if err == nil || !strings.Contains(err.Error(), "all 2 patients of the pool my/pack.yaml have been leased by other scenarios for 200ms") ||
		!strings.Contains(err.Error(), "lower --concurrency") {
		t.Fatalf("an exhausted pool: %v", err)
	}
	env.PoolWait = 10 * time.Second
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.leasePatient(); err != nil {
			t.Error(err)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	aPnr := a.pnr
	a.Cleanup(context.Background()) // nothing created: only the patient goes back
	wg.Wait()
	if c.pnr != aPnr {
		t.Errorf("the waiting scenario got %q, want %s, the patient given back", c.pnr, aPnr)
	}
	b.Cleanup(context.Background())
	c.Cleanup(context.Background())
	if len(env.leases.free) != 2 {
		t.Errorf("%d patients back in the pool, want 2", len(env.leases.free))
	}
	// A patient whose cleanup left test data goes out of the pool; with none left, a lease says so
	// at once.
	broken := &Env{Pool: pool, PoolWait: 10 * time.Second, Client: func(Identity) (*fhirclient.Client, error) {
		return nil, errors.New("NLL is not reachable")
	}}
	for i := 0; i < 2; i++ {
		x := NewWorld(context.Background(), broken)
		must(t, x.leasePatient())
		x.remember(ref{typ: "Basic", id: "lock"})
		if problems := x.Cleanup(context.Background()); len(problems) != 1 || !strings.Contains(problems[0], "Basic/lock: ") {
			t.Fatalf("cleanup problems %v", problems)
		}
	}
	started := time.Now()
	err = NewWorld(context.Background(), broken).leasePatient()
	if err == nil || !strings.Contains(err.Error(), "every patient of the pool my/pack.yaml was taken out of it, since its cleanup left test data (189001029819, 189001039800)") ||
		time.Since(started) > time.Second {
		t.Errorf("a pool whose patients all kept test data: %v after %s", err, time.Since(started))
	}

	ctx, cancel := context.WithCancel(context.Background())
	d := NewWorld(ctx, &Env{Pool: pool})
	must(t, NewWorld(context.Background(), d.env).leasePatient())
	must(t, NewWorld(context.Background(), d.env).leasePatient())
	cancel()
	if err := d.leasePatient(); err == nil || !strings.Contains(err.Error(), "the run ended") {
		t.Errorf("an interrupted wait: %v", err)
	}
}

// TestNoTemplateNamesAPoolPatient: a request template names its patient by {{patient.id}}, never
// a patient of the pool, which another scenario may have leased.
func TestNoTemplateNamesAPoolPatient(t *testing.T) {
	pool, err := pack.BundledPool()
	if err != nil {
		t.Fatal(err)
	}
	templates, _ := fs.Glob(nllpack.FS, "templates/*.json")
	for _, name := range templates {
		data, _ := fs.ReadFile(nllpack.FS, name)
		for _, pnr := range pool.Patients {
			if strings.Contains(string(data), pnr) {
				t.Errorf("%s names %s, a patient of the pool", name, pnr)
			}
		}
	}
	for _, pnr := range pool.Patients {
		if _, err := fs.Stat(nllpack.Fixtures(), "patients/"+pnr+".json"); err != nil {
			t.Errorf("pool patient %s is not seeded in the simulator (fixtures/patients/%s.json)", pnr, pnr)
		}
	}
}
