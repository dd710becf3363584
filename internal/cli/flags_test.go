package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadRunFlagsExit2WithOneLine: flag values that used to be accepted silently (and then ran
// something else, or failed later with exit 3) are usage errors before anything runs.
func TestBadRunFlagsExit2WithOneLine(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "a-file") // a folder cannot be made below a file, even as root
	os.WriteFile(file, nil, 0o644)
	for _, args := range [][]string{
		{"--concurrency", "0"},
		{"--timeout", "-5s"},
		{"--shard", "1/4/9"},
		{"--shard", "1/4x"},
		{"--fault", "path"},
		{"--tags", "~"},
		{"--tags", "@a &&"},
		{"--max-body", "0"},
		{"--max-body", "4097"},
		{"--max-body", "17592186044417"}, // would overflow into a small limit
		{"--concurrency", "257"},
		{"--concurrency", "9223372036854775807"},
		{"--fault", "path=Patient,status=100"},
		{"--key", filepath.Join(root, "client.key")},
		{"--key", ""},
		{"--cert", filepath.Join(root, "client.p12"), "--key", filepath.Join(root, "client.key")},
		{"--out", filepath.Join(file, "reports")},
	} {
		sys, _, errb := system(nil)
		full := append([]string{"run", "--certs", filepath.Join(root, "certs"), "--out", filepath.Join(root, "r")}, args...)
		code := Main(context.Background(), sys, full)
		msg := strings.TrimSpace(errb.String())
		if code != 2 || !strings.HasPrefix(msg, "konform: ") || strings.Contains(msg, "\n") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, msg)
		}
	}
}

// TestAnEmptyPinIsRefused: a fingerprint flag given with an empty value (an unset variable in a CI
// line) must not silently turn the check off.
func TestAnEmptyPinIsRefused(t *testing.T) {
	root := t.TempDir()
	for _, args := range [][]string{
		{"run", "--certs", filepath.Join(root, "certs"), "--out", filepath.Join(root, "r"), "--pack-signer-sha256", ""},
		{"run", "--certs", filepath.Join(root, "certs"), "--out", filepath.Join(root, "r"), "--plan-signer-sha256", ""},
		{"verify", "--signer-sha256", "", root},
		{"verify", "--pack-sha256", "", root},
		{"verify", "--require-env", "", root},
		{"verify", "--require-verdict", "", root},
		{"pack", "verify", "--signer-sha256", "", root},
	} {
		sys, _, errb := system(nil)
		code := Main(context.Background(), sys, args)
		msg := strings.TrimSpace(errb.String())
		if code != 2 || !strings.Contains(msg, `""`) && !strings.Contains(msg, "is empty") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the empty value", args, code, msg)
		}
	}
}
