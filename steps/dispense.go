package steps

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
)

// NLL requires a dispense to be checked with $verify before it is registered (nll.md 1.5: "Mandatory
// before a dispense is registered"). A check of another dispense (another quantity, say) does not
// count: verifiedEveryDispense compares what was checked with what was registered.

// verifyCall matches the calls of $verify that check dispenses: at the base, or below
// MedicationDispense.
var verifyCall = callPattern{method: http.MethodPost, text: "POST {$verify,MedicationDispense/$verify}",
	re: regexp.MustCompile(`^(?:\$verify|MedicationDispense/\$verify)$`)}

// dispenseKey is what makes a checked dispense the one registered: the prescription
// (authorizingPrescription), the patient (subject), the article (the medication's codes or
// reference) and the quantity. References compare in every form FHIR allows.
func dispenseKey(res map[string]any) string {
	var prescriptions []string
	for _, r := range asList(res["authorizingPrescription"]) {
		prescriptions = append(prescriptions, refKey(r))
	}
	var codes []string
	if cc, ok := res["medicationCodeableConcept"].(map[string]any); ok {
		for _, c := range asList(cc["coding"]) {
			coding, _ := c.(map[string]any)
			codes = append(codes, fmt.Sprint(coding["code"]))
		}
	}
	sort.Strings(codes)
	article := strings.Join(codes, ",")
	if article == "" {
		article = refKey(res["medicationReference"])
	}
	quantity := "none"
	if q, ok := res["quantity"].(map[string]any); ok && q["value"] != nil {
		quantity = fmt.Sprint(q["value"])
	}
	return fmt.Sprintf("prescription %s, patient %s, article %s, quantity %s",
		orNone(strings.Join(prescriptions, " ")), orNone(refKey(res["subject"])), orNone(article), quantity)
}

// refKey is a Reference as Type/id when it names one in any FHIR form, else as it is written.
func refKey(v any) string {
	r, _ := v.(map[string]any)
	if r == nil {
		return ""
	}
	ref, _ := r["reference"].(string)
	if m := resourceName.FindStringSubmatch(ref); m != nil {
		return m[1]
	}
	if ref != "" {
		return ref
	}
	if id, ok := r["identifier"].(map[string]any); ok {
		return fmt.Sprintf("%v|%v", id["system"], id["value"])
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// checkedDispenses returns the dispenses a $verify call checked: its body as a MedicationDispense,
// the resource parameter of a Parameters, or the entries of an NLLDispatch Bundle.
func checkedDispenses(body []byte) []map[string]any {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var out []map[string]any
	add := func(v any) {
		if res, ok := v.(map[string]any); ok && res["resourceType"] == "MedicationDispense" {
			out = append(out, res)
		}
	}
	switch doc["resourceType"] {
	case "MedicationDispense":
		add(doc)
	case "Parameters":
		for _, p := range asList(doc["parameter"]) {
			if p, ok := p.(map[string]any); ok && p["name"] == "resource" {
				add(p["resource"])
			}
		}
	case "Bundle":
		for _, e := range asList(doc["entry"]) {
			if e, ok := e.(map[string]any); ok {
				add(e["resource"])
			}
		}
	}
	return out
}

// verifiedEveryDispense checks that every dispense the system registered (POST MedicationDispense,
// alone or as an entry of a transaction) came after a $verify that checked the same dispense
// (dispenseKey). A check that NLL accepted the dispense after uses up; one NLL refused leaves it,
// so that the system may send the dispense again on the same check.
func (w *World) verifiedEveryDispense() error {
	calls, err := w.calls()
	if err != nil {
		return err
	}
	var checked []string
	dispenses := 0
	var missing error
	sequence(calls, func(c *gateway.Call) {
		if c.Method != http.MethodPost || c.Path != "MedicationDispense" || missing != nil {
			return
		}
		dispenses++
		var res map[string]any
		_ = json.Unmarshal(c.ReqBody, &res)
		key := dispenseKey(res)
		i := slices.Index(checked, key)
		if i < 0 {
			actual := "no $verify of a dispense before it"
			if len(checked) > 0 {
				actual = "$verify of another dispense only: " + strings.Join(checked, "; ")
			}
			missing = &evidence.Mismatch{Check: "$verify before " + callLine(c), Expected: "a $verify of the same dispense (" + key + ")", Actual: actual}
		} else if c.Status >= 200 && c.Status < 300 {
			checked = slices.Delete(checked, i, i+1)
		}
	}, func(c *gateway.Call) {
		if verifyCall.matches(c) {
			for _, d := range checkedDispenses(c.ReqBody) {
				checked = append(checked, dispenseKey(d))
			}
		}
	})
	if missing != nil {
		return missing
	}
	if dispenses == 0 {
		return &evidence.Mismatch{Check: "the system's dispenses", Expected: "a call POST MedicationDispense", Actual: describe(calls)}
	}
	return nil
}
