// Package userfile opens the files a user names on the command line or in konform.yaml
// (configuration, system description, waivers, certificates, keys, tokens, passwords, packs):
// regular files only, and read up to a bound, so that a FIFO, a device or an endless file gets
// one clear error instead of a hang or an exhausted memory.
package userfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// Sizes bound what Read takes in.
const (
	// Config bounds a configuration, system description, waivers or plan file.
	Config = 4 << 20
	// Credential bounds a certificate, key, PKCS#12 file, token or password file.
	Credential = 1 << 20
)

// Open opens path for reading if it is a regular file. A FIFO is opened without blocking, so
// that it is refused at once instead of waiting for a writer.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("not a regular file (%s)", Kind(info.Mode()))
	}
	return f, nil
}

// Read reads a regular file of at most max bytes.
func Read(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("more than %d bytes; is it the right file?", max)
	}
	return data, nil
}

// Kind names what a file mode that is not a regular file is: "folder", "FIFO", "socket",
// "character device", "device", or else "irregular file".
func Kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&os.ModeNamedPipe != 0:
		return "FIFO"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}
