// Package cli holds konform's commands. Each command parses its flags into an options struct and
// hands it to the package that executes it; process state arrives through System, so tests run
// whole commands on buffers.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/signing"
)

// Version is konform's version, set at build time with -ldflags "-X .../cli.Version=…".
var Version = "dev"

// System is the process state commands use.
type System struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment.
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time
	// Terminal is true when stderr is a terminal (progress lines) and CI is not set.
	Terminal bool
	// Prompt asks for a secret on the terminal without echo; nil without a terminal.
	Prompt func(question string) (string, error)
	// Ask reads a line the operator types at the terminal after a question; nil without one.
	Ask func(ctx context.Context, question string) (string, error)
	// Args is the command line as started, program name first, for the evidence.
	Args []string
}

// commandLine is the command as typed, quoted where a word needs it.
func (sys System) commandLine() string {
	words := make([]string, len(sys.Args))
	for i, a := range sys.Args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$&|;<>()*?!`") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		words[i] = a
	}
	return strings.Join(words, " ")
}

// InCI reports whether the CI variable says konform runs in continuous integration: set, and
// neither "false" nor "0".
func InCI(getenv func(string) string) bool {
	v := strings.ToLower(strings.TrimSpace(getenv("CI")))
	return v != "" && v != "false" && v != "0"
}

// io turns the process state into the run package's.
func (sys System) io() run.IO {
	return run.IO{Stdout: sys.Stdout, Stderr: sys.Stderr, Now: sys.Now, Getenv: sys.Getenv, Progress: sys.Terminal, Prompt: sys.Prompt, Ask: sys.Ask}
}

// exitError carries an exit code out of a cobra command.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs konform with args (without the program name) and returns the exit code.
func Main(ctx context.Context, sys System, args []string) int {
	sys.Stderr = controlFree{sys.Stderr}
	root := newRoot(ctx, sys)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
		return run.ExitOK
	case errors.As(err, &ee):
		return ee.code
	default: // flag and argument errors
		msg := err.Error()
		if !strings.Contains(msg, "--help") {
			msg += "; see konform --help"
		}
		fmt.Fprintf(sys.Stderr, "konform: %s\n", msg)
		return run.ExitUsage
	}
}

func newRoot(ctx context.Context, sys System) *cobra.Command {
	root := &cobra.Command{
		Use:   "konform",
		Short: "Run the eHealth Agency's NLL approval test cases and write evidence",
		Long: "konform runs the Swedish eHealth Agency's approval test cases (Gherkin, in Swedish) against\n" +
			"Nationella läkemedelslistan's FHIR interface over mutual TLS, and writes evidence for the\n" +
			"approval case. With no arguments, \"konform run\" runs the bundled pack against the built-in\n" +
			"NLL simulator.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		// Before any command: a --key without the --cert it belongs to would be ignored.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return checkKey(cmd) },
	}
	root.SetOut(sys.Stdout)
	root.SetErr(sys.Stderr)
	root.SetContext(ctx)
	root.AddCommand(newRunCmd(sys), newListCmd(sys), newCheckCmd(sys), newPackCmd(sys), newVerifyCmd(sys), newMergeCmd(sys), newDoctorCmd(sys), newCleanupCmd(sys), newCertsCmd(sys), newSimCmd(sys), newGatewayCmd(sys), newVersionCmd(sys))
	root.CompletionOptions.DisableDefaultCmd = true
	return root
}

// exit turns an exit code into a command result.
func exit(code int) error {
	if code == run.ExitOK {
		return nil
	}
	return exitError{code}
}

// fail prints one error line and returns the code.
// checkKey refuses --key without --cert, and --key with a PKCS#12 --cert, which holds its own key:
// either would otherwise be ignored without a word.
func checkKey(cmd *cobra.Command) error {
	key, cert := cmd.Flags().Lookup("key"), cmd.Flags().Lookup("cert")
	if key == nil || cert == nil || !key.Changed {
		return nil
	}
	switch {
	case key.Value.String() == "":
		return errors.New("--key is empty (an unset variable?); give the private key's file, or leave the flag out")
	case !cert.Changed:
		return fmt.Errorf("--key %s needs --cert, the certificate it belongs to", key.Value)
	case pki.IsPKCS12(cert.Value.String()):
		return fmt.Errorf("--key %s is not used with the PKCS#12 file %s, which holds its own key; leave --key out", key.Value, cert.Value)
	}
	return nil
}

// checkPins refuses a fingerprint flag that was given but is not 64 hex digits. An empty value
// (an unset variable in a CI line) must not turn the pin off.
func checkPins(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed || signing.ValidPin(f.Value.String()) {
			continue
		}
		if f.Value.String() == "" {
			return fmt.Errorf("--%s is empty (an unset variable?); give the 64 hex digits of the SHA-256, or leave the flag out", name)
		}
		return fmt.Errorf("--%s must be 64 hex digits, got %q", name, f.Value.String())
	}
	return nil
}

// controlFree writes to w with every control character but newline and tab made visible as
// U+FFFD: status lines quote names, cases, plans and commands from files the user did not write
// (a supplier's plan, a manifest), whose escape sequences could otherwise hide or rewrite a line
// on the case officer's terminal.
type controlFree struct{ w io.Writer }

func (c controlFree) Write(p []byte) (int, error) {
	clean := true
	for i, b := range p {
		if b < 0x20 && b != '\n' && b != '\t' || b == 0x7f || b == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f {
			clean = false
			break
		}
	}
	if clean {
		return c.w.Write(p)
	}
	var b strings.Builder
	for _, r := range string(p) {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

func fail(sys System, code int, err error) error {
	fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
	return exit(code)
}

func newVersionCmd(sys System) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print konform's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(sys.Stdout, "konform %s\n", Version)
			return nil
		},
	}
}
