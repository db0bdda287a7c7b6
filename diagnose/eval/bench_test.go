package eval

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/phenorag/phenorag"
)

// benchCohort makes n gold patients (30% present) and methods that are right
// on about 85% of them.
func benchCohort(n, methods int) ([]phenorag.Gold, []Method) {
	rng := rand.New(rand.NewPCG(7, 7))
	label := func(p bool) phenorag.Label {
		if p {
			return phenorag.Present
		}
		return phenorag.Absent
	}
	gold := make([]phenorag.Gold, n)
	ms := make([]Method, methods)
	for k := range ms {
		ms[k].Name = fmt.Sprintf("m%d", k)
	}
	for i := range gold {
		id := fmt.Sprintf("p%06d", i)
		present := rng.Float64() < 0.3
		gold[i] = phenorag.Gold{PatientID: id, Label: label(present)}
		for k := range ms {
			pred := present != (rng.Float64() < 0.15)
			ms[k].Diagnoses = append(ms[k].Diagnoses, phenorag.Diagnosis{PatientID: id,
				Label: label(pred), Status: phenorag.StatusOK})
		}
	}
	return gold, ms
}

// BenchmarkEvaluate times a chart-review sized evaluation: 2,000 patients,
// three methods, 2,000 bootstrap resamples. It reports the cost of one
// patient draw of one resample, beside the cost of the evaluation without
// intervals measured in the same run.
func BenchmarkEvaluate(b *testing.B) {
	gold, ms := benchCohort(2000, 3)
	const reps = 2000
	var plain, boot float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		start := time.Now()
		if _, err := Evaluate(gold, ms, Options{}); err != nil {
			b.Fatal(err)
		}
		plain += float64(time.Since(start))
		b.StartTimer()
		start = time.Now()
		if _, err := Evaluate(gold, ms, Options{Bootstrap: reps, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		boot += float64(time.Since(start))
	}
	b.ReportMetric(boot/float64(b.N)/float64(reps*len(gold)), "ns/draw")
	b.ReportMetric(boot/plain, "x-no-bootstrap")
}
