package eval

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

// Value is a number that may be undefined, such as the precision of a
// method that predicted no positives. It prints as "n/a" and marshals to
// JSON null when undefined, never as NaN.
type Value struct {
	V  float64
	OK bool
}

func ratio(num, den int) Value {
	if den == 0 {
		return Value{}
	}
	return Value{float64(num) / float64(den), true}
}

// String formats the value with three decimals, or "n/a".
func (v Value) String() string {
	if !v.OK {
		return "n/a"
	}
	return strconv.FormatFloat(v.V, 'f', 3, 64)
}

// MarshalJSON writes the value as a number, or null when undefined.
func (v Value) MarshalJSON() ([]byte, error) {
	if !v.OK {
		return []byte("null"), nil
	}
	return json.Marshal(math.Round(v.V*1e6) / 1e6)
}

// Metric is one performance measure with its 95% confidence interval.
type Metric struct {
	Name  string `json:"name"`
	Value Value  `json:"value"`
	Lo    Value  `json:"lo"`
	Hi    Value  `json:"hi"`
}

// MetricNames are the measures reported, in order.
var MetricNames = []string{"precision", "recall", "f1", "specificity", "npv"}

// values computes the measures of c in the order of MetricNames.
func values(c Confusion) [5]Value {
	return [5]Value{
		ratio(c.TP, c.TP+c.FP),
		ratio(c.TP, c.TP+c.FN),
		ratio(2*c.TP, 2*c.TP+c.FP+c.FN),
		ratio(c.TN, c.TN+c.FP),
		ratio(c.TN, c.TN+c.FN),
	}
}

func metrics(c Confusion) []Metric {
	vs := values(c)
	ms := make([]Metric, len(vs))
	for i, v := range vs {
		ms[i] = Metric{Name: MetricNames[i], Value: v}
	}
	return ms
}

// bootstrap sets the percentile 95% intervals of every method's metrics
// from reps resamples of the scored patients. Each resample draws the same
// patients for every method, so the intervals of methods are comparable.
// A resample in which a metric is undefined does not count toward its
// interval.
func bootstrap(results []Result, outcomes [][]outcome, reps int, seed uint64) {
	if len(outcomes) == 0 || len(outcomes[0]) == 0 {
		return
	}
	n := len(outcomes[0])
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	draws := make([][5][]float64, len(results))
	for r := 0; r < reps; r++ {
		counts := make([][5]int, len(results))
		for range n {
			j := rng.IntN(n)
			for k := range outcomes {
				counts[k][outcomes[k][j]]++
			}
		}
		for k, c := range counts {
			vs := values(Confusion{TP: c[tp], FP: c[fp], FN: c[fn], TN: c[tn]})
			for i, v := range vs {
				if v.OK {
					draws[k][i] = append(draws[k][i], v.V)
				}
			}
		}
	}
	for k := range results {
		for i := range results[k].Metrics {
			results[k].Metrics[i].Lo = percentile(draws[k][i], 0.025)
			results[k].Metrics[i].Hi = percentile(draws[k][i], 0.975)
		}
	}
}

// percentile returns the q-quantile of xs, interpolating linearly between
// order statistics; undefined for no xs. It sorts xs.
func percentile(xs []float64, q float64) Value {
	if len(xs) == 0 {
		return Value{}
	}
	sort.Float64s(xs)
	h := q * float64(len(xs)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(xs) {
		return Value{xs[len(xs)-1], true}
	}
	return Value{xs[i] + (h-lo)*(xs[i+1]-xs[i]), true}
}

// McNemarExact returns the two-sided p-value of McNemar's exact test for b
// and c discordant pairs: twice the binomial(b+c, 1/2) probability of a
// count at most min(b, c), capped at 1. With no discordant pair it is 1.
func McNemarExact(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	lgN, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	for i := 0; i <= k; i++ {
		lgI, _ := math.Lgamma(float64(i + 1))
		lgR, _ := math.Lgamma(float64(n - i + 1))
		sum += math.Exp(lgN - lgI - lgR - float64(n)*math.Ln2)
	}
	return math.Min(1, 2*sum)
}
