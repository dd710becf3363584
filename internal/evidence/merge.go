package evidence

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ReadSummary reads the summary.json of an evidence folder.
func ReadSummary(dir string) (*Summary, error) {
	data, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return nil, fmt.Errorf("%s has no %s: %v", dir, SummaryFile, err)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil || s.Run == nil {
		return nil, fmt.Errorf("%s: %s is not a konform summary", dir, SummaryFile)
	}
	return &s, nil
}

// Merge joins the evidence folders of a sharded run into one run whose cases and exchange files
// are copied into out. Every shard must verify, and all must come from the same test pack,
// environment, case and client certificate, with no case in two shards. The caller writes the
// merged run's evidence (and signs it) into out.
func Merge(out, id string, dirs []string) (*Run, error) {
	merged := &Run{ID: id, Redacted: true}
	seen := map[string]string{}
	var offsets []int64
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
			merged.RunnerVersion, merged.Environment, merged.BaseURL = r.RunnerVersion, r.Environment, r.BaseURL
			merged.Case, merged.System, merged.PackDigest, merged.Client = r.Case, r.System, r.PackDigest, r.Client
			merged.Started, merged.Ended, merged.Redacted = r.Started, r.Ended, r.Redacted
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
		case r.Redacted != merged.Redacted:
			return nil, fmt.Errorf("%s is %s, the others are not", dir, map[bool]string{true: "redacted", false: "unredacted"}[r.Redacted])
		}
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
		for _, c := range r.Cases {
			if prev, dup := seen[c.ID]; dup {
				return nil, fmt.Errorf("case %s is in both %s and %s; merge the shards of one run", c.ID, prev, dir)
			}
			seen[c.ID] = dir
			for _, e := range c.Exchanges {
				if err := copyFile(filepath.Join(dir, e.File), filepath.Join(out, e.File)); err != nil {
					return nil, err
				}
			}
			merged.Cases = append(merged.Cases, c)
		}
	}
	if len(offsets) > 0 {
		sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
		merged.ClockOffsetMs = &offsets[len(offsets)/2]
	}
	merged.Sort()
	return merged, nil
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
