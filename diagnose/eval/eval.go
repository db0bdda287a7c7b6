// Package eval compares the diagnoses of one or more methods with
// chart-review gold labels: the confusion table, precision, recall, F1,
// specificity and NPV of each method with percentile bootstrap confidence
// intervals, McNemar's exact test between each pair of methods, and the
// patients on which methods and gold disagree.
//
// Every patient is accounted for: gold patients a method did not predict,
// and predicted patients without a gold label, are listed by id, and how they
// (and uncertain labels) count is an option stated in every output.
package eval

import (
	"errors"
	"fmt"
	"sort"

	"github.com/phenorag/phenorag"
)

// Policy says how a label that is neither present nor absent counts.
type Policy string

// The policies for uncertain labels and for missing predictions.
const (
	AsAbsent  Policy = "absent"  // count it as absent
	AsPresent Policy = "present" // count it as present
	Exclude   Policy = "exclude" // leave the patient out
)

// ErrOption marks an option that is not allowed.
var ErrOption = errors.New("invalid option")

// Options configure an evaluation. The zero value counts uncertain and
// missing labels as absent and computes no confidence intervals.
type Options struct {
	// Uncertain says how an uncertain label counts. With Exclude, patients
	// whose gold label is uncertain are left out of every method, and an
	// uncertain prediction counts as absent (it is not a positive call).
	Uncertain Policy `json:"uncertain"`
	// Missing says how a gold patient with no prediction counts for that
	// method: AsAbsent (the default) or Exclude (left out of that method
	// and of its pairwise tests).
	Missing Policy `json:"missing"`
	// Bootstrap is the number of bootstrap resamples of patients for the
	// 95% confidence intervals; 0 computes none.
	Bootstrap int `json:"bootstrap"`
	// Seed seeds the resampling, so a report can be repeated exactly.
	Seed uint64 `json:"seed"`
}

func (o Options) withDefaults() (Options, error) {
	if o.Uncertain == "" {
		o.Uncertain = AsAbsent
	}
	if o.Missing == "" {
		o.Missing = AsAbsent
	}
	switch o.Uncertain {
	case AsAbsent, AsPresent, Exclude:
	default:
		return o, fmt.Errorf("%w: uncertain %q: want absent, present or exclude", ErrOption,
			o.Uncertain)
	}
	if o.Missing != AsAbsent && o.Missing != Exclude {
		return o, fmt.Errorf("%w: missing %q: want absent or exclude", ErrOption, o.Missing)
	}
	if o.Bootstrap < 0 {
		return o, fmt.Errorf("%w: bootstrap %d is negative", ErrOption, o.Bootstrap)
	}
	return o, nil
}

// Method is the diagnoses of one method to evaluate.
type Method struct {
	Name      string
	Diagnoses []phenorag.Diagnosis
}

// Confusion is a 2x2 table of predictions against gold.
type Confusion struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	FN int `json:"fn"`
	TN int `json:"tn"`
}

// N returns the number of patients in the table.
func (c Confusion) N() int { return c.TP + c.FP + c.FN + c.TN }

// Result is the evaluation of one method.
type Result struct {
	Method    string    `json:"method"`
	N         int       `json:"n"`
	Confusion Confusion `json:"confusion"`
	Metrics   []Metric  `json:"metrics"`
	// Missing lists the gold patients the method gave no diagnosis for.
	Missing []string `json:"missing"`
	// Extra lists the patients the method diagnosed who have no gold label;
	// they are not scored.
	Extra []string `json:"extra"`
	// Errors counts scored patients whose diagnosis ended in error; their
	// label counts as given, or as absent when they have none.
	Errors int `json:"errors"`
	// Uncertain counts scored patients the method labelled uncertain.
	Uncertain int `json:"uncertain"`
	// Cited counts the true positives that cite verified evidence and whose
	// gold label lists reviewer spans; Supported counts those among them
	// whose evidence overlaps a reviewer span. Both are 0 without gold
	// evidence.
	Cited     int `json:"cited"`
	Supported int `json:"supported"`
}

// Pair is McNemar's exact test between two methods, on the patients both
// were scored on: B counts those A got right and B wrong, C the reverse.
type Pair struct {
	A  string  `json:"a"`
	B  string  `json:"b"`
	N  int     `json:"n"`
	AB int     `json:"a_right_b_wrong"`
	BA int     `json:"a_wrong_b_right"`
	P  float64 `json:"p"`
}

// Discordant is a patient on whom at least one method disagrees with gold.
type Discordant struct {
	PatientID string `json:"patient_id"`
	Gold      string `json:"gold"`
	// Labels holds each method's label as given, or "missing".
	Labels []string `json:"labels"`
	// Wrong names the methods whose counted label differs from gold.
	Wrong []string `json:"wrong"`
}

// Report is a whole evaluation.
type Report struct {
	Options Options `json:"options"`
	// Gold counts the gold patients by label as given.
	Gold       map[phenorag.Label]int `json:"gold"`
	Scored     int                    `json:"scored"`
	Methods    []Result               `json:"methods"`
	Pairs      []Pair                 `json:"pairs"`
	Discordant []Discordant           `json:"discordant"`
}

// outcome is one patient's cell in one method's 2x2 table.
type outcome uint8

const (
	tp outcome = iota
	fp
	fn
	tn
	skip // not scored for this method
)

// Evaluate scores each method against gold.
func Evaluate(gold []phenorag.Gold, methods []Method, opts Options) (*Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	u, err := newUniverse(gold, opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Options: opts, Gold: u.counts, Scored: len(u.ids)}
	outcomes := make([][]outcome, len(methods))
	labels := make([]map[string]phenorag.Label, len(methods))
	for k, m := range methods {
		res, out, lab, err := scoreMethod(u, m, opts)
		if err != nil {
			return nil, err
		}
		outcomes[k], labels[k] = out, lab
		rep.Methods = append(rep.Methods, res)
	}
	if opts.Bootstrap > 0 {
		bootstrap(rep.Methods, outcomes, opts.Bootstrap, opts.Seed)
	}
	rep.Pairs = pairs(methods, outcomes)
	rep.Discordant = discordant(u, methods, outcomes, labels)
	return rep, nil
}

// universe is the gold patients that are scored, in id order.
type universe struct {
	ids    []string
	gold   []bool // present?
	raw    []phenorag.Label
	spans  [][]phenorag.Span // reviewer evidence
	all    map[string]bool   // every gold patient, scored or not
	counts map[phenorag.Label]int
}

func newUniverse(gold []phenorag.Gold, opts Options) (*universe, error) {
	u := &universe{all: map[string]bool{}, counts: map[phenorag.Label]int{}}
	sorted := append([]phenorag.Gold(nil), gold...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].PatientID < sorted[j].PatientID })
	for _, g := range sorted {
		if u.all[g.PatientID] {
			return nil, fmt.Errorf("gold: patient %q labelled twice", g.PatientID)
		}
		if !g.Label.Valid() {
			return nil, fmt.Errorf("gold: patient %q: label %q", g.PatientID, g.Label)
		}
		u.all[g.PatientID] = true
		u.counts[g.Label]++
		present, ok := counted(g.Label, opts.Uncertain)
		if !ok {
			continue
		}
		u.ids = append(u.ids, g.PatientID)
		u.gold = append(u.gold, present)
		u.raw = append(u.raw, g.Label)
		u.spans = append(u.spans, g.Evidence)
	}
	return u, nil
}

// counted maps a gold label to present or absent under the policy; ok is
// false when the patient is left out.
func counted(l phenorag.Label, p Policy) (present, ok bool) {
	if l != phenorag.Uncertain {
		return l == phenorag.Present, true
	}
	switch p {
	case AsPresent:
		return true, true
	case Exclude:
		return false, false
	}
	return false, true
}

// predicted maps a predicted label to present or absent. An uncertain
// prediction under Exclude counts as absent: no positive call was made.
func predicted(l phenorag.Label, p Policy) bool {
	if l == phenorag.Uncertain {
		return p == AsPresent
	}
	return l == phenorag.Present
}

func scoreMethod(u *universe, m Method, opts Options) (Result, []outcome,
	map[string]phenorag.Label, error) {
	res := Result{Method: m.Name, Missing: []string{}, Extra: []string{}}
	byID := make(map[string]phenorag.Diagnosis, len(m.Diagnoses))
	for _, d := range m.Diagnoses {
		if _, dup := byID[d.PatientID]; dup {
			return res, nil, nil, fmt.Errorf("%s: patient %q diagnosed twice", m.Name, d.PatientID)
		}
		byID[d.PatientID] = d
		if !u.all[d.PatientID] {
			res.Extra = append(res.Extra, d.PatientID)
		}
	}
	sort.Strings(res.Extra)

	out := make([]outcome, len(u.ids))
	labels := make(map[string]phenorag.Label, len(u.ids))
	for i, id := range u.ids {
		d, ok := byID[id]
		if !ok {
			res.Missing = append(res.Missing, id)
			if opts.Missing == Exclude {
				out[i] = skip
				continue
			}
		} else {
			labels[id] = d.Label
			if d.Status == phenorag.StatusError {
				res.Errors++
			}
			if d.Label == phenorag.Uncertain {
				res.Uncertain++
			}
		}
		out[i] = cell(u.gold[i], ok && predicted(d.Label, opts.Uncertain))
		if out[i] == tp && len(u.spans[i]) > 0 {
			cited, supported := support(d.Evidence, u.spans[i])
			res.Cited += cited
			res.Supported += supported
		}
	}
	res.Confusion = tally(out)
	res.N = res.Confusion.N()
	res.Metrics = metrics(res.Confusion)
	return res, out, labels, nil
}

// support reports whether the evidence cites any verified span, and
// whether one of those overlaps a reviewer's span, as 0 or 1.
func support(ev []phenorag.Evidence, gold []phenorag.Span) (cited, supported int) {
	for _, e := range ev {
		if !e.Verified {
			continue
		}
		cited = 1
		sp := phenorag.Span{NoteID: e.NoteID, Start: e.Start, End: e.End}
		for _, g := range gold {
			if sp.Overlaps(g) {
				return 1, 1
			}
		}
	}
	return cited, 0
}

func cell(gold, pred bool) outcome {
	switch {
	case gold && pred:
		return tp
	case pred:
		return fp
	case gold:
		return fn
	}
	return tn
}

func tally(out []outcome) Confusion {
	var n [5]int
	for _, o := range out {
		n[o]++
	}
	return Confusion{TP: n[tp], FP: n[fp], FN: n[fn], TN: n[tn]}
}

// pairs runs McNemar's exact test on every pair of methods.
func pairs(methods []Method, outcomes [][]outcome) []Pair {
	ps := []Pair{}
	for a := range methods {
		for b := a + 1; b < len(methods); b++ {
			p := Pair{A: methods[a].Name, B: methods[b].Name}
			for i := range outcomes[a] {
				oa, ob := outcomes[a][i], outcomes[b][i]
				if oa == skip || ob == skip {
					continue
				}
				p.N++
				ra, rb := oa == tp || oa == tn, ob == tp || ob == tn
				switch {
				case ra && !rb:
					p.AB++
				case rb && !ra:
					p.BA++
				}
			}
			p.P = McNemarExact(p.AB, p.BA)
			ps = append(ps, p)
		}
	}
	return ps
}

// discordant lists the patients on whom at least one method is wrong.
func discordant(u *universe, methods []Method, outcomes [][]outcome,
	labels []map[string]phenorag.Label) []Discordant {
	out := []Discordant{}
	for i, id := range u.ids {
		var wrong []string
		for k, m := range methods {
			if o := outcomes[k][i]; o == fp || o == fn {
				wrong = append(wrong, m.Name)
			}
		}
		if len(wrong) == 0 {
			continue
		}
		d := Discordant{PatientID: id, Gold: string(u.raw[i]), Wrong: wrong}
		for k := range methods {
			l, ok := labels[k][id]
			switch {
			case !ok:
				d.Labels = append(d.Labels, "missing")
			case l == "":
				d.Labels = append(d.Labels, "none")
			default:
				d.Labels = append(d.Labels, string(l))
			}
		}
		out = append(out, d)
	}
	return out
}
