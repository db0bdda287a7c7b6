package ingest

import (
	"slices"
	"testing"
)

func TestNormalizeLineEndings(t *testing.T) {
	orig := "Echo done.\r\nRVSP 45.\rStable.\n"
	v := NormalizeLineEndings(orig)
	if want := "Echo done.\nRVSP 45.\nStable.\n"; v.Text != want {
		t.Fatalf("text %q, want %q", v.Text, want)
	}
	checkViewMaps(t, orig, v)
	// "RVSP 45." sits at 11 in the view and 12 in the original.
	if s, e := v.ToOriginal(11, 19); orig[s:e] != "RVSP 45." {
		t.Errorf("maps to %q", orig[s:e])
	}
	// A span ending just after the view's LF covers the original's CR LF.
	if s, e := v.ToOriginal(0, 11); orig[s:e] != "Echo done.\r\n" {
		t.Errorf("maps to %q", orig[s:e])
	}
}

func TestJoinWrappedLines(t *testing.T) {
	tests := []struct{ orig, want string }{
		{"history of  \r\n   pulmonary hypertension.\n\nNext.",
			"history of pulmonary hypertension.\n\nNext."},
		{"IMPRESSION:\nsevere PH\n- on sildenafil\n",
			"IMPRESSION:\nsevere PH\n- on sildenafil\n"},
		{"seen by [** First\nName **] and\n___ today.", "seen by [** First\nName **] and ___ today."},
		{"no breaks", "no breaks"},
		{"", ""},
	}
	for _, tt := range tests {
		v := JoinWrappedLines(tt.orig)
		if v.Text != tt.want {
			t.Errorf("JoinWrappedLines(%q) = %q, want %q", tt.orig, v.Text, tt.want)
		}
		checkViewMaps(t, tt.orig, v)
	}
	orig := "history of\n  pulmonary hypertension."
	v := JoinWrappedLines(orig)
	i := len("history of pulmonary")
	if s, e := v.ToOriginal(i-len("pulmonary"), i); orig[s:e] != "pulmonary" {
		t.Errorf("word maps to %q", orig[s:e])
	}
	if s, e := v.ToOriginal(0, i); orig[s:e] != "history of\n  pulmonary" {
		t.Errorf("phrase maps to %q", orig[s:e])
	}
}

// checkViewMaps checks that every single byte of the view maps to an
// original span that holds the same byte or a replaced line break, and
// that the mapped spans are ordered and cover the original.
func checkViewMaps(t *testing.T, orig string, v *View) {
	t.Helper()
	prevEnd := 0
	for i := range len(v.Text) {
		s, e := v.ToOriginal(i, i+1)
		if s < prevEnd && e != prevEnd || e < s || e > len(orig) {
			t.Fatalf("byte %d maps to [%d,%d) after %d", i, s, e, prevEnd)
		}
		if e-s == 1 && orig[s] != v.Text[i] && orig[s] != '\r' && orig[s] != '\n' {
			t.Fatalf("byte %d %q maps to %q", i, v.Text[i], orig[s:e])
		}
		prevEnd = e
	}
	if s, e := v.ToOriginal(0, len(v.Text)); s != 0 || e != len(orig) {
		t.Errorf("whole view maps to [%d,%d), want [0,%d)", s, e, len(orig))
	}
}

func TestPlaceholders(t *testing.T) {
	text := "Dr. [** Name **] on ___ at [** unclosed and __ x ____"
	got := Placeholders(text)
	want := []Sentence{{4, 16}, {20, 23}, {49, 53}}
	if !slices.Equal(got, want) {
		t.Errorf("Placeholders = %v, want %v", got, want)
	}
}
