// Package config resolves the environment a run targets. This version knows the built-in
// simulator only; konform.yaml with the agency's EXT environments and the test-versus-production
// guard belong here too.
package config

import (
	"fmt"
	"sort"
	"strings"
)

// Kind tells test environments from production ones; konform runs against test environments only.
type Kind string

// The kinds of environment.
const (
	Test       Kind = "test"
	Production Kind = "production"
)

// Environment is a target NLL.
type Environment struct {
	// Name is what --env takes.
	Name string
	// Kind is test or production.
	Kind Kind
	// Simulated is true for the built-in simulator, which the run starts in-process.
	Simulated bool
	// Description says what the environment is, for messages and listings.
	Description string
}

var builtin = map[string]Environment{
	"sim": {Name: "sim", Kind: Test, Simulated: true, Description: "the built-in NLL simulator, started in-process on a free loopback port"},
}

// Lookup returns the environment called name.
func Lookup(name string) (Environment, error) {
	if env, ok := builtin[name]; ok {
		return env, nil
	}
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	return Environment{}, fmt.Errorf("unknown environment %q; known: %s", name, strings.Join(names, ", "))
}
