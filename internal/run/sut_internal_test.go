package run

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/konform/konform/internal/driver"
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
