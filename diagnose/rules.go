// Package diagnose turns what the pipeline found into cohort outputs: the
// physician-rules baseline, the diagnoses files (JSON lines, CSV, Parquet and
// the OMOP CDM COHORT table), the readers that load them back, and the check
// that every quoted piece of evidence really sits where it says.
package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// Method names of the rules baseline.
const (
	MethodRules    = "rules"
	MethodRulesNLP = "rules+nlp"
)

// RuleNLP is the name recorded in Diagnosis.Rules when the note-derived
// rule of the rules+nlp variant fired.
const RuleNLP = "nlp"

// Baseline applies a definition's physician rules to the facts, and for the
// rules+nlp variant to the snippets, of every patient fed to it. Feed it
// with AddPatient, AddFact and AddSnippets in any order, then call
// Diagnoses. Its methods may be called from several goroutines.
//
// It keeps a few numbers per patient and rule, never the facts themselves,
// so the facts of a large cohort can be streamed through it.
type Baseline struct {
	method string
	rules  []compiledRule
	nlp    *nlpRule // nil unless the rules+nlp variant is wanted

	mu       sync.Mutex
	patients map[string]*patientState
}

// patientState is what the rules have seen of one patient.
type patientState struct {
	rules    []ruleState // one per compiled rule
	mentions map[string]phenorag.Evidence
	abnormal map[phenorag.Span]abnormalValue
	noteVeto map[int]datedValue // rule -> latest normal veto result in the notes
}

// vetoFor returns the latest normal result of rule i's veto test, from the
// facts or (rules+nlp) the notes; its date is zero when there is none.
func (st *patientState) vetoFor(i int) datedValue {
	v := st.rules[i].veto
	if nv, ok := st.noteVeto[i]; ok && nv.date.After(v.date) {
		v = nv
	}
	return v
}

// ruleState accumulates the evidence of one rule for one patient.
type ruleState struct {
	dates   map[string]bool // distinct dates (codes and drugs)
	undated int             // matching facts without a date
	values  []datedValue    // measurements above the threshold
	veto    datedValue      // the latest normal result of the veto test
}

type datedValue struct {
	date  time.Time
	value float64
}

type abnormalValue struct {
	snippet phenorag.Snippet
	value   phenorag.Value
	rule    int // the measurement rule whose threshold it passed
}

// NewBaseline compiles the enabled rules of def. With nlp set, diagnoses
// carry the method "rules+nlp" and also count what the notes say.
func NewBaseline(def *phenotype.Definition, nlp bool) (*Baseline, error) {
	b := &Baseline{method: MethodRules, patients: map[string]*patientState{}}
	for i, r := range def.Rules.Any {
		if r.Disabled {
			continue
		}
		cr, err := compileRule(r, def.Measurements)
		if err != nil {
			return nil, fmt.Errorf("rules.any[%d] %q: %w", i, r.Name, err)
		}
		b.rules = append(b.rules, cr)
	}
	if nlp {
		b.method = MethodRulesNLP
		var err error
		if b.nlp, err = compileNLP(def.Rules.NLP, def.Terms, b.rules); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Method returns the method name the diagnoses carry.
func (b *Baseline) Method() string { return b.method }

// RuleNames returns the names of the rules in use, in order.
func (b *Baseline) RuleNames() []string {
	names := make([]string, 0, len(b.rules)+1)
	for _, r := range b.rules {
		names = append(names, r.name)
	}
	if b.nlp != nil {
		names = append(names, RuleNLP)
	}
	return names
}

// state returns the patient's state, creating it; b.mu must be held.
func (b *Baseline) state(id string) *patientState {
	st := b.patients[id]
	if st == nil {
		st = &patientState{rules: make([]ruleState, len(b.rules))}
		b.patients[id] = st
	}
	return st
}

// AddPatient puts a patient in the universe, so that a patient with no fact
// and no snippet still gets a diagnosis (absent).
func (b *Baseline) AddPatient(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state(id)
}

// AddFact records one structured fact.
func (b *Baseline) AddFact(f phenorag.Fact) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state(f.PatientID)
	for i := range b.rules {
		b.rules[i].add(&st.rules[i], f)
	}
}

// AddSnippets records what retrieval found in one patient's notes. Only the
// rules+nlp variant uses the mentions and measurements; the plain variant
// only adds the patient to the universe.
func (b *Baseline) AddSnippets(ps phenorag.PatientSnippets) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state(ps.PatientID)
	if b.nlp != nil {
		b.nlp.add(st, ps.Snippets)
	}
}

// Len returns the number of patients seen.
func (b *Baseline) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.patients)
}

// Diagnoses returns one diagnosis per patient seen, sorted by patient id.
// A patient is present when any rule fired; Rules names the rules that
// fired and Rationale says on which dates and values.
func (b *Baseline) Diagnoses() []phenorag.Diagnosis {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]phenorag.Diagnosis, 0, len(b.patients))
	for _, id := range b.ids() {
		d, _ := b.diagnose(id, b.patients[id])
		out = append(out, d)
	}
	return out
}

// Cohort returns the OMOP CDM COHORT rows of the patients the rules label
// present: from the first to the last date of the evidence that fired a
// rule. Patients whose evidence is all undated are returned apart.
func (b *Baseline) Cohort(cohortID int) (rows []CohortRow, undated []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cohortID == 0 {
		cohortID = 1
	}
	for _, id := range b.ids() {
		d, p := b.diagnose(id, b.patients[id])
		switch {
		case d.Label != phenorag.Present:
		case p.start.IsZero():
			undated = append(undated, id)
		default:
			rows = append(rows, CohortRow{cohortID, id, p.start, p.end})
		}
	}
	return rows, undated
}

// ids returns the patients seen, sorted; b.mu must be held.
func (b *Baseline) ids() []string {
	ids := make([]string, 0, len(b.patients))
	for id := range b.patients {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// period is the span of dates of a patient's firing evidence; zero when
// none is dated.
type period struct{ start, end time.Time }

func (p *period) add(t time.Time) {
	if t.IsZero() {
		return
	}
	if p.start.IsZero() || t.Before(p.start) {
		p.start = t
	}
	if t.After(p.end) {
		p.end = t
	}
}

// diagnose decides one patient; b.mu must be held.
func (b *Baseline) diagnose(id string, st *patientState) (phenorag.Diagnosis, period) {
	d := phenorag.Diagnosis{
		PatientID:  id,
		Method:     b.method,
		Label:      phenorag.Absent,
		Confidence: 1,
		Status:     phenorag.StatusOK,
	}
	var p period
	var why, vetoed []string
	for i, r := range b.rules {
		rs := st.rules[i]
		rs.veto = st.vetoFor(i)
		fired, reason, dates := r.fired(&rs)
		switch {
		case fired:
			d.Rules = append(d.Rules, r.name)
			why = append(why, r.name+": "+reason)
			for _, t := range dates {
				p.add(t)
			}
		case reason != "":
			vetoed = append(vetoed, r.name+": "+reason)
		}
	}
	if b.nlp != nil {
		if fired, reason, ev := b.nlp.fired(st); fired {
			d.Rules = append(d.Rules, RuleNLP)
			why = append(why, RuleNLP+": "+reason)
			d.Evidence = ev
			for _, e := range ev {
				p.add(e.NoteDate)
			}
		}
	}
	if len(d.Rules) > 0 {
		d.Label = phenorag.Present
		d.Rationale = strings.Join(why, "; ")
	} else {
		d.Rationale = "no rule fired"
	}
	if len(vetoed) > 0 {
		d.Rationale += "; vetoed " + strings.Join(vetoed, "; ")
	}
	return d, p
}
