package retrieve

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/phenorag/phenorag"
)

// DefaultFriendCases are the evidence case tags of the synthetic cohort
// whose spans are false friends.
var DefaultFriendCases = []string{"blood_ph", "portal_htn", "systemic_htn", "venous_htn"}

// GoldPatient is a patient's chart-review label and evidence, with the
// evidence spans that are false friends also listed in Friends.
type GoldPatient struct {
	Gold    phenorag.Gold
	Friends []phenorag.Span
}

// GoldError locates a bad row of a gold file.
type GoldError struct {
	File  string
	Row   int // 1-based data row, not counting the header
	Field string
	Err   error
}

func (e *GoldError) Error() string {
	return fmt.Sprintf("%s: row %d: field %s: %v", e.File, e.Row, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *GoldError) Unwrap() error { return e.Err }

// ReadGold reads labels.csv (patient_id,label,...) and, when present,
// evidence.csv (patient_id,note_id,start,end[,case]) from dir. Evidence rows
// whose case is one of friendCases are false friends.
func ReadGold(dir string, friendCases []string) (map[string]*GoldPatient, error) {
	gold := map[string]*GoldPatient{}
	err := readCSV(filepath.Join(dir, "labels.csv"), []string{"patient_id", "label"},
		func(file string, row int, get func(string) string) error {
			l, err := phenorag.ParseLabel(get("label"))
			if err != nil {
				return &GoldError{file, row, "label", err}
			}
			id := get("patient_id")
			gold[id] = &GoldPatient{Gold: phenorag.Gold{PatientID: id, Label: l}}
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = readCSV(filepath.Join(dir, "evidence.csv"),
		[]string{"patient_id", "note_id", "start", "end"},
		func(file string, row int, get func(string) string) error {
			return addEvidence(gold, friendCases, file, row, get)
		})
	if errors.Is(err, os.ErrNotExist) {
		return gold, nil
	}
	return gold, err
}

// addEvidence adds one evidence row to its patient.
func addEvidence(gold map[string]*GoldPatient, friendCases []string, file string, row int,
	get func(string) string) error {
	g, ok := gold[get("patient_id")]
	if !ok {
		return &GoldError{file, row, "patient_id", errors.New("patient has no label")}
	}
	sp := phenorag.Span{NoteID: get("note_id")}
	var err error
	if sp.Start, err = strconv.Atoi(get("start")); err != nil {
		return &GoldError{file, row, "start", err}
	}
	if sp.End, err = strconv.Atoi(get("end")); err != nil || sp.End < sp.Start {
		return &GoldError{file, row, "end", fmt.Errorf("not an offset after start")}
	}
	g.Gold.Evidence = append(g.Gold.Evidence, sp)
	if slices.Contains(friendCases, get("case")) {
		g.Friends = append(g.Friends, sp)
	}
	return nil
}

// readCSV calls fn with each data row of a CSV file that has the required
// columns; get returns a column's value by name ("" if absent).
func readCSV(path string, required []string,
	fn func(file string, row int, get func(string) string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("%s: header: no column %q", path, c)
		}
	}
	for row := 1; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		if err := fn(path, row, get); err != nil {
			return err
		}
	}
}
