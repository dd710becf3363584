package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
)

// MergeOptions configure konform merge.
type MergeOptions struct {
	// Dirs are the shards' evidence folders.
	Dirs []string
	// Out is the folder that receives the merged evidence folder (reports by default).
	Out string
	// CertsDir, Cert, Key and Password name the identity that signs the merged manifest: the
	// client certificate the shards ran with (the dev PKI's client by default).
	CertsDir, Cert, Key, Password string
	// Lang is the report's language.
	Lang string
}

// Merge joins the evidence of a sharded run into one folder that verifies, and returns the exit
// code the whole run would have had.
func Merge(_ context.Context, sys IO, opts MergeOptions) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(sys.Stderr, "konform: %v\n", err)
		return code
	}
	if len(opts.Dirs) < 2 {
		return fail(ExitUsage, fmt.Errorf("merge needs the evidence folders of at least two shards"))
	}
	if opts.Out == "" {
		opts.Out = "reports"
	}
	if opts.Lang == "" {
		opts.Lang = "sv"
	}
	if opts.CertsDir == "" {
		opts.CertsDir = "certs"
	}
	id, err := mergeIdentity(opts)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if err := checkLatest(opts.Out); err != nil {
		return fail(ExitUsage, err)
	}
	runID := newRunID(sys.Now())
	dir := filepath.Join(opts.Out, runID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(ExitHarness, fmt.Errorf("cannot create %s: %v", dir, err))
	}
	merged, err := evidence.Merge(dir, runID, opts.Dirs)
	if err != nil {
		os.RemoveAll(dir)
		return fail(ExitUsage, err)
	}
	if id.Fingerprint() != merged.Client.Fingerprint {
		os.RemoveAll(dir)
		return fail(ExitUsage, fmt.Errorf("%s is not the client certificate the shards ran with (%s); sign with that one (--cert)", id.Source, merged.Client.Subject))
	}
	var coverage []evidence.Coverage
	if p, err := pack.Load(nil, ""); err == nil && p.Digest == merged.PackDigest {
		if len(merged.Selection.SimOnly) > 0 {
			p.LeaveOut(pack.SimTag) // as the shards did: they covered nothing
		}
		coverage = coverageOf(p)
	}
	if err := writeEvidence(sys, opts.Out, dir, merged, coverage, opts.Lang, id); err != nil {
		return fail(ExitHarness, err)
	}
	n := merged.Counts()
	fmt.Fprintf(sys.Stderr, "merged %d shards: %d cases, %d passed, %d failed, %d error · verdict: %s\nevidence: %s\n",
		len(opts.Dirs), n.Total, n.Passed, n.Failed, n.Error, merged.Verdict(), dir)
	fmt.Fprintln(sys.Stdout, dir)
	code := ExitCode(merged)
	if have := merged.Selection.Shard; have != "" && code == ExitOK {
		// A shard is missing (its job died before it wrote evidence, say): the merge is not the
		// whole run it stands for, so it has no verdict, as a whole run with a case not run has none.
		fmt.Fprintf(sys.Stderr, "konform: the merged evidence has shards %s only, so it has no verdict; merge the evidence of every shard\n", have)
		code = ExitHarness
	}
	return code
}

func mergeIdentity(opts MergeOptions) (*pki.Identity, error) {
	if opts.Cert != "" {
		return pki.LoadIdentity(opts.Cert, opts.Key, opts.Password)
	}
	d := pki.DevPKI{Dir: opts.CertsDir}
	return pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
}
