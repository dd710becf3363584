package cli

import (
	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/run"
)

func newDoctorCmd(sys System) *cobra.Command {
	var opts run.Options
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the certificate, the connection, $ping and the clock before running test cases",
		Long: "Check, one line each (ok, warn or FAIL with what to do): the environment, the client\n" +
			"certificate (readable, key matching, valid, warns within 30 days of expiry, clientAuth usage,\n" +
			"not from a production CA, chaining to the CA bundle), DNS, TCP, the TLS handshake, $ping\n" +
			"without and with the user's token, and the clock against the server's Date header. With a\n" +
			"driver of the system under test (--sut, or sut: in the configuration file): the gateway's\n" +
			"address and certificate, and that the driver can be reached (the command exists and its\n" +
			"probe passes, the test hook answers, a terminal for the operator).\n\n" +
			"Exit codes: 0 nothing failed · 2 configuration or certificate problem · 3 network, TLS or service problem.",
		Example: "  konform doctor\n  konform doctor --config konform.yaml --env ext5-x2",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Password = sys.Getenv(PasswordEnv)
			opts.Version = Version
			return exit(run.Doctor(cmd.Context(), sys.io(), opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Env, "env", "sim", "environment: sim or one of the configuration file")
	f.StringVar(&opts.Config, "config", "", "configuration file (default konform.yaml, if present)")
	f.StringVar(&opts.CertsDir, "certs", "certs", "folder of the dev PKI")
	f.StringVar(&opts.Cert, "cert", "", "client certificate: PEM (with --key) or PKCS#12")
	f.StringVar(&opts.Key, "key", "", "private key (PEM) of --cert")
	f.DurationVar(&opts.Timeout, "timeout", 0, "limit per request (default 30s)")
	f.StringVar(&opts.SUTConfig, "sut-config", "", "file with the sut: and gateway: sections (as in konform.yaml), in place of the configuration file's")
	f.StringVar(&opts.SUT, "sut", "", "driver of the system under test to check: ref, command, http or manual (default sut.driver of the configuration file)")
	f.StringVar(&opts.GatewayAddr, "gateway-addr", "", "address the gateway will listen on (default gateway.addr of the configuration file)")
	return cmd
}
