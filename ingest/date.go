package ingest

import (
	"strings"
	"time"
)

// dateLayouts are the date and timestamp shapes accepted, tried in order.
// Times without a zone are read as UTC.
var dateLayouts = []string{
	time.DateOnly,
	time.DateTime,
	"2006-01-02T15:04:05",
	time.RFC3339Nano,
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
}

// parseDate reads a date or timestamp. An empty string is the zero time.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	if t, ok := parseDateOnly(s); ok {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseDateOnly reads a YYYY-MM-DD date, the commonest shape, as
// time.Parse(time.DateOnly, s) does but several times faster. It reports
// false for anything else, including impossible dates such as 2021-02-29.
func parseDateOnly(s string) (time.Time, bool) {
	if len(s) != len(time.DateOnly) || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, m, d := digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
	if y < 0 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // past the end of the month: time.Date rolled it over
		return time.Time{}, false
	}
	return t, true
}

// digits returns the decimal number s spells, or -1 if s holds a non-digit.
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
