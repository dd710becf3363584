package cli

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/konform/konform/internal/pack"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/run"
)

func newPackCmd(sys System) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pack",
		Short: "Sign a test pack or a plan, and verify one",
		Long: "A test pack is a folder or a .tar.gz with pack.yaml, krav.yaml, features/, templates/ and\n" +
			"fixtures/ (docs/writing-test-cases.md). Its digest is SHA-256 over its files in path order;\n" +
			"its publisher signs that digest with a certificate, and whoever runs the pack pins the\n" +
			"certificate's SHA-256 (konform run --pack-signer-sha256). A plan (plan.yaml) is signed the same way.",
	}
	cmd.AddCommand(newPackSignCmd(sys), newPackVerifyCmd(sys))
	return cmd
}

func newPackSignCmd(sys System) *cobra.Command {
	var certFile, keyFile string
	cmd := &cobra.Command{
		Use:   "sign --cert C [--key K] PATH",
		Short: "Sign a pack (a folder or .tar.gz) or a plan (.yaml): writes pack.sig into the folder, else PATH.sig",
		Long: "Sign a pack or a plan with a certificate and its private key: PEM (--cert and --key, or both in\n" +
			"--cert) or PKCS#12 (.p12/.pfx, password from " + PasswordEnv + "). A pack folder gets pack.sig at its\n" +
			"root (not part of the pack, so it travels with it); a .tar.gz pack or a plan gets PATH.sig beside it.\n" +
			"It prints the digest and the certificate's SHA-256, which whoever runs the pack pins.",
		Example: "  konform pack sign --cert utgivare.pem --key utgivare.key ../mitt-paket\n" +
			"  konform pack sign --cert utgivare.p12 plan.yaml",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if certFile == "" {
				return fail(sys, run.ExitUsage, fmt.Errorf("pack sign needs --cert (and --key unless the key is in the same file)"))
			}
			id, err := pki.LoadIdentity(certFile, keyFile, sys.Getenv(PasswordEnv))
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			if err := id.CheckValidity(sys.Now()); err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			t, err := signTarget(path)
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			sig, err := pack.Sign(t.format, t.digest, id.Key, append([]*x509.Certificate{id.Leaf}, id.Chain...), sys.Now())
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			if err := os.WriteFile(t.sigPath, sig, 0o644); err != nil {
				return fail(sys, run.ExitHarness, fmt.Errorf("cannot write the signature %s: %v", t.sigPath, err))
			}
			fmt.Fprintf(sys.Stdout, "%s\n", t.sigPath)
			fmt.Fprintf(sys.Stderr, "signed %s: digest %s, by %s (sha256 %s)\n", path, t.digest, id.Leaf.Subject, id.Fingerprint())
			return nil
		},
	}
	cmd.Flags().StringVar(&certFile, "cert", "", "signing certificate: PEM (with --key) or PKCS#12 (.p12/.pfx)")
	cmd.Flags().StringVar(&keyFile, "key", "", "private key (PEM) of --cert, when not in the same file")
	return cmd
}

func newPackVerifyCmd(sys System) *cobra.Command {
	var pin string
	cmd := &cobra.Command{
		Use:   "verify PATH [--signer-sha256 HEX]",
		Short: "Check a pack's or a plan's signature, and print its digest",
		Long: "Check that a pack (a folder or .tar.gz) or a plan (.yaml) is what its signature signs, and\n" +
			"with --signer-sha256 that the signer is the certificate you expect. It prints the digest,\n" +
			"which konform verify --pack-sha256 compares with an evidence folder's.\n\n" +
			"Exit codes: 0 signed and unchanged (and by the pinned signer) · 1 unsigned, changed, or\n" +
			"signed by another certificate · 2 not a pack or a plan.",
		Example: "  konform pack verify ehm-nll-vard-2.1.tar.gz --signer-sha256 5f1c…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPins(cmd, "signer-sha256"); err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			path := args[0]
			t, err := signTarget(path)
			if err != nil {
				return fail(sys, run.ExitUsage, err)
			}
			fmt.Fprintln(sys.Stdout, t.digest)
			signer, err := pack.CheckSignature(t.sig, t.format, t.digest, pin, path)
			if err != nil {
				return fail(sys, run.ExitFailed, err)
			}
			fmt.Fprintf(sys.Stderr, "%s is signed and unchanged: digest %s, signed by %s (sha256 %s)\n", path, t.digest, signer.Subject, signer.SHA256)
			if pin == "" {
				fmt.Fprintln(sys.Stderr, "the signer was not pinned: compare its sha256 with the publisher's, or pass --signer-sha256")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pin, "signer-sha256", "", "require the signing certificate to have this SHA-256 fingerprint")
	return cmd
}

// target is what pack sign and pack verify work on: a pack or a plan, read once.
type target struct {
	format, digest string
	sigPath        string // where sign writes the signature
	sig            []byte // the signature found, nil when there is none
}

// signTarget says what PATH is: a plan (.yaml, .yml) or a pack, with its digest, its signature
// and where sign writes one.
func signTarget(path string) (target, error) {
	lower := strings.ToLower(path)
	if strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".yml") {
		plan, err := pack.ReadPlan(path)
		if err != nil {
			return target{}, err
		}
		sig, err := pack.ReadSignature(path + ".sig")
		return target{pack.PlanSignatureFormat, plan.Digest, path + ".sig", sig}, err
	}
	src, err := pack.Open(path)
	if err != nil {
		return target{}, err
	}
	t := target{pack.PackSignatureFormat, src.Digest, strings.TrimSuffix(path, string(filepath.Separator)) + ".sig", src.Signature}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		t.sigPath = filepath.Join(path, pack.SignatureFile)
	}
	return t, nil
}
