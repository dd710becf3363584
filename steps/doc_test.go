package steps

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/steps.md from the vocabulary")

func TestStepReferenceIsCurrent(t *testing.T) {
	const path = "../docs/steps.md"
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/steps.md is stale; run: make docs")
	}
}
