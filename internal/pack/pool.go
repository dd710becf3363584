package pack

import (
	"fmt"
	"regexp"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/konform/konform/internal/evidence"
)

// Pool is the pack's patient pool: test patients a scenario leases for itself alone (the step
// "att scenariot har en egen testpatient ur poolen"), so that scenarios that change or count
// something of a patient (a data lock, a consent, the prescriptions) never share one.
type Pool struct {
	// Source names the file, for messages.
	Source string `yaml:"-"`
	// Patients are the pool's personnummer.
	Patients []string
	has      map[string]bool
}

// NewPool checks a patient pool: at least one patient, each a 12-digit personnummer with a valid
// check digit, none twice. source names the pool's file in messages.
func NewPool(patients []string, source string) (*Pool, error) {
	p := &Pool{Source: source, Patients: patients, has: map[string]bool{}}
	if len(p.Patients) == 0 {
		return nil, fmt.Errorf("%s: the pool has no patients; list test personnummer under \"patients\"", source)
	}
	for _, pnr := range p.Patients {
		switch {
		case !evidence.ValidPersonnummer(pnr):
			return nil, fmt.Errorf("%s: %q is not a 12-digit personnummer with a valid check digit; use Skatteverket's test personnummer", source, printable(pnr))
		case p.has[pnr]:
			return nil, fmt.Errorf("%s: %s is listed twice", source, pnr)
		}
		p.has[pnr] = true
	}
	return p, nil
}

// Has reports whether pnr is a patient of the pool.
func (p *Pool) Has(pnr string) bool { return p.has[pnr] }

var twelveDigits = regexp.MustCompile(`\d{12}`)

// checkPoolUse refuses a scenario that names a patient of the pool in a step, a table or a doc
// string: another scenario may have leased that patient, so the two would share it.
func (p *Pack) checkPoolUse(pk *messages.Pickle, loc string) error {
	for _, st := range pk.Steps {
		texts := []string{st.Text}
		if a := st.Argument; a != nil && a.DocString != nil {
			texts = append(texts, a.DocString.Content)
		}
		if a := st.Argument; a != nil && a.DataTable != nil {
			for _, row := range a.DataTable.Rows {
				for _, cell := range row.Cells {
					texts = append(texts, cell.Value)
				}
			}
		}
		for _, text := range texts {
			for _, pnr := range twelveDigits.FindAllString(text, -1) {
				if p.Pool.Has(pnr) {
					return fmt.Errorf("%s: scenario %q names %s, a patient of the pool %s, which another scenario may have leased; "+
						"lease a patient with \"Givet att scenariot har en egen testpatient ur poolen\" or use a patient outside the pool", loc, pk.Name, pnr, p.Pool.Source)
				}
			}
		}
	}
	return nil
}

// BundledPool returns the bundled pack's patient pool (the patients of nllpack/pack.yaml).
func BundledPool() (*Pool, error) {
	src, err := Bundled()
	if err != nil {
		return nil, err
	}
	return NewPool(src.Info.Patients, path2(src.Where, InfoFile))
}
