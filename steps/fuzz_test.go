package steps

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/fhirclient"
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

// FuzzSUTChecks: every step of the SUT vocabulary, run with its example's parameters over calls a
// hostile or broken system made (any method, target, headers, body and answer), returns a verdict
// or an error, never a panic, and its message stays short enough for the evidence.
func FuzzSUTChecks(f *testing.F) {
	type bound struct {
		text string
		args []string
		def  Def
	}
	var steps []bound
	for _, d := range sutVocabulary() {
		text := keywords.ReplaceAllString(d.ExampleSV, "")
		m := regexp.MustCompile(d.SV).FindStringSubmatch(text)
		if m == nil {
			f.Fatalf("example %q does not match its own pattern", d.ExampleSV)
		}
		steps = append(steps, bound{text, m[1:], d})
	}
	f.Add("GET", "Patient?identifier=http://electronichealth.se/identifier/personnummer|191212121212", "X-Request-ID: 1\nX-User-Agent: Journalen/4.2", "", `{"resourceType":"Bundle"}`, 200)
	f.Add("POST", "MedicationRequest", "X-Provenance: e30=\nX-Org-Info: {}", `{"resourceType":"MedicationRequest","subject":{"reference":"Patient/p1"}}`, `{"resourceType":"OperationOutcome","issue":[{}]}`, 422)
	f.Add("POST", "", "", `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"PUT","url":"MedicationRequest/1"}}]}`, `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"409"}}]}`, 200)
	f.Add("POST", "MedicationDispense/$verify", "X-Request-ID: \xff", `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Bundle","entry":[{"resource":null}]}}]}`, "[]", 200)
	f.Add("PUT", "MedicationRequest/1/../%2f?patient._id=p2&%zz", "If-Match: W/\"1\"", "_id=p2", "", 409)
	f.Fuzz(func(t *testing.T, method, target, headers, body, answer string, status int) {
		h := http.Header{}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				h.Add(k, strings.TrimSpace(v))
			}
		}
		c := call(method, target, status, h, body)
		c.RespBody = []byte(answer)
		sut := &recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, ""), c}, result: driver.Result{Status: status, Shown: answer}}
		for _, s := range steps {
			w := NewWorld(context.Background(), &Env{SUT: sut, Fixtures: fstest.MapFS{},
				Client:      func(Identity) (*fhirclient.Client, error) { return nil, errors.New("no NLL here") },
				Credentials: func(Role) (http.Header, error) { return http.Header{}, nil }})
			w.sutResult = &sut.result
			w.pnr, w.patient = "191212121212", "p1"
			fn := reflect.ValueOf(s.def.Bind(w))
			var args []reflect.Value
			for i := 0; i < fn.Type().NumIn(); i++ {
				in := fn.Type().In(i)
				switch {
				case in == reflect.TypeOf(&godog.Table{}): // Register makes sure one is given
					args = append(args, reflect.ValueOf(&godog.Table{}))
				case in == reflect.TypeOf(&godog.DocString{}):
					args = append(args, reflect.ValueOf(&godog.DocString{}))
				case i >= len(s.args):
					args = append(args, reflect.Zero(in))
				case in.Kind() == reflect.String:
					args = append(args, reflect.ValueOf(unescape(s.args[i])).Convert(in))
				case in.Kind() == reflect.Int:
					n, _ := strconv.Atoi(s.args[i])
					if strings.Contains(s.text, "sekunder") {
						n = 0 // a check that waits for the calls looks once
					}
					args = append(args, reflect.ValueOf(n).Convert(in))
				default:
					args = append(args, reflect.Zero(in))
				}
			}
			out := fn.Call(args)
			if err, _ := out[len(out)-1].Interface().(error); err != nil && len(err.Error()) > 1<<16 {
				t.Fatalf("%s: a message of %d bytes", s.text, len(err.Error()))
			}
		}
	})
}
