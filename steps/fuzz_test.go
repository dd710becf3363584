package steps

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/konform/konform/internal/gateway"
)

// FuzzAnswer: whatever body NLL (or a hostile server) answers, the checks that read it (JSON
// parsing and every FHIRPath expression of the bundled pack) return a value or an error, never a
// panic.
func FuzzAnswer(f *testing.F) {
	var exprs []string
	files, _ := filepath.Glob("../nllpack/features/*/*.feature")
	expression := regexp.MustCompile(`FHIRPath-uttrycket ` + quoted)
	for _, file := range files {
		data, _ := os.ReadFile(file)
		for _, m := range expression.FindAllSubmatch(data, -1) {
			if !regexp.MustCompile(`\{\{`).Match(m[1]) {
				exprs = append(exprs, unescape(string(m[1])))
			}
		}
	}
	if len(exprs) < 10 {
		f.Fatalf("only %d FHIRPath expressions found in the pack", len(exprs))
	}
	for _, seed := range []string{`{"resourceType":"Bundle","type":"searchset","total":1,"entry":[{"resource":{"resourceType":"Patient","id":"p","active":true}}]}`,
		`{"resourceType":"MedicationRequest","id":"x","meta":{"versionId":"1"},"dispenseRequest":{"validityPeriod":{"start":"2026-01-01","end":"2027-01-02"}}}`,
		`{"resourceType":"Parameters","parameter":[{"name":"result","valueString":"OK"}]}`, `{"resourceType":1}`, `[]`, `null`, `{"a":{"b":[[[[]]]]}}`, "\xff"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = parseJSON(body)
		for _, expr := range exprs {
			_, _ = evaluate(expr, body)
		}
	})
}

// FuzzTransactionEntries reads what a system sent as a transaction and what NLL answered, both
// from outside: the checks' view of its entries must not panic, and every entry must keep its
// transaction's request id (the one HTTP call it came in).
func FuzzTransactionEntries(f *testing.F) {
	f.Add(`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"MedicationRequest"},"request":{"method":"POST","url":"MedicationRequest","extension":[{"url":"x/nllProvenanceDetails","valueString":"e30="}]}}]}`,
		`{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created","location":"MedicationRequest/1/_history/1"}}]}`, 200)
	f.Add(`{"resourceType":"Bundle","type":"transaction","entry":[{},null,{"request":null}]}`, `{"resourceType":"Bundle","type":"transaction-response","entry":[1,2,3]}`, 200)
	f.Add(`{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"url":"?a=%zz"}}]}`, `{"resourceType":"OperationOutcome"}`, 422)
	f.Fuzz(func(t *testing.T, body, answer string, status int) {
		c := call("POST", "", status, hdr("X-Request-ID", "r"), body)
		c.RespBody = []byte(answer)
		es, _ := Entries(c)
		for _, e := range es {
			if e.Of != c || headerOf(e, "X-Request-ID") != "r" {
				t.Fatalf("entry %d lost its transaction", e.Entry)
			}
			_ = callLine(e)
		}
		_ = describe(interactions([]*gateway.Call{c}))
	})
}
