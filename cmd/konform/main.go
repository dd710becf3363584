// Command konform runs the eHealth Agency's NLL approval test cases and writes evidence.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/konform/konform/internal/cli"
	"github.com/konform/konform/internal/run"
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
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // SIGHUP: the terminal or the CI job went away
	go func() {
		// The first signal stops the run after the cases in flight, and the evidence of every
		// finished case is written; a second one exits at once with what is written by then.
		<-signals
		fmt.Fprintln(os.Stderr, "konform: stopping after the work in flight; interrupt again to exit at once")
		cancel()
		<-signals
		if dir := run.Abandon(); dir != "" {
			fmt.Fprintf(os.Stderr, "konform: exiting at once; %s holds only what was written so far and no signed manifest (konform verify refuses it); run again for evidence\n", dir)
		} else {
			fmt.Fprintln(os.Stderr, "konform: exiting at once")
		}
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
		sys.Ask = askLine(bufio.NewReader(os.Stdin), os.Stderr)
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

// askLine asks the operator at the terminal: the question on w, the answer the next line of r.
// One goroutine reads r for the whole process, so that a question interrupted by Ctrl-C returns
// at once and the next one still gets the next line.
func askLine(r *bufio.Reader, w io.Writer) func(ctx context.Context, question string) (string, error) {
	type answer struct {
		line string
		err  error
	}
	lines := make(chan answer)
	var once sync.Once
	var mu sync.Mutex
	return func(ctx context.Context, question string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		once.Do(func() {
			go func() {
				defer close(lines)
				for {
					line, err := readLine(r, maxAnswer)
					lines <- answer{strings.TrimRight(line, "\r\n"), err}
					if err != nil {
						return
					}
				}
			}()
		})
		fmt.Fprint(w, question)
		select {
		case a, ok := <-lines:
			if !ok {
				return "", io.EOF
			}
			return a.line, a.err
		case <-ctx.Done():
			fmt.Fprintln(w)
			return "", ctx.Err()
		}
	}
}

// maxAnswer bounds what konform keeps of one line the operator types (a pasted file, say).
const maxAnswer = 64 << 10

// readLine reads up to the next newline and keeps at most max bytes of it.
func readLine(r *bufio.Reader, max int) (string, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if room := max - len(line); room > 0 {
			line = append(line, chunk[:min(len(chunk), room)]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return string(line), err
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
