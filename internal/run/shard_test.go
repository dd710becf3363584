package run_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/run"
)

// TestShardsCoverThePackOnceAndMergeIntoVerifiableEvidence runs four shards with one dev PKI, as
// docs/ci.md's GitLab example does, merges them and checks that every case ran exactly once, that
// each shard alone is partial while the merge of all four gets the full verdict, and that the
// result verifies.
func TestShardsCoverThePackOnceAndMergeIntoVerifiableEvidence(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	var dirs, ids []string
	var seeds []int64
	for _, shard := range []string{"1/4", "2/4", "3/4", "4/4"} {
		r := execute(t, run.Options{Shard: shard, CertsDir: certs, Out: filepath.Join(root, "shards"), SUT: "ref"})
		if r.code != run.ExitOK || r.summary.Run.Shard != shard {
			t.Fatalf("shard %s: exit %d\n%s", shard, r.code, r.stderr)
		}
		if sel := r.summary.Run.Selection; r.summary.Verdict != evidence.Partial || sel.Shard != shard || len(sel.NotRun) == 0 {
			t.Errorf("shard %s: verdict %s, selection %+v; want partial with the mandatory cases not run", shard, r.summary.Verdict, sel)
		}
		dirs, seeds = append(dirs, r.dir), append(seeds, r.summary.Run.Seed)
		for _, c := range r.summary.Run.Cases {
			ids = append(ids, c.ID)
		}
	}
	whole := execute(t, run.Options{CertsDir: certs, SUT: "ref"})
	var all []string
	for _, c := range whole.summary.Run.Cases {
		all = append(all, c.ID)
	}
	sort.Strings(ids)
	sort.Strings(all)
	if strings.Join(ids, " ") != strings.Join(all, " ") {
		t.Fatalf("shards ran %d cases, the whole pack has %d (or some twice)", len(ids), len(all))
	}
	merge := func(dirs ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run.Merge(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
			run.MergeOptions{Dirs: dirs, CertsDir: certs, Out: filepath.Join(root, "merged")})
		return code, strings.TrimSpace(stdout.String()), stderr.String()
	}
	code, out, stderr := merge(dirs...)
	if code != run.ExitOK {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	if v, err := evidence.Verify(out, ""); err != nil || len(v.Problems) > 0 {
		t.Fatalf("merged evidence does not verify: %v %v", err, v)
	}
	s, _ := evidence.ReadSummary(out)
	if s.Counts.Total != len(all) || len(s.Run.Shards) != 4 || len(s.Run.ShardRuns) != 4 {
		t.Errorf("merged %d cases from %d shards", s.Counts.Total, len(s.Run.Shards))
	}
	for i, sh := range s.Run.ShardRuns {
		if sh.Seed != seeds[i] || sh.Shard != fmt.Sprintf("%d/4", i+1) {
			t.Errorf("merged shard %d: %+v; want its seed %d", i+1, sh, seeds[i])
		}
	}
	if !s.Run.ByReferenceSystem() || s.Run.Pack == nil || s.Run.ClockToleranceMs == 0 {
		t.Errorf("the merge lost what the shards share: sut %+v, pack %+v, clock tolerance %d", s.Run.SUT, s.Run.Pack, s.Run.ClockToleranceMs)
	}
	if s.Verdict != evidence.Approved || s.Run.Selection.Partial() {
		t.Errorf("the merge of every shard: verdict %s, selection %+v; want approved", s.Verdict, s.Run.Selection)
	}
	// Every reference into the merged exchanges.http lands on its case's part.
	log, err := os.ReadFile(filepath.Join(out, evidence.ExchangesFile))
	if err != nil {
		t.Fatal(err)
	}
	parts := 0
	for _, c := range s.Run.Cases {
		for _, e := range c.Exchanges {
			head := fmt.Sprintf("### %s #%d  %s\n", c.ID, e.Part, e.Summary)
			if e.File != evidence.ExchangesFile || e.Offset < int64(len(head)) || e.Offset+e.Size > int64(len(log)) ||
				string(log[e.Offset-int64(len(head)):e.Offset]) != head {
				t.Fatalf("merged %s #%d points to offset %d, not after %q", c.ID, e.Part, e.Offset, head)
			}
			parts++
		}
	}
	if parts != strings.Count(string(log), "\n### ")+1 {
		t.Errorf("the merged exchanges.http has %d parts, the cases point to %d", strings.Count(string(log), "\n### ")+1, parts)
	}
	code, out, stderr = merge(dirs[0], dirs[1], dirs[3])
	s, _ = evidence.ReadSummary(out)
	if code != run.ExitHarness || s.Verdict != evidence.Partial || s.Run.Selection.Shard != "1,2,4/4" || len(s.Run.Selection.NotRun) == 0 ||
		!strings.Contains(stderr, "shards 1,2,4/4 only, so it has no verdict") {
		t.Errorf("three of four shards: exit %d (want 3: no verdict), verdict %s, selection %+v\n%s", code, s.Verdict, s.Run.Selection, stderr)
	}
	if code, _, stderr := merge(dirs[0], dirs[0]); code != run.ExitUsage || !strings.Contains(stderr, "is in both") {
		t.Errorf("the same shard twice: exit %d %s", code, stderr)
	}
	other := execute(t, run.Options{Shard: "2/4", CertsDir: certs, Out: filepath.Join(root, "other")}) // without the system under test
	if code, _, stderr := merge(dirs[0], other.dir); code != run.ExitUsage || !strings.Contains(stderr, "drove the system under test not at all, the shards before it with driver ref") {
		t.Errorf("a shard run without the system under test: exit %d %s", code, stderr)
	}
	system := filepath.Join(root, "system.yaml")
	os.WriteFile(system, []byte("name: Journalia\nversion: 4.2.1\n"), 0o644)
	versioned := execute(t, run.Options{Shard: "1/4", CertsDir: certs, Out: filepath.Join(root, "other"), SystemFile: system})
	if code, _, stderr := merge(versioned.dir, other.dir); code != run.ExitUsage || !strings.Contains(stderr, "tested no system (--system), not Journalia 4.2.1") {
		t.Errorf("shards of different systems: exit %d %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dirs[1], "junit.xml"), []byte("<changed/>"), 0o644)
	if code, _, stderr := merge(dirs...); code != run.ExitUsage || !strings.Contains(stderr, "does not verify (changed: junit.xml)") {
		t.Errorf("a changed shard: exit %d %s", code, stderr)
	}
	if r := execute(t, run.Options{Shard: "4/3"}); r.code != run.ExitUsage {
		t.Errorf("--shard 4/3: exit %d", r.code)
	}
}
