package steps

import (
	"encoding/json"
	"net/http"
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
			Method    string `json:"method"`
			URL       string `json:"url"`
			Extension []struct {
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

// entries returns a view of each entry of c when c is a transaction the system sent, nil
// otherwise. An entry has its request's method and URL, its resource as the body, the
// transaction's headers with its own provenance as x-provenance (the header's when it has
// none), and its own answer when NLL answered the transaction with a transaction-response of as
// many entries; else NLL's answer to the whole transaction, which an error is.
func entries(c *gateway.Call) []*gateway.Call {
	if c.Method != http.MethodPost || c.Path != "" || c.Refused != "" || c.Of != nil {
		return nil
	}
	var b transactionBody
	if json.Unmarshal(c.ReqBody, &b) != nil || b.ResourceType != "Bundle" || b.Type != "transaction" {
		return nil
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
		v.Path, v.RawQuery = strings.TrimPrefix(path, "/"), query
		v.ReqBody = e.Resource
		v.ReqHeader = c.ReqHeader.Clone()
		if v.ReqHeader == nil {
			v.ReqHeader = http.Header{}
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
	return out
}

// interactions returns calls with each transaction followed by its entries: what the checks of
// which calls the system made look through.
func interactions(calls []*gateway.Call) []*gateway.Call {
	out := make([]*gateway.Call, 0, len(calls))
	for _, c := range calls {
		out = append(out, c)
		out = append(out, entries(c)...)
	}
	return out
}

// entryOf names where an entry came from, for a failure message: "" for a call of its own.
func entryOf(c *gateway.Call) string {
	if c.Of == nil {
		return ""
	}
	return " (entry " + strconv.Itoa(c.Entry) + " of the transaction POST [base]/)"
}
