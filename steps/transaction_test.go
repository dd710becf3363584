package steps

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
)

// transaction is a call POST [base]/ of a Bundle of type transaction with the given entries
// (each a JSON object), answered with status and answer.
func transaction(header http.Header, status int, answer string, entries ...string) *gateway.Call {
	c := call("POST", "", status, header, `{"resourceType":"Bundle","type":"transaction","entry":[`+strings.Join(entries, ",")+`]}`)
	c.RespHeader, c.RespBody = http.Header{"Content-Type": {"application/fhir+json"}}, []byte(answer)
	return c
}

// TestTransactionEntriesAreJudgedAsCalls checks that the checks of the system's calls see each
// entry of a transaction as the call it stands for, with its own provenance and answer, while
// the checks of HTTP calls (x-request-id, anrop N) see the transaction as the one call it is.
func TestTransactionEntriesAreJudgedAsCalls(t *testing.T) {
	prov := base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","reason":[{"text":"ny"}]}`))
	details := `"extension":[{"url":"http://electronichealth.se/fhir/StructureDefinition/nllProvenanceDetails","valueString":"` + prov + `"}]`
	mr := `{"resource":{"resourceType":"MedicationRequest","status":"active"},"request":{"method":"POST","url":"MedicationRequest",` + details + `}}`
	md := `{"resource":{"resourceType":"MedicationDispense"},"request":{"method":"POST","url":"MedicationDispense"}}`
	answer := `{"resourceType":"Bundle","type":"transaction-response","entry":[
		{"response":{"status":"201 Created","location":"MedicationRequest/a/_history/1"}},
		{"response":{"status":"201","location":"https://nll.example/fhir/MedicationDispense/b/_history/1"}}]}`
	ok := transaction(hdr("X-Request-ID", "r1", "X-Provenance", prov, "If-Match", `W/"1"`), 200, answer, mr, md)
	w := sutWorld(&recorded{calls: []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, hdr("X-Request-ID", "r0"), ""), ok}})
	for name, check := range map[string]func() error{
		"called":      func() error { return w.called("POST", "MedicationRequest") },
		"called once": func() error { return w.calledTimes("POST", "MedicationDispense", 1) },
		"before": func() error {
			return w.calledBefore("POST", "MedicationDispense/$verify", "POST", "MedicationDispense")
		},
		"provenance": func() error { return w.validProvenance("varje skrivande anrop") },
		"below 400":  func() error { return w.answeredBelow400("varje skrivande anrop") },
		"body": func() error {
			return w.callBodyTrue("varje skrivande anrop", "resourceType = 'MedicationRequest' or resourceType = 'MedicationDispense'")
		},
		"unique ids":       func() error { return w.uniqueRequestIDs() },
		"call 2 is the tx": func() error { return w.callHeaderIs("anrop 2", "X-Request-ID", "r1") },
	} {
		if err := check(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := w.callHeaderIs("varje skrivande anrop", "If-Match", ""); err != nil {
		t.Errorf("the entries took the transaction's If-Match: %v", err)
	}
	if err := w.notCalled("POST", "MedicationRequest"); err == nil || !strings.Contains(err.Error(), "a transaction of POST MedicationRequest → 201, POST MedicationDispense → 201") {
		t.Errorf("notCalled on a transaction that holds the call: %v", err)
	}

	// The dispense has neither its own provenance nor the header's to fall back on.
	bare := transaction(hdr("X-Request-ID", "r2"), 200, answer, mr, md)
	w = sutWorld(&recorded{calls: []*gateway.Call{bare}})
	if err := w.validProvenance("varje skrivande anrop"); err == nil || !strings.Contains(err.Error(), "POST MedicationDispense (entry 2 of the transaction POST [base]/)") {
		t.Errorf("an entry without provenance: %v", err)
	}

	// NLL refused the whole transaction: every entry has its answer.
	refused := transaction(hdr("X-Request-ID", "r3", "X-Provenance", prov), 422,
		`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"business-rule","diagnostics":"Bundle.entry[1]: SIM-AFF-04 uttaget har inte kontrollerats med $verify först"}]}`, mr, md)
	w = sutWorld(&recorded{calls: []*gateway.Call{refused}})
	err := w.answeredBelow400("varje skrivande anrop")
	var m *evidence.Mismatch
	if !errors.As(err, &m) || !strings.Contains(m.Actual, "POST MedicationRequest (entry 1 of the transaction POST [base]/) → 422") ||
		!strings.Contains(m.Detail, "Bundle.entry[1]: SIM-AFF-04") {
		t.Errorf("a refused transaction: %v (%+v)", err, m)
	}

	// A batch, or a body that is no Bundle, holds no entries to judge.
	for _, body := range []string{`{"resourceType":"Bundle","type":"batch","entry":[` + mr + `]}`, `not json`, ``} {
		w = sutWorld(&recorded{calls: []*gateway.Call{call("POST", "", 200, nil, body)}})
		if err := w.called("POST", "MedicationRequest"); err == nil {
			t.Errorf("POST [base]/ with %q counted as POST MedicationRequest", body)
		}
	}
}

const (
	txVerify = `{"resource":{"resourceType":"Parameters"},"request":{"method":"POST","url":"MedicationDispense/$verify"}}`
	txMD     = `{"resource":{"resourceType":"MedicationDispense"},"request":{"method":"POST","url":"MedicationDispense"}}`
	txMR     = `{"resource":{"resourceType":"MedicationRequest","subject":{"reference":"Patient/p1"}},"request":{"method":"POST","url":"MedicationRequest"}}`
)

// TestBeforeIsNeverBesideInOneTransaction: X and Y in one transaction do not meet "X före Y": the
// system sent Y without waiting for X's answer (and FHIR does not process a transaction's
// entries in order).
func TestBeforeIsNeverBesideInOneTransaction(t *testing.T) {
	ok := `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"200"}},{"response":{"status":"201","location":"MedicationDispense/b/_history/1"}}]}`
	for name, c := range map[string]*gateway.Call{
		"accepted": transaction(nil, 200, ok, txVerify, txMD),
		"refused":  transaction(nil, 400, `{"resourceType":"OperationOutcome"}`, txVerify, txMD),
	} {
		w := sutWorld(&recorded{calls: []*gateway.Call{c}})
		if err := w.calledBefore("POST", "{$verify,MedicationDispense/$verify}", "POST", "MedicationDispense"); err == nil {
			t.Errorf("%s: $verify and the dispense in one transaction pass \"$verify före POST MedicationDispense\"", name)
		}
	}
	get := `{"request":{"method":"GET","url":"MedicationRequest/x"}}`
	put := `{"resource":{"resourceType":"MedicationRequest","id":"x"},"request":{"method":"PUT","url":"MedicationRequest/x"}}`
	w := sutWorld(&recorded{calls: []*gateway.Call{transaction(nil, 400, `{"resourceType":"OperationOutcome"}`, get, put)}})
	if err := w.calledBefore("GET", "MedicationRequest/x", "PUT", "MedicationRequest/x"); err == nil {
		t.Error("GET and PUT in one transaction pass \"GET före PUT\" (SUT-VARD-12)")
	}
}

// TestReportedStatusOfATransactionWrite: a write in a transaction has the entry's status (201)
// and the transaction's (200); a system may show either, and no other.
func TestReportedStatusOfATransactionWrite(t *testing.T) {
	answer := `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created","location":"MedicationRequest/a/_history/1"}}]}`
	for status, pass := range map[int]bool{201: true, 200: true, 422: false, 0: false} {
		r := &recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 200, nil, ""), transaction(nil, 200, answer, txMR)},
			result: driver.Result{Status: status, Shown: "Sparad"}}
		if err := sutWorld(r).reportedNLLStatus(); (err == nil) != pass {
			t.Errorf("a system that shows %d for a create answered 201 in a transaction answered 200: %v", status, err)
		}
	}
}

// TestReadEntriesAreReads: a transaction's GET entries are judged as reads, by "varje läsande
// anrop" and the test patient check.
func TestReadEntriesAreReads(t *testing.T) {
	read := `{"request":{"method":"GET","url":"MedicationRequest?patient=p2"}}`
	answer := `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201"}},{"response":{"status":"200"},"resource":{"resourceType":"Bundle"}}]}`
	tx := transaction(hdr("X-Purpose", "FEL"), 200, answer, txMR, read)
	w := sutWorld(&recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 200, hdr("X-Purpose", "VARD"), ""), tx}})
	if err := w.callHeaderIs("varje läsande anrop", "X-Purpose", "VARD"); err == nil {
		t.Error("the transaction's GET MedicationRequest with x-purpose FEL is no read")
	}
	w.pnr, w.patient = "191212121212", "p1"
	if err := w.onlyTestPatient(); err == nil {
		t.Error("a transaction's GET MedicationRequest?patient=p2 (another patient) passes onlyTestPatient")
	}
}

// TestEmptyTransactionIsNoWrite: "every write" is a transaction's entries, never the
// transaction itself, so one without entries writes nothing to judge.
func TestEmptyTransactionIsNoWrite(t *testing.T) {
	prov := base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","reason":[{"text":"ny"}]}`))
	w := sutWorld(&recorded{calls: []*gateway.Call{transaction(hdr("X-Provenance", prov), 200, `{}`)}})
	if err := w.validProvenance("varje skrivande anrop"); err == nil {
		t.Error("an empty transaction is judged as the write with a valid provenance")
	}
}

// TestPatternCountsEntriesNotTheirTransaction: a pattern with * counts one write in a
// transaction once, as its entry, not also as the transaction.
func TestPatternCountsEntriesNotTheirTransaction(t *testing.T) {
	answer := `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201"}}]}`
	w := sutWorld(&recorded{calls: []*gateway.Call{transaction(nil, 200, answer, txMR)}})
	if err := w.calledTimes("POST", "*", 1); err != nil {
		t.Errorf("one write in one transaction: %v", err)
	}
}

// TestConflictOnOneEntryNeedsThatReread: a 409 on a transaction of two PUTs, whose answer points
// at one of them, needs a re-read of that one; one that points at none, of either.
func TestConflictOnOneEntryNeedsThatReread(t *testing.T) {
	putA := `{"resource":{"resourceType":"MedicationRequest","id":"a"},"request":{"method":"PUT","url":"MedicationRequest/a"}}`
	putB := `{"resource":{"resourceType":"MedicationRequest","id":"b"},"request":{"method":"PUT","url":"MedicationRequest/b"}}`
	oo := `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"conflict","expression":["Bundle.entry[1]"]}]}`
	w := sutWorld(&recorded{calls: []*gateway.Call{
		transaction(nil, 409, oo, putA, putB),
		call("GET", "MedicationRequest/b", 200, nil, ""),
		transaction(nil, 200, `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"200"}},{"response":{"status":"200"}}]}`, putA, putB),
	}})
	if err := w.rereadAfterConflict(); err != nil {
		t.Errorf("the system re-read the entry NLL named: %v", err)
	}
	for _, c := range []struct {
		answer, reread string
		pass           bool
	}{
		{oo, "MedicationRequest/a", false}, // not the entry NLL named
		{`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"conflict"}]}`, "MedicationRequest/a", true},
		{`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"conflict"}]}`, "MedicationRequest/c", false},
	} {
		w := sutWorld(&recorded{calls: []*gateway.Call{transaction(nil, 409, c.answer, putA, putB), call("GET", c.reread, 200, nil, "")}})
		if err := w.rereadAfterConflict(); (err == nil) != c.pass {
			t.Errorf("answer %s, then GET %s: %v", c.answer, c.reread, err)
		}
	}
}

// hugeTransaction is a call of n empty entries (3 bytes each) with header names of its own, as
// a hostile system sends one within the gateway's 8 MiB.
func hugeTransaction(n, headers int) *gateway.Call {
	h := http.Header{}
	for i := range headers {
		h.Set(fmt.Sprintf("X-Pad-%d", i), strings.Repeat("a", 200))
	}
	return transaction(h, 400, `{"resourceType":"OperationOutcome"}`, strings.Repeat("{},", n-1)+"{}")
}

// TestAHugeTransactionCostsLittle: a transaction of 300,000 empty entries with 40 headers
// (900 kB) once cost 1.5 GB and seconds for each look at it (each entry took a copy of the
// headers), and a line in the evidence with every entry; 8 MiB of them, 12 GB.
func TestAHugeTransactionCostsLittle(t *testing.T) {
	c := hugeTransaction(300_000, 40)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	es, tx := Entries(c)
	line := TransactionOf(c)
	runtime.ReadMemStats(&after)
	if !tx {
		t.Fatal("not read as a transaction")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 200<<20 {
		t.Errorf("reading it allocated %d MB", got>>20)
	}
	if len(es) > MaxEntries {
		t.Errorf("%d entries judged, more than MaxEntries %d", len(es), MaxEntries)
	}
	if len(line) > 4096 {
		t.Errorf("its line in the evidence is %d bytes", len(line))
	}
}

// TestEntriesNoCheckJudgedMakeTheCaseError: the entries beyond MaxEntries are judged by no check,
// so the case has no verdict (UnjudgedCalls), and the call's line says so.
func TestEntriesNoCheckJudgedMakeTheCaseError(t *testing.T) {
	md := `{"resource":{"resourceType":"MedicationDispense"},"request":{"method":"POST","url":"MedicationDispense"}}`
	entries := make([]string, MaxEntries+1)
	for i := range entries {
		entries[i] = md
	}
	c := transaction(hdr("X-Request-ID", "r1"), 400, `{"resourceType":"OperationOutcome"}`, entries...)
	c.Seq = 1
	w := sutWorld(&recorded{calls: []*gateway.Call{c}})
	if err := w.perform("läs läkemedelslista", map[string]string{"patient": "189001019802"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.calls(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("a transaction of %d entries, of which the checks judged the first %d", MaxEntries+1, MaxEntries)
	if err := w.UnjudgedCalls([]*gateway.Call{c}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("UnjudgedCalls = %v; want it to say %q", err, want)
	}
	if line := TransactionOf(c); !strings.Contains(line, want) || !strings.Contains(line, "and 980 more") {
		t.Errorf("TransactionOf = %q", line)
	}
	within := transaction(hdr("X-Request-ID", "r2"), 400, `{"resourceType":"OperationOutcome"}`, entries[:MaxEntries]...)
	if left := EntriesLeftOut(within); left != "" {
		t.Errorf("a transaction of MaxEntries entries: %q", left)
	}
}
