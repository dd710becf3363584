package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// patientDosageDirections answers $patient-dosage-directions (NLLPatientDosageDirections): patient
// friendly dosage instructions made from structured dosages. In: dosageInstruction (valueDosage,
// 1..*), nllPatientTreatmentReason (valueString, 0..1). Out: patientInstruction and
// patientInstructionFormatted (1..1 each), the treatment reason, additionalInstruction and
// nllAdministeringInstruction when there are any, and notification: an OperationOutcome of
// warnings and information, never with nllDetectedIssue. NLL's wording of the instructions is not
// public; the simulator's is its own.
func (s *Simulator) patientDosageDirections(w http.ResponseWriter, r *http.Request) {
	_, body, ok := s.authorizedBody(w, r, needCheck)
	if !ok {
		return
	}
	if body["resourceType"] != "Parameters" {
		s.writeError(w, invalid("$patient-dosage-directions takes Parameters"))
		return
	}
	var dosages []map[string]any
	reason := ""
	for i, p := range list(body, "parameter") {
		switch name := stringAt(p, "name"); name {
		case "dosageInstruction":
			d := object(p, "valueDosage")
			if d == nil {
				s.writeError(w, invalid("dosageInstruction must be a valueDosage"))
				return
			}
			if aerr := s.checkDosage(d, fmt.Sprintf("Parameters.parameter[%d].valueDosage", i)); aerr != nil {
				s.writeError(w, aerr)
				return
			}
			dosages = append(dosages, d)
		case "nllPatientTreatmentReason":
			reason = stringAt(p, "valueString")
		default:
			s.writeError(w, invalid(fmt.Sprintf("$patient-dosage-directions has no parameter %q; it takes dosageInstruction and nllPatientTreatmentReason", name)))
			return
		}
	}
	if len(dosages) == 0 && !s.broken("dosage-directions-unchecked") {
		s.writeError(w, invalid("$patient-dosage-directions needs at least one dosageInstruction (valueDosage)"))
		return
	}
	var lines, additional, administering []string
	var notes []issue
	for i, d := range dosages {
		line, structured := dosageLine(d)
		if s.broken("dosage-text-only") && stringAt(d, "text") != "" {
			line = stringAt(d, "text")
		}
		if !structured {
			notes = append(notes, issue{severity: "warning", code: "informational", expression: fmt.Sprintf("Parameters.parameter[%d].valueDosage", i),
				diagnostics: "doseringen saknar strukturerad dos och tidpunkt; texten används som den är"})
		}
		lines = append(lines, line)
		for _, a := range list(d, "additionalInstruction") {
			if t := stringAt(a, "text"); t != "" {
				additional = append(additional, t)
			}
		}
		if t := stringAt(d, "method", "text"); t != "" {
			administering = append(administering, t)
		}
	}
	out := []any{
		map[string]any{"name": "patientInstruction", "valueString": strings.Join(lines, ", ")},
	}
	if !s.broken("dosage-no-formatted") {
		formatted := make([]string, len(lines))
		for i, l := range lines {
			formatted[i] = "• " + l
		}
		out = append(out, map[string]any{"name": "patientInstructionFormatted", "valueString": strings.Join(formatted, "\n")})
	}
	if reason != "" && !s.broken("dosage-reason-dropped") {
		out = append(out, map[string]any{"name": "nllPatientTreatmentReason", "valueString": reason})
	}
	if len(additional) > 0 {
		out = append(out, map[string]any{"name": "additionalInstruction", "valueString": strings.Join(additional, ", ")})
	}
	if len(administering) > 0 {
		out = append(out, map[string]any{"name": "nllAdministeringInstruction", "valueString": strings.Join(administering, ", ")})
	}
	if len(notes) > 0 {
		if s.broken("dosage-notification-detected-issue") {
			notes[0].rule = &rule{code: "SIM-DOS-01", text: "doseringen saknar strukturerad dos", warning: true}
		}
		out = append(out, map[string]any{"name": "notification", "resource": outcome(notes...)})
	}
	writeJSON(w, http.StatusOK, resource{"resourceType": "Parameters", "parameter": out})
}

// periodUnits are timing units in the Swedish of a medicine label.
var periodUnits = map[string]string{"h": "timme", "d": "dygn", "wk": "vecka", "mo": "månad"}

// dosageLine writes one dosage in words: the dose, how often, whether as needed, and the most per
// period, from the structured elements; the dosage's text when it has none. It reports whether
// there were structured elements.
func dosageLine(d map[string]any) (string, bool) {
	var parts []string
	if v, ok := numberAt(d, "doseAndRate", "doseQuantity", "value"); ok {
		parts = append(parts, strings.TrimSpace(formatNumber(v)+" "+stringAt(d, "doseAndRate", "doseQuantity", "unit")))
	}
	repeat := object(d, "timing", "repeat")
	if f, ok := numberAt(repeat, "frequency"); ok {
		times := "gång"
		if f != 1 {
			times = "gånger"
		}
		per := periodUnits[stringAt(repeat, "periodUnit")]
		if per == "" {
			per = "dygn"
		}
		if p, ok := numberAt(repeat, "period"); ok && p != 1 {
			per = formatNumber(p) + " " + stringAt(repeat, "periodUnit")
		}
		parts = append(parts, formatNumber(f)+" "+times+" per "+per)
	}
	if at(d, "asNeededBoolean") == true {
		parts = append(parts, "vid behov")
	}
	if v, ok := numberAt(d, "maxDosePerPeriod", "numerator", "value"); ok {
		parts = append(parts, "högst "+formatNumber(v)+" "+stringAt(d, "maxDosePerPeriod", "numerator", "unit")+" per dygn")
	}
	if len(parts) == 0 {
		if t := stringAt(d, "text"); t != "" {
			return t, false
		}
		return "enligt ordination", false
	}
	return strings.Join(parts, " "), true
}

// formatNumber writes a number as a label does: 1, 0,5.
func formatNumber(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}
