// Package nllpack embeds the test pack konform ships: pack.yaml (what the pack is, and its
// patient pool), krav.yaml (the requirement catalogue), features/ (Gherkin feature files in
// Swedish, one per use case or connection topic), templates/ (request bodies with
// {{placeholders}}) and fixtures/ (the test data the cases assume, which the simulator seeds).
package nllpack

import (
	"embed"
	"io/fs"
)

// FS holds the pack, in the layout of every pack.
//
//go:embed pack.yaml krav.yaml features templates fixtures
var FS embed.FS

// Fixtures returns the pack's fixtures/ folder: patients/, medications/, relatedpersons/,
// consents/ and medicationrequests/.
func Fixtures() fs.FS {
	sub, err := fs.Sub(FS, "fixtures")
	if err != nil {
		panic(err) // fixtures/ is embedded above
	}
	return sub
}
