//go:build unix

package evidence

import (
	"os"
	"syscall"
)

// openNoFollow opens path for reading without following a symbolic link and without waiting for
// a writer (a FIFO put in place after it was checked opens at once, and its kind is then seen).
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
