package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

func newCertsCmd(sys System) *cobra.Command {
	var dir string
	var force bool
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Write a dev PKI: CA, server, client (PEM and PKCS#12) and bad certificates for negative tests",
		Long: "Write a development PKI for the simulator: a root CA, a server certificate for 127.0.0.1 and\n" +
			"localhost, a client certificate (PEM, and PKCS#12 with the password \"" + pki.DevP12Password + "\"), an expired\n" +
			"client certificate and one from an unknown CA. An existing, valid PKI is kept unless --force.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var made bool
			var err error
			if force {
				err, made = pki.GenerateDevPKI(dir, sys.Now()), true
			} else {
				_, made, err = pki.EnsureDevPKI(dir, sys.Now())
			}
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			if made {
				fmt.Fprintf(sys.Stderr, "wrote a dev PKI to %s\n", dir)
			} else {
				fmt.Fprintf(sys.Stderr, "the dev PKI in %s is valid; kept it (--force makes a new one)\n", dir)
			}
			fmt.Fprintln(sys.Stdout, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "certs", "folder to write to")
	cmd.Flags().BoolVar(&force, "force", false, "make a new PKI even if the existing one is valid")
	return cmd
}
