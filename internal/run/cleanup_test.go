package run_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/fixtures"
	"github.com/konform/konform/internal/fhirclient"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
	"github.com/konform/konform/internal/sim"
)

// TestCleanupRemovesWhatAnAbortedRunLeft serves a simulator as a configured ("remote")
// environment, leaves two prescriptions marked with a run id in it, and cleans them up.
func TestCleanupRemovesWhatAnAbortedRunLeft(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	d, _, err := pki.EnsureDevPKI(certs, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sim.New(sim.Options{Fixtures: fixtures.FS})
	srv, err := sim.ServeDevPKI(s, d, "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	token := s.Token(sim.PrescriberClaims(time.Now()))
	os.WriteFile(filepath.Join(root, "token"), []byte(token+"\n"), 0o600)
	cfg := filepath.Join(root, "konform.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`environments:
  lokal:
    kind: test
    base_url: %s
    ca: certs/ca.pem
    client: {cert: certs/client.pem, key: certs/client.key}
    users:
      förskrivare: {token_file: token, org_info: '{"orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA"}'}
`, srv.URL)), 0o644)

	id, _ := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	roots, _ := pki.CertPool(d.Path(pki.CAFile))
	c, _ := fhirclient.New(fhirclient.Config{BaseURL: srv.URL, TLS: pki.ClientTLS(roots, id)})
	h := http.Header{"Authorization": {"Bearer " + token}, "X-Org-Info": {`{"orgenhetsId":"x","orgenhetsIdTyp":"HSA"}`},
		"X-Provenance": {base64.StdEncoding.EncodeToString([]byte(`{"reason":{"text":"test"}}`))}, "X-Purpose": {"VARD"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"}}
	template, _ := os.ReadFile("../../fixtures/templates/forskrivning.json")
	body := strings.NewReplacer("{{run.id}}", "aborted-run", "{{patient.id}}", "3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01", "{{today}}", "2026-11-23").Replace(string(template))
	for i := 0; i < 2; i++ {
		if ex, err := c.Do(context.Background(), fhirclient.Request{Method: "POST", Path: "MedicationRequest", Header: h, Body: []byte(body)}); err != nil || ex.Response.Status != 201 {
			t.Fatalf("leaving test data: %v %+v", err, ex)
		}
	}
	var out, errb bytes.Buffer
	code := run.Cleanup(context.Background(), run.IO{Stdout: &out, Stderr: &errb, Now: time.Now},
		run.Options{Env: "lokal", Config: cfg, CertsDir: certs}, "aborted-run")
	if code != run.ExitOK || !strings.Contains(errb.String(), "2 prescription(s) still active found, 0 could not be cancelled") {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	ex, _ := c.Do(context.Background(), fhirclient.Request{Method: "GET", Path: "MedicationRequest", Header: h,
		Query: url.Values{"identifier": {"urn:konform:run|aborted-run"}, "status": {"active"}}})
	if !strings.Contains(string(ex.Response.Body), `"total":0`) {
		t.Errorf("active prescriptions of the run remain: %s", ex.Response.Body)
	}
	// The same environment also runs the pack's generic cases through konform.yaml.
	r := execute(t, run.Options{Env: "lokal", Config: cfg, CertsDir: certs, Tags: "@tc:NLL-TA05-01"})
	if r.code != run.ExitOK {
		t.Errorf("a configured environment with a token file: exit %d\n%s", r.code, r.stderr)
	}
}
