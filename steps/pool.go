package steps

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/konform/konform/internal/pack"
)

// DefaultPoolWait is how long a scenario waits for a free patient of the pool when Env.PoolWait
// is zero.
const DefaultPoolWait = 2 * time.Minute

// patientPool lends the pool's patients out, one scenario each. A scenario holds at most one
// patient and never waits for a second, so scenarios waiting for a patient always get one when a
// holder's cleanup ends: a pool smaller than the concurrency makes scenarios wait, never deadlock.
// A patient whose cleanup left test data (a lock NLL would not lift) is taken out of the pool for
// the rest of the run, so that no later scenario inherits it.
type patientPool struct {
	source string
	size   int
	free   chan string

	mu      sync.Mutex
	retired []string
	none    chan struct{} // closed when every patient is retired
}

var poolInit sync.Mutex

// patientPool returns the run's pool, built from Env.Pool (or the bundled pack's) on first use.
func (e *Env) patientPool() (*patientPool, error) {
	poolInit.Lock()
	defer poolInit.Unlock()
	if e.leases != nil {
		return e.leases, nil
	}
	declared := e.Pool
	if declared == nil {
		var err error
		if declared, err = pack.BundledPool(); err != nil {
			return nil, err
		}
	}
	p := &patientPool{source: declared.Source, size: len(declared.Patients), free: make(chan string, len(declared.Patients)), none: make(chan struct{})}
	for _, pnr := range declared.Patients {
		p.free <- pnr
	}
	e.leases = p
	return p, nil
}

// lease takes a free patient, waiting up to wait for one while every patient is leased.
func (p *patientPool) lease(ctx context.Context, wait time.Duration) (string, error) {
	select {
	case pnr := <-p.free:
		return pnr, nil
	default:
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case pnr := <-p.free:
		return pnr, nil
	case <-ctx.Done():
		return "", fmt.Errorf("the run ended while the scenario waited for a patient of the pool %s", p.source)
	case <-p.none:
		return "", fmt.Errorf("every patient of the pool %s was taken out of it, since its cleanup left test data (%s); "+
			"see the cleanup problems, end that data by hand, and add test patients to the pool", p.source, p.retiredList())
	case <-timer.C:
		out := ""
		if r := p.retiredList(); r != "" {
			out = fmt.Sprintf(" (%s taken out, since their cleanup left test data)", r)
		}
		return "", fmt.Errorf("all %d patients of the pool %s%s have been leased by other scenarios for %s; "+
			"add test patients to the pool (at least as many as --concurrency) or lower --concurrency", p.size, p.source, out, wait)
	}
}

// release gives a patient back to the pool.
func (p *patientPool) release(pnr string) { p.free <- pnr }

// retire takes a patient out of the pool for the rest of the run.
func (p *patientPool) retire(pnr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retired = append(p.retired, pnr)
	if len(p.retired) == p.size {
		close(p.none)
	}
}

func (p *patientPool) retiredList() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.retired, ", ")
}

// leasePatient makes a patient of the pool the scenario's own test patient until its cleanup has
// ended: no other scenario gets the patient meanwhile.
func (w *World) leasePatient() error {
	if w.leased != "" {
		return harnessError("the scenario already has its own test patient from the pool; a scenario leases one")
	}
	pool, err := w.env.patientPool()
	if err != nil {
		return harnessError("%v", err)
	}
	wait := w.env.PoolWait
	if wait <= 0 {
		wait = DefaultPoolWait
	}
	pnr, err := pool.lease(w.ctx, wait)
	if err != nil {
		return harnessError("%v", err)
	}
	w.leased, w.pnr, w.patient = pnr, pnr, ""
	return nil
}

// releasePatient gives the scenario's patient back to the pool once its cleanup has ended, or,
// when the cleanup left test data on it (clean is false), takes it out of the pool.
func (w *World) releasePatient(clean bool) {
	if w.leased == "" {
		return
	}
	if pool, err := w.env.patientPool(); err == nil {
		if clean {
			pool.release(w.leased)
		} else {
			pool.retire(w.leased)
		}
	}
	w.leased = ""
}
