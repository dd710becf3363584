// Package hostile serves answers that misbehave, for the tests of how konform bounds what comes
// from outside: each of konform's HTTP clients must see such an answer as cut, never as whole.
package hostile

import (
	"net/http"
	"time"
)

// NeverEnding answers 200 with head as the start of the body (with contentType, when not empty),
// then sends a space every interval for as long as the client stays: the answer never ends.
// Over TLS, net/http may end a client's read that a deadline cut with a clean EOF, so a client
// that takes such a read for the whole answer passes part of it on.
func NeverEnding(contentType, head string, every time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(head))
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(every):
			}
		}
	}
}
