package userfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOnlyRegularFilesWithinTheBoundAreRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "konform.yaml")
	os.WriteFile(small, []byte("environments: {}\n"), 0o644)
	if data, err := Read(small, 100); err != nil || string(data) != "environments: {}\n" {
		t.Fatalf("a small file: %q %v", data, err)
	}
	if _, err := Read(small, 5); err == nil || !strings.Contains(err.Error(), "more than 5 bytes") {
		t.Errorf("a file over the bound: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", link)
	for name, want := range map[string]string{fifo: "(FIFO)", link: "(character device)", dir: "(folder)"} {
		if _, err := Read(name, Config); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	if _, err := Read(filepath.Join(dir, "none"), Config); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v, want os.ErrNotExist", err)
	}
}
