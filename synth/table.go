package synth

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// output is one file of the cohort being written.
type output interface {
	// close flushes and closes the file.
	close() error
	// path is the file's path relative to the cohort directory.
	path() string
	// rows is how many data rows were written.
	rows() int
}

// fileOut is a buffered file, optionally gzip-compressed, with no
// modification time in the gzip header so output is byte-identical.
type fileOut struct {
	rel string
	f   *os.File
	gz  *gzip.Writer
	bw  *bufio.Writer
	n   int
}

func createFile(dir, rel string) (*fileOut, error) {
	full := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(full)
	if err != nil {
		return nil, err
	}
	o := &fileOut{rel: rel, f: f}
	var w io.Writer = f
	if strings.HasSuffix(rel, ".gz") {
		o.gz = gzip.NewWriter(f) // the zero header has mtime 0 and no name
		w = o.gz
	}
	o.bw = bufio.NewWriterSize(w, 256<<10)
	return o, nil
}

func (o *fileOut) Write(b []byte) (int, error) { return o.bw.Write(b) }

func (o *fileOut) path() string { return o.rel }

func (o *fileOut) rows() int { return o.n }

func (o *fileOut) close() error {
	err := o.bw.Flush()
	if o.gz != nil {
		if e := o.gz.Close(); err == nil {
			err = e
		}
	}
	if e := o.f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", o.rel, err)
	}
	return nil
}

// csvOut is a CSV file with a header row, quoted as RFC 4180 asks.
type csvOut struct {
	*fileOut
	w *csv.Writer
}

func createCSV(dir, rel string, header ...string) (*csvOut, error) {
	f, err := createFile(dir, rel)
	if err != nil {
		return nil, err
	}
	c := &csvOut{fileOut: f, w: csv.NewWriter(f)}
	if err := c.w.Write(header); err != nil {
		return nil, err
	}
	return c, nil
}

// row writes one data row.
func (c *csvOut) row(fields ...string) error {
	c.n++
	return c.w.Write(fields)
}

func (c *csvOut) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.fileOut.close()
		return fmt.Errorf("write %s: %w", c.rel, err)
	}
	return c.fileOut.close()
}
