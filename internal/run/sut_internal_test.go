package run

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
)

// TestAttachmentChangedAfterItWasAttachedIsRefused: the copy into the evidence must be the file
// the operator attached; a file changed in between is not copied, and the reason names both
// digests.
func TestAttachmentChangedAfterItWasAttachedIsRefused(t *testing.T) {
	dir := t.TempDir()
	shot := filepath.Join(dir, "skarmbild.png")
	os.WriteFile(shot, []byte("the screenshot as attached"), 0o644)
	sum := sha256.Sum256([]byte("the screenshot as attached"))
	a := driver.Attachment{Path: shot, SHA256: hex.EncodeToString(sum[:]), Size: 26}
	if err := copyAttachment(a, filepath.Join(dir, "copy-1.png")); err != nil {
		t.Fatalf("the unchanged file: %v", err)
	}
	os.WriteFile(shot, []byte("another picture"), 0o644)
	to := filepath.Join(dir, "copy-2.png")
	err := copyAttachment(a, to)
	if err == nil || !strings.Contains(err.Error(), "changed after it was attached") || !strings.Contains(err.Error(), a.SHA256) {
		t.Fatalf("a changed file: %v", err)
	}
	if _, err := os.Stat(to); err == nil {
		t.Error("the changed file was left in the evidence")
	}
}

// TestGatewayConsoleShowsATransactionsEntries: konform gateway's line for a transaction is
// followed by a line per entry, as the checks judge it.
func TestGatewayConsoleShowsATransactionsEntries(t *testing.T) {
	var out strings.Builder
	printCall(&out, &gateway.Call{Method: "POST", Path: "", Status: 200, Started: time.Now(), ReqHeader: http.Header{},
		ReqBody:  []byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"MedicationRequest"}},{"request":{"method":"PUT","url":"MedicationRequest/7"}}]}`),
		RespBody: []byte(`{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"201 Created"}},{"response":{"status":"200 OK"}}]}`)},
		evidence.NewRedactor())
	for _, want := range []string{"POST / → 200", "entry 1: POST MedicationRequest → 201\n", "entry 2: PUT MedicationRequest/7 → 200\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("%q lacks %q", out.String(), want)
		}
	}
}

// TestGatewayConsoleScrubsPersonalData: konform gateway's line for a call names no personnummer
// (in the path, the client certificate's names, x-request-id) and no token, as the evidence
// and konform run's console do not.
func TestGatewayConsoleScrubsPersonalData(t *testing.T) {
	var out strings.Builder
	r := evidence.NewRedactor()
	subject := "SERIALNUMBER=199802262387,CN=Anna Andersson"
	printCall(&out, &gateway.Call{Method: "GET", Path: "Patient/199802262387", Status: 404, Started: time.Now(), ClientSubject: subject,
		ReqHeader: http.Header{"X-Request-Id": {"19980226-2387"}, "X-User-Agent": {"sys/1 Bearer abcdefgh12345678"}}}, r)
	printCall(&out, &gateway.Call{Refused: "the system's client certificate \"" + subject + "\" is not accepted: x509: certificate signed by unknown authority",
		Started: time.Now()}, r)
	for _, bad := range []string{"199802262387", "19980226-2387", "abcdefgh12345678"} {
		if strings.Contains(out.String(), bad) {
			t.Errorf("%q on the console:\n%s", bad, out.String())
		}
	}
	if !strings.Contains(out.String(), "[personnummer-1]") || strings.Count(out.String(), "\n") != 2 {
		t.Errorf("console:\n%s", out.String())
	}
}

// TestTheGatewaysRefusalsAreSaidOnce checks the console line for a connection of the system the
// gateway refused: once for each reason, with personal data in the certificate's names scrubbed.
func TestTheGatewaysRefusalsAreSaidOnce(t *testing.T) {
	var out bytes.Buffer
	say := refusalsTo(&out, true)
	expired := "the system's client certificate \"CN=Journalia,serialNumber=189001019802\" is not accepted: x509: certificate has expired"
	for _, c := range []*gateway.Call{{Refused: expired}, {Method: "GET", Path: "Patient", Status: 200}, {Refused: expired}, {Refused: "the system presented no client certificate"}} {
		say(c)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "refused a connection of the system under test") || !strings.Contains(lines[0], "certificate has expired") ||
		!strings.Contains(lines[1], "presented no client certificate") || strings.Contains(out.String(), "189001019802") {
		t.Fatalf("console:\n%s\nwant one line for each reason, the personnummer scrubbed", out.String())
	}
}
