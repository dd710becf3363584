package run_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/konform/konform/internal/run"
)

// BenchmarkBundledPack measures one whole run of the bundled pack against the in-process
// simulator: start the simulator, run every scenario over mutual TLS, write the evidence.
func BenchmarkBundledPack(b *testing.B) {
	root := b.TempDir()
	opts := run.Options{Out: root + "/reports", CertsDir: root + "/certs", SUT: "ref"}
	sys := run.IO{Stdout: io.Discard, Stderr: io.Discard, Now: time.Now}
	for i := 0; i < b.N; i++ {
		if code := run.Execute(context.Background(), sys, opts); code != run.ExitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
