package steps

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
)

// SUT is the supplier's system under test in the loop: a driver that makes it act, and the
// gateway's record of the calls it makes to NLL while the scenario runs.
type SUT interface {
	// Act tells the system to perform a catalogue action.
	Act(ctx context.Context, a driver.Action) (driver.Result, error)
	// Calls returns the system's calls of the running scenario, in order of arrival, its stray
	// ones (gateway.Call.Stray) included.
	Calls() []*gateway.Call
	// SetUpstream makes NLL available to the system or simulates an outage.
	SetUpstream(gateway.Outage)
	// System is what the system under approval is: --system, or the driver's own description.
	System() *evidence.System
	// ActionTimeout bounds one action.
	ActionTimeout() time.Duration
}

// ErrNoSUT is the reason an @sut step cannot run: the run has no driver.
var ErrNoSUT = errors.New("this case drives the system under test, and the run has no driver: pass --sut ref (konform's reference system) or configure the system's driver")

func (w *World) sut() (SUT, error) {
	if w.env.SUT == nil {
		return nil, harnessError("%v", ErrNoSUT)
	}
	return w.env.SUT, nil
}

// act tells the SUT to perform an action; "för testpatienten" passes the test patient's
// personnummer, a template name passes mall.
func (w *World) act(name, forPatient, template string) error {
	if forPatient != "" && w.pnr == "" {
		return harnessError("\"för testpatienten\" needs a test patient; add \"Givet att testpatienten har personnummer ...\"")
	}
	return w.perform(name, actParams(forPatient != "", w.pnr, template))
}

// actParams are the parameters of the one-line action step: the patient when the step says "för
// testpatienten", the template when it names one.
func actParams(forPatient bool, pnr, template string) map[string]string {
	params := map[string]string{}
	if forPatient {
		params["patient"] = pnr
	}
	if template != "" {
		params["mall"] = template
	}
	return params
}

// actWith tells the SUT to perform an action with the parameters of a two-column table.
func (w *World) actWith(name string, table *godog.Table) error {
	params := map[string]string{}
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return harnessError("the parameters of %q are a table of two columns: name | value", name)
		}
		v, err := w.fill(row.Cells[1].Value)
		if err != nil {
			return err
		}
		params[row.Cells[0].Value] = v
	}
	return w.perform(name, params)
}

func (w *World) perform(name string, params map[string]string) error {
	s, err := w.sut()
	if err != nil {
		return err
	}
	a, err := driver.Check(driver.Action{Name: name, Params: params})
	if err != nil {
		return harnessError("%v", err)
	}
	w.sutMark = len(own(s.Calls()))
	ctx, cancel := context.WithCancel(w.ctx)
	if t := s.ActionTimeout(); t > 0 { // the manual driver waits for the operator however long
		ctx, cancel = context.WithTimeout(w.ctx, t)
	}
	defer cancel()
	res, err := s.Act(ctx, a)
	if ctx.Err() == context.DeadlineExceeded {
		return harnessError("the system under test did not finish %q within %s; check that it runs, or raise the action timeout (timeout: in the sut section, or --sut-timeout)", name, s.ActionTimeout())
	}
	if err != nil {
		return harnessError("the system under test could not perform %q: %v", name, err)
	}
	w.sutResult = &res
	w.acted, w.actedSeq = true, max(w.actedSeq, lastSeq(s.Calls()))
	return nil
}

// lastSeq is the highest gateway number of calls, 0 for none.
func lastSeq(calls []*gateway.Call) int {
	n := 0
	for _, c := range calls {
		n = max(n, c.Seq)
	}
	return n
}

// notProductionCertificate checks that no certificate the system presented in the scenario comes
// from a production CA, the built-in list's or the environment's production_issuers
// (requirement 3.7.1: test and production apart).
func (w *World) notProductionCertificate() error {
	calls, err := w.calls()
	if err != nil {
		return err
	}
	seen, accepted := 0, 0
	var refused []string
	for _, c := range calls {
		if len(c.ClientChain) == 0 {
			continue
		}
		seen++
		if c.Refused == "" {
			accepted++
		} else {
			refused = append(refused, c.Refused)
		}
		guard := config.Environment{Name: "NLL's test environment", ProductionIssuers: w.env.ProductionIssuers}
		if err := guard.CheckIssuer("presented by the system", c.ClientChain[0], c.ClientChain[1:]); err != nil {
			return &evidence.Mismatch{Check: "the issuer of the system's client certificate (" + callLine(c) + ")",
				Expected: "a test CA", Actual: c.ClientChain[0].Issuer.String() + ": " + err.Error()}
		}
	}
	if seen == 0 {
		return &evidence.Mismatch{Check: "the system's client certificate", Expected: "a certificate on the system's calls", Actual: describe(calls)}
	}
	// A certificate the gateway refused (self-signed, say) is no production certificate, but no
	// test certificate either: the system never identified itself.
	if accepted == 0 {
		return &evidence.Mismatch{Check: "the system's client certificate", Expected: "a test certificate the gateway accepted on at least one call",
			Actual: "every connection refused: " + strings.Join(refused, "; ")}
	}
	return nil
}

// Confirmer is a SUT whose driver has an operator to ask (the manual driver).
type Confirmer interface {
	// Confirm asks whether claim holds; comment is the operator's, attached the number of files
	// the operator attached to the answer.
	Confirm(ctx context.Context, claim string) (yes bool, comment string, attached int, err error)
}

// operatorConfirms asks the operator whether a claim about the system holds.
func (w *World) operatorConfirms(claim string) error { return w.confirm(claim, false) }

// operatorConfirmsWithFile asks the same, and the answer must come with a file.
func (w *World) operatorConfirmsWithFile(claim string) error { return w.confirm(claim, true) }

func (w *World) confirm(claim string, withFile bool) error {
	s, err := w.sut()
	if err != nil {
		return err
	}
	c, ok := s.(Confirmer)
	if !ok {
		return harnessError("only an operator can confirm that %s; run the case with the manual driver (sut: driver: manual)", claim)
	}
	yes, comment, attached, err := c.Confirm(w.ctx, claim)
	if err != nil {
		return harnessError("the operator's answer: %v", err)
	}
	if !yes {
		return &evidence.Mismatch{Check: "the operator's confirmation that " + claim, Expected: "ja", Actual: "nej: " + quoteOrNone(comment)}
	}
	if withFile && attached == 0 {
		return &evidence.Mismatch{Check: "the file attached to the operator's confirmation that " + claim, Expected: "a file (such as a screenshot)", Actual: "none"}
	}
	return nil
}

func (w *World) result() (*driver.Result, error) {
	if w.sutResult == nil {
		return nil, harnessError("the system under test has not acted in this scenario; add \"När systemet under test utför ...\" first")
	}
	return w.sutResult, nil
}

// reportedStatus checks that the SUT showed its user NLL's status (TK 1).
func (w *World) reportedStatus(want int) error {
	r, err := w.result()
	if err != nil {
		return err
	}
	if r.Status != want {
		return &evidence.Mismatch{Check: "status the system showed its user", Expected: strconv.Itoa(want),
			Actual: fmt.Sprintf("%d (%s)", r.Status, quoteOrNone(r.Shown))}
	}
	return nil
}

// reportedNLLStatus checks that the SUT showed its user the status of NLL's answer to the last
// action's last answered write, or without one its last answered call (TK 1), whatever that
// status was.
func (w *World) reportedNLLStatus() error {
	r, err := w.result()
	if err != nil {
		return err
	}
	calls, err := w.calls()
	if err != nil {
		return err
	}
	// The answer to the action's last write is what the user must see; a read made after it (a
	// refreshed list) must not hide a refusal. Without a write, the last answered call.
	if w.sutMark <= len(calls) {
		calls = calls[w.sutMark:]
	}
	var last, lastWrite *gateway.Call
	for _, c := range interactions(calls) {
		if c.Status != 0 {
			last = c
			if writes(c) {
				lastWrite = c
			}
		}
	}
	if lastWrite != nil {
		last = lastWrite
	}
	if last == nil {
		return &evidence.Mismatch{Check: "status the system showed its user", Expected: "the status of NLL's answer to the system's last call",
			Actual: "no call of the system was answered"}
	}
	// A write in a transaction has two statuses, the transaction's (200) and the entry's (201);
	// which of them a user sees is the system's choice.
	if r.Status != last.Status && (last.Of == nil || r.Status != last.Of.Status) {
		whose := "NLL's answer"
		if last.Err != "" && last.Upstream == "forwarded" {
			whose = "the gateway's answer, since NLL gave none whole,"
		}
		return &evidence.Mismatch{Check: "status the system showed its user",
			Expected: fmt.Sprintf("%d (%s to %s %s)", last.Status, whose, last.Method, last.Path),
			Actual:   fmt.Sprintf("%d (%s)", r.Status, quoteOrNone(r.Shown))}
	}
	return nil
}

// resultIs checks a value the SUT reported, such as köad = ja.
func (w *World) resultIs(name, want string) error {
	r, err := w.result()
	if err != nil {
		return err
	}
	if got := r.Values[name]; got != want {
		return &evidence.Mismatch{Check: "the system's result " + strconv.Quote(name), Expected: strconv.Quote(want),
			Actual: fmt.Sprintf("%s (%s)", quoteOrNone(got), quoteOrNone(r.Shown))}
	}
	return nil
}

// calls returns the SUT's calls of the scenario, without the stray ones: those the checks never
// judge, since they cannot be the scenario's own (StrayCalls).
func (w *World) calls() ([]*gateway.Call, error) {
	s, err := w.sut()
	if err != nil {
		return nil, err
	}
	calls := s.Calls()
	w.judgedSeq = max(w.judgedSeq, lastSeq(calls))
	for _, c := range calls {
		if c.NotKept != "" {
			return nil, harnessError("%s: konform cannot judge a case of which it did not keep every call", c.NotKept)
		}
	}
	return own(calls), nil
}

// own returns the calls that are not stray.
func own(calls []*gateway.Call) []*gateway.Call {
	out := calls[:0:0]
	for _, c := range calls {
		if c.Stray == "" {
			out = append(out, c)
		}
	}
	return out
}

// StrayCalls is the error of a scenario in which the system called NLL when none of the
// scenario's actions asked it to: before the first action, or after the last step (a late call
// from an outbound queue, say). konform cannot tell which scenario such a call belongs to, so the
// scenario has no verdict; nil when there was none.
func StrayCalls(calls []*gateway.Call) error {
	var parts []string
	for _, c := range calls {
		if c.Stray != "" && c.Stray != gateway.Unfinished { // UnjudgedCalls names those
			parts = append(parts, callLine(c)+" ("+c.Stray+")")
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return harnessError("the system called NLL when no action of this case asked it to: %s; konform cannot tell which case such a call belongs to. Make each action return only when the system has made its calls, and make no calls between actions, or raise sut.settle (docs/sut.md)", strings.Join(parts, "; "))
}

// UnjudgedCalls is the error of a scenario in which the system called NLL after its last action
// had returned and after the scenario's last check of its calls had looked at them (a call sent
// in the background, say, once the action reported done), or made a call that was still
// unfinished when the scenario ended (gateway.Unfinished). No check saw it, so whether the system
// met the case's requirements with it is unknown and the scenario has no verdict; nil when there
// was none. calls are the scenario's, stray ones included (StrayCalls names those).
func (w *World) UnjudgedCalls(calls []*gateway.Call) error {
	const afterTheChecks = "after the last action had returned and the case's checks had looked"
	var parts []string
	for _, c := range calls {
		switch {
		case c.NotKept != "": // the gateway kept too little of the case for any check to judge
			parts = append(parts, c.NotKept)
		case c.Stray == gateway.Unfinished: // still waiting for its request or its answer at the end
			parts = append(parts, callLine(c)+" ("+c.Stray+")")
		case w.acted && c.Stray == "" && c.Seq > w.actedSeq && c.Seq > w.judgedSeq:
			parts = append(parts, callLine(c)+" ("+afterTheChecks+")")
		case c.Stray == "":
			if left := EntriesLeftOut(c); left != "" { // the rest of its entries no check saw
				parts = append(parts, callLine(c)+" ("+left+")")
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return harnessError("no check of this case judged these calls of the system to NLL: %s. Make each action return only when the system has made its calls to NLL and had their answers (docs/sut.md)", strings.Join(parts, "; "))
}

// callPattern matches calls by method and a path below the base URL, where * stands for one
// path segment (or part of one); a pattern with ? also matches the query.
type callPattern struct {
	method, text string
	re           *regexp.Regexp
	withQuery    bool
}

func (w *World) pattern(method, p string) (callPattern, error) {
	p, err := w.fill(p)
	if err != nil {
		return callPattern{}, err
	}
	p = strings.TrimPrefix(p, "/")
	return callPattern{method: method, text: method + " " + p, re: regexp.MustCompile("^" + patternRegexp(p) + "$"), withQuery: strings.Contains(p, "?")}, nil
}

var alternatives = regexp.MustCompile(`\{([^{}]*)\}`)

// patternRegexp turns a call pattern into a regular expression: * is any text within a path
// segment, and {a,b} is either alternative (such as {$verify,MedicationDispense/$verify}, where
// NLL documents two endpoints for one operation).
func patternRegexp(p string) string {
	var b strings.Builder
	for {
		loc := alternatives.FindStringSubmatchIndex(p)
		if loc == nil {
			b.WriteString(literal(p))
			return b.String()
		}
		b.WriteString(literal(p[:loc[0]]))
		parts := strings.Split(p[loc[2]:loc[3]], ",")
		for i := range parts {
			parts[i] = literal(parts[i])
		}
		b.WriteString("(?:" + strings.Join(parts, "|") + ")")
		p = p[loc[1]:]
	}
}

func literal(s string) string { return strings.ReplaceAll(regexp.QuoteMeta(s), `\*`, `[^/?]*`) }

func (p callPattern) matches(c *gateway.Call) bool {
	if c.Refused != "" || c.Method != p.method {
		return false
	}
	target := c.Path
	if p.withQuery {
		q := queryText(c.RawQuery)
		target += "?" + q
	}
	return p.re.MatchString(target)
}

// queryText decodes a query's %XX escapes and its + signs, leaving a malformed escape as written:
// url.QueryUnescape gives up on the whole query at one bad %, which would hide every parameter
// from the checks that read it (NLL's server, like Go's, still reads the good ones).
func queryText(q string) string {
	if !strings.ContainsAny(q, "%+") {
		return q
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '+':
			b.WriteByte(' ')
		case q[i] == '%' && i+2 < len(q) && isHex(q[i+1]) && isHex(q[i+2]):
			b.WriteByte(unhex(q[i+1])<<4 | unhex(q[i+2]))
			i += 2
		default:
			b.WriteByte(q[i])
		}
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// describe lists the system's calls for a failure message, a transaction with its entries.
func describe(calls []*gateway.Call) string {
	parts := make([]string, 0, len(calls))
	for _, c := range calls {
		p := callLine(c) + TransactionOf(c)
		if c.Status >= 400 && c.Of == nil { // NLL's reason, so that a call refused earlier explains a later check
			if why := outcomeDetail(c.RespBody); why != "" {
				p += " (" + snippet([]byte(why)) + ")"
			}
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "no call"
	}
	return strings.Join(parts, "; ")
}

func callLine(c *gateway.Call) string { return line(c, entryOf(c)) }

// line is a call in one line, with where it came from after its request.
func line(c *gateway.Call, from string) string {
	if c.Refused != "" {
		return "a connection refused by the gateway (" + c.Refused + ")"
	}
	path := c.Path
	if path == "" && c.Of == nil {
		path = "[base]/"
	}
	l := c.Method + " " + path
	if c.RawQuery != "" {
		q := queryText(c.RawQuery)
		l += "?" + q
	}
	l += from
	if c.Status != 0 {
		return l + " → " + strconv.Itoa(c.Status)
	}
	return l + " → no answer"
}

func (w *World) called(method, p string) error { return w.calledWithin(method, p, 0) }

// calledWithin waits up to n seconds for a matching call.
func (w *World) calledWithin(method, p string, n int) error {
	pat, err := w.pattern(method, p)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Duration(n) * time.Second)
	for {
		calls, err := w.calls()
		if err != nil {
			return err
		}
		for _, c := range interactions(calls) {
			if pat.matches(c) {
				return nil
			}
		}
		if !time.Now().Before(deadline) {
			return &evidence.Mismatch{Check: "the system's calls to NLL", Expected: "a call " + pat.text, Actual: describe(calls)}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// matching returns the pattern of method and p, the scenario's calls, and those of their
// interactions (a transaction's entries each) that match it.
func (w *World) matching(method, p string) (callPattern, []*gateway.Call, []*gateway.Call, error) {
	pat, err := w.pattern(method, p)
	if err != nil {
		return pat, nil, nil, err
	}
	calls, err := w.calls()
	if err != nil {
		return pat, nil, nil, err
	}
	var matched []*gateway.Call
	for _, c := range interactions(calls) {
		if pat.matches(c) {
			matched = append(matched, c)
		}
	}
	return pat, calls, matched, nil
}

func (w *World) calledTimes(method, p string, n int) error {
	pat, calls, matched, err := w.matching(method, p)
	if err != nil {
		return err
	}
	if got := len(matched); got != n {
		return &evidence.Mismatch{Check: "calls " + pat.text, Expected: fmt.Sprintf("%d", n), Actual: fmt.Sprintf("%d (%s)", got, describe(calls))}
	}
	return nil
}

// refusedBy4xx checks that the system made at least one call matching the pattern and that
// NLL answered each with a 4xx: the system sent what the case asked for, which NLL refuses.
func (w *World) refusedBy4xx(method, p string) error {
	pat, calls, matched, err := w.matching(method, p)
	if err != nil {
		return err
	}
	for _, c := range matched {
		if c.Status < 400 || c.Status > 499 {
			return &evidence.Mismatch{Check: "NLL's answer to " + callLine(c) + entryOf(c), Expected: "a status from 400 to 499 (NLL refuses what the case asked the system to send)",
				Actual: callLine(c) + ": the system did not send what the action asked for, or NLL accepted it"}
		}
	}
	if len(matched) == 0 {
		return &evidence.Mismatch{Check: "NLL's answer to " + pat.text, Expected: "a status from 400 to 499", Actual: "no call " + pat.text + " (" + describe(calls) + ")"}
	}
	return nil
}

func (w *World) calledAny() error {
	calls, err := w.calls()
	if err != nil {
		return err
	}
	for _, c := range calls {
		if c.Refused == "" {
			return nil
		}
	}
	return &evidence.Mismatch{Check: "the system's calls to NLL", Expected: "at least one call", Actual: describe(calls)}
}

func (w *World) notCalledAtAll() error {
	calls, err := w.calls()
	if err != nil {
		return err
	}
	if len(calls) > 0 {
		return &evidence.Mismatch{Check: "the system's calls to NLL", Expected: "no call", Actual: describe(calls)}
	}
	return nil
}

func (w *World) notCalled(method, p string) error {
	pat, err := w.pattern(method, p)
	if err != nil {
		return err
	}
	calls, err := w.calls()
	if err != nil {
		return err
	}
	for _, c := range interactions(calls) {
		if pat.matches(c) {
			return &evidence.Mismatch{Check: "the system's calls to NLL", Expected: "no call " + pat.text, Actual: describe(calls)}
		}
	}
	return nil
}

// calledBefore checks that the first call matching the second pattern comes after a call
// matching the first.
func (w *World) calledBefore(m1, p1, m2, p2 string) error {
	first, err := w.pattern(m1, p1)
	if err != nil {
		return err
	}
	then, err := w.pattern(m2, p2)
	if err != nil {
		return err
	}
	calls, err := w.calls()
	if err != nil {
		return err
	}
	// Each call of the second kind needs one of the first kind before it; one that NLL accepted
	// (2xx) uses that call up, so two dispenses need two checks. One NLL refused uses nothing: the
	// system may send it again on the same check.
	before, thens, missing := 0, 0, false
	sequence(calls, func(c *gateway.Call) {
		if !then.matches(c) || missing {
			return
		}
		thens++
		if before == 0 {
			missing = true
		} else if c.Status >= 200 && c.Status < 300 {
			before--
		}
	}, func(c *gateway.Call) {
		if first.matches(c) {
			before++
		}
	})
	if missing {
		return &evidence.Mismatch{Check: "order of the system's calls", Expected: first.text + " before each " + then.text, Actual: describe(calls)}
	}
	if thens == 0 {
		return &evidence.Mismatch{Check: "order of the system's calls", Expected: first.text + " before " + then.text,
			Actual: "no call " + then.text + " (" + describe(calls) + ")"}
	}
	return nil
}

// rereadAfterConflict checks that every PUT answered 409 or 412 was followed by a GET of the
// same resource. A scenario in which NLL never answered so has not tested it: that is an error.
func (w *World) rereadAfterConflict() error {
	real, err := w.calls()
	if err != nil {
		return err
	}
	calls := interactions(real)
	conflicts := 0
	seen := map[*gateway.Call]bool{} // transactions whose conflict is judged
	for i, c := range calls {
		if c.Method != http.MethodPut || (c.Status != http.StatusConflict && c.Status != http.StatusPreconditionFailed) {
			continue
		}
		targets := []string{c.Path}
		if c.Of != nil {
			// NLL refused the whole transaction: the entry its answer points at must be read
			// again, or, when it points at none, any of the transaction's PUTs.
			if n := failedEntry(c.Of); n != 0 && n != c.Entry || n == 0 && seen[c.Of] {
				continue
			} else if n == 0 {
				seen[c.Of] = true
				targets = nil
				for _, e := range calls {
					if e.Of == c.Of && e.Method == http.MethodPut {
						targets = append(targets, e.Path)
					}
				}
			}
		}
		conflicts++
		reread := slices.ContainsFunc(calls[i+1:], func(later *gateway.Call) bool {
			return later.Method == http.MethodGet && later.Status == http.StatusOK && slices.Contains(targets, later.Path)
		})
		if !reread {
			return &evidence.Mismatch{Check: "handling of a version conflict", Expected: "GET " + strings.Join(targets, " or GET ") + " after the answer " + strconv.Itoa(c.Status),
				Actual: describe(real)}
		}
	}
	if conflicts == 0 {
		if w.changed == "" {
			return harnessError("NLL never answered the system's update with 409 or 412, so re-reading could not be checked; the scenario must change the resource before the system saves it (%s)", describe(real))
		}
		id := createdID(w.changed)
		putChanged := slices.ContainsFunc(calls, func(c *gateway.Call) bool {
			return c.Method == http.MethodPut && strings.HasSuffix(c.Path, "/"+id)
		})
		putOther := slices.ContainsFunc(calls, func(c *gateway.Call) bool { return c.Method == http.MethodPut })
		if !putChanged && putOther {
			return harnessError("NLL never answered the system's update with 409 or 412: the system did not save %s, which konform changed, so re-reading could not be checked (%s); a system that created one prescription saves that one", id, describe(real))
		}
		// konform changed the resource and the system met no conflict: it read the latest
		// version before saving, or did not save. No answer needed a re-read; what NLL holds
		// afterwards (the scenario's next checks) shows whether either change was lost.
	}
	return nil
}

// selector picks calls: every call, every read (GET), every write (POST, PUT), or call N.
type selector struct {
	text string
	pick func([]*gateway.Call) []*gateway.Call
}

var callN = regexp.MustCompile(`^(?:anrop|call) (\d+)$`)

// checkOperations are the operations a client POSTs that change nothing in NLL: $verify checks
// (an optional step before a prescription is saved), the others read.
var checkOperations = []string{"$verify", "$monitoring", "$patient-dosage-directions", "$ping"}

// writes reports whether a call changes NLL: a POST, PUT or DELETE other than a check or read
// operation.
func writes(c *gateway.Call) bool {
	if c.Method != http.MethodPost && c.Method != http.MethodPut && c.Method != http.MethodDelete {
		return false
	}
	for _, op := range checkOperations {
		if strings.HasSuffix(c.Path, op) {
			return false
		}
	}
	return true
}

func parseSelector(s string) (selector, error) {
	filter := func(keep func(*gateway.Call) bool) func([]*gateway.Call) []*gateway.Call {
		return func(calls []*gateway.Call) []*gateway.Call {
			var out []*gateway.Call
			for _, c := range calls {
				if keep(c) {
					out = append(out, c)
				}
			}
			return out
		}
	}
	switch s {
	case "varje anrop", "every call":
		return selector{"every call", filter(func(*gateway.Call) bool { return true })}, nil
	// A transaction's reads and writes are its entries: each is judged as the call it stands for.
	case "varje läsande anrop", "every read":
		return selector{"every read (GET)", func(calls []*gateway.Call) []*gateway.Call {
			return filter(func(c *gateway.Call) bool { return c.Method == http.MethodGet })(interactions(calls))
		}}, nil
	case "varje skrivande anrop", "every write":
		return selector{"every write (POST, PUT, DELETE, a transaction's entries; not $verify and the other checks and reads)", func(calls []*gateway.Call) []*gateway.Call {
			return filter(writes)(interactions(calls))
		}}, nil
	}
	if m := callN.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return selector{"call " + m[1], func(calls []*gateway.Call) []*gateway.Call {
			if n < 1 || n > len(calls) {
				return nil
			}
			return calls[n-1 : n]
		}}, nil
	}
	return selector{}, harnessError("unknown selection of calls %q; use varje anrop, varje läsande anrop, varje skrivande anrop or anrop N", s)
}

// eachSelected runs check on every selected call; none selected is a failure, since the system
// did not make the calls the scenario is about.
func (w *World) eachSelected(which string, check func(*gateway.Call) error) error {
	sel, err := parseSelector(which)
	if err != nil {
		return err
	}
	calls, err := w.calls()
	if err != nil {
		return err
	}
	picked := sel.pick(calls)
	if len(picked) == 0 {
		return &evidence.Mismatch{Check: sel.text + " of the system", Expected: "at least one call", Actual: describe(calls)}
	}
	for _, c := range picked {
		if err := check(c); err != nil {
			return err
		}
	}
	return nil
}

func headerOf(c *gateway.Call, name string) string {
	if c.ReqHeader == nil {
		return ""
	}
	return c.ReqHeader.Get(name)
}

func (w *World) callHeaderIs(which, name, want string) error {
	want, err := w.fill(want)
	if err != nil {
		return err
	}
	return w.eachSelected(which, func(c *gateway.Call) error {
		if got := headerOf(c, name); got != want {
			return &evidence.Mismatch{Check: name + " of " + callLine(c), Expected: strconv.Quote(want), Actual: quoteOrNone(got)}
		}
		return nil
	})
}

func (w *World) callHeaderMatches(which, name, expr string) error {
	re, err := regexp.Compile(expr)
	if err != nil {
		return harnessError("%q is not a regular expression: %v", expr, err)
	}
	return w.eachSelected(which, func(c *gateway.Call) error {
		if got := headerOf(c, name); !re.MatchString(got) {
			return &evidence.Mismatch{Check: name + " of " + callLine(c), Expected: "a value matching " + strconv.Quote(expr), Actual: quoteOrNone(got)}
		}
		return nil
	})
}

// validProvenance checks x-provenance as NLL documents it: base64-encoded JSON (a Provenance
// with a reason of at most 256 characters).
func (w *World) validProvenance(which string) error {
	return w.eachSelected(which, func(c *gateway.Call) error {
		v := headerOf(c, "X-Provenance")
		name := "x-provenance"
		if c.Of != nil { // a transaction's entry: entries took its own from nllProvenanceDetails
			name = "provenance (nllProvenanceDetails, else x-provenance)"
		}
		fail := func(why string) error {
			return &evidence.Mismatch{Check: name + " of " + callLine(c), Expected: "base64-encoded JSON (NLLProvenance)", Actual: why}
		}
		if v == "" {
			return fail("none")
		}
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return fail("not base64")
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return fail("base64, but not JSON")
		}
		if doc["resourceType"] != "Provenance" {
			return fail("JSON that is no Provenance (resourceType " + quoteOrNone(fmt.Sprint(doc["resourceType"])) + ")")
		}
		for _, r := range asList(doc["reason"]) {
			if text, _ := r.(map[string]any)["text"].(string); len([]rune(text)) > 256 {
				return fail("a reason.text longer than 256 characters")
			}
		}
		// The why: NLL takes the who from the token and the activity and reason from x-provenance.
		// Which of the two it requires is not documented; one of them, stated, is.
		if !stated(doc["reason"]) && !stated(doc["activity"]) {
			return fail("a Provenance without a reason or an activity (the why)")
		}
		return nil
	})
}

// stated reports whether v, a CodeableConcept or a list of them, has a text or a code.
func stated(v any) bool {
	list := asList(v)
	if cc, ok := v.(map[string]any); ok {
		list = []any{cc}
	}
	for _, c := range list {
		cc, _ := c.(map[string]any)
		if text, _ := cc["text"].(string); strings.TrimSpace(text) != "" {
			return true
		}
		for _, coding := range asList(cc["coding"]) {
			if code, _ := coding.(map[string]any)["code"].(string); strings.TrimSpace(code) != "" {
				return true
			}
		}
	}
	return false
}

// uniqueRequestIDs checks that every call carried an x-request-id of its own. NLL asks for "a
// random and unique id"; that it be a UUID is not documented, so any value no other call used
// passes.
func (w *World) uniqueRequestIDs() error {
	seen := map[string]string{}
	return w.eachSelected("varje anrop", func(c *gateway.Call) error {
		id := headerOf(c, "X-Request-ID")
		if strings.TrimSpace(id) == "" {
			return &evidence.Mismatch{Check: "x-request-id of " + callLine(c), Expected: "a random and unique id", Actual: quoteOrNone(id)}
		}
		if earlier, dup := seen[id]; dup {
			return &evidence.Mismatch{Check: "x-request-id of " + callLine(c), Expected: "an id no other call used",
				Actual: strconv.Quote(clip(id)) + ", also sent with " + earlier}
		}
		if c.RequestIDUsed != "" { // by a call of an earlier case: a counter that starts again, say
			return &evidence.Mismatch{Check: "x-request-id of " + callLine(c), Expected: "an id no other call used",
				Actual: strconv.Quote(clip(id)) + ", sent before in this run with " + c.RequestIDUsed}
		}
		seen[id] = callLine(c)
		return nil
	})
}

// callBody evaluates a FHIRPath expression on a call's request body.
func callBody(c *gateway.Call, expr string) (string, error) {
	got, err := evaluate(expr, c.ReqBody)
	var bad *unevaluable
	if errors.As(err, &bad) {
		return "", &evidence.Mismatch{Check: "body of " + callLine(c), Expected: "FHIR JSON", Actual: snippet(c.ReqBody)}
	}
	return got, err
}

func (w *World) callBodyTrue(which, expr string) error {
	expr, err := w.fill(expr)
	if err != nil {
		return err
	}
	return w.eachSelected(which, func(c *gateway.Call) error {
		got, err := callBody(c, expr)
		if err != nil {
			return err
		}
		if got != "true" {
			actual := got
			if got != "false" { // a truth value stands as the expected one does; anything else is quoted
				actual = quoteOrNone(got)
			}
			return &evidence.Mismatch{Check: "FHIRPath " + expr + " on the body of " + callLine(c), Expected: "true", Actual: actual}
		}
		return nil
	})
}

// callTimeNear checks that a time in a call's body is within n minutes of konform's clock at the
// moment the gateway received the call.
func (w *World) callTimeNear(which, expr string, n int) error {
	return w.eachSelected(which, func(c *gateway.Call) error {
		got, err := callBody(c, expr)
		if err != nil {
			return err
		}
		if day, derr := time.Parse("2006-01-02", got); derr == nil {
			// A date alone cannot be ten minutes wrong; it must be the day of the call (± a day for zones).
			if d := day.Sub(c.Started.Truncate(24 * time.Hour)); d > 24*time.Hour || d < -24*time.Hour {
				return &evidence.Mismatch{Check: expr + " of " + callLine(c), Expected: "the date of the call, " + c.Started.Format("2006-01-02"), Actual: got}
			}
			return nil
		}
		t, perr := time.Parse(time.RFC3339, got)
		if perr != nil {
			return &evidence.Mismatch{Check: expr + " of " + callLine(c), Expected: "a date and time (dateTime with a zone)", Actual: quoteOrNone(got)}
		}
		if d := t.Sub(c.Started); d > time.Duration(n)*time.Minute || d < -time.Duration(n)*time.Minute {
			return &evidence.Mismatch{Check: expr + " of " + callLine(c), Expected: fmt.Sprintf("within %d minutes of %s (konform's clock)", n, c.Started.Format(time.RFC3339)),
				Actual: fmt.Sprintf("%s (%s off)", got, d.Round(time.Second))}
		}
		return nil
	})
}

func (w *World) answeredBelow400(which string) error {
	return w.eachSelected(which, func(c *gateway.Call) error {
		if c.Err != "" && c.Upstream == "forwarded" {
			// The gateway answered for NLL, which gave no whole answer: neither the system nor NLL's
			// rules are judged by it.
			return harnessError("NLL gave no whole answer to the system's call %s: %s", callLine(c), c.Err)
		}
		if c.Status == 0 || c.Status >= 400 {
			// NLL's reason, so that the failure names its cause (for a transaction, with the
			// entry it points at, numbered from 0 as FHIRPath numbers it).
			return &evidence.Mismatch{Check: "NLL's answer to " + callLine(c), Expected: "a status below 400", Actual: callLine(c), Detail: outcomeDetail(c.RespBody)}
		}
		return nil
	})
}

// identifiesItself checks x-user-agent against the system under approval's name and version.
// NLL does not publish the header's format, so any value naming both passes.
func (w *World) identifiesItself() error {
	s, err := w.sut()
	if err != nil {
		return err
	}
	sys := s.System()
	if sys == nil {
		return harnessError("the run does not say which system is under approval; pass --system system.yaml")
	}
	return w.eachSelected("varje anrop", func(c *gateway.Call) error {
		got := headerOf(c, "X-User-Agent")
		if !strings.Contains(got, sys.Name) || !strings.Contains(got, sys.Version) {
			return &evidence.Mismatch{Check: "x-user-agent of " + callLine(c), Expected: "the system's name " + strconv.Quote(sys.Name) + " and version " + strconv.Quote(sys.Version),
				Actual: quoteOrNone(got)}
		}
		return nil
	})
}

var patientRef = regexp.MustCompile(`Patient/([A-Za-z0-9\-.]{1,64})`)

// patientParams are the patient ids a call's search parameters name: patient and subject (with
// a modifier, chained by _id, and as a reference in any form: 7, Patient/7, an absolute URL),
// and _id in a search of Patient, in the query or in a POST _search's form.
func patientParams(c *gateway.Call) []string {
	params, _ := url.ParseQuery(c.RawQuery)
	patients := c.Path == "Patient" || c.Path == "Patient/_search"
	if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "_search") {
		if form, err := url.ParseQuery(string(c.ReqBody)); err == nil {
			for k, vs := range form {
				params[k] = append(params[k], vs...)
			}
		}
	}
	var ids []string
	for name, values := range params {
		base, _, _ := strings.Cut(name, ":")
		base = strings.TrimSuffix(base, "._id")
		if base != "patient" && base != "subject" && !(patients && base == "_id") {
			continue
		}
		for _, v := range values {
			for _, ref := range strings.Split(v, ",") {
				if i := strings.LastIndex(ref, "Patient/"); i >= 0 {
					ref = ref[i+len("Patient/"):]
				} else if strings.Contains(ref, "/") {
					continue // another type's reference, such as a Group's
				}
				ref, _, _ = strings.Cut(ref, "/") // a version: …/_history/2
				if ref = strings.TrimSpace(ref); ref != "" {
					ids = append(ids, ref)
				}
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// patientLookup matches the calls that look a patient up and read nothing else of the patient's,
// and those that read no patient's data at all.
var patientLookup = regexp.MustCompile(`^(?:GET (?:Patient|Patient/[^/]+|metadata|\$ping)|POST Patient/_search)$`)

// onlyPatientLookup checks that the system, in this scenario, at most looked the patient up: what a
// system may do when the patient has not consented to its reading the medication list.
func (w *World) onlyPatientLookup() error {
	calls, err := w.calls()
	if err != nil {
		return err
	}
	for _, c := range calls {
		if c.Refused != "" {
			continue // no request reached the gateway
		}
		if !patientLookup.MatchString(c.Method + " " + strings.TrimPrefix(c.Path, "/")) {
			return &evidence.Mismatch{Check: "the system's calls", Expected: "at most a lookup of the patient (GET Patient?…, Patient/<id>)", Actual: callLine(c)}
		}
	}
	return nil
}

// onlyTestPatient checks that the calls of the last action concerned the test patient alone: every
// patient id and personnummer in their paths, queries and bodies.
func (w *World) onlyTestPatient() error {
	calls, err := w.calls()
	if err != nil {
		return err
	}
	if w.sutResult == nil {
		return harnessError("the system under test has not acted in this scenario")
	}
	id, err := w.patientID()
	if err != nil {
		return err
	}
	if w.sutMark > len(calls) {
		w.sutMark = len(calls)
	}
	named := false           // a system that shows what it kept from another patient calls NLL for none
	var mine []*gateway.Call // the calls, and a transaction's entries with their own URLs
	for _, c := range calls[w.sutMark:] {
		es, _ := Entries(c)
		mine = append(append(mine, c), es...)
	}
	for _, c := range mine {
		q := queryText(c.RawQuery)
		text := c.Path + "?" + q + " " + string(c.ReqBody)
		for _, m := range patientRef.FindAllStringSubmatch(text, -1) {
			if m[1] != id {
				return &evidence.Mismatch{Check: "patient of " + callLine(c), Expected: "the test patient Patient/" + id, Actual: "Patient/" + m[1]}
			}
			named = true
		}
		for _, got := range patientParams(c) {
			if got != id {
				return &evidence.Mismatch{Check: "patient of " + callLine(c), Expected: "the test patient " + id, Actual: got}
			}
			named = true
		}
		// Every personnummer or samordningsnummer, in whatever form or parameter: as
		// personnummer|…, urn:oid:1.2.752.129.2.1.3.1|…, patient.identifier=…, in a body.
		for _, key := range evidence.IDNumbers(text) {
			if len(w.pnr) != 12 || key != w.pnr[2:] {
				return &evidence.Mismatch{Check: "patient of " + callLine(c), Expected: "the test patient's personnummer " + w.pnr, Actual: "another personnummer (" + key[:6] + "-" + key[6:] + ")"}
			}
			named = true
		}
	}
	if !named {
		return &evidence.Mismatch{Check: "patient of the last action's calls", Expected: "at least one call for the test patient",
			Actual: describe(calls[w.sutMark:])}
	}
	return nil
}

// upstream names the outages a scenario can set.
var upstream = map[string]gateway.Outage{
	"inte är tillgängligt": gateway.Unavailable, "is unavailable": gateway.Unavailable,
	"stänger anslutningarna": gateway.Dropped, "drops the connections": gateway.Dropped,
	"är tillgängligt igen": gateway.Available, "is available again": gateway.Available,
}

func (w *World) setUpstream(state string) error {
	s, err := w.sut()
	if err != nil {
		return err
	}
	s.SetUpstream(upstream[state])
	return nil
}

// createdKinds maps the names of what the SUT created to resource types.
var createdKinds = map[string]string{
	"förskrivningen": "MedicationRequest", "prescription": "MedicationRequest",
	"uttaget": "MedicationDispense", "dispense": "MedicationDispense",
	"samtycket": "Consent", "consent": "Consent",
}

// readSUTCreated reads, with konform's own client, the resource NLL created for the SUT's last
// successful POST of that type, so that the following checks see NLL's state.
func (w *World) readSUTCreated(kind string) error {
	typ := createdKinds[kind]
	calls, err := w.calls()
	if err != nil {
		return err
	}
	// The system's last POST of the type is what it created last: when NLL refused it, the
	// resource an earlier POST created is not what the scenario means.
	var last *gateway.Call
	for _, c := range interactions(calls) {
		if c.Method == http.MethodPost && c.Path == typ {
			last = c
		}
	}
	location := ""
	if last != nil && last.Status == http.StatusCreated && last.RespHeader != nil {
		location = last.RespHeader.Get("Location")
	}
	if last != nil && location == "" {
		return &evidence.Mismatch{Check: "what the system created", Expected: "a POST " + typ + " that NLL answered 201 with a Location",
			Actual: "the system's last POST " + typ + ": " + callLine(last), Detail: outcomeDetail(last.RespBody)}
	}
	if location == "" {
		return &evidence.Mismatch{Check: "what the system created", Expected: "a POST " + typ + " that NLL answered 201 with a Location", Actual: describe(calls)}
	}
	w.created = location
	return w.readBackCreated()
}
