package steps

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/konform/konform/internal/gateway"
)

// A system may send its writes one by one, or several together in a transaction: NLL documents
// NLLTransactionBundle, POST [base]/ with a Bundle of type transaction, each entry's activity and
// reason in the extension nllProvenanceDetails on the entry's request instead of x-provenance
// (domain: nll.md 1.5). The checks of the system's calls judge each entry as the call it stands
// for: "POST MedicationRequest" is seen whether it came alone or as an entry.

// provenanceDetails ends the URL of the extension that carries an entry's provenance. Its full
// URL and the shape of its value are not published: any extension whose URL ends so, with the
// provenance as a string or base64Binary value, is read.
const provenanceDetails = "nllProvenanceDetails"

// transactionBody is what the checks read of a transaction's request.
type transactionBody struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
		Request  struct {
			Method      string `json:"method"`
			URL         string `json:"url"`
			IfMatch     string `json:"ifMatch"`
			IfNoneExist string `json:"ifNoneExist"`
			Extension   []struct {
				URL               string `json:"url"`
				ValueString       string `json:"valueString"`
				ValueBase64Binary string `json:"valueBase64Binary"`
			} `json:"extension"`
		} `json:"request"`
	} `json:"entry"`
}

// transactionAnswer is what the checks read of NLL's answer to a transaction.
type transactionAnswer struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		Resource json.RawMessage `json:"resource"`
		Response struct {
			Status   string          `json:"status"`
			Location string          `json:"location"`
			Etag     string          `json:"etag"`
			Outcome  json.RawMessage `json:"outcome"`
		} `json:"response"`
	} `json:"entry"`
}

// Entries returns a view of each entry of c, and whether c is a transaction the system sent at
// all (a transaction of no entries writes nothing). An entry has its request's method and URL, its resource as the body, the
// transaction's headers with its own provenance as x-provenance (the header's when it has
// none), and its own answer when NLL answered the transaction with a transaction-response of as
// many entries; else NLL's answer to the whole transaction, which an error is.
func Entries(c *gateway.Call) ([]*gateway.Call, bool) {
	if c.Method != http.MethodPost || c.Path != "" || c.Refused != "" || c.Of != nil {
		return nil, false
	}
	var b transactionBody
	if json.Unmarshal(c.ReqBody, &b) != nil || b.ResourceType != "Bundle" || b.Type != "transaction" {
		return nil, false
	}
	var a transactionAnswer
	answered := c.Status >= 200 && c.Status < 300 && json.Unmarshal(c.RespBody, &a) == nil &&
		a.ResourceType == "Bundle" && a.Type == "transaction-response" && len(a.Entry) == len(b.Entry)
	out := make([]*gateway.Call, 0, len(b.Entry))
	for i, e := range b.Entry {
		v := *c
		v.Of, v.Entry = c, i+1
		v.Method, v.Target = e.Request.Method, e.Request.URL
		path, query, _ := strings.Cut(e.Request.URL, "?")
		v.Path, v.RawQuery = gateway.CleanPath(path), query
		v.ReqBody = e.Resource
		v.ReqHeader = c.ReqHeader.Clone()
		if v.ReqHeader == nil {
			v.ReqHeader = http.Header{}
		}
		// An entry's conditions are its own (Bundle.entry.request), not the transaction's.
		v.ReqHeader.Del("If-Match")
		v.ReqHeader.Del("If-None-Exist")
		if e.Request.IfMatch != "" {
			v.ReqHeader.Set("If-Match", e.Request.IfMatch)
		}
		if e.Request.IfNoneExist != "" {
			v.ReqHeader.Set("If-None-Exist", e.Request.IfNoneExist)
		}
		for _, x := range e.Request.Extension {
			if strings.HasSuffix(x.URL, provenanceDetails) {
				v.ReqHeader.Set("X-Provenance", x.ValueString+x.ValueBase64Binary)
			}
		}
		if answered {
			r := a.Entry[i]
			code, _, _ := strings.Cut(strings.TrimSpace(r.Response.Status), " ")
			v.Status, _ = strconv.Atoi(code)
			v.RespHeader = http.Header{"Content-Type": c.RespHeader.Values("Content-Type")}
			if r.Response.Location != "" {
				v.RespHeader.Set("Location", r.Response.Location)
			}
			if r.Response.Etag != "" {
				v.RespHeader.Set("ETag", r.Response.Etag)
			}
			v.RespBody = r.Resource
			if len(v.RespBody) == 0 {
				v.RespBody = r.Response.Outcome
			}
		}
		out = append(out, &v)
	}
	return out, true
}

// TransactionOf says what a transaction holds, as a failure message and the evidence's list of
// the system's calls add it to the call's line: " (a transaction of POST MedicationDispense →
// 201)"; "" for a call that is no transaction.
func TransactionOf(c *gateway.Call) string {
	es, tx := Entries(c)
	if !tx {
		return ""
	}
	inner := []string{"no entry"}
	if len(es) > 0 {
		inner = inner[:0]
	}
	for _, e := range es {
		inner = append(inner, line(e, ""))
	}
	return " (a transaction of " + strings.Join(inner, ", ") + ")"
}

// interactions returns calls with each transaction replaced by its entries: what the checks of
// which calls the system made, and of its reads and writes, look through. Entries of one
// transaction are sent at once: for "X before Y" they stand together (sequence).
func interactions(calls []*gateway.Call) []*gateway.Call {
	out := make([]*gateway.Call, 0, len(calls))
	for _, c := range calls {
		if es, tx := Entries(c); tx {
			out = append(out, es...)
		} else {
			out = append(out, c)
		}
	}
	return out
}

// sequence walks interactions in order for a check of "X before Y": each call goes to visit
// with done, which tells whether a call matching X counts as earlier yet. X in a transaction
// counts only once the whole transaction is over, so it is never earlier than a Y beside it:
// the system sent both before it had NLL's answer to either.
func sequence(calls []*gateway.Call, visit func(c *gateway.Call), done func(c *gateway.Call)) {
	var tx *gateway.Call
	var pending []*gateway.Call
	for _, c := range interactions(calls) {
		if c.Of != tx {
			for _, p := range pending {
				done(p)
			}
			pending, tx = nil, c.Of
		}
		visit(c)
		if c.Of != nil {
			pending = append(pending, c)
		} else {
			done(c)
		}
	}
}

// failedEntry is the number (from 1) of the entry NLL's refusal of a transaction points at
// (Bundle.entry[i] in an issue's expression, location or diagnostics), 0 when it names none.
func failedEntry(tx *gateway.Call) int {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Expression  []string `json:"expression"`
			Location    []string `json:"location"`
			Diagnostics string   `json:"diagnostics"`
		} `json:"issue"`
	}
	if json.Unmarshal(tx.RespBody, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return 0
	}
	for _, is := range oo.Issue {
		for _, text := range append(append(is.Expression, is.Location...), is.Diagnostics) {
			if m := entryIndex.FindStringSubmatch(text); m != nil {
				n, _ := strconv.Atoi(m[1])
				return n + 1
			}
		}
	}
	return 0
}

var entryIndex = regexp.MustCompile(`Bundle\.entry\[(\d{1,6})\]`)

// entryOf names where an entry came from, for a failure message: "" for a call of its own.
func entryOf(c *gateway.Call) string {
	if c.Of == nil {
		return ""
	}
	return " (entry " + strconv.Itoa(c.Entry) + " of the transaction POST [base]/)"
}
