package phenotype

import (
	"os"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that an accepted
// definition is valid.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/valid.yaml"); err == nil {
		f.Add(data)
	}
	if data, err := os.ReadFile("builtin/ph.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("name: x\nterms: [{name: a, phrases: [b]}]\ncontext: {triggers: [{}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, "fuzz.yaml")
		if err == nil {
			if verr := d.Validate(); verr != nil {
				t.Errorf("Parse accepted a definition Validate rejects: %v", verr)
			}
		}
	})
}
