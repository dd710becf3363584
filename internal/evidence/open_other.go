//go:build !unix

package evidence

import "os"

// openNoFollow opens path for reading; the caller checks what it opened.
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }
