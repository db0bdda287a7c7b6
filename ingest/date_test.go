package ingest

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	day := time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2019-03-04", day, true},
		{" 2019-03-04 ", day, true},
		{"2019-03-04 13:45:00", day.Add(13*time.Hour + 45*time.Minute), true},
		{"2019-03-04T13:45:00Z", day.Add(13*time.Hour + 45*time.Minute), true},
		{"2019-03-04T14:45:00+01:00", day.Add(13*time.Hour + 45*time.Minute), true},
		{"2020-02-29", time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, true},
		{"2021-02-29", time.Time{}, false},
		{"2019-13-01", time.Time{}, false},
		{"2019-00-10", time.Time{}, false},
		{"2019-04-31", time.Time{}, false},
		{"2019-4-03", time.Time{}, false},
		{"03/04/2019", time.Time{}, false},
		{"2019-03-0x", time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := parseDate(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseDateOnly checks the fast date reader against time.Parse.
func FuzzParseDateOnly(f *testing.F) {
	for _, s := range []string{"2019-03-04", "2021-02-29", "0000-01-01", "9999-12-31",
		"2019-1a-01", "+019-01-01", "2019-03-04T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDateOnly(s)
		want, err := time.Parse(time.DateOnly, s)
		if ok != (err == nil) || (ok && !got.Equal(want)) {
			t.Fatalf("parseDateOnly(%q) = %v, %v; time.Parse gives %v, %v", s, got, ok, want, err)
		}
	})
}
