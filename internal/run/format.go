package run

import (
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/fhirclient"
)

// formatter writes the evidence text of exchanges on a goroutine of its own while the scenarios
// go on. Formatting and scrubbing an exchange costs about as much as konform's own part of
// sending it, and while a request waits for its answer the machine's other core has nothing to
// do.
type formatter struct {
	redactor *evidence.Redactor
	redact   bool
	jobs     chan *formatted
	stopped  chan struct{}
}

// formatted is one exchange's evidence text and summary, ready once ready is closed.
type formatted struct {
	ex            *fhirclient.Exchange
	text, summary string
	ready         chan struct{}
}

// newFormatter starts a formatter; close stops it.
func newFormatter(redactor *evidence.Redactor, redact bool) *formatter {
	f := &formatter{redactor: redactor, redact: redact, jobs: make(chan *formatted, 256), stopped: make(chan struct{})}
	go func() {
		defer close(f.stopped)
		for j := range f.jobs {
			j.format(f.redactor, f.redact)
		}
	}()
	return f
}

// submit queues ex; the result is ready when its ready channel is closed.
func (f *formatter) submit(ex *fhirclient.Exchange) *formatted {
	j := &formatted{ex: ex, ready: make(chan struct{})}
	f.jobs <- j
	return j
}

// close stops the formatter once every queued exchange is formatted.
func (f *formatter) close() {
	close(f.jobs)
	<-f.stopped
}

// format writes the exchange's text (redacted unless told not to) and its summary.
func (j *formatted) format(redactor *evidence.Redactor, redact bool) {
	e := toEvidence(j.ex)
	j.text, j.summary = e.Format(redactor, redact), e.Summary()
	close(j.ready)
}
