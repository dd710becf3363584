package steps

import (
	"strings"
	"testing"

	"github.com/konform/konform/internal/gateway"
)

// TestEveryDispenseIsCheckedFirst runs the $verify check against systems that check the dispense
// they register, in each form NLL takes, and systems that check another one or none.
func TestEveryDispenseIsCheckedFirst(t *testing.T) {
	dispense := func(quantity, prescription string) string {
		return `{"resourceType":"MedicationDispense","authorizingPrescription":[{"reference":"` + prescription + `"}],"subject":{"reference":"Patient/p1"},` +
			`"medicationCodeableConcept":{"coding":[{"system":"x","code":"123"}]},"quantity":{"value":` + quantity + `}}`
	}
	relative, absolute := dispense("2", "MedicationRequest/m1"), dispense("2", "https://nll.example/fhir/MedicationRequest/m1/_history/3")
	params := `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":` + absolute + `}]}`
	dispatch := `{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + relative + `},{"resource":` + relative + `}]}`
	contained := func(code string) string {
		return `{"resourceType":"MedicationDispense","contained":[{"resourceType":"Medication","id":"med","code":{"coding":[{"system":"x","code":"` + code +
			`"}]}}],"medicationReference":{"reference":"#med"},"authorizingPrescription":[{"reference":"MedicationRequest/m1"}],"quantity":{"value":2}}`
	}
	post := func(status int, body string) *gateway.Call {
		return call("POST", "MedicationDispense", status, nil, body)
	}
	for _, c := range []struct {
		name  string
		calls []*gateway.Call
		fail  string // "" when the check must pass
	}{
		{"the dispense itself", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, relative), post(201, relative)}, ""},
		{"a resource parameter, absolute references", []*gateway.Call{call("POST", "$verify", 200, nil, params), post(201, relative)}, ""},
		{"one dispatch for two", []*gateway.Call{call("POST", "$verify", 200, nil, dispatch), post(201, relative), post(201, relative)}, ""},
		{"refused, sent again on the same check", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, relative), post(503, relative), post(201, relative)}, ""},
		{"in a transaction", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, relative),
			transaction(nil, 200, `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201"}}]}`,
				`{"resource":`+relative+`,"request":{"method":"POST","url":"MedicationDispense"}}`)}, ""},
		{"another quantity", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, dispense("3", "MedicationRequest/m1")), post(201, relative)},
			"$verify of another dispense only: prescription MedicationRequest/m1, patient Patient/p1, article x|123, quantity 3"},
		{"another prescription", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, dispense("2", "MedicationRequest/m2")), post(201, relative)}, "another dispense"},
		{"no check", []*gateway.Call{post(201, relative)}, "no $verify of a dispense before it"},
		{"a check NLL refused", []*gateway.Call{call("POST", "MedicationDispense/$verify", 400, nil, relative), post(201, relative)}, "no $verify of a dispense before it"},
		{"a check NLL did not answer", []*gateway.Call{call("POST", "MedicationDispense/$verify", 0, nil, relative), post(201, relative)}, "no $verify of a dispense before it"},
		{"a check met by an outage", []*gateway.Call{call("POST", "MedicationDispense/$verify", 503, nil, relative), post(201, relative)}, "no $verify of a dispense before it"},
		{"a dispatch as the resource parameter", []*gateway.Call{call("POST", "$verify", 200, nil, `{"resourceType":"Parameters","parameter":[{"name":"resource","resource":`+dispatch+`}]}`), post(201, relative)}, ""},
		{"a check without the patient, which is the prescription's", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, strings.Replace(relative, `"subject":{"reference":"Patient/p1"},`, "", 1)), post(201, relative)}, ""},
		{"a check of another patient", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, strings.Replace(relative, "Patient/p1", "Patient/p2", 1)), post(201, relative)}, "another dispense"},
		{"the prescription by reference and identifier, then by identifier", []*gateway.Call{
			call("POST", "MedicationDispense/$verify", 200, nil, strings.Replace(relative, `{"reference":"MedicationRequest/m1"}`, `{"reference":"MedicationRequest/m1/_history/2","identifier":{"system":"nef","value":"42"}}`, 1)),
			post(201, strings.Replace(relative, `{"reference":"MedicationRequest/m1"}`, `{"identifier":{"system":"nef","value":"42"}}`, 1))}, ""},
		{"a contained medication of the same article", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, contained("123")), post(201, contained("123"))}, ""},
		{"a contained medication of another article", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, contained("111")), post(201, contained("999"))}, "another dispense"},
		{"a check beside it in one transaction", []*gateway.Call{transaction(nil, 200, `{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"200"}},{"response":{"status":"201"}}]}`,
			`{"resource":`+relative+`,"request":{"method":"POST","url":"MedicationDispense/$verify"}}`, `{"resource":`+relative+`,"request":{"method":"POST","url":"MedicationDispense"}}`)},
			"no $verify of a dispense before it"},
		{"a check after", []*gateway.Call{post(201, relative), call("POST", "MedicationDispense/$verify", 200, nil, relative)}, "no $verify of a dispense before it"},
		{"one check, two dispenses", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, relative), post(201, relative), post(201, relative)}, "no $verify"},
		{"a check of a prescription", []*gateway.Call{call("POST", "$verify", 200, nil, `{"resourceType":"MedicationRequest"}`), post(201, relative)}, "no $verify"},
		{"no dispense", []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, relative)}, "a call POST MedicationDispense"},
	} {
		err := sutWorld(&recorded{calls: c.calls}).verifiedEveryDispense()
		switch {
		case c.fail == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)):
			t.Errorf("%s: got %v, want a failure with %q", c.name, err, c.fail)
		}
	}
}
