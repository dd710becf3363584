package evidence

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/konform/konform/internal/signing"
)

// Files of the signed manifest.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
	// ManifestFormat names the manifest's format and version. Version 2 added the environment's
	// kind, the verdict and the selection; verify still reads version 1.
	ManifestFormat  = "konform-evidence/2"
	manifestFormat1 = "konform-evidence/1"
)

// Manifest lists every file of an evidence folder with its SHA-256, and says what was run, by
// whom and against what. manifest.sig signs it with the client certificate's key.
type Manifest struct {
	Format        string          `json:"format"`
	RunID         string          `json:"runId"`
	RunnerVersion string          `json:"runnerVersion"`
	Environment   EnvironmentInfo `json:"environment"`
	// Verdict is the run's verdict; Selection says which part of the pack ran.
	Verdict    Verdict    `json:"verdict,omitempty"`
	Selection  *Selection `json:"selection,omitempty"`
	Case       string     `json:"case,omitempty"`
	System     *System    `json:"system,omitempty"`
	PackDigest string     `json:"packDigest"`
	Pack       *PackInfo  `json:"pack,omitempty"`
	Plan       *PlanInfo  `json:"plan,omitempty"`
	Started    time.Time  `json:"started"`
	Ended      time.Time  `json:"ended"`
	// ClockOffsetMs is the server's clock minus konform's, from the answers' Date headers.
	ClockOffsetMs *int64 `json:"clockOffsetMs,omitempty"`
	// SUTDriver is how the system under test was driven, "" when none was; "ref" is konform's
	// own reference system.
	SUTDriver string `json:"sutDriver,omitempty"`
	// SUTReference is true when another driver than ref reached konform's reference system.
	SUTReference bool `json:"sutReference,omitempty"`
	// Interrupted, Unreachable and Refused say why a run has no verdict, as in summary.json.
	Interrupted bool   `json:"interrupted,omitempty"`
	Unreachable string `json:"unreachable,omitempty"`
	Refused     string `json:"refused,omitempty"`
	// Waived lists the cases waived; WaiversUnsigned is true when the waivers did not come in a
	// signed plan (the supplier may have written them).
	Waived          []string `json:"waived,omitempty"`
	WaiversUnsigned bool     `json:"waiversUnsigned,omitempty"`
	// FailedOptional lists the optional cases that did not pass: they never decide the verdict,
	// but the requirements they evidence are not shown met.
	FailedOptional []string    `json:"failedOptional,omitempty"`
	Client         SignerInfo  `json:"clientCertificate"`
	Files          []FileEntry `json:"files"`
}

// EnvironmentInfo says what a run ran against: the environment's name, its kind (simulator or
// test) and its FHIR base URL.
type EnvironmentInfo struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	BaseURL string `json:"baseUrl"`
	// Server is the certificate the server presented, nil when none was seen (or an older konform).
	Server *ServerInfo `json:"serverCertificate,omitempty"`
}

// UnmarshalJSON also reads a version-1 manifest, whose environment is its name alone.
func (e *EnvironmentInfo) UnmarshalJSON(data []byte) error {
	var name string
	if json.Unmarshal(data, &name) == nil {
		*e = EnvironmentInfo{Name: name}
		return nil
	}
	type plain EnvironmentInfo
	return json.Unmarshal(data, (*plain)(e))
}

// SignerInfo identifies the certificate whose key signs the manifest, with its chain as PEM.
type SignerInfo struct {
	CertInfo
	Chain []string `json:"chain"`
}

// FileEntry is one file of the evidence folder.
type FileEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Signature is manifest.sig: the signature of manifest.json's bytes.
type Signature struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"signature"`
}

// WriteManifest hashes every file in dir, writes manifest.json and signs it into manifest.sig
// with key, the private key of chain[0] (RSA or ECDSA).
func WriteManifest(dir string, m Manifest, key crypto.Signer, chain []*x509.Certificate) error {
	m.Format = ManifestFormat
	files, err := hashFiles(dir)
	if err != nil {
		return err
	}
	m.Files = files
	m.Client.Chain = nil
	for _, c := range chain {
		m.Client.Chain = append(m.Client.Chain, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})))
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	sig, err := sign(key, data)
	if err != nil {
		return err
	}
	sigData, _ := json.MarshalIndent(sig, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644); err != nil {
		return fmt.Errorf("cannot write the manifest: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, SignatureFile), append(sigData, '\n'), 0o644)
}

func sign(key crypto.Signer, data []byte) (Signature, error) {
	alg, value, err := signing.Sign(key, data, "the evidence")
	return Signature{Algorithm: alg, Value: value}, err
}

// hashFiles hashes every file below dir but the manifest and its signature, sorted by path. The
// folder is konform's own: anything in it but folders and regular files is an error.
func hashFiles(dir string) ([]FileEntry, error) {
	root, err := filepath.EvalSymlinks(dir) // reports/latest is a link to the run's folder
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	files, findings, err := listFolder(ctx, root)
	if err != nil {
		return nil, err
	}
	if len(findings) > 0 {
		return nil, fmt.Errorf("cannot sign %s: %s", dir, findings[0].text)
	}
	out := make([]FileEntry, 0, len(files))
	buf := make([]byte, hashBuffer)
	for _, e := range files {
		sum, n, problem, err := hashFile(ctx, e, math.MaxInt64-1, buf)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			return nil, fmt.Errorf("cannot sign %s: %s", dir, problem)
		}
		out = append(out, FileEntry{Path: e.rel, SHA256: sum, Size: n})
	}
	return out, nil
}

// Verification is the result of checking an evidence folder.
type Verification struct {
	// Problems lists every finding, one line each: "changed: f", "added: f", "removed: f", the
	// signature's ("signature: …"), "not a regular file: f (symlink to …)" for anything but a
	// regular file or a folder (never opened), "too large: f (…)", "unreadable: f (…)" and
	// "inconsistent: …" where the manifest says otherwise of the run than summary.json.
	Problems []string
	// Files is the number of files the manifest lists (each once).
	Files int
	// Signer is the certificate that signed the manifest.
	Signer CertInfo
	// Environment is what the run ran against; its Kind is "" in a version-1 manifest.
	Environment EnvironmentInfo
	// Verdict is the verdict the manifest records, "" in a version-1 manifest.
	Verdict Verdict
	// PackDigest and Pack name the test pack the evidence came from.
	PackDigest string
	Pack       *PackInfo
	// SUTDriver is how the system under test was driven ("ref": konform's reference system).
	SUTDriver string
	// SUTReference is true when another driver reached konform's reference system.
	SUTReference bool
	// Plan is the plan of the case the run followed, nil when none.
	Plan *PlanInfo
	// RunID and Started name the run.
	RunID   string
	Started time.Time
	// Run is the rest of what the manifest says of the run: the case, the system, the selection,
	// why it has no verdict, its waivers and failed optional cases. Its Files are not repeated.
	Run Manifest
}

// VerifyOptions are the checks and bounds of VerifyContext.
type VerifyOptions struct {
	// PinSHA256, when set, is the SHA-256 fingerprint the signing certificate must have.
	PinSHA256 string
	// MaxFileSize bounds each file that is hashed, MaxTotalSize the bytes read from the whole
	// folder; 0 means DefaultMaxFileSize and DefaultMaxTotalSize. What is over them is a finding.
	MaxFileSize, MaxTotalSize int64
}

// Verify is VerifyContext without a deadline and with the default bounds.
func Verify(dir, pinSHA256 string) (*Verification, error) {
	return VerifyContext(context.Background(), dir, VerifyOptions{PinSHA256: pinSHA256})
}

// VerifyContext checks an evidence folder offline: the signature of manifest.json with the
// certificate it carries (and, when o.PinSHA256 is set, that this is the expected certificate),
// then every file's size and hash, and that no file was added or removed.
//
// The folder may be hostile. dir itself may be a link to the folder, but nothing below it is
// followed or opened unless it is a regular file or a folder: links, FIFOs, devices and sockets are
// findings. Files are streamed, within o's bounds; manifest.json and manifest.sig may have 16 MiB.
// VerifyContext stops between files and while it reads one when ctx is done, and then returns an
// error that matches ctx.Err(). Any other error means dir is no evidence folder.
func VerifyContext(ctx context.Context, dir string, o VerifyOptions) (*Verification, error) {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	root, err := evidenceRoot(dir)
	if err != nil {
		return nil, err
	}
	data, problem, err := readBounded(ctx, root, ManifestFile, maxManifestSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s has no %s; is it a konform evidence folder?", dir, ManifestFile)
	case err != nil:
		return nil, interrupted(dir, err)
	case problem != "":
		return &Verification{Problems: []string{problem}}, nil
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Format != ManifestFormat && m.Format != manifestFormat1 {
		return nil, fmt.Errorf("%s is not a konform manifest (%s)", filepath.Join(dir, ManifestFile), ManifestFormat)
	}
	v := &Verification{Files: len(m.Files), Signer: m.Client.CertInfo, Environment: m.Environment, Verdict: m.Verdict, PackDigest: m.PackDigest, Pack: m.Pack, SUTDriver: m.SUTDriver, SUTReference: m.SUTReference, Plan: m.Plan, RunID: m.RunID, Started: m.Started}
	v.Run, v.Run.Files = m, nil
	problems, signer, err := checkSignature(ctx, root, data, m, o.PinSHA256)
	if err != nil {
		return nil, interrupted(dir, err)
	}
	v.Problems = append(v.Problems, problems...)
	if signer != nil {
		v.Signer = *signer // the certificate's own names, not what the manifest says of it
	}
	problems, err = compareFiles(ctx, root, m.Files, o)
	if err != nil {
		return nil, interrupted(dir, err)
	}
	v.Problems = append(v.Problems, problems...)
	problems, err = claimProblems(ctx, root, m, v.Problems)
	if err != nil {
		return nil, interrupted(dir, err)
	}
	v.Problems = append(v.Problems, problems...)
	return v, nil
}

func interrupted(dir string, err error) error {
	return fmt.Errorf("verification of %s was interrupted and is incomplete: %w", dir, err)
}

// compareFiles compares the files below root with those the manifest lists, within o's bounds.
// Its error is ctx's.
func compareFiles(ctx context.Context, root string, listedFiles []FileEntry, o VerifyOptions) ([]string, error) {
	files, findings, err := listFolder(ctx, root)
	if err != nil {
		return nil, err
	}
	var problems []string
	seen := map[string]bool{} // reported one way or another: not removed
	for _, f := range findings {
		problems = append(problems, f.text)
		seen[f.rel] = true
	}
	listed := map[string]FileEntry{}
	for _, f := range listedFiles {
		if _, twice := listed[f.Path]; twice {
			problems = append(problems, "listed twice: "+quotePath(f.Path)+" (a manifest lists each file once)")
		}
		listed[f.Path] = f
	}
	var total int64
	buf := make([]byte, hashBuffer)
	for i, e := range files {
		seen[e.rel] = true
		want, ok := listed[e.rel]
		size := e.info.Size()
		switch {
		case size > o.MaxFileSize:
			problems = append(problems, fmt.Sprintf("too large: %s (%d bytes, over the limit of %d a file)", quotePath(e.rel), size, o.MaxFileSize))
			continue
		case ok && size != want.Size: // changed, without reading it
			problems = append(problems, "changed: "+quotePath(e.rel))
			continue
		case total+size > o.MaxTotalSize:
			problems = append(problems, fmt.Sprintf("too large: the folder holds more than %d bytes; %s and the %d file(s) after it are not checked",
				o.MaxTotalSize, quotePath(e.rel), len(files)-i-1))
			for _, rest := range files[i+1:] {
				seen[rest.rel] = true
			}
			return append(problems, removed(listed, seen)...), nil
		}
		sum, n, problem, err := hashFile(ctx, e, o.MaxFileSize, buf)
		if err != nil {
			return nil, err
		}
		total += n
		switch {
		case problem != "":
			problems = append(problems, problem)
		case !ok:
			problems = append(problems, "added: "+quotePath(e.rel))
		case want.SHA256 != sum:
			problems = append(problems, "changed: "+quotePath(e.rel))
		}
	}
	return append(problems, removed(listed, seen)...), nil
}

// removed lists, sorted, the files the manifest lists that were not seen.
func removed(listed map[string]FileEntry, seen map[string]bool) []string {
	var out []string
	for p := range listed {
		if !seen[p] {
			out = append(out, "removed: "+quotePath(p))
		}
	}
	sort.Strings(out)
	return out
}

// checkSignature checks manifest.sig in root against data, the bytes of manifest m. Its error is
// ctx's.
func checkSignature(ctx context.Context, root string, data []byte, m Manifest, pin string) ([]string, *CertInfo, error) {
	sigData, problem, err := readBounded(ctx, root, SignatureFile, maxManifestSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return []string{"removed: " + SignatureFile}, nil, nil
	case err != nil:
		return nil, nil, err
	case problem != "":
		return []string{problem}, nil, nil
	}
	problems, signer := signatureProblems(sigData, data, m, pin)
	return problems, signer, nil
}

// signatureProblems checks sigData, the bytes of manifest.sig, against data, those of manifest m,
// and returns the signing certificate's own names when the manifest carries a certificate.
func signatureProblems(sigData, data []byte, m Manifest, pin string) ([]string, *CertInfo) {
	var sig Signature
	if err := json.Unmarshal(sigData, &sig); err != nil || sig.Value == "" {
		return []string{"changed: " + SignatureFile + " (not a signature)"}, nil
	}
	if _, err := base64.StdEncoding.DecodeString(sig.Value); err != nil {
		return []string{"changed: " + SignatureFile + " (not a signature)"}, nil
	}
	if len(m.Client.Chain) == 0 {
		return []string{"changed: " + ManifestFile + " (no signing certificate)"}, nil
	}
	block, _ := pem.Decode([]byte(m.Client.Chain[0]))
	if block == nil {
		return []string{"changed: " + ManifestFile + " (bad signing certificate)"}, nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return []string{"changed: " + ManifestFile + " (bad signing certificate)"}, nil
	}
	fp := signing.Fingerprint(cert)
	signer := &CertInfo{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Fingerprint: fp, NotAfter: cert.NotAfter.UTC()}
	var problems []string
	if fp != m.Client.Fingerprint {
		problems = append(problems, "changed: "+ManifestFile+" (the signing certificate is not the client certificate it names)")
	}
	if m.Client.Subject != signer.Subject || m.Client.Issuer != signer.Issuer {
		problems = append(problems, "changed: "+ManifestFile+" (it names the signing certificate's subject or issuer otherwise than the certificate does)")
	}
	if pin != "" && !signing.SamePin(pin, fp) {
		problems = append(problems, "signature: signed by "+cert.Subject.String()+" (sha256 "+fp+"), not the expected certificate")
	}
	if !signing.Check(cert, data, sig.Value) {
		problems = append(problems, "signature: "+SignatureFile+" does not sign "+ManifestFile+" with the key of "+cert.Subject.String()+" (changed, or signed by another key)")
	}
	return problems, signer
}
