package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// transactionEntry is what the checks read of one entry of a transaction's request.
type transactionEntry struct {
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
}

// answerEntry is what the checks read of one entry of NLL's answer to a transaction.
type answerEntry struct {
	Resource json.RawMessage `json:"resource"`
	Response struct {
		Status   string          `json:"status"`
		Location string          `json:"location"`
		Etag     string          `json:"etag"`
		Outcome  json.RawMessage `json:"outcome"`
	} `json:"response"`
}

// MaxEntries is the most entries of one transaction the checks judge, and maxEntryHeaders the
// most header values all of a transaction's entries may hold between them (each entry is a view
// with the transaction's headers). A body of 8 MiB holds millions of empty entries, and a header
// of 1 MB a hundred thousand names: judged whole, one such call took gigabytes. The entries
// beyond are judged by no check, which UnjudgedCalls says; no system of NLL's sends so many.
const (
	MaxEntries      = 1000
	maxEntryHeaders = 1 << 20
)

// decodeBundle reads a Bundle's resourceType and type, and gives each of its first max entries
// to keep, decoded one at a time; the rest it counts. It reads as json.Unmarshal into a struct
// does (keys in any case, the last of a repeated key), without holding every entry at once.
func decodeBundle[E any](body []byte, max int) (resourceType, typ string, entries []E, total int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", "", nil, 0, false
	}
	for dec.More() {
		t, err := dec.Token()
		key, _ := t.(string)
		if err != nil {
			return "", "", nil, 0, false
		}
		switch {
		case strings.EqualFold(key, "resourceType"):
			err = dec.Decode(&resourceType)
		case strings.EqualFold(key, "type"):
			err = dec.Decode(&typ)
		case strings.EqualFold(key, "entry"):
			entries, total = entries[:0], 0
			t, err = dec.Token()
			if err != nil || t == nil { // "entry": null is no entries
				break
			}
			if t != json.Delim('[') {
				return "", "", nil, 0, false
			}
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return "", "", nil, 0, false
				}
				if total < max {
					var e E
					if err := json.Unmarshal(raw, &e); err != nil {
						return "", "", nil, 0, false
					}
					entries = append(entries, e)
				}
				total++
			}
			_, err = dec.Token()
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return "", "", nil, 0, false
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return "", "", nil, 0, false
	}
	if _, err := dec.Token(); err != io.EOF { // nothing after it
		return "", "", nil, 0, false
	}
	return resourceType, typ, entries, total, true
}

// Entries returns a view of each entry of c, and whether c is a transaction the system sent at
// all (a transaction of no entries writes nothing). An entry has its request's method and URL, its resource as the body, the
// transaction's headers with its own provenance as x-provenance (the header's when it has
// none), and its own answer when NLL answered the transaction with a transaction-response of as
// many entries; else NLL's answer to the whole transaction, which an error is.
func Entries(c *gateway.Call) ([]*gateway.Call, bool) {
	es, _, tx := entries(c)
	return es, tx
}

// entries is Entries, with how many entries the transaction has: more than it returns when the
// transaction is larger than the checks judge (MaxEntries, maxEntryHeaders).
func entries(c *gateway.Call) ([]*gateway.Call, int, bool) {
	if c.Method != http.MethodPost || c.Path != "" || c.Refused != "" || c.Of != nil {
		return nil, 0, false
	}
	limit := min(MaxEntries, maxEntryHeaders/max(1, len(c.ReqHeader)))
	rt, typ, body, total, ok := decodeBundle[transactionEntry](c.ReqBody, limit)
	if !ok || rt != "Bundle" || typ != "transaction" {
		return nil, 0, false
	}
	var answer []answerEntry
	answered := false
	if c.Status >= 200 && c.Status < 300 {
		art, atyp, aes, atotal, ok := decodeBundle[answerEntry](c.RespBody, limit)
		answered, answer = ok && art == "Bundle" && atyp == "transaction-response" && atotal == total, aes
	}
	// An entry's conditions are its own (Bundle.entry.request), not the transaction's; entries
	// that add none of their own share one copy of the transaction's headers.
	shared := c.ReqHeader.Clone()
	if shared == nil {
		shared = http.Header{}
	}
	shared.Del("If-Match")
	shared.Del("If-None-Exist")
	out := make([]*gateway.Call, 0, len(body))
	for i, e := range body {
		v := *c
		v.Of, v.Entry = c, i+1
		v.Method, v.Target = e.Request.Method, e.Request.URL
		path, query, _ := strings.Cut(e.Request.URL, "?")
		v.Path, v.RawQuery = gateway.CleanPath(path), query
		v.ReqBody = e.Resource
		v.ReqHeader = shared
		own := e.Request.IfMatch != "" || e.Request.IfNoneExist != ""
		for _, x := range e.Request.Extension {
			own = own || strings.HasSuffix(x.URL, provenanceDetails)
		}
		if own {
			v.ReqHeader = shared.Clone()
		}
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
			r := answer[i]
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
	return out, total, true
}

// EntriesLeftOut says, for a transaction larger than the checks judge, how many entries it has
// and how many were judged; "" for any other call.
func EntriesLeftOut(c *gateway.Call) string {
	es, total, tx := entries(c)
	if !tx || total == len(es) {
		return ""
	}
	return fmt.Sprintf("a transaction of %d entries, of which the checks judged the first %d", total, len(es))
}

// shownEntries is how many entries a transaction's line names.
const shownEntries = 20

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
	for i, e := range es {
		if i == shownEntries {
			inner = append(inner, fmt.Sprintf("and %d more", len(es)-i))
			break
		}
		inner = append(inner, line(e, ""))
	}
	if left := EntriesLeftOut(c); left != "" {
		inner = append(inner, "("+left+")")
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
