package tagger

import "testing"

// FuzzTag checks that any text and offsets are tagged without a panic, and
// that tagging is repeatable.
func FuzzTag(f *testing.F) {
	f.Add("No evidence of pulmonary hypertension.", 15, 37)
	f.Add("FAMILY HISTORY:\nMother: PAH.\n1) no A 2) PH?", 24, 27)
	f.Add("Péché\n\n  r/o-PH", 13, 15)
	tg := phTagger(f)
	f.Fuzz(func(t *testing.T, text string, start, end int) {
		a := tg.Tag(text, start, end)
		if b := tg.Tag(text, start, end); a != b {
			t.Errorf("Tag gave %+v then %+v", a, b)
		}
	})
}
