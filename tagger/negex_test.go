package tagger

import (
	"os"
	"testing"

	"github.com/phenorag/phenorag/phenotype"
)

// negexDev is the development half of the NegEx test set, kept beside the
// repository rather than in it.
const negexDev = "../../shared/data/negex/negex-dev.jsonl"

// evaluateNegex runs the built-in PH rules over the NegEx development set.
func evaluateNegex(t testing.TB) Report {
	t.Helper()
	f, err := os.Open(negexDev)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: the NegEx evaluation needs the shared data folder", negexDev)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	examples, err := ReadExamples(f)
	if err != nil {
		t.Fatal(err)
	}
	def, err := phenotype.Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := New(def.Context)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Evaluate(examples)
}

func TestNegexDev(t *testing.T) {
	rep := evaluateNegex(t)
	for _, s := range []struct {
		name string
		sc   Score
	}{{"negation", rep.Negation}, {"temporality", rep.Temporality}, {"experiencer", rep.Experiencer}} {
		t.Logf("%-12s P %.3f R %.3f F1 %.3f %+v", s.name, s.sc.Precision(), s.sc.Recall(), s.sc.F1(), s.sc)
	}
	t.Logf("sentences %d, not found %d", rep.Sentences, rep.NotFound)
	if os.Getenv("MISSES") != "" {
		for _, m := range rep.Misses {
			if m.Attribute == os.Getenv("MISSES") {
				t.Logf("%d %s tagged=%v [%s] %s", m.ID, m.Annotated, m.Tagged, m.Condition, m.Sentence)
			}
		}
	}
}
