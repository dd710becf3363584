// Command sut-http is an example of a supplier's test hook for konform's http driver: a small
// HTTP server that takes each action konform posts (docs/sut.md, "Drivrutiner") and performs it.
// A real system would hand the action to its own business logic; this one hands it to konform's
// reference connecting system, so that the whole SUT pack passes through the hook.
//
//	go run ./examples/sut-http -addr 127.0.0.1:8088 -certs certs
//
// and in konform.yaml:
//
//	sut: {driver: http, url: http://127.0.0.1:8088/konform}
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/pki"
	"github.com/konform/konform/internal/refsys"
	"github.com/konform/konform/nllpack"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8088", "address of the test hook")
	certs := flag.String("certs", "certs", "konform's dev PKI: the system's client certificate and the gateway's CA")
	flag.Parse()
	h, err := newHook(*certs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sut-http:", err)
		os.Exit(2)
	}
	log.Printf("test hook at http://%s/konform", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}

// hook is the test hook: one reference system per session (a scenario of konform's).
type hook struct {
	tls *tls.Config

	mu      sync.Mutex
	session string
	users   map[string]http.Header
	sys     *refsys.System
}

// newHook reads the system's client certificate and the CA it trusts for the gateway from the
// dev PKI in dir.
func newHook(dir string) (*hook, error) {
	d := pki.DevPKI{Dir: dir}
	roots, err := pki.CertPool(d.Path(pki.CAFile))
	if err != nil {
		return nil, err
	}
	id, err := pki.LoadIdentity(d.Path(pki.ClientCertFile), d.Path(pki.ClientKeyFile), "")
	if err != nil {
		return nil, err
	}
	return &hook{tls: pki.ClientTLS(roots, id)}, nil
}

// ServeHTTP performs one action: POST a driver.Request, answer a driver.Answer.
func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/konform" {
		http.Error(w, "POST /konform", http.StatusNotFound)
		return
	}
	var req driver.Request
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "not a konform action: "+err.Error(), http.StatusBadRequest)
		return
	}
	sys, err := h.system(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	res, err := sys.Act(r.Context(), driver.Action{Name: req.Action, Params: req.Params})
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(driver.Answer{Status: res.Status, Shown: res.Shown, Values: res.Values})
}

// system is the session's reference system: a new one when konform starts a new scenario. The
// users' headers come with the actions (konform passes the simulator's test users).
func (h *hook) system(req driver.Request) (*refsys.System, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sys == nil || req.Session != h.session {
		if h.sys != nil {
			h.sys.Close()
		}
		h.users = map[string]http.Header{}
		sys, err := refsys.New(refsys.Config{BaseURL: req.Gateway, TLS: h.tls, Templates: nllpack.FS, RunID: req.RunID,
			Version: "1.0", Users: h.users, TestData: req.TestData})
		if err != nil {
			return nil, err
		}
		h.sys, h.session = sys, req.Session
	}
	if len(req.User) > 0 {
		hd := http.Header{}
		for k, v := range req.User {
			hd.Set(k, v)
		}
		h.users[req.Role] = hd
	}
	return h.sys, nil
}
