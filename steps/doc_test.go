package steps

import (
	"flag"
	"os"
	"testing"

	"github.com/konform/konform/internal/pack"
)

var update = flag.Bool("update", false, "rewrite docs/steps.md and docs/templates.md from the code")

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

func TestTemplateReferenceIsCurrent(t *testing.T) {
	const path = "../docs/templates.md"
	p, err := pack.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := TemplatesMarkdown(p.Templates(), p.Cases)
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/templates.md is stale; run: make docs")
	}
}
