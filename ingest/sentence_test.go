package ingest

import (
	"strings"
	"testing"
)

// sentenceTexts returns the text of each sentence, for readable failures.
func sentenceTexts(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	prev := 0
	for _, s := range Sentences(text) {
		if s.Start < prev || s.End <= s.Start || s.End > len(text) {
			t.Fatalf("bad offsets %+v after %d in %q", s, prev, text)
		}
		prev = s.End
		out = append(out, text[s.Start:s.End])
	}
	return out
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"blank", " \n\t\n", nil},
		{"one", "No acute distress.", []string{"No acute distress."}},
		{"no final period", "Dyspnea on exertion", []string{"Dyspnea on exertion"}},
		{"two", "Echo done. RVSP 45 mmHg.", []string{"Echo done.", "RVSP 45 mmHg."}},
		{"question and exclamation", "PH? Yes! Confirmed.",
			[]string{"PH?", "Yes!", "Confirmed."}},
		{"trimmed", "  Seen today.   Stable.  ", []string{"Seen today.", "Stable."}},
		{"doctor", "Seen by Dr. Smith today. Stable.",
			[]string{"Seen by Dr. Smith today.", "Stable."}},
		{"bid", "Sildenafil 20 mg p.o. b.i.d. Follow up in 3 months.",
			[]string{"Sildenafil 20 mg p.o. b.i.d. Follow up in 3 months."}},
		{"q.d. before lower case", "Aspirin q.d. and statin. Next.",
			[]string{"Aspirin q.d. and statin.", "Next."}},
		{"e.g.", "Vasodilators, e.g. sildenafil, were started. Good.",
			[]string{"Vasodilators, e.g. sildenafil, were started.", "Good."}},
		{"decimal", "pH 7.31 on arrival. Mass 2.5 cm.",
			[]string{"pH 7.31 on arrival.", "Mass 2.5 cm."}},
		{"number ends sentence", "RVSP was 45. Echo repeated.",
			[]string{"RVSP was 45.", "Echo repeated."}},
		{"initial", "Seen with J. Smith. Plan made.",
			[]string{"Seen with J. Smith.", "Plan made."}},
		{"closing paren", "He has PH (confirmed by RHC.) Plan: sildenafil.",
			[]string{"He has PH (confirmed by RHC.)", "Plan: sildenafil."}},
		{"ellipsis", "Dyspnea... Improved.", []string{"Dyspnea...", "Improved."}},
		{"hard wrap", "The patient has a history of\npulmonary hypertension and\nCOPD. Stable.",
			[]string{"The patient has a history of\npulmonary hypertension and\nCOPD.",
				"Stable."}},
		{"wrap before capital", "Followed for many years in the clinic by\nCardiology.",
			[]string{"Followed for many years in the clinic by\nCardiology."}},
		{"short wrap ending in a joining word", "History of\nPulmonary hypertension.",
			[]string{"History of\nPulmonary hypertension."}},
		{"short rows", "No pericardial effusion\nRVSP 64 mmHg\nLVOT 1.7 cm",
			[]string{"No pericardial effusion", "RVSP 64 mmHg", "LVOT 1.7 cm"}},
		{"short line then lower case", "Reports dizziness on\nstanding.",
			[]string{"Reports dizziness on\nstanding."}},
		{"acronym ends sentence", "Seen by PT. Goals of care held.",
			[]string{"Seen by PT.", "Goals of care held."}},
		{"title in capitals", "SEEN BY DR. SMITH TODAY.", []string{"SEEN BY DR. SMITH TODAY."}},
		{"blank line", "Dyspnea\n\nEdema", []string{"Dyspnea", "Edema"}},
		{"blank line with spaces", "Dyspnea\n  \t\r\nEdema", []string{"Dyspnea", "Edema"}},
		{"crlf", "Echo done.\r\nStable.\r\n", []string{"Echo done.", "Stable."}},
		{"header line", "HISTORY OF PRESENT ILLNESS:\n65 yo woman with dyspnea.",
			[]string{"HISTORY OF PRESENT ILLNESS:", "65 yo woman with dyspnea."}},
		{"inline header", "HISTORY OF PRESENT ILLNESS: 65 yo woman. Dyspnea.",
			[]string{"HISTORY OF PRESENT ILLNESS:", "65 yo woman.", "Dyspnea."}},
		{"header after wrapped text", "no period here\nIMPRESSION: PH.",
			[]string{"no period here", "IMPRESSION:", "PH."}},
		{"caps header without colon", "ASSESSMENT AND PLAN\nContinue sildenafil",
			[]string{"ASSESSMENT AND PLAN", "Continue sildenafil"}},
		{"title case header", "Past Medical History:\nCOPD, OSA",
			[]string{"Past Medical History:", "COPD, OSA"}},
		{"numbered list", "Problems:\n1. Pulmonary hypertension\n2. COPD",
			[]string{"Problems:", "1. Pulmonary hypertension", "2. COPD"}},
		{"numbered list wraps", "1. Pulmonary hypertension,\n   group 1\n2. COPD",
			[]string{"1. Pulmonary hypertension,\n   group 1", "2. COPD"}},
		{"dash list", "Meds\n- sildenafil 20 mg\n- bosentan",
			[]string{"Meds", "- sildenafil 20 mg", "- bosentan"}},
		{"paren list", "(1) PH\n(2) COPD", []string{"(1) PH", "(2) COPD"}},
		{"hash list", "#1 PH, group 2\n#2 HFpEF", []string{"#1 PH, group 2", "#2 HFpEF"}},
		{"list after wrapped sentence", "Plan includes\n- diuresis",
			[]string{"Plan includes", "- diuresis"}},
		{"label lines", "Consult Note\nDate: 02/04/2016\nRequesting physician: Dr. Lee",
			[]string{"Consult Note", "Date: 02/04/2016", "Requesting physician: Dr. Lee"}},
		{"label after unfinished line", "VS: Temp 100.4 F, BP 155/64\nGen: comfortable.",
			[]string{"VS: Temp 100.4 F, BP 155/64", "Gen: comfortable."}},
		{"time in a wrapped line is not a label", "seen at\n10:30 today. Stable.",
			[]string{"seen at\n10:30 today.", "Stable."}},
		{"long prose before a colon is not a label",
			"she was told during the visit by her cardiologist\nThat the findings were: normal.",
			[]string{"she was told during the visit by her cardiologist\n" +
				"That the findings were: normal."}},
		{"hash bullet", "Plan\n# Pneumonia - improving\n# OA", []string{"Plan",
			"# Pneumonia - improving", "# OA"}},
		{"vital sign colon is not a header", "BP: 120/80. HR 88.",
			[]string{"BP: 120/80.", "HR 88."}},
		{"placeholder", "Seen by Dr. [** Name **] on [** Date **]. Stable.",
			[]string{"Seen by Dr. [** Name **] on [** Date **].", "Stable."}},
		{"unicode", "Température 38 °C. Stable.", []string{"Température 38 °C.", "Stable."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sentenceTexts(t, tt.text)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}
