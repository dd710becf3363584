package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/konform/konform/fixtures"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

func newSimCmd(sys System) *cobra.Command {
	var addr, certs string
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the NLL simulator over mutual TLS until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, _, err := pki.EnsureDevPKI(certs, sys.Now())
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			s, err := sim.New(sim.Options{Fixtures: fixtures.FS})
			if err != nil {
				return fail(sys, run.ExitHarness, err)
			}
			pool, err := pki.CertPool(d.Path(pki.CAFile))
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			tlsCfg, err := pki.ServerTLS(d.Path(pki.ServerCertFile), d.Path(pki.ServerKeyFile), pool)
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			srv, err := sim.Serve(s, tlsCfg, addr, s.BasePath(), sys.Stderr)
			if err != nil {
				return fail(sys, run.ExitUsage, fmt.Errorf("%v; pick another --addr", err))
			}
			fmt.Fprintln(sys.Stdout, srv.URL)
			fmt.Fprintf(sys.Stderr, "NLL simulator at %s\n"+
				"  CA:                 %s\n"+
				"  client (PEM):       %s + %s\n"+
				"  client (PKCS#12):   %s (password %q)\n"+
				"  try:  curl --cacert %s --cert %s --key %s %s/\\$ping\n"+
				"Ctrl-C stops it.\n",
				srv.URL, d.Path(pki.CAFile), d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile),
				d.Path(pki.ClientP12File), pki.DevP12Password,
				d.Path(pki.CAFile), d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), srv.URL)
			<-cmd.Context().Done()
			fmt.Fprintln(sys.Stderr, "stopping the simulator")
			return srv.Close()
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8443", "address to listen on")
	cmd.Flags().StringVar(&certs, "certs", "certs", "folder of the dev PKI (generated when missing)")
	return cmd
}
