package run

import (
	"context"
	"fmt"
	"io"

	"github.com/konform/konform/internal/config"
	"github.com/konform/konform/nllpack"
	"github.com/konform/konform/steps"
)

// Cleanup cancels the prescriptions an aborted run left in an environment: those whose
// identifier carries the run id. It prints what it did and returns 0 when nothing was left.
func Cleanup(ctx context.Context, sys IO, opts Options, runID string) int {
	opts.setDefaults()
	if sys.Getenv == nil {
		sys.Getenv = func(string) string { return "" }
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return code
	}
	if runID == "" {
		return fail(ExitUsage, fmt.Errorf("cleanup needs --run <run id> (the folder name under reports/)"))
	}
	env, err := config.Lookup(opts.Env, opts.Config)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if env.Simulated {
		return fail(ExitUsage, fmt.Errorf("the built-in simulator starts empty for every run; cleanup is for configured environments (--env)"))
	}
	tgt, err := startTarget(ctx, env, opts, sys)
	if err != nil {
		return fail(ExitUsage, err)
	}
	defer tgt.close()
	return cleanupOn(ctx, sys.Stderr, tgt, runID)
}

func cleanupOn(ctx context.Context, out io.Writer, tgt *target, runID string) int {
	stepEnv := &steps.Env{RunID: runID, Client: tgt.client, Credentials: tgt.credentialsFor, Fixtures: nllpack.FS}
	found, exchanges, problems := steps.CleanupRun(ctx, stepEnv, runID)
	for _, ex := range exchanges {
		fmt.Fprintln(out, toEvidence(ex).Summary())
	}
	for _, p := range problems {
		fmt.Fprintf(out, "left behind: %s\n", p)
	}
	fmt.Fprintf(out, "run %s: %d prescription(s) still active found, %d could not be cancelled\n", runID, found, len(problems))
	if len(problems) > 0 {
		return ExitHarness
	}
	return ExitOK
}
