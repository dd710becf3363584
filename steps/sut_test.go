package steps

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/konform/konform/internal/driver"
	"github.com/konform/konform/internal/evidence"
	"github.com/konform/konform/internal/gateway"
)

// recorded is a system under test whose calls are given: the checks read nothing else.
type recorded struct {
	calls  []*gateway.Call
	result driver.Result
}

func (r *recorded) Act(context.Context, driver.Action) (driver.Result, error) { return r.result, nil }
func (r *recorded) Calls() []*gateway.Call                                    { return r.calls }
func (r *recorded) SetUpstream(gateway.Outage)                                {}
func (r *recorded) System() *evidence.System {
	return &evidence.System{Name: "Journalen", Version: "4.2"}
}
func (r *recorded) ActionTimeout() time.Duration { return time.Second }

func call(method, path string, status int, header http.Header, body string) *gateway.Call {
	p, q, _ := strings.Cut(path, "?")
	if header == nil {
		header = http.Header{}
	}
	return &gateway.Call{Method: method, Path: p, RawQuery: q, Status: status, ReqHeader: header, ReqBody: []byte(body), Started: time.Now()}
}

func sutWorld(r *recorded) *World {
	w := NewWorld(context.Background(), &Env{SUT: r})
	w.sutResult = &r.result
	return w
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestEverySUTCheckPassesAndFails runs each check of the system's calls against calls that meet
// it and calls that do not, so that no check can only pass.
func TestEverySUTCheckPassesAndFails(t *testing.T) {
	prov := base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","reason":[{"text":"ny"}]}`))
	id1, id2 := "6f1c2b9e-6a43-4b0e-9a57-1b1e8d1c0a01", "6f1c2b9e-6a43-4b0e-9a57-1b1e8d1c0a02"
	mr := `{"resourceType":"MedicationRequest","requester":{"reference":"#p"},"contained":[{"resourceType":"Practitioner","id":"p"}],"authoredOn":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	skewed := strings.Replace(mr, time.Now().UTC().Format(time.RFC3339), time.Now().UTC().Add(10*time.Minute).Format(time.RFC3339), 1)
	cases := []struct {
		name      string
		check     func(*World) error
		good, bad *recorded
		badText   string
	}{
		{"called", func(w *World) error { return w.called("POST", "MedicationRequest") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest", 200, nil, "")}}, "expected a call POST MedicationRequest"},
		{"called, either endpoint", func(w *World) error { return w.called("POST", "{$verify,MedicationDispense/$verify}") },
			&recorded{calls: []*gateway.Call{call("POST", "$verify", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest/$verify", 200, nil, "")}}, "expected a call POST {$verify,MedicationDispense/$verify}"},
		{"called times", func(w *World) error { return w.calledTimes("POST", "MedicationRequest", 1) },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 422, nil, "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 422, nil, ""), call("POST", "MedicationRequest", 422, nil, "")}}, "expected 1, got 2"},
		{"refused with a 4xx", func(w *World) error { return w.refusedBy4xx("POST", "MedicationRequest") },
			&recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 200, nil, ""), call("POST", "MedicationRequest", 422, nil, "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, nil, "")}}, "expected a status from 400 to 499"},
		{"refused, but no such call", func(w *World) error { return w.refusedBy4xx("POST", "MedicationRequest") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 400, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 404, nil, "")}}, "no call POST MedicationRequest"},
		{"not called, however the path is written", func(w *World) error { return w.notCalled("POST", "MedicationDispense") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("POST", gateway.CleanPath("//MedicationDispense/"), 422, nil, "")}}, "expected no call POST MedicationDispense"},
		{"not called", func(w *World) error { return w.notCalled("GET", "MedicationRequest") },
			&recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient=p", 200, nil, "")}}, "expected no call GET MedicationRequest"},
		{"some call, one cut off in an outage", (*World).calledAny,
			&recorded{calls: []*gateway.Call{{Method: "GET", Path: "Patient", Upstream: "dropped", Err: "cut off"}}},
			&recorded{calls: []*gateway.Call{{Refused: "the system presented no client certificate"}}}, "expected at least one call"},
		{"no call at all", (*World).notCalledAtAll, &recorded{},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, "")}}, "expected no call"},
		{"order", func(w *World) error {
			return w.calledBefore("GET", "MedicationRequest/*", "PUT", "MedicationRequest/*")
		},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest/1", 200, nil, ""), call("PUT", "MedicationRequest/1", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("PUT", "MedicationRequest/1", 409, nil, ""), call("GET", "MedicationRequest/1", 200, nil, ""), call("PUT", "MedicationRequest/1", 200, nil, "")}},
			"GET MedicationRequest/* before each PUT MedicationRequest/*"},
		{"a check before each dispense", func(w *World) error {
			return w.calledBefore("POST", "{$verify,MedicationDispense/$verify}", "POST", "MedicationDispense")
		},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, ""), call("POST", "MedicationDispense", 500, nil, ""),
				call("POST", "MedicationDispense", 201, nil, ""), call("POST", "$verify", 200, nil, ""), call("POST", "MedicationDispense", 201, nil, "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, ""), call("POST", "MedicationDispense", 201, nil, ""),
				call("POST", "MedicationDispense", 201, nil, "")}},
			"before each POST MedicationDispense"},
		{"re-read after 409", (*World).rereadAfterConflict,
			&recorded{calls: []*gateway.Call{call("PUT", "MedicationRequest/1", 409, nil, ""), call("GET", "MedicationRequest/1", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("PUT", "MedicationRequest/1", 409, nil, "")}}, "GET MedicationRequest/1 after the answer 409"},
		{"header value", func(w *World) error { return w.callHeaderIs("varje läsande anrop", "X-Purpose", "VARD") },
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Purpose", "VARD"), "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 403, hdr("X-Purpose", "EXPEDIERING"), "")}}, `expected "VARD", got "EXPEDIERING"`},
		{"header match", func(w *World) error { return w.callHeaderMatches("anrop 1", "X-Org-Info", "orgenhetsIdTyp.{1,5}HSA") },
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Org-Info", `{"orgenhetsIdTyp":"HSA"}`), "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 400, nil, "")}}, "got none"},
		{"empty selection", func(w *World) error { return w.validProvenance("varje skrivande anrop") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", prov), "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, "")}}, "at least one call"},
		{"provenance", func(w *World) error { return w.validProvenance("varje skrivande anrop") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", prov), "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", "{not base64"), "")}}, "got not base64"},
		{"unique request ids", (*World).uniqueRequestIDs,
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Request-ID", id1), ""), call("POST", "MedicationRequest", 201, hdr("X-Request-ID", id2), "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Request-ID", id1), ""), call("POST", "MedicationRequest", 201, hdr("X-Request-ID", id1), "")}}, "also sent with GET Patient"},
		{"request ids unique in the run", (*World).uniqueRequestIDs,
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Request-ID", id1), "")}},
			&recorded{calls: []*gateway.Call{{Method: "GET", Path: "Patient", Status: 200, ReqHeader: hdr("X-Request-ID", id1), RequestIDUsed: "GET Patient (10:02:03)"}}},
			"sent before in this run with GET Patient (10:02:03)"},
		{"body", func(w *World) error {
			return w.callBodyTrue("varje skrivande anrop", "MedicationRequest.requester.reference.startsWith('#') and MedicationRequest.contained.exists()")
		},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, nil, mr)}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 422, nil, `{"resourceType":"MedicationRequest","requester":{"identifier":{"value":"9000027"}}}`)}}, "expected true"},
		{"time", func(w *World) error {
			return w.callTimeNear("varje skrivande anrop", "MedicationRequest.authoredOn", 2)
		},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, nil, mr)}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, nil, skewed)}}, "off)"},
		{"answered", func(w *World) error { return w.answeredBelow400("varje anrop") },
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, ""), {Refused: "the system presented no client certificate"}}}, "refused by the gateway"},
		{"user agent", (*World).identifiesItself,
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-User-Agent", "Journalen/4.2"), "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-User-Agent", "Journalen/4.1"), "")}}, `version "4.2"`},
		{"reported status", func(w *World) error { return w.reportedStatus(422) },
			&recorded{result: driver.Result{Status: 422}}, &recorded{result: driver.Result{Status: 201, Shown: "ok"}}, "expected 422, got 201"},
		{"reported NLL's status", (*World).reportedNLLStatus,
			&recorded{result: driver.Result{Status: 403}, calls: []*gateway.Call{call("GET", "Patient", 200, nil, ""), call("POST", "MedicationRequest", 403, nil, "")}},
			&recorded{result: driver.Result{Status: 200, Shown: "ok"}, calls: []*gateway.Call{call("GET", "Patient", 200, nil, ""), call("POST", "MedicationRequest", 403, nil, "")}},
			"expected 403 (NLL's answer to POST MedicationRequest), got 200"},
		// A read after the refused write (a refreshed list) does not hide the refusal.
		{"reported NLL's status, a read after the write", (*World).reportedNLLStatus,
			&recorded{result: driver.Result{Status: 422}, calls: []*gateway.Call{call("POST", "MedicationRequest", 422, nil, ""), call("GET", "MedicationRequest?patient=p", 200, nil, "")}},
			&recorded{result: driver.Result{Status: 200, Shown: "ok"}, calls: []*gateway.Call{call("POST", "MedicationRequest", 422, nil, ""), call("GET", "MedicationRequest?patient=p", 200, nil, "")}},
			"expected 422 (NLL's answer to POST MedicationRequest), got 200"},
		// NLL asks for a random and unique id: one that is no UUID passes, an empty one does not.
		{"request ids need not be UUIDs", (*World).uniqueRequestIDs,
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Request-ID", "kQ3v9Xw2TzS1aB7cD0eF4g"), "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, hdr("X-Request-ID", " "), "")}}, "expected a random and unique id"},
		// $verify checks and changes nothing: it is no write, so x-provenance is not asked of it.
		{"$verify is no write", func(w *World) error { return w.validProvenance("varje skrivande anrop") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, ""), call("POST", "MedicationDispense", 201, hdr("X-Provenance", prov), "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationDispense/$verify", 200, nil, ""), call("POST", "MedicationDispense", 201, nil, "")}}, "got none"},
		{"reported NLL's status, no call", (*World).reportedNLLStatus,
			&recorded{result: driver.Result{Status: 200}, calls: []*gateway.Call{call("GET", "Patient", 200, nil, "")}},
			&recorded{result: driver.Result{Status: 503}}, "no call of the system was answered"},
		{"test certificate", func(w *World) error { return w.notProductionCertificate() },
			&recorded{calls: []*gateway.Call{withChain(call("GET", "Patient", 200, nil, ""), "TEST SITHS e-id Function CA v1")}},
			&recorded{calls: []*gateway.Call{withChain(call("GET", "Patient", 200, nil, ""), "SITHS e-id Function CA v1")}}, `production CA "SITHS e-id Function CA v1"`},
		{"some certificate", func(w *World) error { return w.notProductionCertificate() },
			&recorded{calls: []*gateway.Call{withChain(call("GET", "Patient", 200, nil, ""), "konform TEST Root CA v1")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, "")}}, "expected a certificate on the system's calls"},
		{"a refused certificate is no test certificate", func(w *World) error { return w.notProductionCertificate() },
			&recorded{calls: []*gateway.Call{refusedCall("self-signed"), withChain(call("GET", "Patient", 200, nil, ""), "konform TEST Root CA v1")}},
			&recorded{calls: []*gateway.Call{refusedCall("self-signed")}}, "every connection refused: the system's client certificate"},
		{"only the patient looked up", (*World).onlyPatientLookup,
			&recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 200, nil, ""), call("GET", "Patient/p1", 200, nil, ""), call("GET", "metadata", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient?identifier=x", 200, nil, ""), call("GET", "Patient/p1/MedicationListInfo", 200, nil, "")}}, "Patient/p1/MedicationListInfo"},
		{"a read by id is a read", (*World).onlyPatientLookup,
			&recorded{}, &recorded{calls: []*gateway.Call{call("GET", "MedicationDispense/d1", 200, nil, "")}}, "MedicationDispense/d1"},
		{"only the test patient, by id", testPatientOnly,
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient=p1", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient=p1", 200, nil, ""), call("GET", "MedicationRequest?patient=p2", 200, nil, "")}}, "got p2"},
		{"only the test patient, by an OID and a chained parameter", testPatientOnly,
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient.identifier=urn:oid:1.2.752.129.2.1.3.1%7C191212121212", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient.identifier=urn:oid:1.2.752.129.2.1.3.1%7C189002039817", 200, nil, "")}}, "another personnummer"},
		{"only the test patient, by a reference in any form", testPatientOnly,
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient=Patient/p1", 200, nil, ""), call("GET", "Basic?code=medlistinfo&subject:Patient=https://nll.example/fhir/Patient/p1/_history/2", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient=Patient/p1", 200, nil, ""), call("GET", "MedicationRequest?patient._id=p2", 200, nil, "")}}, "got p2"},
		{"only the test patient, by _id", testPatientOnly,
			&recorded{calls: []*gateway.Call{call("GET", "Patient?_id=p1", 200, nil, "")}},
			&recorded{calls: []*gateway.Call{call("GET", "Patient?_id=p1,p2", 200, nil, "")}}, "got p2"},
		{"only the test patient, by _id in a POST _search", testPatientOnly,
			&recorded{calls: []*gateway.Call{call("POST", "Patient/_search", 200, nil, "_id=p1")}},
			&recorded{calls: []*gateway.Call{call("GET", "MedicationRequest?patient=p1", 200, nil, ""), call("POST", "Patient/_search", 200, nil, "_id=p2")}}, "got p2"},
		{"only the test patient, in a body", testPatientOnly,
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest/$monitoring", 200, nil, `{"parameter":[{"name":"pnr","valueString":"19121212-1212"}]}`)}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest/$monitoring", 200, nil, `{"parameter":[{"name":"pnr","valueString":"189002039817"}]}`)}}, "another personnummer"},
		{"x-provenance is a Provenance", func(w *World) error { return w.validProvenance("varje skrivande anrop") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","activity":{"coding":[{"code":"nyordination"}]}}`))), "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", base64.StdEncoding.EncodeToString([]byte(`{}`))), "")}}, "no Provenance"},
		{"x-provenance says why", func(w *World) error { return w.validProvenance("varje skrivande anrop") },
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", prov), "")}},
			&recorded{calls: []*gateway.Call{call("POST", "MedicationRequest", 201, hdr("X-Provenance", base64.StdEncoding.EncodeToString([]byte(`{"resourceType":"Provenance","reason":[{"text":" "}]}`))), "")}}, "without a reason or an activity"},
		{"result value", func(w *World) error { return w.resultIs("köad", "ja") },
			&recorded{result: driver.Result{Values: map[string]string{"köad": "ja"}}}, &recorded{result: driver.Result{}}, `expected "ja"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.check(sutWorld(c.good)); err != nil {
				t.Fatalf("fails on calls that meet it: %v", err)
			}
			err := c.check(sutWorld(c.bad))
			if err == nil || !strings.Contains(err.Error(), c.badText) {
				t.Fatalf("on calls that do not meet it: %v; want a failure containing %q", err, c.badText)
			}
		})
	}
}

// testPatientOnly runs onlyTestPatient for the test patient 191212121212, whose id is p1.
func testPatientOnly(w *World) error {
	w.pnr, w.patient = "191212121212", "p1"
	return w.onlyTestPatient()
}

// TestNoConflictIsAnErrorNotAPass checks that a scenario that never provoked a conflict cannot pass
// the re-read check, and that a system that avoided the conflict konform provoked is left to the
// scenario's checks of NLL's state.
func TestNoConflictIsAnErrorNotAPass(t *testing.T) {
	w := sutWorld(&recorded{calls: []*gateway.Call{call("PUT", "MedicationRequest/1", 200, nil, "")}})
	if err := w.rereadAfterConflict(); err == nil || !strings.Contains(err.Error(), ErrHarness.Error()) {
		t.Fatalf("got %v, want a harness error: konform changed nothing", err)
	}
	// A system that created two prescriptions and saved the other one than konform changed is told so.
	w.changed = "MedicationRequest/2"
	if err := w.rereadAfterConflict(); err == nil || !strings.Contains(err.Error(), "the system did not save 2, which konform changed") {
		t.Fatalf("got %v, want the error to name the resource konform changed", err)
	}
	// A system that read the latest version before saving met no conflict: nothing to re-read.
	w.changed = "MedicationRequest/1"
	if err := w.rereadAfterConflict(); err != nil {
		t.Fatalf("got %v for a system that saved what konform changed without a conflict; its state checks decide", err)
	}
}

// TestSUTStepsWithoutADriverAreErrors checks the message a step gives when the run has no driver.
func TestSUTStepsWithoutADriverAreErrors(t *testing.T) {
	w := NewWorld(context.Background(), &Env{})
	if err := w.act("skapa förskrivning", "", ""); err == nil || !strings.Contains(err.Error(), "--sut ref") {
		t.Fatalf("got %v", err)
	}
}

// withChain gives a call a client certificate issued by issuer, with the issuing CA in the chain.
// TestAProductionCANamedByTheEnvironmentFailsTheCertificateCheck: the environment's
// production_issuers count as production CAs for the system's certificate too, not only for
// konform's own.
func TestAProductionCANamedByTheEnvironmentFailsTheCertificateCheck(t *testing.T) {
	calls := &recorded{calls: []*gateway.Call{withChain(call("GET", "Patient", 200, nil, ""), "Regionens Produktions-CA v3")}}
	w := sutWorld(calls)
	if err := w.notProductionCertificate(); err != nil {
		t.Fatalf("a CA nobody calls production: %v", err)
	}
	w = NewWorld(context.Background(), &Env{SUT: calls, ProductionIssuers: []string{"Regionens Produktions-CA v3"}})
	err := w.notProductionCertificate()
	if err == nil || !strings.Contains(err.Error(), `production CA "Regionens Produktions-CA v3"`) {
		t.Fatalf("a CA the environment names production: %v", err)
	}
}

func withChain(c *gateway.Call, issuer string) *gateway.Call {
	name := func(cn string) pkix.Name { // as a parsed certificate has it, in Names too
		return pkix.Name{CommonName: cn, Names: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: cn}}}
	}
	ca := &x509.Certificate{Subject: name(issuer), Issuer: name(issuer)}
	c.ClientChain = []*x509.Certificate{{Subject: name("system"), Issuer: ca.Subject}, ca}
	c.ClientSubject = "CN=system"
	return c
}

// refusedCall is a connection the gateway refused at the handshake, with a certificate issued by
// issuer.
func refusedCall(issuer string) *gateway.Call {
	c := withChain(&gateway.Call{Upstream: "refused"}, issuer)
	c.Refused = `the system's client certificate "CN=system" is not accepted: x509: certificate signed by unknown authority`
	c.Err = c.Refused
	return c
}

// A stray call (one no action asked for) is never judged by the checks, and StrayCalls names it
// as the error it is: a late POST cannot make a case's "called once" pass, or fail as a second.
func TestStrayCallsAreNotJudgedButNamed(t *testing.T) {
	late := call("POST", "MedicationRequest", 201, nil, "")
	late.Stray = gateway.AfterLastStep
	early := call("POST", "MedicationRequest", 201, nil, "")
	early.Stray = gateway.BeforeFirstAction
	w := sutWorld(&recorded{calls: []*gateway.Call{early, late}})
	if err := w.called("POST", "MedicationRequest"); err == nil {
		t.Errorf("a check passed on stray calls alone")
	}
	own := call("POST", "MedicationRequest", 201, nil, "")
	w = sutWorld(&recorded{calls: []*gateway.Call{early, own, late}})
	if err := w.calledTimes("POST", "MedicationRequest", 1); err != nil {
		t.Errorf("stray calls were counted: %v", err)
	}
	if err := StrayCalls([]*gateway.Call{own}); err != nil {
		t.Errorf("StrayCalls without a stray call: %v", err)
	}
	err := StrayCalls([]*gateway.Call{early, own, late})
	if err == nil || !errors.Is(err, ErrHarness) ||
		!strings.Contains(err.Error(), "POST MedicationRequest → 201 (before the case's first action); POST MedicationRequest → 201 (after the case's last step)") {
		t.Errorf("StrayCalls = %v, want a harness error naming both calls", err)
	}
}

// A 502 the gateway gave because NLL's answer broke off judges neither the system nor NLL: the
// check is an error that says so, and the status the system showed is compared with the
// gateway's answer, named as such.
func TestTheGatewaysOwnAnswerIsNotNLLs(t *testing.T) {
	broken := call("PUT", "MedicationDispense/1", 502, nil, "")
	broken.Upstream, broken.Err = "forwarded", "NLL's answer broke off: unexpected EOF"
	w := sutWorld(&recorded{calls: []*gateway.Call{broken}})
	err := w.answeredBelow400("varje anrop")
	if !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "NLL gave no whole answer to the system's call PUT MedicationDispense/1 → 502: NLL's answer broke off") {
		t.Errorf("answeredBelow400 = %v, want a harness error naming the broken answer", err)
	}
	w = sutWorld(&recorded{calls: []*gateway.Call{broken}, result: driver.Result{Status: 200}})
	if err := w.reportedNLLStatus(); err == nil || !strings.Contains(err.Error(), "502 (the gateway's answer, since NLL gave none whole, to PUT MedicationDispense/1)") {
		t.Errorf("reportedNLLStatus = %v, want the gateway's answer named", err)
	}
}

// TestUnjudgedCallsAreThoseAfterTheActionAndTheChecks checks which calls no check saw: a call
// that arrived after the last action returned and after the last check looked. A call of the
// action, or one a check looked at, was judged.
func TestUnjudgedCallsAreThoseAfterTheActionAndTheChecks(t *testing.T) {
	lookup := call(http.MethodGet, "Patient?identifier=x", 200, nil, "")
	lookup.Seq = 1
	background := call(http.MethodGet, "Basic?code=medlistinfo", 200, nil, "")
	background.Seq = 2
	stray := call(http.MethodGet, "Patient/1", 200, nil, "")
	stray.Seq, stray.Stray = 3, gateway.AfterLastStep
	r := &recorded{calls: []*gateway.Call{lookup}}
	w := sutWorld(r)
	if err := w.UnjudgedCalls(r.calls); err != nil {
		t.Fatalf("no action yet: %v", err)
	}
	if err := w.perform("läs läkemedelslista", map[string]string{"patient": "189001019802"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.calls(); err != nil { // a check looks: it sees the lookup only
		t.Fatal(err)
	}
	r.calls = append(r.calls, background, stray)
	err := w.UnjudgedCalls(r.calls)
	if err == nil || !strings.Contains(err.Error(), "GET Basic?code=medlistinfo") || strings.Contains(err.Error(), "Patient/1") ||
		!strings.Contains(err.Error(), ErrHarness.Error()) {
		t.Fatalf("got %v; want a harness error naming the background read, not the stray call", err)
	}
	if _, err := w.calls(); err != nil { // a later check saw it
		t.Fatal(err)
	}
	if err := w.UnjudgedCalls(r.calls); err != nil {
		t.Fatalf("a check saw every call: %v", err)
	}
	w2 := sutWorld(&recorded{calls: []*gateway.Call{lookup, background}})
	if err := w2.perform("läs läkemedelslista", map[string]string{"patient": "189001019802"}); err != nil {
		t.Fatal(err)
	}
	if err := w2.UnjudgedCalls([]*gateway.Call{lookup, background}); err != nil {
		t.Fatalf("the action's own calls, which no check followed: %v", err)
	}
	unfinished := &gateway.Call{Method: "POST", Path: "MedicationDispense", Seq: 1, Stray: gateway.Unfinished}
	if err := w2.UnjudgedCalls([]*gateway.Call{unfinished}); err == nil || !strings.Contains(err.Error(), "POST MedicationDispense → no answer (unfinished when the case ended)") {
		t.Fatalf("a call unfinished at the end: %v", err)
	}
	if err := StrayCalls([]*gateway.Call{unfinished}); err != nil {
		t.Fatalf("StrayCalls names an unfinished call too: %v", err)
	}
}

// TestWhatTheSystemCreatedIsItsLastPOST checks that the resource "the system created" is that of
// its last POST of the type: when NLL refused that one, an earlier prescription is not read in
// its place (SUT-VARD-16 passed a refused renewal so).
func TestWhatTheSystemCreatedIsItsLastPOST(t *testing.T) {
	created := call(http.MethodPost, "MedicationRequest", 201, nil, "{}")
	created.RespHeader = hdr("Location", "MedicationRequest/1/_history/1")
	refused := call(http.MethodPost, "MedicationRequest", 422, nil, "{}")
	refused.RespBody = []byte(`{"resourceType":"OperationOutcome","issue":[{"code":"required","diagnostics":"sequence is missing"}]}`)
	w := sutWorld(&recorded{calls: []*gateway.Call{created, refused}})
	err := w.readSUTCreated("förskrivningen")
	var m *evidence.Mismatch
	if !errors.As(err, &m) || !strings.Contains(m.Actual, "last POST MedicationRequest: POST MedicationRequest → 422") || !strings.Contains(m.Detail, "sequence is missing") {
		t.Fatalf("got %v; want a mismatch naming the refused last POST and NLL's reason", err)
	}
	if w.created != "" {
		t.Fatalf("created %q; want none", w.created)
	}
}

// TestACallsListGivesNLLsReasonForARefusal checks that the list of the system's calls in a
// failure says why NLL refused one, so that a check which fails because an earlier call was
// refused explains itself, and that a shortened reason never ends in half a character.
func TestACallsListGivesNLLsReasonForARefusal(t *testing.T) {
	refused := call(http.MethodGet, "Patient?identifier=x", 400, nil, "")
	refused.RespBody = []byte(`{"resourceType":"OperationOutcome","issue":[{"code":"invalid","diagnostics":"x-request-id is not a UUID"}]}`)
	if got := describe([]*gateway.Call{refused}); !strings.Contains(got, "→ 400 (OperationOutcome invalid: x-request-id is not a UUID)") {
		t.Errorf("describe: %s", got)
	}
	long := strings.Repeat("a", 199) + "åäö"
	if got := snippet([]byte(long)); !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("snippet of %d bytes: %q is not valid UTF-8 ending in …", len(long), got)
	}
}

// TestAMalformedEscapeHidesNoPatient checks that one bad % in a query does not hide its other
// parameters from the patient check: url.QueryUnescape gave up on the whole query, and a call
// for another patient passed SUT-VARD-10 with "&x=%zz" added.
func TestAMalformedEscapeHidesNoPatient(t *testing.T) {
	w := sutWorld(&recorded{calls: []*gateway.Call{
		call("GET", "MedicationRequest?patient=p1", 200, nil, ""),
		call("GET", "Patient?identifier=http://electronichealth.se/identifier/personnummer%7C189002039817&x=%zz", 200, nil, ""),
	}})
	if err := testPatientOnly(w); err == nil || !strings.Contains(err.Error(), "another personnummer") {
		t.Fatalf("got %v; want the other patient found", err)
	}
	if got := queryText("a=%7C1+2&b=%zz&c=%4"); got != "a=|1 2&b=%zz&c=%4" {
		t.Errorf("queryText: %q", got)
	}
}

// TestACaseOfCallsNotKeptIsAnError: when the gateway kept less than the system sent (a flood over
// its bounds), no check judges the case on part of its calls; it ends as error, even when no
// check looked after the flood.
func TestACaseOfCallsNotKeptIsAnError(t *testing.T) {
	flood := &gateway.Call{Seq: 2, Method: "GET", Path: "Patient", NotKept: "the system made more than 1000 calls in the case"}
	w := sutWorld(&recorded{calls: []*gateway.Call{call("GET", "Patient", 200, nil, ""), flood}})
	if err := w.answeredBelow400("varje anrop"); err == nil || !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "more than 1000 calls") {
		t.Fatalf("a check over calls not kept: %v", err)
	}
	w = sutWorld(&recorded{})
	if err := w.UnjudgedCalls([]*gateway.Call{flood}); err == nil || !strings.Contains(err.Error(), "more than 1000 calls") {
		t.Fatalf("the end of a case whose calls were not kept: %v", err)
	}
}
