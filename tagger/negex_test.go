package tagger

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// negexDev is the development half of the NegEx test set, kept beside the
// repository rather than in it (the path is relative to this package).
const negexDev = "../../shared/data/negex/negex-dev.jsonl"

// readNegex reads the NegEx development set, skipping the test when the
// shared data folder is absent.
func readNegex(t testing.TB) []Example {
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
	return examples
}

// TestNegexDev guards the built-in trigger lexicon against regressions: the
// floors sit a little below what it reaches. Set MISSES=negation (or
// temporality, experiencer) to list the sentences it gets wrong.
func TestNegexDev(t *testing.T) {
	rep := phTagger(t).Evaluate(readNegex(t))
	floors := []struct {
		name string
		sc   Score
		f1   float64
	}{
		{"negation", rep.Negation, 0.95},
		{"temporality", rep.Temporality, 0.68},
		{"experiencer", rep.Experiencer, 0.50},
	}
	for _, f := range floors {
		t.Logf("%-12s P %.3f R %.3f F1 %.3f %+v",
			f.name, f.sc.Precision(), f.sc.Recall(), f.sc.F1(), f.sc)
		if f.sc.F1() < f.f1 {
			t.Errorf("%s F1 %.3f is below its floor %.2f", f.name, f.sc.F1(), f.f1)
		}
	}
	t.Logf("sentences %d, condition not found %d", rep.Sentences, rep.NotFound)
	if rep.Sentences < 1000 || rep.NotFound > 10 {
		t.Errorf("%d sentences, %d conditions not found", rep.Sentences, rep.NotFound)
	}
	if attr := os.Getenv("MISSES"); attr != "" {
		for _, m := range rep.Misses {
			if m.Attribute == attr {
				t.Logf("%d %s tagged=%v [%s] %s", m.ID, m.Annotated, m.Tagged, m.Condition,
					m.Sentence)
			}
		}
	}
}

func TestReadExamplesNamesBadLine(t *testing.T) {
	in := `{"id":1,"condition":"x","sentence":"no x"}` + "\n\n" + `{"id":2,`
	_, err := ReadExamples(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("want an error naming line 3, got %v", err)
	}
}

func TestEvaluateCounts(t *testing.T) {
	tg := rules(t, 5, "no=negated", "history of=historical", "mother=other/both")
	rep := tg.Evaluate([]Example{
		{Condition: "cough", Sentence: "No cough.", Negation: "Negated",
			Temporality: "Recent", Experiencer: "Patient"},
		{Condition: "chest  pain", Sentence: "Chest\n pain today.", Negation: "Negated",
			Temporality: "Recent", Experiencer: "Patient"},
		{Condition: "asthma", Sentence: "Mother: history of asthma.", Negation: "Affirmed",
			Temporality: "Historical", Experiencer: "Family member"},
		{Condition: "fever", Sentence: "No chills.", Negation: "Negated"},
	})
	want := Report{Sentences: 4, NotFound: 1,
		Negation:    Score{TP: 1, FN: 1, TN: 1},
		Temporality: Score{TP: 1, TN: 2},
		Experiencer: Score{TP: 1, TN: 2}}
	if len(rep.Misses) != 1 || rep.Misses[0].Attribute != "negation" {
		t.Errorf("misses %+v, want the one negation", rep.Misses)
	}
	rep.Misses = nil
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("got %+v\nwant %+v", rep, want)
	}
	if p, r, f := rep.Negation.Precision(), rep.Negation.Recall(), rep.Negation.F1(); p != 1 ||
		r != 0.5 || f < 0.666 || f > 0.667 {
		t.Errorf("P %v R %v F1 %v", p, r, f)
	}
}
