package retrieve

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"
)

// dirSize returns the bytes of the files under dir.
func dirSize(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkIndexBuild compares batch sizes and batches in flight, and
// reports notes per second and the index size against the raw text.
func BenchmarkIndexBuild(b *testing.B) {
	ps := cohort(b, benchPatients(b))
	notes, text := 0, 0
	for _, p := range ps {
		notes += len(p.Notes)
		for _, n := range p.Notes {
			text += len(n.Text)
		}
	}
	for _, batch := range []int{500, 2000, 5000} {
		for _, flights := range []int{1, 2} {
			b.Run(fmt.Sprintf("batch=%d/in-flight=%d", batch, flights), func(b *testing.B) {
				for b.Loop() {
					dir := filepath.Join(b.TempDir(), "ix")
					t0 := time.Now()
					ix := indexCohortWith(b, dir, ps, WriterOptions{BatchSize: batch, InFlight: flights})
					secs := time.Since(t0).Seconds()
					ix.Close()
					b.ReportMetric(float64(notes)/secs, "notes/s")
					b.ReportMetric(float64(dirSize(b, dir))/float64(text), "size/text")
				}
			})
		}
	}
}
