package evidence

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRedactorMasksPersonnummerConsistently(t *testing.T) {
	r := NewRedactor()
	got := r.Redact("Patient?identifier=x%7C189001019802 och 18900201-9819, igen 189001019802; ej 20110119100011 eller 189001019803")
	want := "Patient?identifier=x%7C[personnummer-1] och [personnummer-2], igen [personnummer-1]; ej 20110119100011 eller 189001019803"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestValidPersonnummer(t *testing.T) {
	for p, ok := range map[string]bool{"189001019802": true, "199802262387": true, "189001019803": false, "18900101980": false, "1890010198a2": false} {
		if ValidPersonnummer(p) != ok {
			t.Errorf("%s: want %t", p, ok)
		}
	}
}

func TestJUnitIsValidXMLEvenWithControlCharacters(t *testing.T) {
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{{
		ID: "T-1", Name: "bad\x01name", Feature: "F", File: "f.feature", Line: 3, Mandatory: true, Outcome: Failed,
		Requirements: []string{"TK1"}, Exchanges: []ExchangeRef{{File: "exchanges/T-1/001.http", Summary: "GET x → 500"}},
		Steps: []Step{{Keyword: "Så ", Text: "är svarets statuskod 200", Line: 4, Outcome: Failed,
			Message: "status code: expected 200, got 500 \x00\x1b[31m ]]> end", Expect: "200", Actual: "500"}},
	}}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, run); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				Failure struct {
					Message string `xml:"message,attr"`
					Data    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, b.String())
	}
	data := doc.Suites[0].Cases[0].Failure.Data
	for _, w := range []string{"step: Så är svarets statuskod 200 (f.feature:4)", "expected: 200", "actual: 500", "requirements: TK1", "]]> end", "exchange: exchanges/T-1/001.http"} {
		if !strings.Contains(data, w) {
			t.Errorf("failure text lacks %q:\n%s", w, data)
		}
	}
}

func TestVerdictCountsOnlyMandatoryCases(t *testing.T) {
	c := func(m bool, o Outcome) *Case { return &Case{Mandatory: m, Outcome: o} }
	cases := []struct {
		cases []*Case
		want  Verdict
	}{
		{[]*Case{c(true, Passed), c(false, Failed)}, Approved},
		{[]*Case{c(true, Passed), c(true, Error)}, Inconclusive},
		{[]*Case{c(true, Error), c(true, Failed)}, NotApproved},
		{[]*Case{c(true, Skipped)}, Approved},
		{[]*Case{c(true, Passed), {Mandatory: true, Outcome: Failed, Waiver: &Waiver{}}}, ApprovedWithWaivers},
	}
	for i, k := range cases {
		if got := (&Run{Cases: k.cases}).Verdict(); got != k.want {
			t.Errorf("%d: %s, want %s", i, got, k.want)
		}
	}
}

// TestVerdictNeedsTheWholeRequiredSet: a run of less than every mandatory case gives no verdict,
// even when what ran passed or failed; one that could not reach its target is inconclusive.
func TestVerdictNeedsTheWholeRequiredSet(t *testing.T) {
	passed := []*Case{{Mandatory: true, Outcome: Passed}}
	failed := []*Case{{Mandatory: true, Outcome: Failed}}
	for i, k := range []struct {
		run  Run
		want Verdict
	}{
		{Run{Cases: passed, Selection: Selection{Tags: "@tc:NLL-TA05-01", NotRun: []string{"x"}}}, Partial},
		{Run{Cases: failed, Selection: Selection{Tags: "@krav:MTLS"}}, Partial},
		{Run{Cases: passed, Selection: Selection{Shard: "2/4"}}, Partial},
		{Run{Cases: passed, Selection: Selection{Paths: []string{"features/nll"}}}, Partial},
		{Run{Cases: passed, Selection: Selection{NotRun: []string{"NLL-TA05-02"}}}, Inconclusive}, // interrupted
		{Run{Cases: failed, Selection: Selection{NotRun: []string{"NLL-TA05-02"}}}, NotApproved},
		{Run{Unreachable: "no such host"}, Inconclusive},
		{Run{Cases: passed}, Approved},
	} {
		if got := k.run.Verdict(); got != k.want {
			t.Errorf("%d: %s, want %s", i, got, k.want)
		}
	}
}

func TestScrubRemovesSecrets(t *testing.T) {
	r := NewRedactor()
	in := `token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and {"password": "hemligt", "client_secret":"x", "token": "opaque-1", "apiKey": "opaque-2", "id_token": "opaque-3"}
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49
-----END PRIVATE KEY-----
pnr 189001019802`
	out := r.Scrub(in)
	for _, bad := range []string{"eyJhbGci", "hemligt", `"x"`, "opaque-", "MIGHAgEA", "189001019802"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q survives:\n%s", bad, out)
		}
	}
	for _, want := range []string{"[token redacted]", `"password": "[redacted]"`, "[private key redacted]", "[personnummer-1]"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing:\n%s", want, out)
		}
	}
}

// A key cut short keeps one armour line: the end of a command's stderr in an error message
// (the last 300 bytes) has the key's last lines and END, and output cut at its limit has BEGIN and
// the first lines. Neither may show the key's base64.
func TestScrubHidesAPrivateKeyCutShort(t *testing.T) {
	key := "-----BEGIN PRIVATE KEY-----\n" +
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n" +
		"MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n" +
		"NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n" +
		"VumGAgRpv6KHXCfl4CakGSQ=\n" +
		"-----END PRIVATE KEY-----\n"
	for name, text := range map[string]string{
		"the end, on one line":   "the command exited 1: …" + strings.Join(strings.Fields(key[60:]), " "),
		"the end, as it came":    "stderr:\n" + key[60:],
		"the beginning":          "stdout:\n" + key[:150] + "\n[1234 more bytes not kept]",
		"the end, in JSON":       `{"log":"` + strings.ReplaceAll(key[60:], "\n", `\n`) + `"}`,
		"the beginning, in JSON": `{"log":"` + strings.ReplaceAll(key[:150], "\n", `\n`),
	} {
		out := NewRedactor().Scrub(text)
		for _, bad := range []string{"MzEfYyjiWA4R4", "NMoSfm76oqFvAp8", "VumGAgRpv6KH", "MIIEvQIBADAN"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: %q survives:\n%s", name, bad, out)
			}
		}
		if !strings.Contains(out, "[private key redacted]") {
			t.Errorf("%s: no marker:\n%s", name, out)
		}
	}
	if out := NewRedactor().Scrub("the command exited 1: no such file"); out != "the command exited 1: no such file" {
		t.Errorf("text without a key changed: %q", out)
	}
}

// TestScrubHidesEachSecretFieldAlone gives each secret key in a body of its own: a body with only
// "token" or "apikey" once slipped past a quick look for other words.
func TestScrubHidesEachSecretFieldAlone(t *testing.T) {
	for _, key := range secretKeys {
		for _, in := range []string{`{"` + key + `":"opaque-value"}`, `{"` + strings.ToUpper(key) + `" : "opaque-value"}`} {
			if out := NewRedactor().Scrub(in); strings.Contains(out, "opaque") || !strings.Contains(out, `"[redacted]"`) {
				t.Errorf("Scrub(%s) = %s", in, out)
			}
		}
	}
	for _, in := range []string{`{"tokens":"kept"}`, `{"xtoken":"kept"}`, `{"token" "kept"}`, `{"token": 5, "x":"kept"}`} {
		if out := NewRedactor().Scrub(in); out != in {
			t.Errorf("Scrub(%s) = %s, want it unchanged", in, out)
		}
	}
}

// TestScrubHidesQuerySecrets: a token in a URL's query (RFC 6750 allows access_token there), a
// client secret in a form body and a session id header never reach the evidence in clear.
func TestScrubHidesQuerySecrets(t *testing.T) {
	for _, in := range []string{
		"GET https://gw/fhir/Patient?_id=p1&access_token=opaque-value HTTP/1.1",
		"GET https://gw/fhir/$ping?ACCESS_TOKEN=opaque-value#frag",
		"GET /x;jsessionid=1;session=opaque-value",
		"POST /token\n\nclient_secret=opaque-value&grant_type=client_credentials",
		"https://gw/?key=opaque-value",
	} {
		if out := NewRedactor().Scrub(in); strings.Contains(out, "opaque") || !strings.Contains(out, "=[redacted]") {
			t.Errorf("Scrub(%q) = %q", in, out)
		}
	}
	for _, in := range []string{"GET /Patient?identifier=x&tokens=kept&_count=5", "a=kept", "x-token=kept", `{"accesstoken=kept"}`} {
		if out := NewRedactor().Scrub(in); out != in {
			t.Errorf("Scrub(%q) = %q, want it unchanged", in, out)
		}
	}
	if !SecretHeader("X-Session-Id") || SecretHeader("X-Context-Id") {
		t.Error("X-Session-Id carries a session, X-Context-Id groups requests")
	}
}

func TestFormatRedactsAuthorization(t *testing.T) {
	e := &Exchange{Method: "GET", URL: "https://x/Patient?identifier=189001019802", Status: 200,
		ReqHeader: map[string][]string{"Authorization": {"Bearer abc.def"}, "X-Purpose": {"VARD"}}}
	out := e.Format(NewRedactor(), true)
	if !strings.Contains(out, "Authorization: Bearer [redacted]") || strings.Contains(out, "abc.def") || !strings.Contains(out, "X-Purpose: VARD") {
		t.Errorf("%s", out)
	}
	if clear := e.Format(NewRedactor(), false); !strings.Contains(clear, "Bearer abc.def") {
		t.Errorf("without redaction: %s", clear)
	}
}

// TestFormatNeverWritesABodyThatIsNotText: a compressed or binary body could carry personal
// data that redaction cannot read, so it is described, never written; a body the gateway decoded
// is written with its encoding named, and redacted.
func TestFormatNeverWritesABodyThatIsNotText(t *testing.T) {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(`{"identifier":"189001019802"}`))
	zw.Close()
	raw := &Exchange{Method: "GET", URL: "https://x/Patient", Status: 200, RespHeader: http.Header{"Content-Encoding": {"gzip"}}, RespBody: z.Bytes()}
	out := raw.Format(NewRedactor(), true)
	if strings.Contains(out, string(z.Bytes()[10:])) || !strings.Contains(out, fmt.Sprintf(`# a body of %d bytes that is not text, Content-Encoding "gzip": not kept`, z.Len())) {
		t.Errorf("a gzip body:\n%q", out)
	}
	decoded := &Exchange{Method: "GET", URL: "https://x/Patient", Status: 200, RespHeader: http.Header{"Content-Encoding": {"gzip"}},
		RespBody: []byte(`{"identifier":"189001019802"}`), RespDecoded: "gzip"}
	out = decoded.Format(NewRedactor(), true)
	if !strings.Contains(out, "# the body came gzip-encoded; shown decoded") || strings.Contains(out, "189001019802") || !strings.Contains(out, `"identifier"`) {
		t.Errorf("a decoded body:\n%s", out)
	}
}

// TestFormatRedactsSecretHeaders: a supplier's own headers whose names say they carry a key, a
// token or a secret are hidden like Authorization, and a registered secret is hidden wherever it
// occurs (a server echoing it in a body); ordinary headers stay.
func TestFormatRedactsSecretHeaders(t *testing.T) {
	e := &Exchange{Method: "GET", URL: "https://x/$ping", Status: 200,
		ReqHeader: map[string][]string{"X-Api-Key": {"k-123456"}, "Ocp-Apim-Subscription-Key": {"sub-98765"}, "X-Gateway-Token": {"gw-tok"},
			"X-Client-Secret": {"s3cr3t"}, "X-Accesstoken": {"at-1"}, "X-Auth": {"au-2"}, "X-Purpose": {"VARD"}, "Accept": {"application/fhir+json"},
			"X-Turnkey-Build": {"tk-7"}, "X-Author": {"Anna"}, "X-Session-Lang": {"sv"}},
		RespBody: []byte(`{"echo":"opaque-token-4711","quoted":"sp<&>ecial\"SECRET05"}`)}
	r := NewRedactor()
	r.Secret("opaque-token-4711", "short", `sp<&>ecial"SECRET05`)
	out := e.Format(r, true)
	for _, want := range []string{"X-Turnkey-Build: tk-7", "X-Author: Anna", "X-Session-Lang: sv"} {
		if !strings.Contains(out, want) {
			t.Errorf("an ordinary header is hidden: %q missing:\n%s", want, out)
		}
	}
	for _, bad := range []string{"k-123456", "sub-98765", "gw-tok", "s3cr3t", "at-1", "au-2", "opaque-token-4711", "SECRET05"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q survives:\n%s", bad, out)
		}
	}
	for _, want := range []string{"X-Api-Key: [redacted]", "X-Purpose: VARD", "Accept: application/fhir+json", `"echo": "[redacted]"`} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing:\n%s", want, out)
		}
	}
	if r.Scrub("short and sweet") != "short and sweet" {
		t.Error("a secret shorter than MinSecret hides ordinary words")
	}
}

func TestCucumberJSON(t *testing.T) {
	run := &Run{Cases: []*Case{
		{ID: "A-1", Name: "a", Feature: "F", File: "f.feature", Line: 4, Tags: []string{"@tc:A-1"}, Outcome: Failed,
			Steps: []Step{{Keyword: "Så ", Text: "x", Line: 5, Outcome: Failed, Message: "boom"}, {Keyword: "Och ", Text: "y", Line: 6, Outcome: Skipped}}},
		{ID: "B-1", Name: "b", Feature: "G", File: "g.feature", Line: 2, Outcome: Error, Steps: []Step{{Text: "z", Outcome: Error}}},
	}}
	var b bytes.Buffer
	if err := WriteCucumber(&b, run); err != nil {
		t.Fatal(err)
	}
	var doc []struct {
		URI      string
		Elements []struct {
			Name  string
			Steps []struct {
				Result struct {
					Status, Error_message string
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 2 || doc[0].URI != "f.feature" || doc[0].Elements[0].Steps[0].Result.Status != "failed" ||
		doc[0].Elements[0].Steps[0].Result.Error_message != "boom" || doc[0].Elements[0].Steps[1].Result.Status != "skipped" ||
		doc[1].Elements[0].Steps[0].Result.Status != "failed" {
		t.Errorf("%s", b.String())
	}
}

// TestJUnitKeepsToTheAntSchema checks the rules of the common (Apache Ant) JUnit schema that
// CI tools validate against: which attributes each element may and must have, and the order
// and presence of a suite's children.
func TestJUnitKeepsToTheAntSchema(t *testing.T) {
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{
		{ID: "A-1", Name: "a", Feature: "F", File: "f.feature", Outcome: Passed, Exchanges: []ExchangeRef{{File: "exchanges/A-1/001.http", Summary: "GET x → 200"}}},
		{ID: "A-2", Name: "b", Feature: "F", File: "f.feature", Outcome: Failed, Steps: []Step{{Outcome: Failed, Message: "m"}}},
		{ID: "B-1", Name: "c", Feature: "G", File: "g.feature", Outcome: Error, Steps: []Step{{Outcome: Error, Message: "e"}}},
		{ID: "B-2", Name: "d", Feature: "G", File: "g.feature", Outcome: Skipped},
	}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, run); err != nil {
		t.Fatal(err)
	}
	// A case's own files are on its testcase too (GitLab shows a testcase's system-out only).
	if !regexp.MustCompile(`(?s)<testcase name="A-1 a"[^>]*>\s*<system-out><!\[CDATA\[A-1  exchanges/A-1/001.http  GET x → 200\]\]></system-out>`).Match(b.Bytes()) {
		t.Errorf("the testcase A-1 has no system-out of its own:\n%s", b.String())
	}
	allowed := map[string]map[string]bool{
		"testsuites": {},
		"testsuite":  {"name": true, "timestamp": true, "hostname": true, "tests": true, "failures": true, "errors": true, "skipped": true, "time": true, "package": true, "id": true},
		"properties": {}, "property": {"name": true, "value": true},
		"testcase": {"name": true, "classname": true, "time": true},
		"failure":  {"message": true, "type": true}, "error": {"message": true, "type": true}, "skipped": {"message": true, "type": true},
		"system-out": {}, "system-err": {},
	}
	required := map[string][]string{
		"testsuite": {"name", "timestamp", "hostname", "tests", "failures", "errors", "time", "package", "id"},
		"testcase":  {"name", "classname", "time"}, "failure": {"type"}, "error": {"type"}, "property": {"name", "value"},
	}
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	var stack []string
	children := map[int][]string{}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			name := e.Name.Local
			attrs := map[string]bool{}
			for _, a := range e.Attr {
				if !allowed[name][a.Name.Local] {
					t.Errorf("<%s> has attribute %s, which the schema does not allow", name, a.Name.Local)
				}
				attrs[a.Name.Local] = true
			}
			for _, r := range required[name] {
				if !attrs[r] {
					t.Errorf("<%s> lacks the required attribute %s", name, r)
				}
			}
			if _, ok := allowed[name]; !ok {
				t.Errorf("element <%s> is not in the schema", name)
			}
			if name == "testsuite" && !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`).MatchString(attr(e, "timestamp")) {
				t.Errorf("timestamp %q is not the schema's pattern", attr(e, "timestamp"))
			}
			children[len(stack)] = append(children[len(stack)], name)
			stack = append(stack, name)
		case xml.EndElement:
			if stack[len(stack)-1] == "testsuite" {
				kids := strings.Join(children[len(stack)], " ")
				if !regexp.MustCompile(`^properties( testcase)* system-out system-err$`).MatchString(kids) {
					t.Errorf("testsuite children %q: want properties, testcases, system-out, system-err", kids)
				}
			}
			delete(children, len(stack))
			stack = stack[:len(stack)-1]
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// TestSwedishReportTexts: the fixed English words of a check become Swedish in the Swedish
// report; values stay as they were; the English report is unchanged.
func TestSwedishReportTexts(t *testing.T) {
	for in, want := range map[string]string{
		"status code: expected 200, got 500":        "statuskod: förväntat 200, faktiskt 500",
		`response header x-request-id`:              `svarshuvudet x-request-id`,
		`"ae92" (as sent)`:                          `"ae92" (som skickat)`,
		"none":                                      "saknas",
		"number of Bundle.entry: expected 1, got 0": "antal Bundle.entry: förväntat 1, faktiskt 0",
		`FHIRPath Patient.id: expected "x", got an empty collection`: `FHIRPath-uttrycket Patient.id: förväntat "x", faktiskt en tom samling`,
	} {
		if got := text("sv", in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
		if got := text("en", in); got != in {
			t.Errorf("en changed %q to %q", in, got)
		}
	}
}

// TestExchangeLogHoldsTheRunsExchangesInParts appends the exchanges of two cases, from two
// goroutines, to one exchanges.http and reads each back where its reference points, also when a
// body holds a line that looks like the start of another part; the report shows each part alone.
func TestExchangeLogHoldsTheRunsExchangesInParts(t *testing.T) {
	dir := t.TempDir()
	texts := map[string][]string{
		"A-1": {"GET https://h/fhir/$ping\n\nHTTP 200 OK\n", "POST https://h/fhir/Basic\n\n### B-1 #1  not a part\n\nHTTP 201 Created\n"},
		"B-1": {"GET https://h/fhir/x\n# no answer: reset"},
	}
	log := NewExchangeLog(dir)
	if fileExists(filepath.Join(dir, ExchangesFile)) {
		t.Fatal("the log was created before a case had exchanges")
	}
	refs := map[string][]ExchangeRef{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, list := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var parts []CaseExchange
			for i, text := range list {
				parts = append(parts, CaseExchange{Text: text, Summary: fmt.Sprintf("%s exchange %d", id, i+1)})
			}
			r, err := log.Append(id, parts)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			refs[id] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	if r, err := log.Append("C-1", nil); r != nil || err != nil {
		t.Errorf("a case without exchanges: %v %v", r, err)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Append("D-1", []CaseExchange{{Text: "x", Summary: "y"}}); err == nil {
		t.Error("the closed log took a case")
	}
	data, err := os.ReadFile(filepath.Join(dir, ExchangesFile))
	if err != nil {
		t.Fatal(err)
	}
	run := &Run{ID: "r"}
	for _, id := range []string{"A-1", "B-1"} {
		for i, r := range refs[id] {
			if r.Part != i+1 || r.File != ExchangesFile || r.Name() != fmt.Sprintf("exchanges.http #%d", i+1) {
				t.Errorf("%s ref %d = %+v", id, i, r)
			}
			if got := string(data[r.Offset : r.Offset+r.Size]); got != texts[id][i] {
				t.Errorf("%s part %d reads %q, want %q", id, i+1, got, texts[id][i])
			}
			if !strings.Contains(string(data), fmt.Sprintf("### %s #%d  %s exchange %d\n%s", id, i+1, id, i+1, texts[id][i])) {
				t.Errorf("%s part %d does not start with its ### line:\n%s", id, i+1, data)
			}
		}
		run.Cases = append(run.Cases, &Case{ID: id, Name: id, File: "f.feature", Outcome: Passed, Exchanges: refs[id]})
	}
	if err := WriteReport(dir, run, nil, "en"); err != nil {
		t.Fatal(err)
	}
	report, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	for id, list := range texts {
		for i, text := range list {
			if !strings.Contains(string(report), "<pre>"+html.EscapeString(text)+"</pre>") {
				t.Errorf("the report does not show %s part %d alone:\n%s", id, i+1, report)
			}
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestReportGivesEachRequirementItsStatus: a requirement whose cases passed is met, one with a
// failed case is not, one whose cases errored has no verdict, one whose cases were skipped or did
// not run was not tried; an outline row counts for its scenario's id.
func TestReportGivesEachRequirementItsStatus(t *testing.T) {
	dir := t.TempDir()
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{
		{ID: "P-1", Name: "P-1", Outcome: Passed}, {ID: "P-2", Name: "P-2", Outcome: Passed},
		{ID: "F-1", Name: "F-1", Outcome: Failed},
		{ID: "E-1", Name: "E-1", Outcome: Error},
		{ID: "S-1", Name: "S-1", Outcome: Skipped},
		{ID: "O-1/2", Name: "O-1 row 2", Outcome: Passed},
	}}
	coverage := []Coverage{
		{ID: "MET", Cases: []string{"P-1", "P-2"}},
		{ID: "OUTLINE", Cases: []string{"O-1"}},
		{ID: "NOTMET", Cases: []string{"P-1", "F-1"}},
		{ID: "UNDECIDED", Cases: []string{"P-2", "E-1"}},
		{ID: "NOTTRIED", Cases: []string{"S-1", "X-9"}},
	}
	if err := WriteReport(dir, run, coverage, "sv"); err != nil {
		t.Fatal(err)
	}
	report, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	for id, status := range map[string]string{"MET": "met", "OUTLINE": "met", "NOTMET": "notMet", "UNDECIDED": "undecided", "NOTTRIED": "notTried"} {
		row := regexp.MustCompile(`>` + id + `</a></td>.*?<td class="s-(\w+)">`).FindSubmatch(report)
		if row == nil || string(row[1]) != status {
			t.Errorf("requirement %s: status %q, want %q", id, row, status)
		}
	}
}

// TestApprovedReportNamesUnmetMusts: an approved run whose failed optional case covers a SKA
// requirement says so next to the verdict; a BÖR requirement is not named, and a run that is not
// approved needs no such note.
func TestApprovedReportNamesUnmetMusts(t *testing.T) {
	coverage := []Coverage{{ID: "MUST", Level: "SKA", Cases: []string{"O-1"}}, {ID: "SHOULD", Level: "BÖR", Cases: []string{"O-1"}}}
	for _, mandatory := range []bool{false, true} {
		dir := t.TempDir()
		run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{
			{ID: "M-1", Name: "M-1", Mandatory: true, Outcome: Passed}, {ID: "O-1", Name: "O-1", Mandatory: mandatory, Outcome: Failed}}}
		if err := WriteReport(dir, run, coverage, "sv"); err != nil {
			t.Fatal(err)
		}
		report, _ := os.ReadFile(filepath.Join(dir, ReportFile))
		note := regexp.MustCompile(`Obs: dessa SKA-krav är ej uppfyllda[^<]*<span class="mono">([^<]*)</span>`).FindSubmatch(report)
		switch {
		case !mandatory && (note == nil || string(note[1]) != "MUST"):
			t.Errorf("an approved run with an unmet SKA requirement: note %q", note)
		case mandatory && note != nil:
			t.Errorf("a run that is not approved has the note %q", note[0])
		}
	}
}

// TestSwedishReportHasNoEnglishOfKonforms: the reasons a case is skipped and the summary of
// konform's own patient lookup are in Swedish in a Swedish report; the request line is kept.
func TestSwedishReportHasNoEnglishOfKonforms(t *testing.T) {
	dir := t.TempDir()
	reason := "this case asks an operator to confirm what the system shows; run it at a terminal with --sut manual"
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Cases: []*Case{
		{ID: "M-1", Name: "M-1", Outcome: Skipped, Mandatory: true, SkipReason: reason},
	}}
	if err := WriteReport(dir, run, nil, "sv"); err != nil {
		t.Fatal(err)
	}
	report, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	if strings.Contains(string(report), "asks an operator") || !strings.Contains(string(report), "testfallet ber en operatör") {
		t.Errorf("the skip reason is not in Swedish:\n%s", report)
	}
	if got := summaryText("sv", LookupPrefix+"GET Patient?identifier=x → 200"); got != "konforms uppslag av testpatienten: GET Patient?identifier=x → 200" {
		t.Errorf("lookup summary: %q", got)
	}
	if got := summaryText("en", LookupPrefix+"GET x"); got != LookupPrefix+"GET x" {
		t.Errorf("an English report changed the summary: %q", got)
	}
}

// TestSwedishReportSaysTheSUTChecksInSwedish: the messages of the checks of the system under
// test's calls, as the reference system's defects make them, read in Swedish but for the values
// (request lines, FHIRPath, quoted text).
func TestSwedishReportSaysTheSUTChecksInSwedish(t *testing.T) {
	for in, want := range map[string]string{
		"calls POST MedicationRequest: expected 1, got 0 (GET Patient?identifier=x → no answer; POST MedicationRequest → 422)":                                        "antal anrop POST MedicationRequest: förväntat 1, faktiskt 0 (GET Patient?identifier=x → inget svar; POST MedicationRequest → 422)",
		"what the system created: expected a POST Consent that NLL answered 201 with a Location, got no call":                                                         "det systemet skapade: förväntat ett anrop POST Consent som NLL besvarade med 201 och en Location, faktiskt inget anrop",
		"handling of a version conflict: expected GET MedicationRequest/1 after the answer 409, got PUT MedicationRequest/1 → 409":                                    "hantering av en versionskonflikt: förväntat GET MedicationRequest/1 efter svaret 409, faktiskt PUT MedicationRequest/1 → 409",
		"order of the system's calls: expected POST {$verify,MedicationDispense/$verify} before POST MedicationDispense, got no call":                                 "ordningen på systemets anrop: förväntat POST {$verify,MedicationDispense/$verify} före POST MedicationDispense, faktiskt inget anrop",
		"MedicationRequest.authoredOn of POST MedicationRequest → 201: expected within 2 minutes of 2026-11-24T07:16:31Z (konform's clock), got 2026-11-24T07:26:31Z": "MedicationRequest.authoredOn i POST MedicationRequest → 201: förväntat inom 2 minuter från 2026-11-24T07:16:31Z (konforms klocka), faktiskt 2026-11-24T07:26:31Z",
		"every call of the system: expected at least one call, got no call":                                                                                           "vart och ett av systemets anrop: förväntat minst ett anrop, faktiskt inget anrop",
		"patient of the last action's calls: expected at least one call for the test patient, got no call":                                                            "patient i den senaste åtgärdens anrop: förväntat minst ett anrop för testpatienten, faktiskt inget anrop",
		`x-user-agent of GET x → 200: expected the system's name "konform-referenssystem" and version "dev", got "a/1"`:                                               `x-user-agent i GET x → 200: förväntat systemets namn "konform-referenssystem" och version "dev", faktiskt "a/1"`,
		`x-request-id of POST MedicationRequest → 400: expected an id no other call used, got "d5", also sent with GET Patient → 200`:                                 `x-request-id i POST MedicationRequest → 400: förväntat ett id som inget annat anrop använt, faktiskt "d5", skickat även med GET Patient → 200`,
		`x-org-info of GET x → 400: expected a value matching "GLN", got none`:                                                                                        `x-org-info i GET x → 400: förväntat ett värde som matchar "GLN", faktiskt saknas`,
		`the issuer of the system's client certificate (GET x → 200): expected a test CA, got CN=SITHS e-id Function CA v1,O=konform,C=SE: client certificate presented by the system is issued by the production CA "SITHS e-id Function CA v1" (named in the certificate's issuer); NLL's test environment is a test environment and needs a test certificate (for example from TEST SITHS e-id Function CA v1 or ExpiTrust test CA v7)`: `utfärdaren av systemets klientcertifikat (GET x → 200): förväntat en test-CA, faktiskt CN=SITHS e-id Function CA v1,O=konform,C=SE: klientcertifikatet som systemet visade är utfärdat av produktions-CA:n "SITHS e-id Function CA v1" (enligt certifikatets utfärdare); NLL:s testmiljö är en testmiljö och kräver ett testcertifikat (till exempel från TEST SITHS e-id Function CA v1 eller ExpiTrust test CA v7)`,
		`FHIRPath Bundle.entry.exists(): expected true on some page of the search result, got false on 1 page(s)`:                                                                                                                                        `FHIRPath-uttrycket Bundle.entry.exists(): förväntat sant på någon sida av sökresultatet, faktiskt falskt på 1 sida av sökresultatet`,
		`harness: the system under test could not perform "öppna förskrivning": the action needs förskrivning: no prescription was created or opened in this scenario`:                                                                                   `konform: systemet under test kunde inte utföra "öppna förskrivning": åtgärden behöver en förskrivning: ingen förskrivning skapades eller öppnades i testfallet`,
		`harness: the system under test could not perform "rätta uttag": rätta uttag needs uttag: no dispense was registered in this scenario (NLL refused the system's dispense, or it made none; see the case's earlier steps and the system's calls)`: `konform: systemet under test kunde inte utföra "rätta uttag": rätta uttag behöver ett uttag: inget uttag registrerades i testfallet (NLL avvisade systemets uttag, eller så gjorde det inget; se testfallets tidigare steg och systemets anrop)`,
		`harness: the system under test did not finish "skapa förskrivning" within 2m0s; check that it runs, or raise the action timeout (timeout: in the sut section, or --sut-timeout)`:                                                                `konform: systemet under test blev inte klart med "skapa förskrivning" inom 2m0s; kontrollera att det körs, eller höj åtgärdens tidsgräns (timeout: i avsnittet sut, eller --sut-timeout)`,
		"status the system showed its user: expected the status of NLL's answer to the system's last call, got no call of the system was answered":                                                                                                       "status som systemet visade för användaren: förväntat statusen i NLL:s svar på systemets senaste anrop, faktiskt inget av systemets anrop besvarades",
		"call 3 of the system: expected at least one call, got no call": "systemets anrop 3: förväntat minst ett anrop, faktiskt inget anrop",
		// a harness message that stays English keeps its words whole
		`the step "x" takes no doc string; remove it, or use a step that takes one (docs/steps.md)`: `the step "x" takes no doc string; remove it, or use a step that takes one (docs/steps.md)`,
	} {
		if got := text("sv", in); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
}

// TestTheServersWordsAreNotTranslated: konform's words of a failed check are in Swedish in the
// Swedish report, the server's (Detail) stay as it sent them.
func TestTheServersWordsAreNotTranslated(t *testing.T) {
	s := &Step{Check: "status code", Expect: "400", Actual: "503", Detail: "OperationOutcome invalid: x-request-id is not a UUID",
		Message: "status code: expected 400, got 503 (OperationOutcome invalid: x-request-id is not a UUID)"}
	if got, want := s.Says("sv"), "statuskod: förväntat 400, faktiskt 503 (OperationOutcome invalid: x-request-id is not a UUID)"; got != want {
		t.Errorf("sv: %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		`harness: cannot look up test patient [personnummer-1]: the search (with the run's own identity and default headers) answered 503 "application/fhir+json", not a Bundle (OperationOutcome invalid: x-request-id is not a UUID; the status code is wrong)`: `konform kunde inte slå upp testpatienten [personnummer-1]: sökningen (med körningens egen identitet och standardhuvuden) svarade 503 "application/fhir+json", inte en Bundle (OperationOutcome invalid: x-request-id is not a UUID; the status code is wrong)`,
		`harness: test patient [personnummer-1] is not registered in NLL; pick a patient the environment knows`:                                                                                                                                                   `konform: testpatienten [personnummer-1] finns inte i NLL; välj en patient som miljön känner`,
		`diagnostics "x-request-id is not a UUID; the \"status code\" is wrong"`:                                                                                                                                                                                  `diagnostics "x-request-id is not a UUID; the \"status code\" is wrong"`,
		`status code: expected "a UUID", got an empty collection`:                                                                                                                                                                                                 `statuskod: förväntat "a UUID", faktiskt en tom samling`,
	} {
		if got := text("sv", in); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
	if got := s.Says("en"); got != s.Message {
		t.Errorf("en: %q, want the message as it was", got)
	}
	var b strings.Builder
	b.WriteString(string(stepRows(labels["sv"], "sv", []Step{{Outcome: Failed, Text: "x", Message: s.Message, Check: s.Check, Expect: s.Expect, Actual: s.Actual, Detail: s.Detail}})))
	if !strings.Contains(b.String(), "Serverns ord: OperationOutcome invalid: x-request-id is not a UUID") {
		t.Errorf("the step rows lack the server's words as sent:\n%s", b.String())
	}
}

// TestReportExchangeListsEscapeWhatTheyShow: an answer's text, a summary and a file name reach
// report.html as text, never as markup or a link to another scheme; the exchange the failing
// step judged is the open one, and an exchange too large to inline is a link.
func TestReportExchangeListsEscapeWhatTheyShow(t *testing.T) {
	hostile := "HTTP/1.1 200 OK\n\n</pre><script>alert(1)</script>"
	xs := []reportExchange{
		{ExchangeRef: ExchangeRef{File: ExchangesFile, Part: 1, Summary: `GET "<b>"`}, Text: hostile},
		{ExchangeRef: ExchangeRef{File: "javascript:alert(1)/x y.http", Summary: "POST"}, Linked: true},
	}
	got := string(exchangeItems(labels["en"], xs, 2, func(s string) string { return s }, ExchangeRef.Name))
	for _, want := range []string{
		"<pre>" + html.EscapeString(hostile) + "</pre>",
		`<summary class="mono">GET &#34;&lt;b&gt;&#34;</summary>`,
		`<details open><summary class="mono">POST</summary><p><a href="javascript%3Aalert%281%29/x%20y.http">javascript:alert(1)/x y.http</a> – ` + labels["en"]["linked"] + `</p></details>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") || strings.Count(got, "<details open>") != 1 {
		t.Errorf("markup from outside, or not exactly one open exchange:\n%s", got)
	}
}

// TestReportShowsWhatTheVerdictLeavesOut: a failed optional case is among the deviations (marked
// optional), the @sim cases a run left out are in the selection, and a requirement the selection
// does not cover is named as outside it, with the pack's cases, not as uncovered.
func TestReportShowsWhatTheVerdictLeavesOut(t *testing.T) {
	dir := t.TempDir()
	run := &Run{ID: "r", Started: time.Now(), Ended: time.Now(), Selection: Selection{Required: 1, SimOnly: []string{"S-1", "S-2"}},
		Cases: []*Case{{ID: "M-1", Name: "M-1", Mandatory: true, Outcome: Passed}, {ID: "O-1", Name: "Valfritt", Outcome: Failed,
			Steps: []Step{{Text: "x", Outcome: Failed, Message: "m"}}}}}
	coverage := []Coverage{{ID: "SIM", Level: "SKA", Unselected: []string{"S-1"}}}
	if err := WriteReport(dir, run, coverage, "sv"); err != nil {
		t.Fatal(err)
	}
	report, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	for _, want := range []string{`<a class="mono" href="#O-1">O-1</a> Valfritt <small>(valfri)</small>`,
		"2 @sim-testfall lämnades utanför (de körs bara mot konforms simulator)",
		`Inte i körningens urval; paketet täcker kravet med <span class="mono">S-1</span>`} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(string(report), "Inga: varje testfall") {
		t.Error("the report says there are no deviations although an optional case failed")
	}
}
