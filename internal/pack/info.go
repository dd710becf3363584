package pack

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
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
	// TestData holds values the cases send that the environment must know, such as the test
	// article ({{testdata.article.nplpackid}}): the simulator's by default, and an environment's
	// test_data in konform.yaml replaces them for EXT.
	TestData map[string]string `yaml:"test_data"`
}

// testDataKey is a test_data key: lower-case words joined by '.', '-' or '_'.
var testDataKey = regexp.MustCompile(`^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$`)

// CheckTestData checks test_data keys and values; source names them in messages. A value is
// put into JSON templates as it is, so it holds no quote, backslash or brace.
func CheckTestData(data map[string]string, source string) error {
	for _, k := range slices.Sorted(maps.Keys(data)) {
		v := data[k]
		if !testDataKey.MatchString(k) || len(k) > 64 {
			return fmt.Errorf("%s: test_data key %q must be lower-case words joined by '.', such as article.nplpackid", source, printable(k))
		}
		if v == "" || printable(v) != v || len(v) > 200 || strings.ContainsAny(v, `"\{}`) {
			return fmt.Errorf("%s: test_data %s: %q must be one printable line of at most 200 bytes, without quotes, backslashes or braces", source, k, printable(v))
		}
	}
	return nil
}

var packID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// readInfo reads and checks pack.yaml; source names it in messages.
func readInfo(data []byte, source string) (*Info, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var in Info
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("%s: %v", source, printable(oneLine(err.Error())))
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
	if err := CheckTestData(in.TestData, source); err != nil {
		return nil, err
	}
	return &in, nil
}

// oneLine joins a multi-line message.
func oneLine(s string) string { return string(bytes.Join(bytes.Fields([]byte(s)), []byte(" "))) }
