// Package features embeds the agency test pack: Gherkin feature files in Swedish, one per use
// case (tillämpningsanvisning) or connection topic.
package features

import "embed"

// FS holds the bundled feature files, below nll/, anslutning/ and sut/ (the cases that drive the system under test), the requirement
// catalogue krav.yaml, and the patient pool patientpool.yaml (the test patients a scenario leases for itself alone).
//
//go:embed nll anslutning sut krav.yaml patientpool.yaml
var FS embed.FS
