// Package synth generates a synthetic cohort for pulmonary hypertension:
// patients with clinical notes, structured facts (diagnosis codes,
// echocardiography and catheterization measurements, drugs) and a gold label
// with the evidence spans a chart reviewer would cite.
//
// The cohort is a test bed for every stage of the pipeline. Most note text is
// about other problems; the patients carry named hard cases (see
// PositiveCases and NegativeCases) so that neither keyword search nor the
// code rules get every patient right: the physician rules on codes, RVSP and
// mPAP land near F1 0.6.
//
// Generate streams patients to a callback in constant memory; Write writes
// them in every input shape the ingest stage reads (plain CSV and gzip CSV,
// JSON lines, Parquet, MIMIC-IV-Note with MIMIC-IV hosp tables, OMOP CDM
// v5.4, and optionally one .txt file per note), with gold/labels.csv,
// gold/evidence.csv and MANIFEST.json. Everything is deterministic for a
// seed, down to the bytes of every file.
package synth

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/phenorag/phenorag"
)

// Config sets the size and shape of a cohort. A zero Prevalence, NotesMin or
// NotesMax takes its default.
type Config struct {
	// Patients is how many patients to generate (at least 1).
	Patients int
	// Seed makes the cohort reproducible: the same Config gives the same
	// patients byte for byte.
	Seed uint64
	// Prevalence is the share of patients with pulmonary hypertension, in
	// (0, 1); 0 means DefaultPrevalence.
	Prevalence float64
	// NotesMin and NotesMax bound the notes per patient; 0 means
	// DefaultNotesMin and DefaultNotesMax. The count is skewed: most
	// patients have a few notes, a few have many.
	NotesMin, NotesMax int
}

// Defaults of a Config.
const (
	DefaultPrevalence = 0.15
	DefaultNotesMin   = 5
	DefaultNotesMax   = 150
	// MinNotes is the smallest NotesMin accepted: copy-forward cases need
	// three notes.
	MinNotes = 3
	// MaxNotes is the largest NotesMax accepted.
	MaxNotes = 1000
)

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("invalid synth config")

// withDefaults returns c with zero settings replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Prevalence == 0 {
		c.Prevalence = DefaultPrevalence
	}
	if c.NotesMin == 0 {
		c.NotesMin = DefaultNotesMin
	}
	if c.NotesMax == 0 {
		c.NotesMax = DefaultNotesMax
	}
	return c
}

// Validate reports whether c, with its defaults filled in, describes a
// cohort that can be generated.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Patients < 1:
		return fmt.Errorf("%w: patients %d: need at least 1", ErrConfig, c.Patients)
	case c.Patients > maxPatients:
		return fmt.Errorf("%w: patients %d: at most %d", ErrConfig, c.Patients, maxPatients)
	case !(c.Prevalence > 0 && c.Prevalence < 1):
		return fmt.Errorf("%w: prevalence %g: need a share in (0, 1)", ErrConfig, c.Prevalence)
	case c.NotesMin < MinNotes:
		return fmt.Errorf("%w: notes min %d: need at least %d", ErrConfig, c.NotesMin, MinNotes)
	case c.NotesMax < c.NotesMin:
		return fmt.Errorf("%w: notes max %d is below notes min %d",
			ErrConfig, c.NotesMax, c.NotesMin)
	case c.NotesMax > MaxNotes:
		return fmt.Errorf("%w: notes max %d: at most %d", ErrConfig, c.NotesMax, MaxNotes)
	}
	return nil
}

// maxPatients keeps patient ids at eight digits.
const maxPatients = 89_999_999

// Patient is one generated patient: notes in date order, structured facts,
// the gold label and the hard-case tags the patient carries.
type Patient struct {
	ID    string
	Notes []phenorag.Note
	Facts []phenorag.Fact
	Gold  phenorag.Gold
	// Cases lists the hard-case tags, in the order of PositiveCases or
	// NegativeCases.
	Cases []string
	// EvidenceCases gives the case tag of each span in Gold.Evidence.
	EvidenceCases []string
}

// Generate streams cfg.Patients patients to fn, one at a time and in id
// order, in constant memory. It stops at the first error fn returns, or when
// ctx is done, and returns that error.
func Generate(ctx context.Context, cfg Config, fn func(Patient) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	g := newGenerator(cfg.withDefaults())
	for i := range cfg.Patients {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(g.patient(i)); err != nil {
			return err
		}
	}
	return nil
}

// generator carries what links one patient to the next: the running note
// id, the block of positive slots and the round-robin of hard cases.
type generator struct {
	cfg      Config
	nextNote uint64
	block    []bool // positives of the current block of patients
	posSeen  int    // positives generated so far
	negSeen  int    // negatives with a hard case generated so far
}

// blockSize is how many patients share an exact count of positives, so that
// the prevalence holds even in a small cohort.
const blockSize = 20

func newGenerator(cfg Config) *generator {
	return &generator{cfg: cfg, nextNote: firstNoteID}
}

// First ids: patients are 10000001..., notes 20000000001....
const (
	firstPatientID = 10_000_001
	firstNoteID    = 20_000_000_001
)

// positive reports whether patient i has the disease. Each block of
// blockSize patients holds the positives its share of the prevalence
// calls for, at positions drawn from the seed.
func (g *generator) positive(i int) bool {
	b, off := i/blockSize, i%blockSize
	if off == 0 {
		want := func(n int) int { return int(g.cfg.Prevalence*float64(n) + 0.5) }
		k := want((b+1)*blockSize) - want(b*blockSize)
		r := rand.New(rand.NewPCG(g.cfg.Seed^0x5eed_b10c, uint64(b)))
		g.block = make([]bool, blockSize)
		for _, j := range r.Perm(blockSize)[:k] {
			g.block[j] = true
		}
	}
	return g.block[off]
}
