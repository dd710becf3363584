package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

// TestSUTPackPassesThroughTheTestHook runs every @sut case with the http driver: konform posts
// each action to this example's hook on loopback, the hook's system calls NLL (the simulator)
// through konform's gateway, and the evidence holds the driver's log of each action.
func TestSUTPackPassesThroughTheTestHook(t *testing.T) {
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	if _, _, err := pki.EnsureDevPKI(certs, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := newHook(certs)
	if err != nil {
		t.Fatal(err)
	}
	// The hook over https, requiring konform's client certificate (mtls: true): without it every
	// action fails at the handshake.
	srv := httptest.NewUnstartedServer(h)
	devCA, err := pki.CertPool(filepath.Join(certs, pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: devCA}
	srv.StartTLS()
	defer srv.Close()
	hookCA := filepath.Join(root, "hook-ca.pem")
	os.WriteFile(hookCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte("sut:\n  driver: http\n  url: "+srv.URL+"/konform\n  timeout: 30s\n  ca: "+hookCA+"\n  mtls: true\n"), 0o644)

	var stdout, stderr bytes.Buffer
	code := run.Execute(context.Background(), run.IO{Stdout: &stdout, Stderr: &stderr, Now: time.Now},
		run.Options{Tags: run.SUTTag + " && ~" + run.ManualTag, Config: cfg, CertsDir: certs, Out: filepath.Join(root, "reports"), SystemFile: "system.yaml"})
	if code != run.ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	dir := strings.TrimSpace(stdout.String())
	s, err := evidence.ReadSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Counts.Total < 23 || s.Counts.Passed != s.Counts.Total || s.Run.SUT == nil || s.Run.SUT.Driver != "http" {
		t.Fatalf("counts %+v, sut %+v; want every SUT case passed with the http driver", s.Counts, s.Run.SUT)
	}
	logs := 0
	for _, c := range s.Run.Cases {
		for _, l := range c.DriverLogs {
			text, err := os.ReadFile(filepath.Join(dir, l.File))
			if err != nil || !strings.Contains(string(text), "POST "+srv.URL+"/konform") || strings.Contains(string(text), "Bearer eyJ") {
				t.Fatalf("%s: %v\n%s", l.File, err, text)
			}
			logs++
		}
	}
	if logs < s.Counts.Total {
		t.Errorf("%d driver logs for %d cases", logs, s.Counts.Total)
	}
	v, err := evidence.Verify(dir, "")
	if err != nil || len(v.Problems) > 0 {
		t.Fatalf("the evidence does not verify: %v %v", err, v)
	}
	// The hook hands every action to konform's reference system, whose calls say so in
	// x-user-agent: the run, the report and the signed manifest say it is no evidence for the
	// supplier's system, whatever --system names.
	if !s.Run.ByReferenceSystem() || s.Run.SUT.ReferenceCalls == 0 || !v.SUTReference ||
		!strings.Contains(stderr.String(), "the http driver reached konform's reference system") {
		t.Errorf("the reference system behind the hook went unnoticed: sut %+v, manifest %t\n%s", s.Run.SUT, v.SUTReference, stderr.String())
	}
	if report, _ := os.ReadFile(filepath.Join(dir, evidence.ReportFile)); !strings.Contains(string(report), "konforms referenssystem") {
		t.Error("report.html does not say the reference system answered")
	}
}
