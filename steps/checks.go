package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofhir/fhirpath"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/fhirclient"
)

var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

func parseJSON(body []byte) (map[string]any, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// firstString follows path through objects, taking the first element of every array.
func firstString(v any, path ...string) string {
	for _, p := range path {
		if arr, ok := v.([]any); ok {
			if len(arr) == 0 {
				return ""
			}
			v = arr[0]
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = obj[p]
	}
	s, _ := v.(string)
	return s
}

// fhirBody returns the last answer's body as a FHIR resource: JSON with a resourceType, sent
// with a FHIR or JSON content type. Anything else is a conformance failure of its own.
func (w *World) fhirBody() (map[string]any, []byte, error) {
	resp, err := w.response()
	if err != nil {
		return nil, nil, err
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != fhirclient.FHIRJSON && mt != "application/json" {
		return nil, nil, &evidence.Mismatch{Check: "Content-Type", Expected: fhirclient.FHIRJSON, Actual: quoteOrNone(ct),
			Detail: fmt.Sprintf("status %d, body %s", resp.Status, snippet(resp.Body))}
	}
	doc, err := parseJSON(resp.Body)
	if err != nil {
		return nil, nil, &evidence.Mismatch{Check: "response body", Expected: "a FHIR JSON resource", Actual: "invalid JSON: " + err.Error(),
			Detail: snippet(resp.Body)}
	}
	if rt, _ := doc["resourceType"].(string); rt == "" {
		return nil, nil, &evidence.Mismatch{Check: "response body", Expected: "a FHIR resource with resourceType", Actual: "JSON without resourceType"}
	}
	return doc, resp.Body, nil
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(clip(s))
}

// clip cuts a value from outside (a header, an id) to 200 bytes for a message, never within a
// character.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	cut := 200
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// snippet shortens a body for a message.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(empty)"
	}
	return clip(s)
}

// outcomeDetail summarises an OperationOutcome body for a status mismatch.
func outcomeDetail(body []byte) string {
	doc, err := parseJSON(body)
	if err != nil || doc["resourceType"] != "OperationOutcome" {
		return ""
	}
	issue := firstString(doc, "issue", "code")
	diag := firstString(doc, "issue", "diagnostics")
	return strings.TrimSpace("OperationOutcome " + issue + ": " + diag)
}

func (w *World) statusIs(want int) error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	if resp.Status != want {
		return &evidence.Mismatch{Check: "status code", Expected: strconv.Itoa(want), Actual: strconv.Itoa(resp.Status),
			Detail: outcomeDetail(resp.Body)}
	}
	return nil
}

func (w *World) resourceTypeIs(want string) error {
	doc, _, err := w.fhirBody()
	if err != nil {
		return err
	}
	if got := doc["resourceType"]; got != want {
		return &evidence.Mismatch{Check: "resourceType", Expected: strconv.Quote(want), Actual: fmt.Sprintf("%q", got)}
	}
	return nil
}

func (w *World) bundle() (map[string]any, error) {
	doc, _, err := w.fhirBody()
	if err != nil {
		return nil, err
	}
	if doc["resourceType"] != "Bundle" {
		return nil, &evidence.Mismatch{Check: "resourceType", Expected: `"Bundle"`, Actual: fmt.Sprintf("%q", doc["resourceType"])}
	}
	return doc, nil
}

func (w *World) bundleTotalIs(want int) error {
	doc, err := w.bundle()
	if err != nil {
		return err
	}
	n, ok := doc["total"].(json.Number)
	if !ok {
		return &evidence.Mismatch{Check: "Bundle.total", Expected: strconv.Itoa(want), Actual: "no total"}
	}
	if n.String() != strconv.Itoa(want) {
		return &evidence.Mismatch{Check: "Bundle.total", Expected: strconv.Itoa(want), Actual: n.String()}
	}
	return nil
}

func (w *World) bundleEntriesAre(want int) error {
	doc, err := w.bundle()
	if err != nil {
		return err
	}
	entries, _ := doc["entry"].([]any)
	if len(entries) != want {
		return &evidence.Mismatch{Check: "number of Bundle.entry", Expected: strconv.Itoa(want), Actual: strconv.Itoa(len(entries))}
	}
	return nil
}

func (w *World) outcomeHasIssue(severity, code string) error {
	issues, err := w.outcome()
	if err != nil {
		return err
	}
	var seen []string
	for _, issue := range issues {
		s, _ := issue["severity"].(string)
		c, _ := issue["code"].(string)
		if s == severity && c == code {
			return nil
		}
		seen = append(seen, s+"/"+c)
	}
	actual := "no issues"
	if len(seen) > 0 {
		actual = strings.Join(seen, ", ")
	}
	return &evidence.Mismatch{Check: "OperationOutcome issue (severity/code)", Expected: severity + "/" + code, Actual: actual}
}

// DetectedIssueSuffix ends the URL of NLL's nllDetectedIssue extension, which carries an automatic
// check's (AFF) finding on an OperationOutcome issue.
const DetectedIssueSuffix = "/nllDetectedIssue"

func (w *World) outcomeHasDetectedIssue(code string) error {
	issues, err := w.outcome()
	if err != nil {
		return err
	}
	var seen []string
	for _, issue := range issues {
		for _, e := range asList(issue["extension"]) {
			ext, _ := e.(map[string]any)
			if url, _ := ext["url"].(string); !strings.HasSuffix(url, DetectedIssueSuffix) {
				continue
			}
			got := firstString(ext, "valueCodeableConcept", "coding", "code")
			if got == code {
				return nil
			}
			seen = append(seen, got)
		}
	}
	actual := "no nllDetectedIssue"
	if len(seen) > 0 {
		actual = strings.Join(seen, ", ")
	}
	return &evidence.Mismatch{Check: "nllDetectedIssue code", Expected: strconv.Quote(code), Actual: actual}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func (w *World) headerPresent(name string) error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	if resp.Header.Get(name) == "" {
		return &evidence.Mismatch{Check: "response header " + name, Expected: "present", Actual: "absent"}
	}
	return nil
}

func (w *World) headerIs(name, want string) error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	want, err = w.fill(want)
	if err != nil {
		return err
	}
	if got := resp.Header.Get(name); got != want {
		return &evidence.Mismatch{Check: "response header " + name, Expected: strconv.Quote(want), Actual: quoteOrNone(got)}
	}
	return nil
}

// headerStartsWith checks that the answer carries a header whose value starts with a prefix
// (placeholders filled).
func (w *World) headerStartsWith(name, prefix string) error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	prefix, err = w.fill(prefix)
	if err != nil {
		return err
	}
	if got := resp.Header.Get(name); got == "" || !strings.HasPrefix(got, prefix) {
		return &evidence.Mismatch{Check: "response header " + name, Expected: "a value starting with " + strconv.Quote(prefix), Actual: quoteOrNone(got)}
	}
	return nil
}

func (w *World) requestIDEchoed() error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	sent := w.last.Request.Header.Get("X-Request-ID")
	if got := resp.Header.Get("X-Request-ID"); got != sent {
		return &evidence.Mismatch{Check: "response header x-request-id", Expected: strconv.Quote(sent) + " (as sent)", Actual: quoteOrNone(got)}
	}
	return nil
}

func (w *World) bodyIsEmpty() error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(resp.Body)) != 0 {
		return &evidence.Mismatch{Check: "response body", Expected: "empty", Actual: snippet(resp.Body)}
	}
	return nil
}

func (w *World) connectionRefused() error {
	if w.last == nil {
		return harnessError("no request has been sent in this scenario; add a request step before checking the connection")
	}
	var terr *fhirclient.TransportError
	if errors.As(w.lastErr, &terr) {
		if terr.Refused() {
			return w.presentedAsChosen(terr.Handshake)
		}
		// No handshake reached the certificate: nothing was tried, so there is no verdict.
		return terr
	}
	if httpRefusal(w.last) {
		return w.presentedAsChosen(w.last.Handshake)
	}
	return &evidence.Mismatch{Check: "connection", Expected: "refused (a TLS alert, closed before any answer, or an HTTP refusal without data)",
		Actual: fmt.Sprintf("accepted, status %d", w.last.Response.Status)}
}

// presentedAsChosen checks that the refused handshake presented the certificate the scenario
// chose, or none when it chose none: otherwise the refusal judged another certificate than the
// one the case names, and proves nothing about it (a harness error, not a verdict).
func (w *World) presentedAsChosen(hs *fhirclient.Handshake) error {
	got := hs.SHA256
	switch {
	case w.identity == NoCertificate && got == "":
		return nil
	case w.identity == NoCertificate:
		return harnessError("the connection was refused, but konform presented %s (sha256 %s) where the scenario chose no certificate; the refusal proves nothing about that", hs.Presented, got)
	case got == "":
		return harnessError("the connection was refused, but konform presented no client certificate where the scenario chose %s; the refusal proves nothing about that certificate", identityLabel(w.identity))
	case w.env.Fingerprint == nil:
		return nil // a certificate was presented; which one cannot be told here
	}
	want, err := w.env.Fingerprint(w.identity)
	if err != nil {
		return harnessError("the fingerprint of the scenario's certificate: %v", err)
	}
	if got != want {
		return harnessError("the connection was refused, but konform presented %s (sha256 %s) where the scenario chose %s; the refusal proves nothing about that certificate", hs.Presented, got, identityLabel(w.identity))
	}
	return nil
}

// identityLabel names an identity in an error line.
func identityLabel(id Identity) string {
	if id == RunIdentity {
		return "the run's certificate"
	}
	return "the test certificate " + strconv.Quote(string(id))
}

// httpRefusals are the statuses with which a TLS front end may refuse a client certificate over
// HTTP instead of with a TLS alert: 400 (nginx's "No required SSL certificate was sent"), 401,
// 403, and nginx's 495 and 496. The handbook asks for mutual TLS, not how a refusal looks.
var httpRefusals = map[int]bool{400: true, 401: true, 403: true, 495: true, 496: true}

// httpRefusal reports whether an answer refused the connection over HTTP: a refusal status on a
// new connection whose server asked for a client certificate (so the certificate, or its
// absence, was what it judged), with no FHIR data but an OperationOutcome in the body.
func httpRefusal(x *fhirclient.Exchange) bool {
	if x.Response == nil || x.Handshake == nil || !httpRefusals[x.Response.Status] {
		return false
	}
	var doc struct {
		ResourceType string `json:"resourceType"`
	}
	if json.Unmarshal(x.Response.Body, &doc) != nil {
		return true // an error page, not FHIR
	}
	return doc.ResourceType == "" || doc.ResourceType == "OperationOutcome"
}

// evalFHIRPath evaluates expr on the last answer's body.
func (w *World) evalFHIRPath(expr string) (string, error) {
	expr, err := w.fill(expr)
	if err != nil {
		return "", err
	}
	_, body, err := w.fhirBody()
	if err != nil {
		return "", err
	}
	got, err := evaluate(expr, body)
	var bad *unevaluable
	if errors.As(err, &bad) {
		return "", harnessError("FHIRPath %q cannot be evaluated: %v", expr, bad.err)
	}
	return got, err
}

// unevaluable is a body a FHIRPath expression cannot be evaluated on.
type unevaluable struct{ err error }

func (u *unevaluable) Error() string { return u.err.Error() }

// regexFunctions runs FHIRPath's regular-expression functions one at a time. The library
// (gofhir/fhirpath v1.4.0, also v1.8.1) caches compiled patterns and, on every hit, writes the
// entry's time of use under a read lock: a data race when scenarios run concurrently.
// TestRegexFunctionsRunConcurrently shows it under the race detector.
var regexFunctions sync.Mutex

// evaluate runs a FHIRPath expression over a JSON body, joining several results with ", ". An
// expression that does not parse is a harness error; a body it cannot run on is *unevaluable.
func evaluate(expr string, body []byte) (string, error) {
	compiled, err := fhirpath.GetCached(expr)
	if err != nil {
		return "", harnessError("FHIRPath %q does not parse: %v", expr, err)
	}
	if strings.Contains(expr, "atches") { // matches() or replaceMatches()
		regexFunctions.Lock()
		defer regexFunctions.Unlock()
	}
	result, err := compiled.Evaluate(body)
	if err != nil {
		return "", &unevaluable{err}
	}
	parts := make([]string, 0, len(result))
	for _, v := range result {
		parts = append(parts, v.String())
	}
	return strings.Join(parts, ", "), nil
}

// saveFHIRPath keeps the value of an expression over the last answer for {{var.<name>}}.
func (w *World) saveFHIRPath(expr, name string) error {
	got, err := w.evalFHIRPath(expr)
	if err != nil {
		return err
	}
	if got == "" {
		return &evidence.Mismatch{Check: w.fhirPathCheck(expr), Expected: "a value to save as " + strconv.Quote(name), Actual: "an empty collection"}
	}
	w.vars[name] = got
	return nil
}

// fhirPathCheck names a FHIRPath check in a failure: the expression with its placeholders filled,
// as it was evaluated, so the reader sees the values it compared.
func (w *World) fhirPathCheck(expr string) string {
	if filled, err := w.fill(expr); err == nil {
		expr = filled
	}
	return "FHIRPath " + expr
}

func (w *World) fhirPathTrue(expr string) error {
	got, err := w.evalFHIRPath(expr)
	if err != nil {
		return err
	}
	if got != "true" {
		if got == "" {
			got = "an empty collection"
		}
		return &evidence.Mismatch{Check: w.fhirPathCheck(expr), Expected: "true", Actual: got}
	}
	return nil
}

func (w *World) fhirPathEquals(expr, want string) error {
	want, err := w.fill(want)
	if err != nil {
		return err
	}
	got, err := w.evalFHIRPath(expr)
	if err != nil {
		return err
	}
	if got != want {
		if got == "" {
			got = "an empty collection"
		}
		return &evidence.Mismatch{Check: w.fhirPathCheck(expr), Expected: strconv.Quote(want), Actual: got}
	}
	return nil
}

// resourceName is the type and id at the end of a reference: relative, absolute, or of a version.
var resourceName = regexp.MustCompile(`(?:^|/)([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$`)

// fhirPathRefersTo checks that every Reference an expression gives names the resource want.
func (w *World) fhirPathRefersTo(expr, want string) error {
	want, err := w.fill(want)
	if err != nil {
		return err
	}
	target := resourceName.FindStringSubmatch(want)
	if target == nil {
		return harnessError("%q is no resource to refer to; write Type/id, such as Patient/{{patient.id}}", want)
	}
	got, err := w.evalFHIRPath("(" + expr + ").reference")
	if err != nil {
		return err
	}
	if got == "" {
		return &evidence.Mismatch{Check: w.fhirPathCheck(expr), Expected: "a reference to " + target[1], Actual: "no reference"}
	}
	for _, ref := range strings.Split(got, ", ") {
		if m := resourceName.FindStringSubmatch(ref); m == nil || m[1] != target[1] {
			return &evidence.Mismatch{Check: w.fhirPathCheck(expr), Expected: "a reference to " + target[1], Actual: ref}
		}
	}
	return nil
}

// statusSeparators split a set of statuses: "409 eller 412", "400, 403 or 422".
var statusSeparators = regexp.MustCompile(`, | eller | or `)

// statusIn checks the last answer's status against a set of codes and classes ("409 eller 412",
// "4xx"), for what NLL's documentation leaves open.
func (w *World) statusIn(set string) error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	got := strconv.Itoa(resp.Status)
	for _, s := range statusSeparators.Split(set, -1) {
		if s == got || (strings.HasSuffix(s, "xx") && len(s) == 3 && len(got) == 3 && got[0] == s[0]) {
			return nil
		}
	}
	return &evidence.Mismatch{Check: "status code", Expected: set, Actual: got, Detail: outcomeDetail(resp.Body)}
}

// fillPattern fills the placeholders of a regular expression with their values quoted, so that
// each value matches itself only.
func (w *World) fillPattern(expr string) (string, error) {
	var err error
	out := placeholder.ReplaceAllStringFunc(expr, func(m string) string {
		v, e := w.fill(m)
		if e != nil && err == nil {
			err = e
		}
		return regexp.QuoteMeta(v)
	})
	return out, err
}

func (w *World) headerMatches(name, expr string) error {
	filled, err := w.fillPattern(expr)
	if err != nil {
		return err
	}
	re, err := regexp.Compile(filled)
	if err != nil {
		return harnessError("%q is not a regular expression: %v", expr, err)
	}
	resp, err := w.response()
	if err != nil {
		return err
	}
	if got := resp.Header.Get(name); got == "" || !re.MatchString(got) {
		return &evidence.Mismatch{Check: "response header " + name, Expected: "a value matching " + strconv.Quote(filled), Actual: quoteOrNone(got)}
	}
	return nil
}

// outcome returns the issues of the last answer: an OperationOutcome, or Parameters (what an
// operation such as $verify answers) carrying OperationOutcomes as parameters' resources, also in
// parts.
func (w *World) outcome() ([]map[string]any, error) {
	doc, _, err := w.fhirBody()
	if err != nil {
		return nil, err
	}
	const expected = `"OperationOutcome", or Parameters carrying one`
	var outcomes []map[string]any
	switch doc["resourceType"] {
	case "OperationOutcome":
		outcomes = []map[string]any{doc}
	case "Parameters":
		outcomes = parameterOutcomes(doc["parameter"])
		if len(outcomes) == 0 {
			return nil, &evidence.Mismatch{Check: "resourceType", Expected: expected, Actual: `"Parameters" without an OperationOutcome in its parameters`}
		}
	default:
		return nil, &evidence.Mismatch{Check: "resourceType", Expected: expected, Actual: fmt.Sprintf("%q", doc["resourceType"])}
	}
	var issues []map[string]any
	for _, oo := range outcomes {
		for _, x := range asList(oo["issue"]) {
			if issue, ok := x.(map[string]any); ok {
				issues = append(issues, issue)
			}
		}
	}
	return issues, nil
}

// parameterOutcomes returns the OperationOutcomes among parameters' resources, parts included.
func parameterOutcomes(parameters any) []map[string]any {
	var out []map[string]any
	for _, x := range asList(parameters) {
		p, _ := x.(map[string]any)
		if res, _ := p["resource"].(map[string]any); res["resourceType"] == "OperationOutcome" {
			out = append(out, res)
		}
		out = append(out, parameterOutcomes(p["part"])...)
	}
	return out
}

// outcomeHasError checks for an issue that made the request fail: severity error or fatal (FHIR
// gives both that meaning), and, when codes lists any, one of those issue codes.
// givesOutNoData checks that a refusal gives out no FHIR data: its body is empty, not FHIR (an
// error page), or an OperationOutcome with an error. NLL documents three tiers of an error answer
// (status, Content-Type, a FHIR body that may be empty), not which body a refusal has.
func (w *World) givesOutNoData() error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		return nil
	}
	doc, err := parseJSON(resp.Body)
	rt, _ := doc["resourceType"].(string)
	switch {
	case err != nil || rt == "":
		return nil // not FHIR: a front end's error page or message
	case rt != "OperationOutcome":
		return &evidence.Mismatch{Check: "a refusal's body", Expected: "no FHIR data (an empty body, an error page or an OperationOutcome)",
			Actual: strconv.Quote(rt), Detail: snippet(resp.Body)}
	}
	return w.outcomeHasError("")
}

// errorEmptyOrOutcome is a refusal where NLL documents only that the request is refused: an
// error status (400 or above) with an empty body passes, since NLL's error handling lets an error
// answer have none (nll.md 1.6); a body must be an OperationOutcome (or Parameters carrying one)
// with an error. A 2xx answer must carry the error, as $verify's does.
func (w *World) errorEmptyOrOutcome() error {
	resp, err := w.response()
	if err != nil {
		return err
	}
	if resp.Status >= 400 && len(bytes.TrimSpace(resp.Body)) == 0 {
		return nil
	}
	return w.outcomeHasError("")
}

func (w *World) outcomeHasError(codes string) error {
	issues, err := w.outcome()
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, c := range strings.Split(codes, ",") {
		if c = strings.TrimSpace(c); c != "" {
			want[c] = true
		}
	}
	var seen []string
	for _, issue := range issues {
		s, _ := issue["severity"].(string)
		c, _ := issue["code"].(string)
		if (s == "error" || s == "fatal") && (len(want) == 0 || want[c]) {
			return nil
		}
		seen = append(seen, s+"/"+c)
	}
	expected := "an issue of severity error or fatal"
	if len(want) > 0 {
		expected += " with a code among " + codes
	}
	actual := "no issues"
	if len(seen) > 0 {
		actual = strings.Join(seen, ", ")
	}
	return &evidence.Mismatch{Check: "OperationOutcome issue (severity/code)", Expected: expected, Actual: actual}
}

// outcomePointsAt checks that an issue points at an element (such as Bundle.entry[1]): by an
// expression or location that is the element or lies below it, or by diagnostics that name it.
func (w *World) outcomePointsAt(element string) error {
	issues, err := w.outcome()
	if err != nil {
		return err
	}
	var seen []string
	for _, issue := range issues {
		for _, field := range []string{"expression", "location"} {
			for _, x := range asList(issue[field]) {
				path, _ := x.(string)
				if path == element || strings.HasPrefix(path, element+".") {
					return nil
				}
				seen = append(seen, field+" "+path)
			}
		}
		if diag, _ := issue["diagnostics"].(string); diag != "" {
			if strings.Contains(diag, element) {
				return nil
			}
			seen = append(seen, "diagnostics "+strconv.Quote(diag))
		}
	}
	actual := "no expression, location or diagnostics"
	if len(seen) > 0 {
		actual = strings.Join(seen, "; ")
	}
	return &evidence.Mismatch{Check: "OperationOutcome issue points at", Expected: element + " (expression, location or diagnostics)", Actual: actual}
}

// maxPages bounds how many pages of a search result a check follows.
const maxPages = 50

// eachPage calls visit with the last answer, a searchset Bundle, and then with each further page
// its next links lead to (at most maxPages), until visit says it is done or no next link is
// left; it returns the number of pages visited. The answer stays the first page, so that the
// next such check of the same search starts from it again.
func (w *World) eachPage(visit func(doc map[string]any) (done bool, err error)) (int, error) {
	first := w.last
	defer func() { w.last = first }()
	for page := 1; ; page++ {
		doc, err := w.bundle()
		if err != nil {
			return page, err
		}
		if done, err := visit(doc); done || err != nil {
			return page, err
		}
		next := ""
		for _, l := range asList(doc["link"]) {
			if link, _ := l.(map[string]any); link["relation"] == "next" {
				next, _ = link["url"].(string)
			}
		}
		if next == "" || page == maxPages {
			return page, nil
		}
		if err := w.send(fhirclient.Request{Method: http.MethodGet, Path: next}); err != nil {
			return page, err
		}
		resp, err := w.response()
		if err != nil {
			return page, err
		}
		if resp.Status != http.StatusOK {
			return page, &evidence.Mismatch{Check: "status code of page " + strconv.Itoa(page+1) + " (the next link " + next + ")",
				Expected: "200", Actual: strconv.Itoa(resp.Status), Detail: outcomeDetail(resp.Body)}
		}
	}
}

// matchesOnAllPages counts the matches (entries whose search.mode is not include) of the last
// answer, a searchset Bundle, and of every page its next links lead to; a result of more than
// maxPages pages is a harness error, since a count of part of it proves nothing.
func (w *World) matchesOnAllPages() (int, error) {
	n, more := 0, false
	_, err := w.eachPage(func(doc map[string]any) (bool, error) {
		for _, e := range asList(doc["entry"]) {
			entry, _ := e.(map[string]any)
			if search, _ := entry["search"].(map[string]any); search == nil || search["mode"] != "include" {
				n++
			}
		}
		more = slices.ContainsFunc(asList(doc["link"]), func(l any) bool {
			link, _ := l.(map[string]any)
			return link["relation"] == "next"
		})
		return false, nil
	})
	if err == nil && more {
		err = harnessError("the search result has more than %d pages; konform counts at most %d", maxPages, maxPages)
	}
	return n, err
}

func (w *World) saveMatchCount(name string) error {
	n, err := w.matchesOnAllPages()
	if err != nil {
		return err
	}
	w.vars[name] = strconv.Itoa(n)
	return nil
}

func (w *World) matchCountIs(want string) error {
	want, err := w.fill(want)
	if err != nil {
		return err
	}
	n, err := w.matchesOnAllPages()
	if err != nil {
		return err
	}
	if strconv.Itoa(n) != want {
		return &evidence.Mismatch{Check: "matches on all pages of the search result", Expected: want, Actual: strconv.Itoa(n)}
	}
	return nil
}

// fhirPathTrueOnSomePage evaluates an expression on the last answer, a searchset Bundle, and on
// each further page its next links lead to, until it is true: NLL's page size is not
// documented, so a match need not be on the first page.
func (w *World) fhirPathTrueOnSomePage(expr string) error {
	var results []string
	found := false
	pages, err := w.eachPage(func(map[string]any) (bool, error) {
		got, err := w.evalFHIRPath(expr)
		if err != nil || got == "true" {
			found = got == "true"
			return true, err
		}
		if got == "" {
			got = "an empty collection"
		}
		results = append(results, got)
		return false, nil
	})
	if err != nil || found {
		return err
	}
	return &evidence.Mismatch{Check: w.fhirPathCheck(expr), Expected: "true on some page of the search result",
		Actual: fmt.Sprintf("%s on %d page(s)", strings.Join(results, ", "), pages)}
}
