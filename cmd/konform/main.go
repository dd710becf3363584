// Command konform runs the eHealth Agency's NLL approval test cases and writes evidence.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/konform/konform/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	sys := cli.System{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Now:      time.Now,
		Terminal: isTerminal(os.Stderr) && os.Getenv("CI") == "",
	}
	if term.IsTerminal(int(os.Stdin.Fd())) && os.Getenv("CI") == "" {
		sys.Prompt = func(question string) (string, error) {
			fmt.Fprint(os.Stderr, question)
			secret, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Fprintln(os.Stderr)
			return string(secret), err
		}
	}
	code := cli.Main(ctx, sys, os.Args[1:])
	stop()
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
