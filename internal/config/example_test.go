package config

import "testing"

// TestExampleConfigurationLoads keeps konform.example.yaml valid.
func TestExampleConfigurationLoads(t *testing.T) {
	for _, name := range []string{"ext5-x1", "ext5-x2", "ext8-x1", "ext12-x2"} {
		env, err := Lookup(name, "../../konform.example.yaml")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if env.Users["förskrivare"].OrgInfo == "" {
			t.Errorf("%s has no förskrivare", name)
		}
	}
}
