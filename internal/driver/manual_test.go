package driver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terminal is a fake terminal: the operator's lines, typed in order, and what konform printed.
type terminal struct {
	lines []string
	out   bytes.Buffer
}

func (t *terminal) ask(ctx context.Context, question string) (string, error) {
	t.out.WriteString(question)
	if len(t.lines) == 0 {
		<-ctx.Done() // the operator has stopped typing
		return "", ctx.Err()
	}
	line := t.lines[0]
	t.lines = t.lines[1:]
	t.out.WriteString(line + "\n")
	return line, nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func manual(t *terminal) *Manual {
	return NewManual(t.ask, &t.out, "sv", "Anna Testare", time.Now, xctx())
}

// TestManualAsksTheOperatorAndRecordsTheAnswers: the instruction with its parameters in Swedish,
// a wrong answer asked again, the status and id, a comment, a missing file asked again, then a
// screenshot hashed; the log holds the operator and every answer.
func TestManualAsksTheOperatorAndRecordsTheAnswers(t *testing.T) {
	shot := filepath.Join(t.TempDir(), "skarmbild.png")
	os.WriteFile(shot, []byte("\x89PNG fake screenshot"), 0o644)
	term := &terminal{lines: []string{"kanske", "j", "två", "201", "mr-7", "Visades direkt", filepath.Join(t.TempDir(), "saknas.png"), shot}}
	m := manual(term)
	m.Scenario("SUT-VARD-01", "x")
	res, err := m.Act(context.Background(), create)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 201 || res.Values["id"] != "mr-7" || res.Shown != "Visades direkt" || len(res.Attachments) != 1 ||
		res.Attachments[0].SHA256 != sha256Hex("\x89PNG fake screenshot") || res.Attachments[0].Size != 20 {
		t.Fatalf("result %+v", res)
	}
	screen := term.out.String()
	for _, want := range []string{"Testfall SUT-VARD-01: skapa förskrivning", "Skapa och skicka en ny förskrivning", "patient: 189001019802", "mall: forskrivning.json",
		"Svara j eller n.", "En HTTP-status är ett tal", "saknas.png: no such file"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the terminal lacks %q:\n%s", want, screen)
		}
	}
	for _, want := range []string{"# operator: Anna Testare", "# asked: ", "# answered: ", "Utfört? [j]a / [n]ej, gick inte: j", "Kommentar (tomt för ingen): Visades direkt", "# attached: " + shot + " (20 bytes, sha256 "} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("the log lacks %q:\n%s", want, res.Log)
		}
	}
}

// TestManualNoIsAnErrorAndConfirmNoIsNo: "gick inte" ends the action with the comment; a
// confirmation answered nej is false with the comment; an interrupted question returns at once.
func TestManualNoIsAnErrorAndConfirmNoIsNo(t *testing.T) {
	m := manual(&terminal{lines: []string{"n", "Knappen saknas", ""}})
	if _, err := m.Act(context.Background(), create); err == nil || !strings.Contains(err.Error(), "Anna Testare answered that \"skapa förskrivning\" could not be done: Knappen saknas") {
		t.Errorf("gick inte: %v", err)
	}
	yes, res, err := manual(&terminal{lines: []string{"nej", "Felet visas inte", ""}}).Confirm(context.Background(), "systemet visar felet")
	if err != nil || yes || res.Shown != "Felet visas inte" || !strings.Contains(res.Log, "systemet visar felet") {
		t.Errorf("confirm: %v %+v %v", yes, res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := manual(&terminal{}).Act(ctx, create); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v", err)
	}
}

func TestAttachmentOverTheLimitIsAskedAgain(t *testing.T) {
	big := filepath.Join(t.TempDir(), "stor.png")
	f, _ := os.Create(big)
	f.Truncate(MaxAttachment + 1)
	f.Close()
	term := &terminal{lines: []string{"j", "", "", "", big, t.TempDir(), ""}}
	res, err := manual(term).Act(context.Background(), create)
	if err != nil || len(res.Attachments) != 0 || !strings.Contains(term.out.String(), "over the limit of 20 MB") || !strings.Contains(term.out.String(), "not a regular file") {
		t.Fatalf("%v %+v\n%s", err, res, term.out.String())
	}
}
