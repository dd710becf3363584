package run_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/konform/konform/internal/run"
)

// withTestData adds test_data lines to the shared simulator's environment in konform.yaml.
func withTestData(t *testing.T, sh *shared, lines string) {
	t.Helper()
	f, err := os.OpenFile(sh.cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("    test_data:\n" + lines); err != nil {
		t.Fatal(err)
	}
}

// TestAnEnvironmentsTestDataReplacesThePacks: an environment's test_data (the test article EXT
// knows) is what the templates send in place of the pack's; a key the pack does not have and a
// value that would break a template are refused before any connection, with one line.
func TestAnEnvironmentsTestDataReplacesThePacks(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	withTestData(t, sh, "      article.nplpackid: \"20110119100028\"\n      article.name: Omeprazol Test\n")
	r := execute(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs, Tags: "@tc:NLL-FSK-01"})
	if r.code != run.ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	sent, err := os.ReadFile(filepath.Join(r.dir, "exchanges.http"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sent), `"code": "20110119100028"`) || !strings.Contains(string(sent), `"display": "Omeprazol Test"`) || strings.Contains(string(sent), "20110119100011") {
		t.Errorf("the prescription does not carry the environment's article:\n%s", sent)
	}

	for _, tc := range []struct{ lines, want string }{
		{"      artikel.nplpackid: \"1\"\n", "konform.yaml:2: environment delad: test_data artikel.nplpackid is not a value the pack uses (it has: article.name, article.nplpackid,"},
		{"      article.name: 'Paracetamol \"500\"'\n", "test_data article.name: \"Paracetamol \\\"500\\\"\" must be one printable line"},
		{"      article.name: \"…\"\n", "test_data article.name is still the example's \"…\"; give a value the environment knows"},
	} {
		sh := sharedSimulator(t)
		withTestData(t, sh, tc.lines)
		r := execute(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs, Tags: "@tc:NLL-FSK-01"})
		if r.code != run.ExitUsage || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 || r.dir != "" {
			t.Errorf("%s: exit %d, want 2 and one line with %q:\n%s", tc.lines, r.code, tc.want, r.stderr)
		}
	}
}

// TestDoctorSaysWhetherTheEnvironmentGivesItsTestData: an environment that leaves the pack's
// test articles to the simulator's values gets a warning naming them; one that gives them all is
// ok; an unknown key fails.
func TestDoctorSaysWhetherTheEnvironmentGivesItsTestData(t *testing.T) {
	t.Parallel()
	sh := sharedSimulator(t)
	_, out := doctor(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs})
	if !strings.Contains(out, "warn  test data     article.name, article.nplpackid, controlled.name") {
		t.Errorf("no warning for the simulator's articles:\n%s", out)
	}
	withTestData(t, sh, "      article.nplpackid: \"20110119100028\"\n      article.name: Omeprazol Test\n      second.nplpackid: \"20110119100011\"\n"+
		"      second.name: Paracetamol Test\n      controlled.nplpackid: \"20110119100035\"\n      controlled.name: Oxikodon Test\n"+
		"      okand.personnummer: \"189001099804\"\n")
	if _, out := doctor(t, run.Options{Env: "delad", Config: sh.cfg, CertsDir: sh.certs}); !strings.Contains(out, "ok    test data     7 values from environment delad") {
		t.Errorf("every value given:\n%s", out)
	}
	bad := sharedSimulator(t)
	withTestData(t, bad, "      artikel: \"1\"\n")
	if code, out := doctor(t, run.Options{Env: "delad", Config: bad.cfg, CertsDir: bad.certs}); code != run.ExitUsage || !strings.Contains(out, "FAIL  test data") {
		t.Errorf("an unknown key: exit %d\n%s", code, out)
	}
}
