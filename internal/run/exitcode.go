package run

import "github.com/konform/konform/internal/evidence"

// Exit codes of konform. Every command returns one of these; main passes it to the shell.
const (
	// ExitOK: every mandatory case passed (optional failures are listed, not fatal).
	ExitOK = 0
	// ExitFailed: a mandatory case failed, that is the service or the supplier's system broke a
	// requirement.
	ExitFailed = 1
	// ExitUsage: a usage or configuration error (flag, feature file, certificate, tags), found
	// before any request was sent.
	ExitUsage = 2
	// ExitHarness: the harness or the connection broke (TLS, network, timeout) so a mandatory
	// case got no verdict.
	ExitHarness = 3
	// ExitUndefined: the pack uses a step konform lacks, or one that is pending.
	ExitUndefined = 4
	// ExitInterrupted: stopped by SIGINT, SIGTERM or SIGHUP; the evidence of finished cases is written.
	ExitInterrupted = 130
)

// ExitCode maps a finished run to its exit code. A run with several kinds of trouble reports the
// one that most needs a person: an incomplete pack (4), then a failed mandatory case (1), then a
// mandatory case without a verdict (3). A failed mandatory case decides the verdict, "not
// approved", whatever else went wrong, so its exit code agrees with the signed verdict: a CI
// rule that retries a broken connection (3) never retries a real failure. A whole run (not a
// selection) in which a mandatory case never ran has no verdict unless one failed: it ranks as a
// broken harness.
func ExitCode(run *evidence.Run) int {
	code := ExitOK
	if len(run.Selection.NotRun) > 0 && !run.Selection.Partial() {
		code = ExitHarness
	}
	rank := map[int]int{ExitOK: 0, ExitHarness: 1, ExitFailed: 2, ExitUndefined: 3}
	for _, c := range run.Cases {
		next := ExitOK
		if c.Waiver != nil && (c.Outcome == evidence.Failed || c.Outcome == evidence.Error) {
			continue // the agency waived the case
		}
		switch c.Outcome {
		case evidence.Undefined, evidence.Pending:
			next = ExitUndefined // an incomplete pack counts whether or not the case is mandatory
		case evidence.Error:
			if c.Mandatory {
				next = ExitHarness
			}
		case evidence.Skipped:
			if c.Mandatory && c.SkipReason != "" { // never started: no verdict, as for a harness error
				next = ExitHarness
			}
		case evidence.Failed:
			if c.Mandatory {
				next = ExitFailed
			}
		}
		if rank[next] > rank[code] {
			code = next
		}
	}
	return code
}
