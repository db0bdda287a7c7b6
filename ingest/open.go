package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Containers a table can be read from, and the flavours of column layout.
const (
	formatCSV     = "csv"
	formatTSV     = "tsv"
	formatJSONL   = "jsonl"
	formatParquet = "parquet"
	formatTxt     = "txt"
	formatMIMIC   = "mimic"
	formatOMOP    = "omop"
)

// knownFormats lists the values Options.Format accepts.
var knownFormats = []string{
	formatCSV, formatTSV, formatJSONL, formatParquet, formatMIMIC, formatOMOP, formatTxt,
}

func checkFormat(f string) error {
	if f == "" {
		return nil
	}
	for _, k := range knownFormats {
		if f == k {
			return nil
		}
	}
	return fmt.Errorf("unknown format %q (want one of %s)", f,
		strings.Join(knownFormats, ", "))
}

// multiCloser closes a gzip reader and then its file.
type multiCloser []io.Closer

func (m multiCloser) Close() error {
	var first error
	for _, c := range m {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// openTable opens path as a table. forced is Options.Format; a flavour
// (mimic, omop) or "" leaves the container to the file's name and first
// bytes. It returns the table and a label such as "csv.gz".
func openTable(path, forced string) (table, string, error) {
	container := forced
	if forced == "" || forced == formatMIMIC || forced == formatOMOP {
		container = containerOf(path)
	}
	if container == formatParquet {
		t, err := openParquet(path)
		return t, formatParquet, err
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	closer := multiCloser{f}
	label := ""
	if magic, _ := br.Peek(4); bytes.HasPrefix(magic, []byte("PAR1")) {
		f.Close()
		t, err := openParquet(path)
		return t, formatParquet, err
	} else if bytes.HasPrefix(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, "", fmt.Errorf("gzip: %w", err)
		}
		r, closer, label = zr, multiCloser{zr, f}, ".gz"
	}
	t, name, err := openText(r, closer, container)
	if err != nil {
		closer.Close()
		return nil, "", err
	}
	return t, name + label, nil
}

// openText opens a CSV, TSV or JSONL stream; an unknown container is told
// by its first byte (JSON starts with '{') and its header's separators.
func openText(r io.Reader, closer io.Closer, container string) (table, string, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if container == "" {
		head, _ := br.Peek(4096)
		head = bytes.TrimLeft(head, " \t\r\n\uFEFF")
		first, _, _ := bytes.Cut(head, []byte{'\n'})
		switch {
		case len(head) > 0 && head[0] == '{':
			container = formatJSONL
		case bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{','}):
			container = formatTSV
		default:
			container = formatCSV
		}
	}
	switch container {
	case formatJSONL:
		t, err := newJSONLTable(br, closer)
		return t, formatJSONL, err
	case formatTSV:
		t, err := newCSVTable(br, closer, '\t', csvBufferSize)
		return t, formatTSV, err
	case formatCSV:
		t, err := newCSVTable(br, closer, ',', csvBufferSize)
		return t, formatCSV, err
	}
	return nil, "", fmt.Errorf("format %s is not a table", container)
}

// containerOf guesses the container from the file name, or returns "".
func containerOf(path string) string {
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".csv":
		return formatCSV
	case ".tsv", ".tab":
		return formatTSV
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL
	case ".parquet", ".pq":
		return formatParquet
	}
	return ""
}

// baseName returns a file's name without directory and extensions:
// "hosp/diagnoses_icd.csv.gz" gives "diagnoses_icd".
func baseName(path string) string {
	name := strings.ToLower(filepath.Base(path))
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name
}

// tableExts lists the file endings a table may have, in order of preference
// when a folder holds the same table more than once.
var tableExts = []string{
	".parquet", ".csv.gz", ".csv", ".tsv.gz", ".tsv", ".jsonl.gz", ".jsonl",
}

// findTable returns the file in dir (or its subfolders named in subs) that
// holds the table base, or "".
func findTable(dir, base string, subs ...string) string {
	for _, sub := range append([]string{""}, subs...) {
		for _, ext := range tableExts {
			p := filepath.Join(dir, sub, base+ext)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
		}
	}
	return ""
}
