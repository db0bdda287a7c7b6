package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/phenorag/phenorag"
)

// benchMB returns the size of note text the benchmarks generate: def MB,
// or PHENORAG_BENCH_MB.
func benchMB(tb testing.TB, def int) int {
	tb.Helper()
	s := os.Getenv("PHENORAG_BENCH_MB")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("PHENORAG_BENCH_MB=%q is not a positive number", s)
	}
	return n
}

// benchSentences are the pieces synthetic notes are made of: commas,
// quotes, CR LF and blank lines included, so the CSV writer must quote.
var benchSentences = []string{
	"Patient is a 67 year old woman with progressive dyspnea on exertion.",
	"Echocardiogram shows RVSP 58 mmHg, moderate TR, \"D-shaped\" septum.",
	"Right heart catheterization: mPAP 34 mmHg, PAWP 12 mmHg, PVR 4.1 WU.",
	"No evidence of pulmonary embolism on CTA.",
	"Continue sildenafil 20 mg p.o. t.i.d. and furosemide.",
	"HISTORY OF PRESENT ILLNESS:",
	"Seen by Dr. Smith in pulmonary clinic; 6MWD 320 m.",
	"Denies chest pain, syncope or palpitations.",
	"ASSESSMENT AND PLAN:\r\n1. Pulmonary hypertension, group 1.",
	"Family history of PH in her brother.",
}

// genNote returns a note of about size bytes.
func genNote(r *rand.Rand, i, size int) phenorag.Note {
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(benchSentences[r.IntN(len(benchSentences))])
		switch r.IntN(6) {
		case 0:
			b.WriteString("\n\n")
		case 1:
			b.WriteString("\r\n")
		default:
			b.WriteByte(' ')
		}
	}
	return phenorag.Note{ID: strconv.Itoa(i), PatientID: "p" + strconv.Itoa(i/20),
		Date: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%2000),
		Type: "progress note", Title: "Progress note", Text: b.String()}
}

// genNotes calls fn with notes holding mb megabytes of text in total.
func genNotes(mb int, fn func(phenorag.Note)) {
	r := rand.New(rand.NewPCG(1, 2))
	for i, total := 0, 0; total < mb<<20; i++ {
		n := genNote(r, i, 500+r.IntN(3000))
		total += len(n.Text)
		fn(n)
	}
}

var noteHeader = []string{"note_id", "patient_id", "note_date", "note_type", "note_title", "text"}

func noteRecord(n phenorag.Note) []string {
	return []string{n.ID, n.PatientID, n.Date.Format(time.DateOnly), n.Type, n.Title, n.Text}
}

// writeBenchCSV writes a notes CSV (gzipped if gz) of mb megabytes of text.
func writeBenchCSV(tb testing.TB, path string, mb int, gz bool) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	var w io.Writer = f
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(f)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	cw.Write(noteHeader)
	genNotes(mb, func(n phenorag.Note) { cw.Write(noteRecord(n)) })
	cw.Flush()
	closeAll(tb, cw.Error(), bw.Flush(), closeIf(zw), f.Close())
}

func closeIf(zw *gzip.Writer) error {
	if zw == nil {
		return nil
	}
	return zw.Close()
}

func closeAll(tb testing.TB, errs ...error) {
	tb.Helper()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func writeBenchJSONL(tb testing.TB, path string, mb int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(bw)
	genNotes(mb, func(n phenorag.Note) {
		rec := noteRecord(n)
		m := make(map[string]string, len(rec))
		for i, k := range noteHeader {
			m[k] = rec[i]
		}
		enc.Encode(m)
	})
	closeAll(tb, bw.Flush(), f.Close())
}

func writeBenchParquet(tb testing.TB, path string, mb int) {
	tb.Helper()
	s := arrow.BinaryTypes.String
	w := newPQWriter(tb, path,
		arrow.Field{Name: "note_id", Type: s}, arrow.Field{Name: "patient_id", Type: s},
		arrow.Field{Name: "note_date", Type: arrow.FixedWidthTypes.Date32},
		arrow.Field{Name: "note_type", Type: s}, arrow.Field{Name: "note_title", Type: s},
		arrow.Field{Name: "text", Type: s})
	genNotes(mb, func(n phenorag.Note) { w.row(n.ID, n.PatientID, n.Date, n.Type, n.Title, n.Text) })
	w.close()
}

// benchFile is one generated input.
type benchFile struct {
	name, path string
	gz         bool
}

// writeBenchFiles writes the same notes in every benchmarked format.
func writeBenchFiles(tb testing.TB, dir string, mb int) []benchFile {
	tb.Helper()
	files := []benchFile{
		{name: "csv", path: filepath.Join(dir, "notes.csv")},
		{name: "csv.gz", path: filepath.Join(dir, "notes.csv.gz"), gz: true},
		{name: "jsonl", path: filepath.Join(dir, "notes.jsonl")},
		{name: "parquet", path: filepath.Join(dir, "notes.parquet")},
	}
	writeBenchCSV(tb, files[0].path, mb, false)
	writeBenchCSV(tb, files[1].path, mb, true)
	writeBenchJSONL(tb, files[2].path, mb)
	writeBenchParquet(tb, files[3].path, mb)
	return files
}

// rawRead returns the fastest of three reads of the file into io.Discard,
// through gzip for a gzipped file: the floor any parser of it stands on.
func rawRead(tb testing.TB, f benchFile) time.Duration {
	tb.Helper()
	return fastestOf3(func() { rawOnce(tb, f) })
}

// rawOnce reads the file into io.Discard once.
func rawOnce(tb testing.TB, f benchFile) {
	tb.Helper()
	fh, err := os.Open(f.path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	var r io.Reader = fh
	if f.gz {
		if r, err = gzip.NewReader(fh); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReadNotes reports the note text parsed per second for each
// format, and how many times longer parsing takes than reading the same
// file into io.Discard (x-raw; the raw read of a gzipped file includes
// decompression). A compressed Parquet file is read raw in a blink, so
// x-csv-raw also compares every format with the raw read of the plain CSV
// that holds the same notes; x-pages compares Parquet with reading every
// page decompressed (as x-raw of a .gz file includes gunzip), and x-arrow
// with decoding the same columns through arrow alone, without making notes.
//
// Notes are read with ReuseText, as the index and ingest commands read
// them; csv-copy reads the CSV without it, each text copied out.
//
// Each figure is from the fastest of the runs (-benchtime 3x gives three),
// as the raw read is the fastest of three: a machine shared with other work
// slows single runs down, never speeds them up.
//
// The file was just written, so those reads come from the page cache. Where
// the kernel lets a file's pages be dropped, x-raw-cold compares the two
// reads again each from the disk, as a first read of a cohort's files is.
func BenchmarkReadNotes(b *testing.B) {
	files := writeBenchFiles(b, b.TempDir(), benchMB(b, 20))
	rawCSV := rawRead(b, files[0])
	type run struct {
		name string
		f    benchFile
		opts Options
	}
	runs := []run{{"csv-copy", files[0], Options{}}}
	for _, f := range files {
		runs = append(runs, run{f.name, f, Options{ReuseText: true}})
	}
	for _, c := range runs {
		f := c.f
		b.Run(c.name, func(b *testing.B) {
			raw := rawRead(b, f)
			textBytes := 0
			read := func() {
				textBytes = 0
				_, err := ReadNotes(context.Background(), []string{f.path}, c.opts,
					func(n phenorag.Note) error {
						textBytes += len(n.Text)
						return nil
					})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			perOp := time.Duration(math.MaxInt64)
			for range b.N {
				perOp = min(perOp, timed(read))
			}
			b.StopTimer()
			b.ReportMetric(float64(textBytes)/1e6/perOp.Seconds(), "text-MB/s")
			b.ReportMetric(float64(perOp)/float64(raw), "x-raw")
			b.ReportMetric(float64(perOp)/float64(rawCSV), "x-csv-raw")
			if f.name == "parquet" {
				b.ReportMetric(float64(perOp)/float64(arrowRead(b, f.path)), "x-arrow")
				b.ReportMetric(float64(perOp)/float64(pagesRead(b, f.path)), "x-pages")
			}
			if evict(f.path) {
				rawCold := timed(func() { rawOnce(b, f) })
				evict(f.path)
				b.ReportMetric(float64(timed(read))/float64(rawCold), "x-raw-cold")
			}
		})
	}
}

// timed returns how long fn took.
func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// fastestOf3 runs fn three times and returns the shortest time it took.
func fastestOf3(fn func()) time.Duration {
	return min(timed(fn), timed(fn), timed(fn))
}

// arrowRead returns the fastest of three decodings of every record batch of
// the Parquet file at path, with the reader settings ReadNotes uses.
func arrowRead(tb testing.TB, path string) time.Duration {
	return fastestParquetPass(tb, path, func(t *parquetTable) error {
		var cols []int
		for i := range t.columns() {
			cols = append(cols, i)
		}
		rr, err := t.fr.GetRecordReader(context.Background(), cols, nil)
		if err != nil {
			return err
		}
		defer rr.Release()
		for rr.Next() {
		}
		if err := rr.Err(); err != io.EOF {
			return err
		}
		return nil
	})
}

// pagesRead returns the fastest of three reads of every page of the
// Parquet file at path, decompressed but not decoded: the Parquet
// counterpart of reading a .gz file through gzip.
func pagesRead(tb testing.TB, path string) time.Duration {
	return fastestParquetPass(tb, path, func(t *parquetTable) error {
		for g := range t.pf.NumRowGroups() {
			rg := t.pf.RowGroup(g)
			for c := range rg.NumColumns() {
				pr, err := rg.GetColumnPageReader(c)
				if err != nil {
					return err
				}
				for pr.Next() {
					_ = pr.Page().Data()
				}
				if err := pr.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// fastestParquetPass opens the Parquet file at path three times, runs pass
// over it each time, and returns the shortest time it took.
func fastestParquetPass(tb testing.TB, path string, pass func(*parquetTable) error) time.Duration {
	tb.Helper()
	return fastestOf3(func() {
		t, err := openParquet(path)
		if err != nil {
			tb.Fatal(err)
		}
		defer t.Close()
		if err := pass(t); err != nil {
			tb.Fatal(err)
		}
	})
}

// childEnv names the file a re-executed test binary reads (see
// TestMemoryChild).
const childEnv = "PHENORAG_INGEST_CHILD"

// childReuseEnv, set, makes the child read with Options.ReuseText.
const childReuseEnv = "PHENORAG_INGEST_CHILD_REUSE"

// TestMemoryChild is not a test of its own: BenchmarkReadNotesMemory runs
// the test binary again with childEnv set, so that the peak RSS the parent
// reads from the child's rusage is that of one read alone.
func TestMemoryChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by BenchmarkReadNotesMemory")
	}
	n := 0
	opts := Options{ReuseText: os.Getenv(childReuseEnv) != ""}
	_, err := ReadNotes(context.Background(), []string{path}, opts,
		func(phenorag.Note) error { n++; return nil })
	if err != nil || n == 0 {
		t.Fatalf("read %d notes: %v", n, err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Println(line)
		}
	}
}

// childPeakRSS reads path in a child process and returns its peak RSS: the
// VmHWM the child reports, since its rusage Maxrss would count the pages
// of this process that it shared before exec.
func childPeakRSS(b *testing.B, path string, reuse bool) int64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$", "-test.count=1",
		"-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	if reuse {
		cmd.Env = append(cmd.Env, childReuseEnv+"=1")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(
				strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("child: %q: %v", line, err)
			}
			return kb << 10
		}
	}
	b.Skipf("child reported no peak RSS:\n%s", out)
	return 0
}

// BenchmarkReadNotesMemory measures the peak RSS of reading a small and a
// ten times larger input, each in a child process: 20 and 200 MB of note
// text, or PHENORAG_BENCH_MB and ten times that (100 gives the 100 MB vs
// 1 GB comparison). CSV and Parquet are read with ReuseText, as the
// commands read them, and csv-copy without. Streaming keeps the ratio near
// 1; only the note-id set grows, by 12 bytes a slot.
func BenchmarkReadNotesMemory(b *testing.B) {
	small := benchMB(b, 20)
	dir := b.TempDir()
	for _, run := range []struct {
		name, format string
		reuse        bool
	}{{"csv", "csv", true}, {"csv-copy", "csv", false}, {"parquet", "parquet", true}} {
		b.Run(run.name, func(b *testing.B) {
			var rss [2]int64
			for i, mb := range []int{small, 10 * small} {
				path := filepath.Join(dir, fmt.Sprintf("notes-%d.%s", mb, run.format))
				if run.format == "csv" {
					writeBenchCSV(b, path, mb, false)
				} else {
					writeBenchParquet(b, path, mb)
				}
				for range b.N {
					rss[i] = childPeakRSS(b, path, run.reuse)
				}
				os.Remove(path)
			}
			b.ReportMetric(float64(rss[0])/(1<<20), fmt.Sprintf("MB-rss-%dMB", small))
			b.ReportMetric(float64(rss[1])/(1<<20), fmt.Sprintf("MB-rss-%dMB", 10*small))
			b.ReportMetric(float64(rss[1])/float64(rss[0]), "rss-ratio")
		})
	}
}

// BenchmarkSentences reports the note text split into sentences per second.
func BenchmarkSentences(b *testing.B) {
	var texts []string
	size := 0
	genNotes(2, func(n phenorag.Note) {
		texts = append(texts, n.Text)
		size += len(n.Text)
	})
	b.SetBytes(int64(size))
	for range b.N {
		for _, t := range texts {
			Sentences(t)
		}
	}
}
