// Command konform runs the eHealth Agency's NLL approval test cases and writes evidence.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/konform/konform/internal/cli"
)

// memoryLimit is konform's soft memory limit unless GOMEMLIMIT is set: the garbage collector works
// harder near it, so that a run of many thousand scenarios stays small on a CI runner
// (docs/performance.md). It is no hard cap; a run that needs more gets more.
const memoryLimit = 256 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal stops the run after the cases in flight, and the evidence of every
		// finished case is written; a second one exits at once with what is written by then.
		<-signals
		fmt.Fprintln(os.Stderr, "konform: stopping after the work in flight; interrupt again to exit at once")
		cancel()
		<-signals
		fmt.Fprintln(os.Stderr, "konform: exiting at once; the evidence holds only what was written so far")
		os.Exit(130)
	}()
	ci := cli.InCI(os.Getenv)
	sys := cli.System{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Now:      time.Now,
		Terminal: isTerminal(os.Stderr) && !ci,
		Args:     os.Args,
	}
	if term.IsTerminal(int(os.Stdin.Fd())) && !ci {
		sys.Prompt = func(question string) (string, error) {
			fmt.Fprint(os.Stderr, question)
			secret, err := term.ReadPassword(int(os.Stdin.Fd()))
			fmt.Fprintln(os.Stderr)
			return string(secret), err
		}
	}
	code := cli.Main(ctx, sys, os.Args[1:])
	cancel()
	os.Exit(code)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
