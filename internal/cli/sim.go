package cli

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
	"github.com/konform/konform/nllpack"
)

// simOptions are the flags of konform sim.
type simOptions struct {
	addr, certs      string
	faults, defects  []string
	personality      string
	conflict, pageSz int
	// conflictSet and pageSzSet say whether the flags were given, to override the personality.
	conflictSet, pageSzSet bool
}

// policy is the simulator policy the flags ask for: the personality's, with --version-conflict
// and --page-size on top when given.
func (o simOptions) policy() (sim.Policy, error) {
	policy, err := sim.Personality(o.personality)
	if err != nil {
		return policy, fmt.Errorf("--personality: %v", err)
	}
	if o.conflictSet {
		if o.conflict != http.StatusConflict && o.conflict != http.StatusPreconditionFailed {
			return policy, fmt.Errorf("--version-conflict must be 409 or 412, got %d", o.conflict)
		}
		policy.VersionConflictStatus = o.conflict
	}
	if o.pageSzSet {
		if o.pageSz < 1 || o.pageSz > 1000 {
			return policy, fmt.Errorf("--page-size must be from 1 to 1000, got %d", o.pageSz)
		}
		policy.PageSize = o.pageSz
	}
	return policy, nil
}

func newSimCmd(sys System) *cobra.Command {
	var o simOptions
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the NLL simulator over mutual TLS until interrupted",
		Long: "Serve the NLL simulator over mutual TLS with the dev PKI, for developing against NLL offline.\n" +
			"Prints the base URL (stdout), the certificate files, test tokens for a prescriber and a\n" +
			"pharmacist, and a ready-to-paste curl command (stderr). docs/simulator.md lists its behaviour.",
		Example: "  konform sim\n" +
			"  konform sim --addr 127.0.0.1:9443 --fault 'path=MedicationRequest,status=503,retryAfter=30'\n" +
			"  konform sim --personality alt --page-size 20\n" +
			"  konform sim --fault 'path=Patient,latency=3s' --fault 'method=POST,html'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.conflictSet, o.pageSzSet = cmd.Flags().Changed("version-conflict"), cmd.Flags().Changed("page-size")
			policy, err := o.policy()
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			var faults []sim.Fault
			for _, spec := range o.faults {
				f, err := sim.ParseFault(spec)
				if err != nil {
					return fail(sys, run.ExitUsage, fmt.Errorf("--fault: %v", err))
				}
				faults = append(faults, f)
			}
			d, _, err := pki.EnsureDevPKI(o.certs, sys.Now())
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			s, err := sim.New(sim.Options{Fixtures: nllpack.Fixtures(), Faults: faults, Policy: &policy, Defects: o.defects})
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			srv, err := sim.ServeDevPKI(s, d, o.addr, sys.Stderr)
			if err != nil {
				return fail(sys, run.ExitUsage, fmt.Errorf("%v; pick another --addr", err))
			}
			printSimGuide(sys, srv.URL, d, s, faults)
			for _, name := range o.defects {
				fmt.Fprintf(sys.Stderr, "defect %s: this simulator is broken on purpose (docs/simulator.md, Defect catalogue)\n", name)
			}
			if o.personality == "alt" {
				fmt.Fprintln(sys.Stderr, "personality alt: every choice NLL's documentation leaves open takes its other value (docs/simulator.md)")
			}
			fmt.Fprintln(sys.Stdout, srv.URL) // last: a script that waits for the URL has every line before it
			<-cmd.Context().Done()
			fmt.Fprintln(sys.Stderr, "stopping the simulator")
			return srv.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8443", "address to listen on")
	f.StringVar(&o.certs, "certs", "certs", "folder of the dev PKI (generated when missing)")
	f.StringArrayVar(&o.faults, "fault", nil, "inject a fault, e.g. 'path=Patient,status=503,retryAfter=30' (repeatable; see docs/simulator.md)")
	f.StringArrayVar(&o.defects, "defect", nil, "break the simulator in a named way from the defect catalogue, e.g. request-id-not-echoed (repeatable; see docs/simulator.md)")
	f.StringVar(&o.personality, "personality", "default", "the simulator's choices where NLL's documentation is silent: default or alt (every choice flipped; see docs/simulator.md)")
	f.IntVar(&o.conflict, "version-conflict", http.StatusConflict, "status for an update based on an old version: 409 or 412 (overrides the personality)")
	f.IntVar(&o.pageSz, "page-size", 50, "searchset entries per page when _count is absent (overrides the personality)")
	return cmd
}

func printSimGuide(sys System, url string, d pki.DevPKI, s *sim.Simulator, faults []sim.Fault) {
	now := sys.Now()
	prescriber, pharmacist := s.Token(sim.PrescriberClaims(now)), s.Token(sim.PharmacistClaims(now))
	var b strings.Builder
	fmt.Fprintf(&b, "NLL simulator at %s\n", url)
	fmt.Fprintf(&b, "  CA:               %s\n", d.Path(pki.CAFile))
	fmt.Fprintf(&b, "  client (PEM):     %s + %s\n", d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile))
	fmt.Fprintf(&b, "  client (PKCS#12): %s, password %q\n", d.Path(pki.ClientP12File), pki.DevP12Password)
	fmt.Fprintf(&b, "  prescriber token (12 h): %s\n", prescriber)
	fmt.Fprintf(&b, "    with X-Org-Info: {\"orgenhetsId\":\"SE2321000016-TEST1\",\"orgenhetsIdTyp\":\"HSA\"}\n")
	fmt.Fprintf(&b, "  pharmacist token (12 h): %s\n", pharmacist)
	fmt.Fprintf(&b, "    with X-Org-Info: {\"orgenhetsId\":\"7350045511999\",\"orgenhetsIdTyp\":\"GLN\"}\n")
	if dir, names, err := writeRoleTokens(s, filepath.Dir(d.Path(pki.CAFile)), now); err == nil {
		fmt.Fprintf(&b, "  every role's token (12 h): %s/<role>.jwt (%s)\n", dir, strings.Join(names, ", "))
	}
	for _, f := range faults {
		fmt.Fprintf(&b, "  fault: %s\n", f)
	}
	fmt.Fprintf(&b, "Try (connectivity, no token):\n  curl --cacert %s --cert %s --key %s '%s/$ping'\n",
		d.Path(pki.CAFile), d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), url)
	fmt.Fprintf(&b, "Read a test patient:\n  curl --cacert %s --cert %s --key %s \\\n"+
		"    -H 'Authorization: Bearer %s' \\\n"+
		"    -H 'X-Org-Info: {\"orgenhetsId\":\"SE2321000016-TEST1\",\"orgenhetsIdTyp\":\"HSA\"}' \\\n"+
		"    -H 'X-Purpose: VARD' -H 'X-Access: TILLFALLIGT_SAMTYCKE' -H \"X-Request-ID: $(uuidgen)\" \\\n"+
		"    '%s/Patient?identifier=http://electronichealth.se/identifier/personnummer|189001019802'\n",
		d.Path(pki.CAFile), d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), prescriber, url)
	b.WriteString("(every request needs a fresh UUID as X-Request-ID: a reused one is refused)\nCtrl-C stops it.\n")
	fmt.Fprint(sys.Stderr, b.String())
}

// simRoleTokens are the simulator's roles, each with the name of its token file in the steps' words.
var simRoleTokens = []struct{ file, role string }{
	{"förskrivare", sim.RolePrescriber}, {"farmaceut", sim.RolePharmacist}, {"sjuksköterska", sim.RoleNurse},
	{"farmaceut-inom-vården", sim.RoleCarePharmacist}, {"dietist", sim.RoleDietitian},
	{"apotekspersonal", sim.RolePharmacyStaff}, {"privatperson", sim.RolePrivate},
}

// writeRoleTokens writes a token for each of the simulator's roles into certs/tokens, for trying
// what each role may do; the private person is the test patient 189001019802. It returns the
// folder and the files' names.
func writeRoleTokens(s *sim.Simulator, certs string, now time.Time) (string, []string, error) {
	dir := filepath.Join(certs, "tokens")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	names := make([]string, len(simRoleTokens))
	for i, r := range simRoleTokens {
		if err := os.WriteFile(filepath.Join(dir, r.file+".jwt"), []byte(s.Token(sim.RoleClaims(r.role, now))+"\n"), 0o600); err != nil {
			return "", nil, err
		}
		names[i] = r.file
	}
	return dir, names, nil
}
