package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Fault is a misbehaviour the simulator injects into matching responses. Tests use faults to show
// that every check can fail; suppliers use them to try their outage handling.
type Fault struct {
	// Method limits the fault to one HTTP method; empty matches any.
	Method string `json:"method,omitempty"`
	// Path limits the fault to requests whose path below the base starts with it, such as
	// "Patient" or "$ping"; empty matches every request.
	Path string `json:"path,omitempty"`
	// Latency delays the answer.
	Latency time.Duration `json:"latency,omitempty"`
	// Status replaces the status code.
	Status int `json:"status,omitempty"`
	// RetryAfter sets a Retry-After header (seconds), usually with Status 503.
	RetryAfter int `json:"retryAfter,omitempty"`
	// DropHeader deletes a response header, such as "X-Request-ID" or "Location".
	DropHeader string `json:"dropHeader,omitempty"`
	// Remove deletes a field from the JSON body, as a dotted path ("id", "meta.versionId",
	// "entry"); array elements are not addressed.
	Remove string `json:"remove,omitempty"`
	// ResourceType replaces the body's resourceType.
	ResourceType string `json:"resourceType,omitempty"`
	// HTML answers with an HTML error page instead of FHIR (status 503 unless Status is set).
	HTML bool `json:"html,omitempty"`
	// Truncate cuts the body in half, keeping the Content-Length of the whole.
	Truncate bool `json:"truncate,omitempty"`
	// Reset drops the connection without an answer.
	Reset bool `json:"reset,omitempty"`
	// After spares the first After matching requests, so that a scenario's later request is broken
	// while its earlier ones (a Background's create, say) are answered correctly.
	After int `json:"after,omitempty"`
	// Times, when set, breaks only that many matching requests (after the spared ones): an
	// outage that ends, or a refusal of one request only.
	Times int `json:"times,omitempty"`
}

func (f Fault) validate() error {
	if f.Latency == 0 && f.Status == 0 && f.RetryAfter == 0 && f.DropHeader == "" && f.Remove == "" &&
		f.ResourceType == "" && !f.HTML && !f.Truncate && !f.Reset {
		return fmt.Errorf("fault %q does nothing: add latency, status, retryAfter, dropHeader, remove, resourceType, html, truncate or reset", f.String())
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		// 1xx is no final answer: Go's server would send it and then the real one.
		return fmt.Errorf("fault status %d is not the status of an answer; use 200 to 599", f.Status)
	}
	if f.Latency < 0 || f.RetryAfter < 0 || f.After < 0 || f.Times < 0 {
		return fmt.Errorf("fault latency, retryAfter, after and times must not be negative")
	}
	return nil
}

func (f Fault) matches(method, rel string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	return strings.HasPrefix(rel, strings.Trim(f.Path, "/"))
}

// String gives the fault in the form ParseFault reads.
func (f Fault) String() string {
	var parts []string
	add := func(key string, value any, set bool) {
		if set {
			parts = append(parts, fmt.Sprintf("%s=%v", key, value))
		}
	}
	add("method", f.Method, f.Method != "")
	add("path", f.Path, f.Path != "")
	add("latency", f.Latency, f.Latency != 0)
	add("status", f.Status, f.Status != 0)
	add("retryAfter", f.RetryAfter, f.RetryAfter != 0)
	add("dropHeader", f.DropHeader, f.DropHeader != "")
	add("remove", f.Remove, f.Remove != "")
	add("resourceType", f.ResourceType, f.ResourceType != "")
	add("html", true, f.HTML)
	add("truncate", true, f.Truncate)
	add("reset", true, f.Reset)
	add("after", f.After, f.After != 0)
	add("times", f.Times, f.Times != 0)
	return strings.Join(parts, ",")
}

// applyFaults runs next into a recorder, then writes its answer changed by faults.
func applyFaults(w http.ResponseWriter, r *http.Request, faults []Fault, next func(http.ResponseWriter)) {
	for _, f := range faults {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				panic(http.ErrAbortHandler) // the client has gone: no answer at all, not an empty 200
			}
		}
		if f.Reset {
			panic(http.ErrAbortHandler) // net/http closes the connection and logs nothing
		}
	}
	rec := httptest.NewRecorder()
	// Headers already set on w (X-Request-ID) belong to the answer too.
	for k, v := range w.Header() {
		rec.Header()[k] = v
	}
	next(rec)
	status, body := rec.Code, rec.Body.Bytes()
	header := w.Header()
	for k, v := range rec.Header() {
		header[k] = v
	}
	truncate := false
	for _, f := range faults {
		if f.Status != 0 {
			status = f.Status
		}
		if f.DropHeader != "" {
			header.Del(f.DropHeader)
		}
		if f.RetryAfter > 0 {
			header.Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		if f.Remove != "" || f.ResourceType != "" {
			body = rewriteJSON(body, f)
		}
		if f.HTML {
			if f.Status == 0 {
				status = http.StatusServiceUnavailable
			}
			header.Set("Content-Type", "text/html; charset=utf-8")
			body = []byte("<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>" +
				"<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>")
		}
		truncate = truncate || f.Truncate
	}
	header.Set("Content-Length", strconv.Itoa(len(body)))
	if truncate {
		body = body[:len(body)/2]
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if truncate {
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // end the connection short of Content-Length
	}
}

// rewriteJSON applies the body faults of f; a body that is not a JSON object is left alone.
func rewriteJSON(body []byte, f Fault) []byte {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return body
	}
	if f.ResourceType != "" {
		doc["resourceType"] = f.ResourceType
	}
	if f.Remove != "" {
		removePath(doc, strings.Split(f.Remove, "."))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

func removePath(doc map[string]any, path []string) {
	if len(path) == 1 {
		delete(doc, path[0])
		return
	}
	if child, ok := doc[path[0]].(map[string]any); ok {
		removePath(child, path[1:])
	}
}

// ParseFault reads a fault from its command-line form: comma-separated key=value pairs, such as
// "path=Patient,status=503,retryAfter=30" or "method=GET,latency=2s". Keys: method, path,
// latency (a Go duration), status, retryAfter (seconds), dropHeader, remove, resourceType, after
// (matching requests spared first), times (matching requests broken, then none), and the switches html, truncate and reset (given alone or as
// =true).
func ParseFault(spec string) (Fault, error) {
	var f Fault
	bad := func(format string, args ...any) (Fault, error) {
		return Fault{}, fmt.Errorf("fault %q: %s", spec, fmt.Sprintf(format, args...))
	}
	for _, part := range strings.Split(spec, ",") {
		key, value, hasValue := strings.Cut(strings.TrimSpace(part), "=")
		var err error
		switch key {
		case "method":
			f.Method = strings.ToUpper(value)
		case "path":
			f.Path = value
		case "latency":
			f.Latency, err = time.ParseDuration(value)
		case "status":
			f.Status, err = strconv.Atoi(value)
		case "retryAfter":
			f.RetryAfter, err = strconv.Atoi(value)
		case "dropHeader":
			f.DropHeader = value
		case "remove":
			f.Remove = value
		case "resourceType":
			f.ResourceType = value
		case "after":
			f.After, err = strconv.Atoi(value)
		case "times":
			f.Times, err = strconv.Atoi(value)
		case "html", "truncate", "reset":
			on := !hasValue || value == "true"
			if hasValue && value != "true" && value != "false" {
				return bad("%s takes true or false", key)
			}
			switch key {
			case "html":
				f.HTML = on
			case "truncate":
				f.Truncate = on
			case "reset":
				f.Reset = on
			}
		default:
			return bad("unknown key %q; use method, path, latency, status, retryAfter, dropHeader, remove, resourceType, after, times, html, truncate or reset", key)
		}
		if err != nil {
			return bad("bad value for %s: %q", key, value)
		}
	}
	return f, f.validate()
}
