package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestAskLineReadsTheOperatorsLines: each question gets the next line typed, a question
// interrupted by Ctrl-C returns at once and the line typed afterwards goes to the next question,
// and the end of input is an error, not a hang.
func TestAskLineReadsTheOperatorsLines(t *testing.T) {
	typed, typing := io.Pipe()
	var screen bytes.Buffer
	ask := askLine(bufio.NewReader(typed), &screen)
	go typing.Write([]byte("j\r\n"))
	if got, err := ask(context.Background(), "Utfört? "); got != "j" || err != nil {
		t.Fatalf("%q %v", got, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := ask(ctx, "Kommentar: "); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an interrupted question: %v", err)
	}
	go typing.Write([]byte("Felet visades\n"))
	if got, err := ask(context.Background(), "Kommentar: "); got != "Felet visades" || err != nil {
		t.Fatalf("after the interruption: %q %v", got, err)
	}
	typing.Close()
	if _, err := ask(context.Background(), "Fil: "); err == nil {
		t.Fatal("the end of input is no error")
	}
	long, _ := readLine(bufio.NewReader(strings.NewReader(strings.Repeat("x", 100_000)+"\nnext\n")), 10)
	if long != "xxxxxxxxxx" {
		t.Errorf("a long line kept %d bytes, want the first 10", len(long))
	}
	if !strings.Contains(screen.String(), "Utfört? ") || !strings.Contains(screen.String(), "Fil: ") {
		t.Errorf("the questions were not shown:\n%s", screen.String())
	}
}
