package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// claimProblems compares what the signed manifest says of the run with the folder's summary.json,
// which konform writes from the same run and the manifest also signs. A manifest that says another
// run id, verdict, environment, pack, client certificate or way of driving the system than the
// summary, or a summary whose cases do not give its own verdict, was not written by konform from
// that run: someone edited and re-signed it. It reads summary.json only when the manifest lists it,
// no other finding concerns it, and it is a konform summary. Its error is ctx's.
func claimProblems(ctx context.Context, root string, m Manifest, found []string) ([]string, error) {
	if !slices.ContainsFunc(m.Files, func(f FileEntry) bool { return f.Path == SummaryFile }) ||
		slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, SummaryFile) }) {
		return nil, nil
	}
	data, problem, err := readBounded(ctx, root, SummaryFile, maxSummarySize)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil || problem != "" {
		return nil, nil // compareFiles has said what is wrong with it
	}
	var s Summary
	if json.Unmarshal(data, &s) != nil || s.Run == nil || s.Run.ID == "" || slices.Contains(s.Run.Cases, nil) {
		return nil, nil
	}
	r := s.Run
	var out []string
	differ := func(what, manifest, summary string) {
		if manifest != summary {
			out = append(out, fmt.Sprintf("inconsistent: %s says %s %s, %s says %s", ManifestFile, what, orNone(manifest), SummaryFile, orNone(summary)))
		}
	}
	differ("run id", m.RunID, r.ID)
	differ("environment", m.Environment.Name, r.Environment)
	differ("base URL", m.Environment.BaseURL, r.BaseURL)
	differ("pack digest", m.PackDigest, r.PackDigest)
	differ("client certificate sha256", m.Client.Fingerprint, r.Client.Fingerprint)
	differ("case", m.Case, r.Case)
	differ("system under approval", systemName(m.System), systemName(r.System))
	if m.Format != manifestFormat1 { // version 1 recorded no kind, verdict or driver
		differ("environment kind", m.Environment.Kind, r.EnvironmentKind)
		differ("verdict", string(m.Verdict), string(s.Verdict))
		driver := ""
		if r.SUT != nil {
			driver = r.SUT.Driver
		}
		differ("system-under-test driver", m.SUTDriver, driver)
		if v := r.Verdict(); v != s.Verdict {
			out = append(out, fmt.Sprintf("inconsistent: %s says verdict %s, but its cases give %s", SummaryFile, orNone(string(s.Verdict)), v))
		}
	}
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// systemName is a system's name and version, "" for none.
func systemName(s *System) string {
	if s == nil {
		return ""
	}
	return s.Name + " " + s.Version
}
