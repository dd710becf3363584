package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/konform/konform/internal/evidence"
)

// largeRun makes the results of a run of n scenarios, each with six steps and four exchanges
// in exchanges.http, already in dir (the run writes them as scenarios finish).
func largeRun(b *testing.B, dir string, n int) *evidence.Run {
	run := &evidence.Run{ID: "bench", Environment: "sim", Started: time.Now(), Ended: time.Now(), Redacted: true}
	exchange := []byte("GET https://127.0.0.1:8443/fhir-server/fhir/Patient?identifier=x\nAccept: application/fhir+json\n\nHTTP 200 OK\n\n" +
		`{"resourceType":"Bundle","type":"searchset","total":1}` + "\n")
	log := evidence.NewExchangeLog(dir)
	defer log.Close()
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("NLL-BENCH-%05d", i)
		c := &evidence.Case{ID: id, Name: "Sök patient med personnummer", Feature: "TA 05", File: "features/nll/ta05.feature",
			Line: i, Mandatory: true, Outcome: evidence.Passed, Requirements: []string{"FHIR-SEARCH", "TK1"}}
		for s := 0; s < 6; s++ {
			c.Steps = append(c.Steps, evidence.Step{Keyword: "Och ", Text: `FHIRPath-uttrycket "Bundle.total" ger värdet "1"`, Line: s, Outcome: evidence.Passed})
		}
		parts := make([]evidence.CaseExchange, 4)
		for e := range parts {
			parts[e] = evidence.CaseExchange{Text: string(exchange), Summary: "GET https://127.0.0.1:8443/fhir-server/fhir/Patient?identifier=x → 200 (1 ms)"}
		}
		refs, err := log.Append(id, parts)
		if err != nil {
			b.Fatal(err)
		}
		c.Exchanges = refs
		run.Cases = append(run.Cases, c)
	}
	return run
}

// BenchmarkEvidence10k writes the evidence of a 10,000-scenario run: junit.xml, summary.json,
// report.html and the signed manifest over every file.
func BenchmarkEvidence10k(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		run := largeRun(b, dir, 10000)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		if err := evidence.Write(dir, run); err != nil {
			b.Fatal(err)
		}
		if err := evidence.WriteReport(dir, run, nil, "sv"); err != nil {
			b.Fatal(err)
		}
		if err := evidence.WriteManifest(dir, evidence.Manifest{RunID: run.ID}, key, []*x509.Certificate{cert}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		info, _ := os.Stat(filepath.Join(dir, evidence.ReportFile))
		b.ReportMetric(float64(info.Size())/(1<<20), "report-MB")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MB")
		b.ReportMetric(float64(after.Sys)/(1<<20), "sys-MB")
		b.StartTimer()
	}
}
