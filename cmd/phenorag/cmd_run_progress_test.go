package main

import (
	"testing"
	"time"
)

func TestETA(t *testing.T) {
	tests := []struct {
		elapsed     time.Duration
		done, total int
		want        string
	}{
		{time.Minute, 25, 100, "3m0s"},
		{90 * time.Second, 1, 2, "1m30s"},
		{time.Minute, 100, 100, "0s"},
		{time.Minute, 0, 100, "unknown"},
		{time.Minute, 10, -1, "unknown"},
	}
	for _, tc := range tests {
		if got := eta(tc.elapsed, tc.done, tc.total); got != tc.want {
			t.Errorf("eta(%v, %d, %d) = %q, want %q", tc.elapsed, tc.done, tc.total, got, tc.want)
		}
	}
}
