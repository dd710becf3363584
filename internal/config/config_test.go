package config

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	env, err := Lookup("sim")
	if err != nil || !env.Simulated || env.Kind != Test {
		t.Fatalf("sim: %+v %v", env, err)
	}
	if _, err := Lookup("ext5"); err == nil || !strings.Contains(err.Error(), `unknown environment "ext5"; known: sim`) {
		t.Errorf("unknown: %v", err)
	}
}
