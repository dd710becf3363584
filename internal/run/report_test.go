package run_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// browser returns Debian's chromium, skipping when it is missing unless KONFORM_REQUIRE_BROWSER
// is set (make test installs it and sets it).
func browser(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("KONFORM_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed; make test installs it (apt-get install chromium)")
		}
		t.Skip("chromium is not installed; make test installs it")
	}
	return path
}

// chromiumArgs are the flags of a quiet headless chromium on a closed network.
func chromiumArgs(t *testing.T, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir()}, extra...)
}

// render loads a file in headless chromium and returns the DOM it built, with a screenshot.
// The report has no scripts and no event handlers (checked separately), so what chromium shows
// is what a browser with JavaScript off shows; chromium's own --dump-dom needs scripting on.
func render(t *testing.T, chromium, file string) string {
	t.Helper()
	dom := dumpDOM(t, chromium, file)
	png := filepath.Join(t.TempDir(), "report.png")
	if err := exec.Command(chromium, chromiumArgs(t, "--window-size=1280,1600", "--screenshot="+png, "file://"+file)...).Run(); err != nil {
		t.Fatalf("chromium screenshot: %v", err)
	}
	if info, err := os.Stat(png); err != nil || info.Size() < 10000 {
		t.Errorf("no screenshot of the report: %v", err)
	}
	return dom
}

// dumpDOM loads a file in headless chromium and returns the DOM it built.
func dumpDOM(t *testing.T, chromium, file string) string {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(chromium, chromiumArgs(t, "--dump-dom", "file://"+file)...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	t.Logf("chromium opened %s in %s", filepath.Base(file), time.Since(start).Round(time.Millisecond))
	return string(out)
}

func TestReportShowsTheVerdictInABrowser(t *testing.T) {
	chromium := browser(t)
	t.Parallel()
	broken, _ := sim.ParseFault("path=Patient,remove=entry")
	for _, c := range []struct{ lang, verdict, failed, check, banner, deviations string }{
		{"sv", "Utslag: Ej godkänt", "underkänt", "antal Bundle.entry", "Körning mot konforms simulator – inte bevis för godkännande", "Avvikelser"},
		{"en", "Verdict: Not approved", "failed", "number of Bundle.entry", "Run against konform's simulator – no evidence for approval", "Deviations"},
	} {
		// The whole pack: only a run of every mandatory case gets a verdict.
		r := execute(t, run.Options{Faults: []sim.Fault{broken}, Lang: c.lang, Case: "Dnr 2026/1", SUT: "ref"})
		file := filepath.Join(r.dir, evidence.ReportFile)
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?i)<script|<link|<img|<iframe|src=|@import|url\(|\son[a-z]+=`).Match(raw) {
			t.Errorf("%s: the report loads something or has a script", c.lang)
		}
		dom := render(t, chromium, file)
		verdict := regexp.MustCompile(`<div id="verdict"[^>]*>([^<]*)`).FindStringSubmatch(dom)
		if verdict == nil || strings.TrimSpace(verdict[1]) != c.verdict {
			t.Errorf("%s: verdict %v, want %q", c.lang, verdict, c.verdict)
		}
		for _, want := range []string{"Dnr 2026/1", "NLL-TA05-01", c.failed, c.check, c.banner, c.deviations, "exchanges.http #1"} {
			if !strings.Contains(dom, want) {
				t.Errorf("%s: the rendered report lacks %q", c.lang, want)
			}
		}
	}
}

func TestUnredactedReportSaysSo(t *testing.T) {
	t.Parallel()
	r := execute(t, run.Options{Tags: "@tc:NLL-ANSL-01", NoRedact: true, Lang: "en"})
	raw, _ := os.ReadFile(filepath.Join(r.dir, evidence.ReportFile))
	if !strings.Contains(string(raw), "this evidence is not redacted") {
		t.Error("no banner for an unredacted run")
	}
}

// TestReportOfTenThousandCasesOpens writes the report of a 10,000-case run, one in ten failed,
// checks it stays under 25 MB and that a browser opens it.
func TestReportOfTenThousandCasesOpens(t *testing.T) {
	chromium := browser(t)
	t.Parallel()
	dir := t.TempDir()
	run := &evidence.Run{ID: "large", Environment: "sim", Redacted: true}
	body := []byte("GET https://127.0.0.1/fhir-server/fhir/Patient\n\nHTTP 500 Internal Server Error\n\n{\"resourceType\":\"OperationOutcome\"}\n")
	log := evidence.NewExchangeLog(dir)
	for i := 0; i < 10000; i++ {
		c := &evidence.Case{ID: fmt.Sprintf("NLL-L-%05d", i), Name: "Sök patient", Mandatory: true, Outcome: evidence.Passed,
			File: "features/x.feature", Line: i, Requirements: []string{"FHIR-SEARCH"}}
		step := evidence.Step{Keyword: "Så ", Text: "är svarets statuskod 200", Outcome: evidence.Passed}
		if i%10 == 0 {
			c.Outcome, step.Outcome, step.Message, step.Expect, step.Actual = evidence.Failed, evidence.Failed, "status code: expected 200, got 500", "200", "500"
		}
		c.Steps = []evidence.Step{step}
		refs, err := log.Append(c.ID, []evidence.CaseExchange{{Text: string(body), Summary: "GET https://127.0.0.1/fhir-server/fhir/Patient → 500 (1 ms)"}})
		if err != nil {
			t.Fatal(err)
		}
		c.Exchanges = refs
		run.Cases = append(run.Cases, c)
	}
	log.Close()
	if err := evidence.WriteReport(dir, run, nil, "sv"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, evidence.ReportFile)
	info, _ := os.Stat(file)
	if info.Size() > 25<<20 {
		t.Errorf("report of 10,000 cases is %d MB", info.Size()>>20)
	}
	dom := dumpDOM(t, chromium, file)
	if !strings.Contains(dom, "Utslag: Ej godkänt") || !strings.Contains(dom, "NLL-L-09990") {
		t.Error("the browser did not show the large report")
	}
}
