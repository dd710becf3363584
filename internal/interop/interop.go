// Package interop starts konform's independent FHIR peer: @medplum/fhir-router with its in-memory
// repository behind a Node https server with mutual TLS (interop/server.mjs). Tests and benchmarks
// use it to show that the client and the steps work beyond konform's own simulator.
package interop

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Peer is a running interop server.
type Peer struct {
	// URL is the FHIR base URL.
	URL string
	cmd *exec.Cmd
}

// Node returns the node binary, or an error saying what is missing: node itself, or the npm
// packages in dir (interop/), which `make test` installs.
func Node(dir string) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medplum", "fhir-router")); err != nil {
		return "", fmt.Errorf("the npm packages in %s are not installed (cd %s && npm ci)", dir, dir)
	}
	return node, nil
}

// Start runs dir/server.mjs with the dev PKI in certs and the fixtures, and waits for its URL.
func Start(node, dir, certs, fixtures string) (*Peer, error) {
	cmd := exec.Command(node, filepath.Join(dir, "server.mjs"), "--certs", certs, "--fixtures", fixtures)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	p := &Peer{cmd: cmd}
	select {
	case url, ok := <-lines:
		if ok {
			p.URL = url
			return p, nil
		}
	case <-time.After(30 * time.Second):
	}
	p.Stop()
	return nil, fmt.Errorf("the interop server did not start: %s", strings.TrimSpace(stderr.String()))
}

// Stop ends the server.
func (p *Peer) Stop() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}
