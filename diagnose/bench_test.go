package diagnose

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/phenorag/phenorag"
)

// BenchmarkBaselineFacts streams 100,000 facts of 10,000 patients through
// the rules and reports facts per second.
func BenchmarkBaselineFacts(b *testing.B) {
	def := openPH(b)
	facts := make([]phenorag.Fact, 0, 100_000)
	base := day("2020-01-01")
	for i := range cap(facts) {
		pid := fmt.Sprintf("p%05d", i%10_000)
		date := base.AddDate(0, 0, i%700)
		switch i % 3 {
		case 0:
			facts = append(facts, phenorag.Fact{PatientID: pid, Kind: phenorag.FactDiagnosis,
				System: "ICD10", Code: []string{"I27.20", "I10", "J44.9"}[i%3], Date: date})
		case 1:
			facts = append(facts, meas(pid, "RVSP", float64(20+i%50), "2021-01-01"))
		default:
			facts = append(facts, phenorag.Fact{PatientID: pid, Kind: phenorag.FactDrug,
				Name: "furosemide 40 mg", Date: date})
		}
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		bl, err := NewBaseline(def, false)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range facts {
			bl.AddFact(f)
		}
		if n := len(bl.Diagnoses()); n != 10_000 {
			b.Fatalf("%d diagnoses", n)
		}
	}
	b.ReportMetric(float64(b.N*len(facts))/time.Since(start).Seconds(), "facts/s")
}

// BenchmarkWriteParquet writes 20,000 diagnoses as Parquet and as JSON
// lines, and reports Parquet's time as a multiple of JSONL's.
func BenchmarkWriteParquet(b *testing.B) {
	sample := sampleDiagnoses()
	ds := make([]phenorag.Diagnosis, 20_000)
	for i := range ds {
		ds[i] = sample[i%len(sample)]
		ds[i].PatientID = fmt.Sprintf("p%05d", i)
	}
	var pq, js time.Duration
	for range b.N {
		start := time.Now()
		if err := encodeParquet(io.Discard, ds, sampleProv, memory.DefaultAllocator); err != nil {
			b.Fatal(err)
		}
		pq += time.Since(start)
		start = time.Now()
		if err := WriteJSONL(b.TempDir()+"/d.jsonl", ds); err != nil {
			b.Fatal(err)
		}
		js += time.Since(start)
	}
	b.ReportMetric(float64(b.N*len(ds))/pq.Seconds(), "parquet-rows/s")
	b.ReportMetric(pq.Seconds()/js.Seconds(), "x-jsonl")
}
