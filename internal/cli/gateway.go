package cli

import (
	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/run"
)

func newGatewayCmd(sys System) *cobra.Command {
	var o run.GatewayOptions
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve the recording gateway between the system under test and NLL until interrupted",
		Long: "Serve konform's gateway: the system under test calls NLL through it over mutual TLS, and it\n" +
			"forwards every call unchanged to NLL (the built-in simulator, or --env) with the run's client\n" +
			"certificate. Its server certificate and the CAs of the system's client certificates are the dev\n" +
			"PKI's, or gateway: {cert, key, client_ca} of konform.yaml. Prints its base URL (stdout) and a\n" +
			"line per call (stderr). docs/sut.md explains it.",
		Example: "  konform gateway\n  konform gateway --addr 127.0.0.1:9443 --env ext5-x2",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Password = sys.Getenv(PasswordEnv)
			return exit(run.ServeGateway(cmd.Context(), sys.io(), o))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Env, "env", "sim", "NLL behind the gateway: sim (the built-in simulator) or an environment of the configuration file")
	f.StringVar(&o.Config, "config", "", "configuration file with the environments (default konform.yaml, if present)")
	f.StringVar(&o.Addr, "addr", "", "address the gateway listens on (default gateway.addr of the configuration file, else "+run.DefaultGatewayAddr+")")
	f.StringVar(&o.SUTConfig, "sut-config", "", "file with the gateway: section (as in konform.yaml), in place of the configuration file's")
	f.StringVar(&o.CertsDir, "certs", "certs", "folder of the dev PKI (generated when missing)")
	f.StringVar(&o.Cert, "cert", "", "client certificate towards NLL: PEM (with --key) or PKCS#12; default the environment's")
	f.StringVar(&o.Key, "key", "", "private key (PEM) of --cert")
	return cmd
}
