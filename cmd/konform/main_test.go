package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalsWriteThePartialEvidence runs the real binary and interrupts it with SIGINT,
// SIGTERM and SIGHUP: exit 130, and the evidence of the finished cases, marked incomplete.
func TestSignalsWriteThePartialEvidence(t *testing.T) {
	bin, _ := build(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			work := t.TempDir()
			cmd := exec.Command(bin, "run", "--concurrency", "1", "--seed", "1", "--fault", "path=MedicationRequest,latency=150ms")
			cmd.Dir = work
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 130 {
				t.Fatalf("exit %v, want 130\n%s", err, stderr.String())
			}
			if strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("stack trace:\n%s", stderr.String())
			}
			data, err := os.ReadFile(filepath.Join(work, strings.TrimSpace(stdout.String()), "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Interrupted bool `json:"interrupted"`
				Counts      struct{ Total int }
			}
			json.Unmarshal(data, &s)
			if !s.Interrupted || s.Counts.Total == 0 {
				t.Errorf("summary: %+v", s)
			}
		})
	}
}

// TestSecondInterruptExitsAtOnce: while a slow cleanup runs after the first SIGINT, a second one
// exits at once with 130 instead of waiting for it.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	bin, dir := build(t)
	earlier := exec.Command(bin, "run", "--tags", "@tc:NLL-ANSL-01")
	earlier.Dir = dir
	if out, err := earlier.CombinedOutput(); err != nil {
		t.Fatalf("an earlier run: %v\n%s", err, out)
	}
	before, _ := filepath.EvalSymlinks(filepath.Join(dir, "reports", "latest"))
	cmd := exec.Command(bin, "run", "--tags", "@tc:NLL-FSK-02", "--fault", "path=MedicationRequest/$end,latency=25s")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the case has run; its cleanup waits on $end
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(500 * time.Millisecond)
	if cmd.Process.Signal(syscall.Signal(0)) != nil {
		t.Fatalf("the first interrupt did not wait for the cleanup\n%s", stderr.String())
	}
	second := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || time.Since(second) > 5*time.Second {
		t.Fatalf("exit %v after %s, want 130 at once\n%s", err, time.Since(second), stderr.String())
	}
	// It names the unfinished folder, and reports/latest points at it, not at an earlier run's
	// evidence; verify refuses it.
	latest, err := filepath.EvalSymlinks(filepath.Join(dir, "reports", "latest"))
	if err != nil || latest == before {
		t.Fatalf("reports/latest is %s (%v), the earlier run's", latest, err)
	}
	if !strings.Contains(stderr.String(), "exiting at once; "+filepath.Join("reports", filepath.Base(latest))+" holds only what was written so far") {
		t.Errorf("stderr does not name the unfinished folder %s:\n%s", latest, stderr.String())
	}
	verify := exec.Command(bin, "verify", "reports/latest")
	verify.Dir = dir
	if out, err := verify.CombinedOutput(); err == nil {
		t.Errorf("verify accepted the unfinished folder:\n%s", out)
	}
}

// TestStartsWithoutRunningGo: konform runs no `go` command when it starts or runs cases (godog
// used to run `go env GOTOOLDIR` at package initialisation; third_party/godog is patched). A
// `go` first on PATH that leaves a mark shows any call.
func TestStartsWithoutRunningGo(t *testing.T) {
	bin, dir := build(t)
	fake := filepath.Join(dir, "fakebin")
	mark := filepath.Join(dir, "go-was-run")
	os.MkdirAll(fake, 0o755)
	os.WriteFile(filepath.Join(fake, "go"), []byte("#!/bin/sh\ntouch "+mark+"\nexit 1\n"), 0o755)
	for _, args := range [][]string{{"version"}, {"run", "--tags", "@tc:NLL-ANSL-01"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+fake+":/usr/bin:/bin")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if _, err := os.Stat(mark); err == nil {
			t.Fatalf("konform %v ran the go command on PATH", args)
		}
	}
}

// build builds konform into a fresh folder and returns the binary and the folder, skipping in
// -short mode.
func build(t *testing.T) (bin, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "konform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, dir
}
