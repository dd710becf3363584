package evidence

import (
	"net/http"
	"testing"
	"time"
)

// benchExchange is a read of a search answer as konform records one: a request with NLL's
// headers and a bearer token, and an answer of about 900 bytes of compact JSON.
func benchExchange() *Exchange {
	body := []byte(`{"resourceType":"Bundle","id":"1f81400a-bb42-47fc-85f3-06f6f02807af","type":"searchset","total":1,"link":[{"relation":"self","url":"https://127.0.0.1:36301/fhir-server/fhir/Patient?identifier=http%3A%2F%2Felectronichealth.se%2Fidentifier%2Fpersonnummer%7C191212121212"}],"entry":[{"fullUrl":"https://127.0.0.1:36301/fhir-server/fhir/Patient/3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01","resource":{"resourceType":"Patient","id":"3f1b6a52-7c1e-4d0a-9d6e-1a2b3c4d5e01","meta":{"versionId":"1","profile":["http://electronichealth.se/fhir/StructureDefinition/NLLPatient"]},"identifier":[{"system":"http://electronichealth.se/identifier/personnummer","value":"191212121212"}],"active":true,"name":[{"family":"Testsdotter","given":["Ingrid"]}],"gender":"female","birthDate":"1912-12-12"},"search":{"mode":"match"}}]}`)
	return &Exchange{
		Attempt: 1, Started: time.Date(2026, 11, 24, 9, 42, 0, 721995325, time.UTC), Duration: 700 * time.Microsecond,
		Method: http.MethodGet, URL: "https://127.0.0.1:36301/fhir-server/fhir/Patient?identifier=http%3A%2F%2Felectronichealth.se%2Fidentifier%2Fpersonnummer%7C191212121212",
		ReqHeader: http.Header{
			"Accept": {"application/fhir+json"}, "Authorization": {"Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"},
			"User-Agent": {"konform/dev"}, "X-Access": {"TILLFALLIGT_SAMTYCKE"}, "X-Purpose": {"VARD"},
			"X-Org-Info":   {`{"orgNamn":"Testvardgivaren","orgenhetsId":"SE2321000016-TEST1","orgenhetsIdTyp":"HSA","orgenhetsNamn":"Vardcentralen Test","orgenhetsOrt":"Stockholm"}`},
			"X-Request-Id": {"9c666671-53c2-4b1c-a14f-4a9945f355aa"},
		},
		Status: http.StatusOK,
		RespHeader: http.Header{
			"Content-Type": {"application/fhir+json; charset=utf-8"}, "Content-Length": {"864"},
			"Date": {"Tue, 24 Nov 2026 09:42:00 GMT"}, "X-Request-Id": {"9c666671-53c2-4b1c-a14f-4a9945f355aa"},
		},
		RespBody:   body,
		TLSVersion: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256", PeerSubject: "CN=konform NLL simulator,C=SE",
	}
}

// BenchmarkFormat is what writing one exchange's evidence text costs: formatting, pretty-printing
// the body and scrubbing secrets and personal data.
func BenchmarkFormat(b *testing.B) {
	e, r := benchExchange(), NewRedactor()
	r.Secret("a-client-secret-from-konform-yaml")
	b.ReportAllocs()
	for b.Loop() {
		e.Format(r, true)
	}
}

// BenchmarkFormatPing is the smallest exchange: $ping without a token, 80 bytes of answer.
func BenchmarkFormatPing(b *testing.B) {
	e := &Exchange{
		Attempt: 1, Started: time.Date(2026, 11, 24, 10, 15, 30, 615350004, time.UTC),
		Method: http.MethodGet, URL: "https://127.0.0.1:9555/fhir-server/fhir/$ping",
		ReqHeader: http.Header{"Accept": {"application/fhir+json"}, "User-Agent": {"konform/98cdf69"}, "X-Request-Id": {"18cada16-7dcf-4945-bc69-9f5e580ad251"}},
		Status:    http.StatusOK,
		RespHeader: http.Header{"Content-Type": {"application/fhir+json; charset=utf-8"}, "Content-Length": {"80"},
			"Date": {"Tue, 24 Nov 2026 10:15:30 GMT"}, "X-Request-Id": {"18cada16-7dcf-4945-bc69-9f5e580ad251"}, "X-Konform-Simulator": {"konform"}},
		RespBody:   []byte(`{"resourceType":"Parameters","parameter":[{"name":"result","valueString":"OK"}]}`),
		TLSVersion: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256", PeerSubject: "CN=konform NLL simulator,C=SE",
	}
	r := NewRedactor()
	b.ReportAllocs()
	for b.Loop() {
		e.Format(r, true)
	}
}
