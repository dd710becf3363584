package sim_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/sim"
)

// TestSimulatorRefusesTLS11 shows the row CONN-TLS of docs/simulator.md, which no scenario can
// check: konform's client never offers less than TLS 1.2.
func TestSimulatorRefusesTLS11(t *testing.T) {
	t.Parallel()
	d, _, err := pki.EnsureDevPKI(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.ServeDevPKI(newSim(t), d, "127.0.0.1:0", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pair, err := tls.LoadX509KeyPair(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(d.Path(pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	addr := strings.TrimPrefix(srv.URL, "https://")
	addr, _, _ = strings.Cut(addr, "/")
	dial := func(max uint16) error {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair},
			MinVersion: tls.VersionTLS10, MaxVersion: max, ServerName: "localhost"})
		if err == nil {
			conn.Close()
		}
		return err
	}
	if err := dial(tls.VersionTLS11); err == nil {
		t.Error("the simulator accepts TLS 1.1")
	}
	if err := dial(tls.VersionTLS12); err != nil {
		t.Errorf("the simulator refuses TLS 1.2: %v", err)
	}
}

// TestBodyLimit shows the row CONN-LIMIT: a body over 4 MiB is refused with 413.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	u := prescriber(t, newSim(t))
	big := `{"resourceType":"MedicationRequest","note":[{"text":"` + strings.Repeat("x", 5<<20) + `"}]}`
	if a := u.do("POST", "MedicationRequest", big); a.code != 413 {
		t.Errorf("a 5 MiB body: %d, want 413", a.code)
	}
}
