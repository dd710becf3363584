package steps

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

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
	ok := transaction(hdr("X-Request-ID", "r1", "X-Provenance", prov), 200, answer, mr, md)
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
	refused := transaction(hdr("X-Request-ID", "r3", "X-Provenance", prov), 422, `{"resourceType":"OperationOutcome"}`, mr, md)
	w = sutWorld(&recorded{calls: []*gateway.Call{refused}})
	if err := w.answeredBelow400("varje skrivande anrop"); err == nil || !strings.Contains(err.Error(), "POST MedicationRequest (entry 1 of the transaction POST [base]/) → 422") {
		t.Errorf("a refused transaction: %v", err)
	}

	// A batch, or a body that is no Bundle, holds no entries to judge.
	for _, body := range []string{`{"resourceType":"Bundle","type":"batch","entry":[` + mr + `]}`, `not json`, ``} {
		w = sutWorld(&recorded{calls: []*gateway.Call{call("POST", "", 200, nil, body)}})
		if err := w.called("POST", "MedicationRequest"); err == nil {
			t.Errorf("POST [base]/ with %q counted as POST MedicationRequest", body)
		}
	}
}
