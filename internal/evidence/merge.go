package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// ReadSummary reads the summary.json of an evidence folder: a regular file of at most 256 MiB.
func ReadSummary(dir string) (*Summary, error) {
	data, problem, err := readBounded(context.Background(), dir, SummaryFile, maxSummarySize)
	if err != nil {
		return nil, fmt.Errorf("%s has no %s: %v", dir, SummaryFile, reason(err))
	}
	if problem != "" {
		return nil, fmt.Errorf("%s: %s", dir, problem)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil || s.Run == nil || slices.Contains(s.Run.Cases, nil) {
		return nil, fmt.Errorf("%s: %s is not a konform summary", dir, SummaryFile)
	}
	return &s, nil
}

// Merge joins the evidence folders of a sharded run into one run whose cases and exchange files
// are copied into out. Every shard must verify, and all must come from the same konform version,
// test pack, plan, environment, case, system under approval, way of driving it and client
// certificate, with no case in two shards. Each shard's id, seed, time and machine are kept in
// ShardRuns; the seed, the operator and the system's driver carry over when the shards share
// them. The caller writes the merged run's evidence (and signs it) into out.
func Merge(out, id string, dirs []string) (*Run, error) {
	merged := &Run{ID: id, Redacted: true}
	seen := map[string]string{}
	var offsets []int64
	var shards, notRun []string
	for i, dir := range dirs {
		v, err := Verify(dir, "")
		if err != nil {
			return nil, err
		}
		if len(v.Problems) > 0 {
			return nil, fmt.Errorf("%s does not verify (%s); merge only intact shards", dir, v.Problems[0])
		}
		s, err := ReadSummary(dir)
		if err != nil {
			return nil, err
		}
		r := s.Run
		if i == 0 {
			merged.RunnerVersion, merged.Environment, merged.BaseURL, merged.Server = r.RunnerVersion, r.Environment, r.BaseURL, r.Server
			merged.EnvironmentKind, merged.Selection = r.EnvironmentKind, Selection{Tags: r.Selection.Tags, Paths: r.Selection.Paths, Required: r.Selection.Required}
			merged.Case, merged.System, merged.PackDigest, merged.Client = r.Case, r.System, r.PackDigest, r.Client
			merged.Started, merged.Ended, merged.Redacted = r.Started, r.Ended, r.Redacted
			merged.Pack, merged.Plan, merged.SUT, merged.Seed, merged.Operator = r.Pack, r.Plan, r.SUT, r.Seed, r.Operator
			merged.WaiversSigned = r.WaiversSigned
		}
		switch {
		case r.PackDigest != merged.PackDigest:
			return nil, fmt.Errorf("%s ran another test pack (digest %s, not %s)", dir, r.PackDigest, merged.PackDigest)
		case r.Environment != merged.Environment:
			return nil, fmt.Errorf("%s ran against environment %s, not %s", dir, r.Environment, merged.Environment)
		case r.Case != merged.Case:
			return nil, fmt.Errorf("%s belongs to case %q, not %q", dir, r.Case, merged.Case)
		case r.Client.Fingerprint != merged.Client.Fingerprint:
			return nil, fmt.Errorf("%s was run with another client certificate (%s)", dir, r.Client.Subject)
		case r.Selection.Tags != merged.Selection.Tags || strings.Join(r.Selection.Paths, "\x00") != strings.Join(merged.Selection.Paths, "\x00"):
			return nil, fmt.Errorf("%s selected other cases (%s); merge the shards of one run", dir, r.Selection.Describe())
		case r.Redacted != merged.Redacted:
			return nil, fmt.Errorf("%s is %s, the others are not", dir, map[bool]string{true: "redacted", false: "unredacted"}[r.Redacted])
		case r.RunnerVersion != merged.RunnerVersion:
			return nil, fmt.Errorf("%s was run by konform %s, not %s; run every shard with one konform", dir, r.RunnerVersion, merged.RunnerVersion)
		case r.EnvironmentKind != merged.EnvironmentKind:
			return nil, fmt.Errorf("%s ran against a %s environment, not a %s one", dir, r.EnvironmentKind, merged.EnvironmentKind)
		case r.SUT.Describe() != merged.SUT.Describe():
			return nil, fmt.Errorf("%s drove the system under test %s, the shards before it %s; merge the shards of one run", dir, r.SUT.Describe(), merged.SUT.Describe())
		case !sameJSON(r.System, merged.System):
			return nil, fmt.Errorf("%s tested %s, not %s; merge the shards of one system version", dir, r.System.Describe(), merged.System.Describe())
		case !sameJSON(r.Plan, merged.Plan):
			return nil, fmt.Errorf("%s followed %s, not %s; merge the shards of one plan", dir, planOf(r.Plan), planOf(merged.Plan))
		}
		if i > 0 && r.SUT != nil && merged.SUT != nil {
			sut := *merged.SUT
			sut.ReferenceCalls += r.SUT.ReferenceCalls
			merged.SUT = &sut
		}
		merged.WaiversSigned = merged.WaiversSigned && r.WaiversSigned
		if r.Seed != merged.Seed {
			merged.Seed = 0 // no one order: ShardRuns has each shard's
		}
		if r.Operator != merged.Operator {
			merged.Operator = ""
		}
		merged.ClockToleranceMs = max(merged.ClockToleranceMs, r.ClockToleranceMs)
		merged.ShardRuns = append(merged.ShardRuns, ShardRun{ID: r.ID, Shard: r.Shard, Seed: r.Seed, Started: r.Started, Ended: r.Ended,
			Operator: r.Operator, Host: r.Host, Command: r.Command})
		if r.Started.Before(merged.Started) {
			merged.Started = r.Started
		}
		if r.Ended.After(merged.Ended) {
			merged.Ended = r.Ended
		}
		if r.BaseURL != merged.BaseURL && !strings.Contains(merged.BaseURL, r.BaseURL) {
			merged.BaseURL += ", " + r.BaseURL
		}
		if r.ClockOffsetMs != nil {
			offsets = append(offsets, *r.ClockOffsetMs)
		}
		merged.Interrupted = merged.Interrupted || r.Interrupted
		merged.Shards = append(merged.Shards, r.ID)
		shards = append(shards, r.Shard)
		notRun = append(notRun, r.Selection.NotRun...)
		for _, id := range r.Selection.SimOnly {
			if !slices.Contains(merged.Selection.SimOnly, id) {
				merged.Selection.SimOnly = append(merged.Selection.SimOnly, id)
			}
		}
		for _, u := range r.Unattributed {
			if _, err := copyFile(dir, u.File, out, false); err != nil {
				return nil, err
			}
			merged.Unattributed = append(merged.Unattributed, u)
		}
		// The shard's exchanges.http goes after those of the shards before it.
		var base int64
		if usesLog(r.Cases) {
			if base, err = copyFile(dir, ExchangesFile, out, true); err != nil {
				return nil, err
			}
		}
		for _, c := range r.Cases {
			for j := range c.Exchanges {
				if c.Exchanges[j].File == ExchangesFile {
					c.Exchanges[j].Offset += base
				}
			}
			if prev, dup := seen[c.ID]; dup {
				return nil, fmt.Errorf("case %s is in both %s and %s; merge the shards of one run", c.ID, prev, dir)
			}
			seen[c.ID] = dir
			copied := map[string]bool{}
			for _, e := range slices.Concat(c.Exchanges, c.SUTCalls, c.DriverLogs, c.Attachments) {
				if copied[e.File] || e.File == ExchangesFile {
					continue
				}
				copied[e.File] = true
				if _, err := copyFile(dir, e.File, out, false); err != nil {
					return nil, err
				}
			}
			merged.Cases = append(merged.Cases, c)
		}
	}
	merged.Selection.Shard = shardsMissing(shards)
	for _, id := range notRun {
		if _, ran := seen[id]; !ran && !slices.Contains(merged.Selection.NotRun, id) {
			merged.Selection.NotRun = append(merged.Selection.NotRun, id)
		}
	}
	sort.Strings(merged.Selection.NotRun)
	sort.Strings(merged.Selection.SimOnly)
	if len(offsets) > 0 {
		sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
		merged.ClockOffsetMs = &offsets[len(offsets)/2]
	}
	merged.Sort()
	return merged, nil
}

// planOf names a run's plan for a message.
func planOf(p *PlanInfo) string {
	if p == nil {
		return "no plan"
	}
	return "the plan of " + p.Describe("en") + " (sha256 " + p.SHA256 + ")"
}

// sameJSON reports whether two values encode alike; nil equals nil.
func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// shardsMissing returns "" when the shards are all K/N of one N, or no shards at all; otherwise
// the shards that were merged, such as "1,3/4", so that the selection stays partial.
func shardsMissing(shards []string) string {
	n, have := 0, map[int]bool{}
	for _, sh := range shards {
		var k, m int
		if _, err := fmt.Sscanf(sh, "%d/%d", &k, &m); err != nil {
			return strings.Join(shards, ",") // a whole run merged with shards: say what was merged
		}
		if n != 0 && m != n {
			return strings.Join(shards, ",")
		}
		n, have[k] = m, true
	}
	if len(have) == n {
		return ""
	}
	var ks []string
	for k := 1; k <= n; k++ {
		if have[k] {
			ks = append(ks, fmt.Sprint(k))
		}
	}
	return fmt.Sprintf("%s/%d", strings.Join(ks, ","), n)
}

// usesLog reports whether a case points into exchanges.http.
func usesLog(cases []*Case) bool {
	for _, c := range cases {
		for _, e := range c.Exchanges {
			if e.File == ExchangesFile {
				return true
			}
		}
	}
	return false
}

// copyFile copies the file rel of the shard dir to the same place in outDir, or appends it there
// when add is set, and returns the size the file in outDir had before. rel comes from the
// shard's summary.json, so it must stay inside the shard and name a regular file.
func copyFile(dir, rel, outDir string, add bool) (int64, error) {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return 0, fmt.Errorf("%s names the file %q, which is outside its folder; merge only konform's shards", filepath.Join(dir, SummaryFile), rel)
	}
	from, to := filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(outDir, filepath.FromSlash(rel))
	fi, err := os.Lstat(from)
	if err != nil {
		return 0, err
	}
	in, problem := openListed(rel, from, fi)
	if problem != "" {
		return 0, fmt.Errorf("%s: %s", dir, problem)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return 0, err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if add {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	out, err := os.OpenFile(to, flags, 0o644)
	if err != nil {
		return 0, err
	}
	info, err := out.Stat()
	if err != nil {
		out.Close()
		return 0, err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return 0, err
	}
	return info.Size(), out.Close()
}
