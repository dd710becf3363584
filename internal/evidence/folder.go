package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/konform/konform/internal/userfile"
)

// hashBuffer is the size of the buffer files are streamed through.
const hashBuffer = 64 << 10

// Bounds of what verify reads from a folder it did not write.
const (
	// DefaultMaxFileSize is the largest file Verify hashes; a larger one is a finding, not read.
	DefaultMaxFileSize int64 = 1 << 30
	// DefaultMaxTotalSize is the most Verify reads from one folder.
	DefaultMaxTotalSize int64 = 4 << 30
	// maxManifestSize bounds manifest.json and manifest.sig.
	maxManifestSize int64 = 16 << 20
	// maxSummarySize bounds summary.json.
	maxSummarySize int64 = 256 << 20
)

// folderEntry is a regular file below an evidence folder, as listed (not opened).
type folderEntry struct {
	rel  string // slash-separated, relative to the folder
	path string
	info fs.FileInfo
}

// finding is something wrong with one path of a folder.
type finding struct{ rel, text string }

// evidenceRoot resolves dir, which may itself be a link (reports/latest is one), to the folder it
// names. Anything but a folder is an error.
func evidenceRoot(dir string) (string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v; give the evidence folder", dir, reason(err))
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v; give the evidence folder", dir, reason(err))
	}
	if !fi.IsDir() {
		if fi.Mode().IsRegular() { // an archive of the folder, say: verify reads the folder itself
			return "", fmt.Errorf("%s is a file, not a folder; give the evidence folder (unpack an archive of it first, such as tar -xzf)", dir)
		}
		return "", fmt.Errorf("%s is not a folder (%s); give the evidence folder", dir, describe(root, fi.Mode()))
	}
	return root, nil
}

// listFolder walks root (a folder, not a link) without following links and without opening
// anything but folders. It returns the regular files below root, but the manifest and its
// signature, sorted by path, and a finding for everything else: links, FIFOs, devices, sockets,
// and what cannot be read. Its error is ctx's or root's.
func listFolder(ctx context.Context, root string) ([]folderEntry, []finding, error) {
	var files []folderEntry
	var findings []finding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if path == root {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if err != nil {
			findings = append(findings, finding{rel, "unreadable: " + quotePath(rel) + " (" + reason(err) + ")"})
			return nil
		}
		if rel == ManifestFile || rel == SignatureFile {
			if d.IsDir() {
				return fs.SkipDir // reported by whoever reads it
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			findings = append(findings, finding{rel, "not a regular file: " + quotePath(rel) + " (" + describe(path, d.Type()) + ")"})
			return nil
		}
		info, err := d.Info() // lstat: a link never reaches this point
		if err != nil {
			findings = append(findings, finding{rel, "unreadable: " + quotePath(rel) + " (" + reason(err) + ")"})
			return nil
		}
		files = append(files, folderEntry{rel: rel, path: path, info: info})
		return nil
	})
	return files, findings, err // WalkDir visits in lexical order: sorted by path
}

// hashFile streams the regular file e into SHA-256 through buf, reading at most max bytes. A
// problem (the file is larger than max, unreadable, or was replaced since it was listed) is
// returned as a finding's text; the error is ctx's.
func hashFile(ctx context.Context, e folderEntry, max int64, buf []byte) (sum string, n int64, problem string, err error) {
	f, problem := openListed(e.rel, e.path, e.info)
	if problem != "" {
		return "", 0, problem, nil
	}
	defer f.Close()
	h := sha256.New()
	n, err = io.CopyBuffer(h, ctxReader{ctx, io.LimitReader(f, max+1)}, buf)
	if cerr := ctx.Err(); cerr != nil {
		return "", n, "", cerr
	}
	switch {
	case err != nil:
		return "", n, "unreadable: " + quotePath(e.rel) + " (" + reason(err) + ")", nil
	case n > max:
		return "", n, fmt.Sprintf("too large: %s (more than %d bytes, over the limit of %d a file)", quotePath(e.rel), max, max), nil
	}
	return hex.EncodeToString(h.Sum(nil)), n, "", nil
}

// openListed opens the file rel at path, listed as info, and checks that what it opened is that
// regular file: a file replaced by a link, a FIFO or another file since is a finding.
func openListed(rel, path string, info fs.FileInfo) (*os.File, string) {
	f, err := openNoFollow(path)
	if err != nil {
		return nil, "unreadable: " + quotePath(rel) + " (" + reason(err) + ")"
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, "unreadable: " + quotePath(rel) + " (" + reason(err) + ")"
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, "not a regular file: " + quotePath(rel) + " (" + describe(path, fi.Mode()) + ")"
	case !os.SameFile(fi, info):
		f.Close()
		return nil, "changed: " + quotePath(rel) + " (replaced while it was verified)"
	}
	return f, ""
}

// readBounded reads the file name directly in the folder dir, which must be a regular file of at
// most max bytes. A file that is not there is an error that matches fs.ErrNotExist; any other
// problem is returned as a finding's text; the only other error is ctx's.
func readBounded(ctx context.Context, dir, name string, max int64) ([]byte, string, error) {
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "", err
	case err != nil:
		return nil, "unreadable: " + name + " (" + reason(err) + ")", nil
	case !fi.Mode().IsRegular():
		return nil, "not a regular file: " + name + " (" + describe(path, fi.Mode()) + ")", nil
	case fi.Size() > max:
		return nil, fmt.Sprintf("too large: %s (%d bytes, over the limit of %d)", name, fi.Size(), max), nil
	}
	f, problem := openListed(name, path, fi)
	if problem != "" {
		return nil, problem, nil
	}
	defer f.Close()
	data, err := io.ReadAll(ctxReader{ctx, io.LimitReader(f, max+1)})
	if cerr := ctx.Err(); cerr != nil {
		return nil, "", cerr
	}
	switch {
	case err != nil:
		return nil, "unreadable: " + name + " (" + reason(err) + ")", nil
	case int64(len(data)) > max:
		return nil, fmt.Sprintf("too large: %s (more than %d bytes, over the limit of %d)", name, max, max), nil
	}
	return data, "", nil
}

// ctxReader stops reading once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// describe names what kind of file mode is; a link says where it points (it is not followed).
func describe(path string, mode fs.FileMode) string {
	switch {
	case mode&fs.ModeSymlink != 0:
		if target, err := os.Readlink(path); err == nil {
			return "symlink to " + quotePath(target)
		}
		return "symlink"
	}
	return userfile.Kind(mode)
}

// quotePath keeps a finding on one readable line: a path with control characters or invalid
// UTF-8 (a hostile folder's names) is quoted.
func quotePath(p string) string {
	if utf8.ValidString(p) && strings.IndexFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return p
	}
	return strconv.Quote(p)
}

// reason is an error's cause without the path it names (the finding names it).
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
