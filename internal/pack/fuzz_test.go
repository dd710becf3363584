package pack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// FuzzCheckTags: any tag expression is accepted or refused with an error, never a panic, and an
// accepted one loads the pack without a panic in godog.
func FuzzCheckTags(f *testing.F) {
	for _, seed := range []string{"", "@obligatorisk && ~@sim", "@tc:NLL-TA05-01,@tc:NLL-TA05-02", "@a &&", "~", "not @sim", " @a , ~@b ", "@@", "&&,&&"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if err := CheckTags(expr); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		_, _ = Load(nil, expr)
	})
}

// FuzzFeatureFile: any feature file loads or is refused with a one-line error, never a panic.
func FuzzFeatureFile(f *testing.F) {
	seeds, _ := filepath.Glob("../../nllpack/features/*/*.feature")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("# language: sv\nEgenskap: E\n  @tc:X-1 @valfri\n  Abstrakt Scenario: r <n>\n    Givet x <n>\n    Exempel:\n      | n |\n      | 1 |\n"))
	f.Add([]byte("\x1b[2J\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "f.feature")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load([]string{file}, "")
		if err != nil && strings.ContainsAny(err.Error(), "\n\r\x1b\x00") {
			t.Fatalf("error not one printable line: %q", err)
		}
	})
}

// oneLineErr fails the fuzz test when err is not one printable line.
func oneLineErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.ContainsAny(err.Error(), "\n\r\x1b\x00") {
		t.Fatalf("error not one printable line: %q", err)
	}
}

// FuzzPackArchive: any .tar.gz opens as a pack or is refused with one line, never a panic, and
// never a file outside the pack's parts.
func FuzzPackArchive(f *testing.F) {
	f.Add(tarGzBytes(f, map[string]string{"pack.yaml": testInfo, "krav.yaml": testKrav, "features/a.feature": oneCase}))
	f.Add(tarGzBytes(f, map[string]string{"p/pack.yaml": testInfo, "p/../x": "x"}))
	f.Add([]byte("\x1f\x8b\x08\x00garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "p.tar.gz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(path)
		oneLineErr(t, err)
		if err == nil {
			for name := range src.Files {
				if !InPack(name) {
					t.Fatalf("%q is not part of a pack", name)
				}
			}
		}
	})
}

// FuzzPackInfo: any pack.yaml is read or refused with one line.
func FuzzPackInfo(f *testing.F) {
	f.Add([]byte(testInfo))
	f.Add([]byte("id: [\n"))
	f.Add([]byte("id: a\ntitle: \"\\x1b[2J\"\nversion: 1\npublisher: p\nnll_release: 21\ndate: 2026-01-01\n"))
	f.Add([]byte(testInfo + "test_data:\n  article.nplpackid: \"1\"\n  Bad Key: '{{x}}'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := readInfo(data, "pack.yaml")
		oneLineErr(t, err)
	})
}

// FuzzPlan: any plan file is read or refused with one line, and applying a read one to the
// bundled pack does not panic.
func FuzzPlan(f *testing.F) {
	f.Add([]byte("case: D1\nrequired: [NLL-TA05-01, \"@obligatorisk && ~@sim\"]\nwaivers: [{case: NLL-TA05-01, reason: r, reference: x}]\n"))
	f.Add([]byte("case: D1\nrequired: [\"@a,\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "plan.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		pl, err := ReadPlan(path)
		oneLineErr(t, err)
		if err == nil {
			p, err := Load(nil, "")
			if err != nil {
				t.Fatal(err)
			}
			oneLineErr(t, pl.Apply(p))
		}
	})
}

// FuzzSignature: any signature file verifies or is refused with one line.
func FuzzSignature(f *testing.F) {
	f.Add([]byte(`{"format":"konform-pack-signature/1","chain":["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"],"signature":"AA=="}`))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := CheckSignature(data, PackSignatureFormat, strings.Repeat("0", 64), "", "the pack")
		oneLineErr(t, err)
	})
}

// tarGzBytes packs entries, in name order, as a .tar.gz.
func tarGzBytes(f *testing.F, entries map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(entries[name])), Typeflag: tar.TypeReg})
		tw.Write([]byte(entries[name]))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}
