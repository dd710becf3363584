package evidence

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
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
	Started    time.Time  `json:"started"`
	Ended      time.Time  `json:"ended"`
	// ClockOffsetMs is the server's clock minus konform's, from the answers' Date headers.
	ClockOffsetMs *int64      `json:"clockOffsetMs,omitempty"`
	Client        SignerInfo  `json:"clientCertificate"`
	Files         []FileEntry `json:"files"`
}

// EnvironmentInfo says what a run ran against: the environment's name, its kind (simulator or
// test) and its FHIR base URL.
type EnvironmentInfo struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	BaseURL string `json:"baseUrl"`
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
	digest := sha256.Sum256(data)
	var alg string
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		alg = "ECDSA-SHA256"
	case *rsa.PublicKey:
		alg = "RSA-PKCS1v15-SHA256"
	default:
		return Signature{}, fmt.Errorf("cannot sign the evidence with a %T key; use an RSA or ECDSA client certificate", key.Public())
	}
	raw, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return Signature{}, fmt.Errorf("cannot sign the evidence: %w", err)
	}
	return Signature{Algorithm: alg, Value: base64.StdEncoding.EncodeToString(raw)}, nil
}

// hashFiles lists every file below dir but the manifest and its signature, sorted by path.
func hashFiles(dir string) ([]FileEntry, error) {
	dir, err := filepath.EvalSymlinks(dir) // reports/latest is a link to the run's folder
	if err != nil {
		return nil, err
	}
	var out []FileEntry
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if rel == ManifestFile || rel == SignatureFile {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out = append(out, FileEntry{Path: rel, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// Verification is the result of checking an evidence folder.
type Verification struct {
	// Problems lists every difference: "changed: f", "added: f", "removed: f", or the signature's.
	Problems []string
	// Files is the number of files the manifest lists.
	Files int
	// Signer is the certificate that signed the manifest.
	Signer CertInfo
	// Environment is what the run ran against; its Kind is "" in a version-1 manifest.
	Environment EnvironmentInfo
	// Verdict is the verdict the manifest records, "" in a version-1 manifest.
	Verdict Verdict
}

// Verify checks an evidence folder offline: the signature of manifest.json with the certificate
// it carries (and, when pinSHA256 is set, that this is the expected certificate), then every
// file's hash, and that no file was added or removed. An error means dir is no evidence folder.
func Verify(dir, pinSHA256 string) (*Verification, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s has no %s; is it a konform evidence folder?", dir, ManifestFile)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Format != ManifestFormat && m.Format != manifestFormat1 {
		return nil, fmt.Errorf("%s is not a konform manifest (%s)", filepath.Join(dir, ManifestFile), ManifestFormat)
	}
	v := &Verification{Files: len(m.Files), Signer: m.Client.CertInfo, Environment: m.Environment, Verdict: m.Verdict}
	v.Problems = append(v.Problems, checkSignature(dir, data, m, pinSHA256)...)
	have, err := hashFiles(dir)
	if err != nil {
		return nil, err
	}
	listed := map[string]FileEntry{}
	for _, f := range m.Files {
		listed[f.Path] = f
	}
	for _, f := range have {
		want, ok := listed[f.Path]
		switch {
		case !ok:
			v.Problems = append(v.Problems, "added: "+f.Path)
		case want.SHA256 != f.SHA256:
			v.Problems = append(v.Problems, "changed: "+f.Path)
		}
		delete(listed, f.Path)
	}
	var removed []string
	for p := range listed {
		removed = append(removed, "removed: "+p)
	}
	sort.Strings(removed)
	v.Problems = append(v.Problems, removed...)
	return v, nil
}

func checkSignature(dir string, data []byte, m Manifest, pin string) []string {
	sigData, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	if err != nil {
		return []string{"removed: " + SignatureFile}
	}
	var sig Signature
	if err := json.Unmarshal(sigData, &sig); err != nil || sig.Value == "" {
		return []string{"changed: " + SignatureFile + " (not a signature)"}
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Value)
	if err != nil {
		return []string{"changed: " + SignatureFile + " (not a signature)"}
	}
	if len(m.Client.Chain) == 0 {
		return []string{"changed: " + ManifestFile + " (no signing certificate)"}
	}
	block, _ := pem.Decode([]byte(m.Client.Chain[0]))
	if block == nil {
		return []string{"changed: " + ManifestFile + " (bad signing certificate)"}
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return []string{"changed: " + ManifestFile + " (bad signing certificate)"}
	}
	sum := sha256.Sum256(cert.Raw)
	fp := hex.EncodeToString(sum[:])
	var problems []string
	if fp != m.Client.Fingerprint {
		problems = append(problems, "changed: "+ManifestFile+" (the signing certificate is not the client certificate it names)")
	}
	if pin != "" && !strings.EqualFold(strings.ReplaceAll(pin, ":", ""), fp) {
		problems = append(problems, "signature: signed by "+cert.Subject.String()+" (sha256 "+fp+"), not the expected certificate")
	}
	digest := sha256.Sum256(data)
	ok := false
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, digest[:], raw)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], raw) == nil
	}
	if !ok {
		problems = append(problems, "signature: "+SignatureFile+" does not sign "+ManifestFile+" with the key of "+cert.Subject.String()+" (changed, or signed by another key)")
	}
	return problems
}
