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

// dispense is what makes a checked dispense the one registered: the prescriptions it is of
// (authorizingPrescription), the patient (subject), the article (the medication's codings, of a
// contained Medication too) and the quantity.
type dispense struct {
	prescriptions [][]string // each Reference as its keys (refKeys)
	patient       []string
	article       []string // system|code of each coding, sorted; else the medication's reference
	quantity      string
}

// dispenseOf reads a MedicationDispense.
func dispenseOf(res map[string]any) dispense {
	var d dispense
	for _, r := range asList(res["authorizingPrescription"]) {
		d.prescriptions = append(d.prescriptions, refKeys(r))
	}
	d.patient = refKeys(res["subject"])
	concept, _ := res["medicationCodeableConcept"].(map[string]any)
	if ref, _ := res["medicationReference"].(map[string]any); concept == nil && ref != nil {
		// a contained Medication is read for its code; another reference stands as it is
		if id, ok := strings.CutPrefix(fmt.Sprint(ref["reference"]), "#"); ok {
			for _, c := range asList(res["contained"]) {
				if m, _ := c.(map[string]any); m["resourceType"] == "Medication" && m["id"] == id {
					concept, _ = m["code"].(map[string]any)
				}
			}
		} else {
			d.article = refKeys(ref)
		}
	}
	for _, c := range asList(concept["coding"]) {
		if coding, _ := c.(map[string]any); coding["code"] != nil {
			system, _ := coding["system"].(string)
			d.article = append(d.article, fmt.Sprintf("%s|%v", orNone(system), coding["code"]))
		}
	}
	sort.Strings(d.article)
	d.quantity = "none"
	if q, ok := res["quantity"].(map[string]any); ok && q["value"] != nil {
		d.quantity = fmt.Sprint(q["value"])
	}
	return d
}

// same reports whether a check of d covers the dispense e. A patient missing on either side is
// the prescription's (NLL takes it from there), so it is compared only when both name one and a
// prescription does.
func (d dispense) same(e dispense) bool {
	if len(d.prescriptions) != len(e.prescriptions) || !slices.Equal(d.article, e.article) || d.quantity != e.quantity {
		return false
	}
	for i := range d.prescriptions {
		if !shareKey(d.prescriptions[i], e.prescriptions[i]) {
			return false
		}
	}
	if len(d.patient) > 0 && len(e.patient) > 0 {
		return shareKey(d.patient, e.patient)
	}
	return len(d.prescriptions) > 0 || len(d.patient) == len(e.patient)
}

// String names the dispense in a failure message.
func (d dispense) String() string {
	var prescriptions []string
	for _, p := range d.prescriptions {
		prescriptions = append(prescriptions, strings.Join(p, " "))
	}
	return fmt.Sprintf("prescription %s, patient %s, article %s, quantity %s", orNone(strings.Join(prescriptions, "; ")),
		orNone(strings.Join(d.patient, " ")), orNone(strings.Join(d.article, ",")), d.quantity)
}

// refKeys are the names a Reference gives: Type/id when its reference names one in any FHIR
// form (else the reference as written), and system|value of its identifier.
func refKeys(v any) []string {
	r, _ := v.(map[string]any)
	if r == nil {
		return nil
	}
	var keys []string
	if ref, _ := r["reference"].(string); ref != "" {
		if m := resourceName.FindStringSubmatch(ref); m != nil {
			ref = m[1]
		}
		keys = append(keys, ref)
	}
	if id, ok := r["identifier"].(map[string]any); ok && id["value"] != nil {
		keys = append(keys, fmt.Sprintf("%v|%v", id["system"], id["value"]))
	}
	return keys
}

func shareKey(a, b []string) bool {
	return slices.ContainsFunc(a, func(k string) bool { return slices.Contains(b, k) })
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// checkedDispenses returns the dispenses a $verify call checked: its body as a MedicationDispense,
// the entries of an NLLDispatch Bundle, or either as the resource parameter of a Parameters.
func checkedDispenses(body []byte) []map[string]any {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	return dispensesIn(doc, true)
}

func dispensesIn(doc map[string]any, parameters bool) []map[string]any {
	var out []map[string]any
	switch doc["resourceType"] {
	case "MedicationDispense":
		out = append(out, doc)
	case "Parameters":
		for _, p := range asList(doc["parameter"]) {
			if p, ok := p.(map[string]any); ok && p["name"] == "resource" && parameters {
				res, _ := p["resource"].(map[string]any)
				out = append(out, dispensesIn(res, false)...)
			}
		}
	case "Bundle":
		for _, e := range asList(doc["entry"]) {
			if e, ok := e.(map[string]any); ok {
				if res, _ := e["resource"].(map[string]any); res["resourceType"] == "MedicationDispense" {
					out = append(out, res)
				}
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
	var checked []dispense
	dispenses := 0
	var missing error
	sequence(calls, func(c *gateway.Call) {
		if c.Method != http.MethodPost || c.Path != "MedicationDispense" || missing != nil {
			return
		}
		dispenses++
		var res map[string]any
		_ = json.Unmarshal(c.ReqBody, &res)
		d := dispenseOf(res)
		i := slices.IndexFunc(checked, d.same)
		if i < 0 {
			actual := "no $verify of a dispense before it"
			if len(checked) > 0 {
				var others []string
				for _, o := range checked {
					others = append(others, o.String())
				}
				actual = "$verify of another dispense only: " + strings.Join(others, "; ")
			}
			missing = &evidence.Mismatch{Check: "$verify before " + callLine(c), Expected: "a $verify of the same dispense (" + d.String() + ")", Actual: actual}
		} else if c.Status >= 200 && c.Status < 300 {
			checked = slices.Delete(checked, i, i+1)
		}
	}, func(c *gateway.Call) {
		// A check counts once NLL answered it (200, whether or not it found issues): one
		// refused, unanswered or met by an outage checked nothing.
		if verifyCall.matches(c) && c.Status >= 200 && c.Status < 300 {
			for _, d := range checkedDispenses(c.ReqBody) {
				checked = append(checked, dispenseOf(d))
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
