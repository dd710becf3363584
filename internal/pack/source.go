package pack

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/konform/konform/internal/userfile"
	"github.com/konform/konform/nllpack"
)

// Files of a pack.
const (
	// InfoFile says what the pack is (id, title, version, …) and holds its patient pool.
	InfoFile = "pack.yaml"
	// SignatureFile is a pack's detached signature, at the pack's root or beside a .tar.gz as
	// <file>.sig. It is not part of the pack.
	SignatureFile = "pack.sig"
)

// Bounds on what a pack may hold: a pack is outside input, and a .tar.gz may unpack to far more
// than it weighs.
const (
	MaxPackFiles = 20000
	MaxPackBytes = 64 << 20
	MaxFileBytes = 16 << 20
)

// Source is a pack's files, read once into memory, so that what runs is exactly what was
// hashed and checked. Only the parts of a pack are read (see InPack); other files beside them
// are not part of it.
type Source struct {
	// Files are the pack's files by slash path from its root.
	Files fstest.MapFS
	// Where names the pack for messages: a folder, a .tar.gz, or "the bundled pack".
	Where string
	// Path is the folder or .tar.gz on disk, "" for the bundled pack.
	Path string
	// Info is the pack's pack.yaml.
	Info *Info
	// Digest is the pack's canonical digest (see Digest).
	Digest string
	// Signature is the pack's signature file as found (pack.sig at the root, or <file>.sig beside
	// it), nil when it has none.
	Signature []byte
}

// InPack reports whether a slash path from a pack's root is part of the pack: pack.yaml,
// krav.yaml, and what lies below features/, templates/ and fixtures/, except files and folders
// whose name starts with a dot.
func InPack(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	switch top, _, nested := strings.Cut(rel, "/"); {
	case !nested:
		return rel == InfoFile || rel == CatalogueFile
	default:
		return top == "features" || top == "templates" || top == "fixtures"
	}
}

// Digest is the canonical digest of a pack's files: SHA-256 over, for each file in the order of
// its slash path, the path, a zero byte, the size in decimal, a zero byte and the content. It
// does not depend on the order a folder or an archive lists its files, nor on their times or
// modes.
func Digest(files fstest.MapFS) string {
	names := make([]string, 0, len(files))
	for name, f := range files {
		if f.Mode.IsRegular() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		data := files[name].Data
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Bundled returns the pack konform ships, read once.
func Bundled() (*Source, error) { return bundled() }

var bundled = sync.OnceValues(readBundled)

func readBundled() (*Source, error) {
	files := fstest.MapFS{}
	err := fs.WalkDir(nllpack.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !InPack(name) {
			return err
		}
		data, err := fs.ReadFile(nllpack.FS, name)
		files[name] = &fstest.MapFile{Data: data, Mode: 0o444}
		return err
	})
	if err != nil {
		return nil, err
	}
	return newSource(files, "the bundled pack", "", nil)
}

// IsPack reports whether path is a pack: a folder with a pack.yaml, or a .tar.gz.
func IsPack(path string) bool {
	if isArchive(path) {
		return true
	}
	info, err := os.Stat(filepath.Join(path, InfoFile))
	return err == nil && info.Mode().IsRegular()
}

func isArchive(path string) bool {
	lower := strings.ToLower(path)
	return strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tgz")
}

// Open reads the pack at path, a folder or a .tar.gz, within the bounds above. A link, a device
// or anything else but a regular file or a folder inside the pack is refused, as is an archive
// entry that would leave the pack's root.
func Open(path string) (*Source, error) {
	var files fstest.MapFS
	var sig []byte
	var err error
	if isArchive(path) {
		files, sig, err = readArchive(path)
	} else {
		files, sig, err = readFolder(path)
	}
	if err != nil {
		return nil, err
	}
	if sig == nil {
		sig, err = readSignatureBeside(path)
		if err != nil {
			return nil, err
		}
	}
	return newSource(files, path, path, sig)
}

// newSource checks that files hold a pack and reads its pack.yaml.
func newSource(files fstest.MapFS, where, path string, sig []byte) (*Source, error) {
	if _, ok := files[InfoFile]; !ok {
		return nil, fmt.Errorf("%s is not a test pack: it has no %s at its root; a pack holds pack.yaml, krav.yaml, features/, templates/ and fixtures/", where, InfoFile)
	}
	info, err := readInfo(files[InfoFile].Data, path2(where, InfoFile))
	if err != nil {
		return nil, err
	}
	if _, ok := files[CatalogueFile]; !ok {
		return nil, fmt.Errorf("%s has no %s; a pack brings the requirement catalogue its @krav tags refer to", where, CatalogueFile)
	}
	return &Source{Files: files, Where: where, Path: path, Info: info, Digest: Digest(files), Signature: sig}, nil
}

// Name names a file of the pack (a slash path from its root) in messages: inside the folder or
// .tar.gz on disk, or below nllpack/ for the bundled pack.
func (s *Source) Name(rel string) string { return path2(s.Where, rel) }

// path2 names a file of a pack in messages.
func path2(where, name string) string {
	if where == "the bundled pack" {
		return "nllpack/" + name
	}
	return filepath.Join(where, name)
}

// budget counts what a pack has read so far against the bounds.
type budget struct {
	where        string
	files, bytes int64
}

func (b *budget) add(name string, size int64) error {
	b.files++
	b.bytes += size
	switch {
	case b.files > MaxPackFiles:
		return fmt.Errorf("%s holds more than %d files; is it a test pack?", b.where, MaxPackFiles)
	case size > MaxFileBytes:
		return fmt.Errorf("%s: %s has more than %d bytes; a pack's file must be smaller", b.where, name, MaxFileBytes)
	case b.bytes > MaxPackBytes:
		return fmt.Errorf("%s holds more than %d bytes; is it a test pack?", b.where, MaxPackBytes)
	}
	return nil
}

// readFolder reads a pack folder's files and its pack.sig, if any.
func readFolder(dir string) (fstest.MapFS, []byte, error) {
	info, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("pack %s not found; pass a pack folder (with pack.yaml) or a .tar.gz", dir)
	case !info.IsDir():
		return nil, nil, fmt.Errorf("pack %s is neither a folder nor a .tar.gz", dir)
	}
	files := fstest.MapFS{}
	b := &budget{where: dir}
	root := os.DirFS(dir)
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return fmt.Errorf("cannot read the pack %s: %v", dir, err)
		case name == ".":
			return nil
		case !InPack(name) && !isPrefixOfPack(name):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: %s is not a regular file (%s); a pack holds files and folders only", dir, name, d.Type())
		}
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("cannot read the pack %s: %v", dir, err)
		}
		if err := b.add(name, fi.Size()); err != nil {
			return err
		}
		data, err := readBounded(root, name)
		if err != nil {
			return fmt.Errorf("cannot read the pack %s: %v", dir, err)
		}
		files[name] = &fstest.MapFile{Data: data, Mode: 0o444}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sig, err := ReadSignature(filepath.Join(dir, SignatureFile))
	return files, sig, err
}

// isPrefixOfPack reports whether a folder may hold parts of a pack (features, templates, fixtures).
func isPrefixOfPack(name string) bool {
	return name == "features" || name == "templates" || name == "fixtures"
}

// readBounded reads a file that may have grown since it was listed, no further than MaxFileBytes.
func readBounded(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err == nil && len(data) > MaxFileBytes {
		err = fmt.Errorf("%s has more than %d bytes", name, MaxFileBytes)
	}
	return data, err
}

// ReadSignature reads a signature file if there is one (nil, nil when there is none), refusing
// anything but a small regular file.
func ReadSignature(name string) ([]byte, error) {
	info, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read the signature %s: %v", name, err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("the signature %s is not a regular file", name)
	case info.Size() > maxSignatureBytes:
		return nil, fmt.Errorf("the signature %s has more than %d bytes; is it a pack signature?", name, maxSignatureBytes)
	}
	return os.ReadFile(name)
}

// readSignatureBeside reads <path>.sig beside a pack, if there is one.
func readSignatureBeside(p string) ([]byte, error) {
	return ReadSignature(strings.TrimSuffix(p, string(filepath.Separator)) + ".sig")
}

// readArchive reads a .tar.gz pack. Its entries may lie in one top folder (tar czf p.tar.gz
// p/) or at the root (tar czf p.tar.gz -C p .).
func readArchive(name string) (fstest.MapFS, []byte, error) {
	f, err := userfile.Open(name)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, fmt.Errorf("pack %s not found; pass a pack folder (with pack.yaml) or a .tar.gz", name)
	case err != nil:
		return nil, nil, fmt.Errorf("pack %s: %v; pass a pack folder (with pack.yaml) or a .tar.gz", name, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is not a .tar.gz: %v", name, err)
	}
	tr := tar.NewReader(io.LimitReader(gz, MaxPackBytes+1<<20))
	entries := map[string][]byte{}
	b := &budget{where: name}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s is not a readable .tar.gz: %v", name, err)
		}
		clean := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(h.Name, "./")), "/")
		switch {
		case h.Name == "" || strings.HasPrefix(h.Name, "/") || strings.Contains(h.Name, "\\") || hasDotDot(h.Name):
			return nil, nil, fmt.Errorf("%s: entry %q leaves the pack's root; a pack's paths are relative", name, printable(h.Name))
		case h.Typeflag == tar.TypeDir || clean == "":
			continue
		case h.Typeflag != tar.TypeReg:
			return nil, nil, fmt.Errorf("%s: entry %q is not a regular file; a pack holds files and folders only", name, printable(h.Name))
		}
		if _, dup := entries[clean]; dup {
			return nil, nil, fmt.Errorf("%s: entry %q appears twice", name, printable(clean))
		}
		if err := b.add(clean, h.Size); err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(io.LimitReader(tr, MaxFileBytes+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%s is not a readable .tar.gz: %v", name, err)
		}
		entries[clean] = data
	}
	prefix := archiveRoot(entries)
	files := fstest.MapFS{}
	var sig []byte
	for p, data := range entries {
		rel, ok := strings.CutPrefix(p, prefix)
		switch {
		case !ok:
		case rel == SignatureFile:
			sig = data
		case InPack(rel):
			files[rel] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	return files, sig, nil
}

// archiveRoot is "" when an archive has pack.yaml at its root, else "<top>/" when it has it in
// its one top folder.
func archiveRoot(entries map[string][]byte) string {
	if _, ok := entries[InfoFile]; ok {
		return ""
	}
	var tops []string
	for p := range entries {
		if top, rest, ok := strings.Cut(p, "/"); ok && rest == InfoFile {
			tops = append(tops, top+"/")
		}
	}
	if len(tops) != 1 {
		return "" // none, or several packs: no pack.yaml at the root is reported
	}
	return tops[0]
}

func hasDotDot(name string) bool {
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return true
		}
	}
	return false
}

// Sub returns the folder dir of the pack's files as a file system.
func (s *Source) Sub(dir string) fs.FS {
	sub, err := fs.Sub(s.Files, dir)
	if err != nil {
		return fstest.MapFS{}
	}
	return sub
}
