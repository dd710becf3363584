// Package driver is how konform tells the supplier's system under test (SUT) to act: the Driver
// interface, and the fixed catalogue of actions a test case may ask for, with their parameters.
// Implementations: the reference connecting system (internal/refsys, `--sut ref`), a command of
// the supplier's (Command) and the supplier's test hook over HTTP (Hook).
package driver

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Action is one instruction to the SUT: a catalogue action with its parameters.
type Action struct {
	// Name is the action's catalogue name (Swedish), such as "skapa förskrivning".
	Name string
	// Params are the action's parameters by their catalogue names, such as "patient".
	Params map[string]string
}

// Result is what the SUT reports back after acting: what its user would see.
type Result struct {
	// Status is the HTTP status of NLL's answer that the SUT showed its user, 0 when it made no
	// call or got no answer (the agency's requirement TK 1: pass the result on at once).
	Status int
	// Shown is the message the SUT showed its user.
	Shown string
	// Values are what the action produced, such as "id" of a created prescription.
	Values map[string]string
	// Log is what the driver saw of the action, for the evidence: a command's stdin, stdout and
	// stderr, a test hook's request and answer, or an operator's answers. Empty for the
	// reference system.
	Log string
	// Attachments are files the operator attached (manual driver), to copy into the evidence.
	Attachments []Attachment
}

// Driver makes the SUT act. Implementations must honour ctx (the run's per-action timeout).
type Driver interface {
	// Act performs one action and reports what the SUT showed.
	Act(ctx context.Context, a Action) (Result, error)
	// Reset starts a new session: a scenario must not see what an earlier one left in the SUT's
	// memory (open patient, open prescription, queue).
	Reset()
}

// Param is a parameter of an action.
type Param struct {
	// Name is the parameter's name in a feature file.
	Name string
	// Required is true when the action cannot run without it.
	Required bool
	// Doc says what the parameter means and its default.
	Doc string
}

// Spec describes an action of the catalogue.
type Spec struct {
	// Name is the Swedish name a feature file uses; English is the name in English packs.
	Name, English string
	// Role is the user who acts: förskrivare (care) or farmaceut (pharmacy).
	Role string
	// Params are the action's parameters.
	Params []Param
	// Doc says what a correct system does, the NLL calls it is expected to make.
	Doc string
	// Instruktion and Instruction tell an operator what to do in the system (manual driver), in
	// Swedish and in English.
	Instruktion, Instruction string
}

// The parameters actions share.
var (
	patientParam      = Param{Name: "patient", Required: true, Doc: "the patient's personnummer (\"för testpatienten\" sets it)"}
	prescriptionParam = Param{Name: "förskrivning", Doc: "the prescription's logical id in NLL; default: the last one the system created or opened in this scenario"}
	templateParam     = Param{Name: "mall", Doc: "what to prescribe, as one of konform's templates (templates/ of the pack); default forskrivning.json"}
	fieldParam        = Param{Name: "fält", Required: true, Doc: "the field to change, as a dotted path such as status or dosageInstruction.0.text"}
	valueParam        = Param{Name: "värde", Required: true, Doc: "the new value"}
)

// Catalogue is every action a test case may ask a SUT for.
var Catalogue = []Spec{
	{Name: "läs läkemedelslista", English: "read medication list", Role: "förskrivare",
		Params: []Param{patientParam,
			{Name: "samtycke", Doc: "ja (default) when the patient consents to the reading, nej when not"},
			{Name: "spärrsamtycke", Doc: "ja when the patient also consents to reading locked data (spärr), nej (default) when not"}},
		Doc: "Looks the patient up and reads the medication list information and the prescriptions with x-purpose VARD and x-access TILLFALLIGT_SAMTYCKE; " +
			"without consent it does not call NLL; under a data lock it reads the locked data only with the patient's consent (TILLFALLIGT_SAMTYCKE_SPARRADE_UPPGIFTER).",
		Instruktion: "Öppna patientens läkemedelslista i systemet, med patientens samtycke om parametern samtycke är ja.",
		Instruction: "Open the patient's medication list in the system, with the patient's consent when the parameter samtycke is ja."},
	{Name: "skapa förskrivning", English: "create prescription", Role: "förskrivare",
		Params: []Param{patientParam, templateParam},
		Doc: "POST MedicationRequest with a contained Practitioner, authoredOn from its clock, x-provenance; shows a 4xx at once and does not repeat it; " +
			"queues the prescription when NLL is unavailable (503 or no connection).",
		Instruktion: "Skapa och skicka en ny förskrivning till patienten enligt mallen (läkemedel, dosering, mängd).",
		Instruction: "Create and send a new prescription for the patient as the template describes (drug, dosage, amount)."},
	{Name: "förnya förskrivning", English: "renew prescription", Role: "förskrivare",
		Params:      []Param{prescriptionParam, {Name: "mall", Doc: "default fornyelse.json"}},
		Doc:         "Reads the prescription and POSTs a new one in the same chain (nllPrescriptionChain) with priorPrescription.",
		Instruktion: "Förnya förskrivningen och skicka den.",
		Instruction: "Renew the prescription and send it."},
	{Name: "uppdatera förskrivning", English: "update prescription", Role: "förskrivare",
		Params:      []Param{prescriptionParam, fieldParam, valueParam},
		Doc:         "Reads the latest version, changes the field and PUTs the whole resource; on 409 or 412 reads again and retries once.",
		Instruktion: "Ändra fältet i förskrivningen till det nya värdet och spara.",
		Instruction: "Change the field of the prescription to the new value and save."},
	{Name: "öppna förskrivning", English: "open prescription", Role: "förskrivare",
		Params:      []Param{prescriptionParam},
		Doc:         "Reads the prescription and shows it to the user (the form the user will later save).",
		Instruktion: "Öppna förskrivningen för ändring, men spara inte ännu.",
		Instruction: "Open the prescription for editing, but do not save yet."},
	{Name: "spara öppnad förskrivning", English: "save opened prescription", Role: "förskrivare",
		Params:      []Param{fieldParam, valueParam},
		Doc:         "PUTs the opened prescription with the user's change; on 409 or 412 (someone changed it meanwhile) reads the latest version, applies the change again and PUTs it.",
		Instruktion: "Ändra fältet i den öppnade förskrivningen och spara.",
		Instruction: "Change the field in the opened prescription and save."},
	{Name: "makulera förskrivning", English: "cancel prescription", Role: "förskrivare",
		Params:      []Param{prescriptionParam},
		Doc:         "POST MedicationRequest/$end with the entry, a reason and the activity makulera.",
		Instruktion: "Makulera förskrivningen.",
		Instruction: "Cancel (makulera) the prescription."},
	{Name: "registrera samtycke", English: "register consent", Role: "förskrivare",
		Params:      []Param{patientParam},
		Doc:         "POST Consent: a request for the patient's access consent, which the patient then accepts or rejects in Läkemedelskollen (TA 53).",
		Instruktion: "Registrera patientens samtycke till att läkemedelslistan läses.",
		Instruction: "Register the patient's consent to the medication list being read."},
	{Name: "skicka köade förskrivningar", English: "send queued prescriptions", Role: "förskrivare",
		Doc:         "Sends the prescriptions queued during an outage (reservrutin), once NLL answers again.",
		Instruktion: "Skicka de förskrivningar som köades medan NLL inte svarade.",
		Instruction: "Send the prescriptions that were queued while NLL did not answer."},
	{Name: "hämta förskrivningar för expediering", English: "read prescriptions for dispensing", Role: "farmaceut",
		Params:      []Param{patientParam},
		Doc:         "Looks the customer up and searches the active prescriptions with x-purpose EXPEDIERING and x-access UTAN_KRAV_SAMTYCKE.",
		Instruktion: "Sök fram kundens förskrivningar för expediering.",
		Instruction: "Look up the customer's prescriptions for dispensing."},
	{Name: "ersätt förskrivning", English: "replace prescription", Role: "farmaceut",
		Params: []Param{prescriptionParam, {Name: "mall", Doc: "the new prescription, as a template; default ersattning-apotek.json"}},
		Doc: "At a dose pharmacy, on a prescriber's behalf, for a patient with a multi-dose consent (TA 27): reads the prescription with x-purpose EXPEDIERING " +
			"and POSTs the new one as a MedicationRequest whose priorPrescription names the replaced one; NLL ends the replaced one and keeps both in one chain.",
		Instruktion: "Ersätt förskrivningen på förskrivarens uppdrag (dosapotek, TA 27) med den nya enligt mallen.",
		Instruction: "Replace the prescription on the prescriber's behalf (dose pharmacy, TA 27) with the new one the template describes."},
	{Name: "expediera förskrivning", English: "dispense prescription", Role: "farmaceut",
		Params:      []Param{prescriptionParam, {Name: "mall", Doc: "the dispense, as a template; default uttag.json"}},
		Doc:         "Reads the prescription, checks the dispense with MedicationDispense/$verify and registers it with POST MedicationDispense only when $verify found no issue (a $verify NLL refuses counts as one: avvikelser ja).",
		Instruktion: "Expediera förskrivningen (ett uttag enligt mallen).",
		Instruction: "Dispense the prescription (one dispense as the template describes)."},
	{Name: "expediera pappersrecept", English: "dispense paper prescription", Role: "farmaceut",
		Params: []Param{patientParam, {Name: "mall", Doc: "the dispense, as a template; default uttag-pappersrecept.json"}},
		Doc: "Dispenses from a paper prescription that is not in NLL (TA 49, uttag pappersrecept): looks the customer up, checks the dispense, " +
			"which names no prescription, with MedicationDispense/$verify and registers it with POST MedicationDispense only when $verify found no issue.",
		Instruktion: "Expediera från ett pappersrecept som inte finns i NLL (ett uttag enligt mallen).",
		Instruction: "Dispense from a paper prescription that is not in NLL (one dispense as the template describes)."},
	{Name: "rätta uttag", English: "correct dispense", Role: "farmaceut",
		Params: []Param{{Name: "uttag", Doc: "the dispense's logical id in NLL; default: the last one the system registered in this scenario"},
			{Name: "mängd", Required: true, Doc: "the counted quantity (avräknad mängd), a number of packages"}},
		Doc: "Corrects the counted quantity of a registered dispense (TA 47, Uppdatera uttag), as when another strength was handed out: " +
			"reads the dispense with x-purpose EXPEDIERING and PUTs it back with the new quantity, nothing else changed.",
		Instruktion: "Rätta den avräknade mängden på uttaget till den nya mängden (TA 47) och spara.",
		Instruction: "Correct the counted quantity of the dispense to the new amount (TA 47) and save."},
}

// Lookup finds an action by its Swedish or English name.
func Lookup(name string) (Spec, error) {
	for _, s := range Catalogue {
		if strings.EqualFold(s.Name, name) || strings.EqualFold(s.English, name) {
			return s, nil
		}
	}
	names := make([]string, 0, len(Catalogue))
	for _, s := range Catalogue {
		names = append(names, fmt.Sprintf("%q", s.Name))
	}
	sort.Strings(names)
	return Spec{}, fmt.Errorf("unknown action %q; the catalogue has %s (docs/sut.md)", name, strings.Join(names, ", "))
}

// Check returns the action with the catalogue's Swedish names, or an error naming an unknown
// action, an unknown parameter or a missing one.
func Check(a Action) (Action, error) {
	spec, err := Lookup(a.Name)
	if err != nil {
		return a, err
	}
	known := map[string]bool{}
	for _, p := range spec.Params {
		known[p.Name] = true
		if p.Required && a.Params[p.Name] == "" {
			return a, fmt.Errorf("action %q needs the parameter %q: %s", spec.Name, p.Name, p.Doc)
		}
	}
	for name := range a.Params {
		if !known[name] {
			return a, fmt.Errorf("action %q has no parameter %q", spec.Name, name)
		}
	}
	a.Name = spec.Name
	return a, nil
}

// Tail keeps the last Max bytes written to it and takes everything, so that a command's output
// can be read for its last line without holding it all.
type Tail struct {
	Max int
	buf []byte
}

func (t *Tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.Max {
		t.buf = t.buf[len(t.buf)-t.Max:]
	}
	return len(p), nil
}

// Bytes returns what the tail holds.
func (t *Tail) Bytes() []byte { return t.buf }
