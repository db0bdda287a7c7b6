package ingest

import (
	"fmt"
	"slices"
	"strings"
)

// field is one value a reader looks for, with the column names that hold it
// in the layouts it knows, most specific first.
type field struct {
	name       string
	candidates []string
	required   bool // a file without the column cannot be read
}

// resolve picks, for every field, the column of header that holds it.
// Options.Columns overrides the candidates. With known false (a JSONL file
// whose keys are learnt row by row) a field not in header keeps its first
// candidate, so that each row is looked up by that name.
func resolve(fields []field, header []string, known bool, over map[string]string) (
	[]column, error) {
	cols := make([]column, len(fields))
	for i, f := range fields {
		cols[i].field = f.name
		if name, ok := over[f.name]; ok {
			if known && indexFold(header, name) < 0 {
				return nil, fmt.Errorf("no column %q for field %s", name, f.name)
			}
			cols[i].name = name
			continue
		}
		for _, c := range f.candidates {
			if indexFold(header, c) >= 0 {
				cols[i].name = c
				break
			}
		}
		if cols[i].name != "" {
			continue
		}
		if !known {
			cols[i].name = f.candidates[0]
			continue
		}
		if f.required {
			return nil, fmt.Errorf("no column for field %s (looked for %s)",
				f.name, strings.Join(f.candidates, ", "))
		}
	}
	return cols, nil
}

// hasAll reports whether header has every one of names, ignoring case.
func hasAll(header []string, names ...string) bool {
	for _, n := range names {
		if indexFold(header, n) < 0 {
			return false
		}
	}
	return true
}

// checkColumns rejects keys of Options.Columns that name no field.
func checkColumns(over map[string]string) error {
	for k := range over {
		if !slices.ContainsFunc(noteFields, func(f field) bool { return f.name == k }) &&
			!slices.ContainsFunc(factFields, func(f field) bool { return f.name == k }) {
			return fmt.Errorf("columns: unknown field %q", k)
		}
	}
	return nil
}
