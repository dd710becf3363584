package pack

import (
	"bytes"
	"fmt"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"
)

// Info is a pack's pack.yaml: what the pack is, and the test patients its scenarios may lease.
type Info struct {
	// ID names the pack for machines, e.g. "ehm-nll-vard"; Title names it for people.
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Version is the pack's own version; NLLRelease the NLL release it was written for.
	Version    string `yaml:"version"`
	NLLRelease string `yaml:"nll_release"`
	// Publisher is who wrote and publishes the pack; Date is when (YYYY-MM-DD).
	Publisher string `yaml:"publisher"`
	Date      string `yaml:"date"`
	// Patients is the patient pool: test personnummer a scenario leases for itself alone.
	Patients []string `yaml:"patients"`
}

var packID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// readInfo reads and checks pack.yaml; source names it in messages.
func readInfo(data []byte, source string) (*Info, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var in Info
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%s: %v", source, oneLine(err.Error()))
	}
	switch {
	case !packID.MatchString(in.ID):
		return nil, fmt.Errorf("%s: id %q must be lower-case letters, digits, '.', '-' or '_' (at most 64), such as \"ehm-nll-vard\"", source, printable(in.ID))
	case in.Title == "":
		return nil, fmt.Errorf("%s: the pack needs a title", source)
	case in.Version == "":
		return nil, fmt.Errorf("%s: the pack needs a version", source)
	case in.Publisher == "":
		return nil, fmt.Errorf("%s: the pack needs a publisher (who wrote it)", source)
	case in.NLLRelease == "":
		return nil, fmt.Errorf("%s: the pack needs nll_release, the NLL release it was written for (such as \"21\")", source)
	}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		return nil, fmt.Errorf("%s: date %q must be YYYY-MM-DD", source, printable(in.Date))
	}
	for _, s := range []string{in.Title, in.Version, in.Publisher, in.NLLRelease} {
		if printable(s) != s || len(s) > 200 {
			return nil, fmt.Errorf("%s: %q must be one printable line of at most 200 bytes", source, printable(s))
		}
	}
	return &in, nil
}

// oneLine joins a multi-line message.
func oneLine(s string) string { return string(bytes.Join(bytes.Fields([]byte(s)), []byte(" "))) }
