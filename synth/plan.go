package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/phenorag/phenorag"
)

// Note type labels, as every output format writes them.
const (
	TypeDischarge  = "discharge summary"
	TypeCardiology = "cardiology consult"
	TypeEcho       = "echocardiogram report"
	TypeRHC        = "right heart catheterization report"
	TypePulmonary  = "pulmonary clinic note"
	TypeProgress   = "progress note"
	TypeRadiology  = "radiology report"
)

// NoteTypes lists every note type label.
var NoteTypes = []string{
	TypeDischarge, TypeCardiology, TypeEcho, TypeRHC, TypePulmonary, TypeProgress,
	TypeRadiology,
}

// narrativeTypes are the notes written by clinicians, with a history, a
// medication list and an assessment and plan.
var narrativeTypes = []string{TypeProgress, TypeDischarge, TypeCardiology, TypePulmonary}

// slot is a place in a note where case text is written.
type slot int

const (
	slotHPI slot = iota
	slotPMH
	slotMeds
	slotFamily
	slotLabs
	slotAP
	slotImpression
)

// part is a run of note text; a part with a tag is evidence for that case.
type part struct {
	text string
	tag  string
}

// injection is case text to be written at a slot of one note.
type injection struct {
	slot  slot
	parts []part
}

// echoVals are the numbers of one echocardiogram.
type echoVals struct {
	rvsp     int    // 0 when the TR jet was too weak to estimate it
	name     string // "RVSP" or "PASP", as the report labels it
	tag      string // case the RVSP value is evidence for, if any
	rap      int
	ef       int
	rvDilat  int // 0 normal, 1 mild, 2 moderate, 3 severe
	tapse    float64
	pvGrad   int // peak pulmonic valve gradient when stenotic
	pvTag    string
	positive bool // the echo shows the patient's pulmonary hypertension
}

// rhcVals are the hemodynamics of one right heart catheterization.
type rhcVals struct {
	ra, rvs, rvd, pas, pad, mpap, pawp int
	co, ci, pvr                        float64
	tag                                string // case the numbers are evidence for
}

// noteSpec is a note before its text is written.
type noteSpec struct {
	id     string
	typ    string
	date   time.Time
	fixed  bool // the type was chosen for case text and must stay
	inject []injection
	echo   *echoVals
	rhc    *rhcVals
}

// plan is everything decided about a patient before the notes are written.
type plan struct {
	r        *rand.Rand
	id       string
	positive bool
	cases    caseSet
	female   bool
	age      int
	probs    []*problem
	notes    []*noteSpec
	facts    []phenorag.Fact
	group    int  // WHO group of a positive's PH: 1 to 4
	words    bool // the notes may name pulmonary hypertension
	inhouse  bool // a positive's echo and catheter were done here, with numbers
	drugs    []string
	phDrugs  []string
}

// patient builds patient i.
func (g *generator) patient(i int) Patient {
	p := &plan{
		r:        rand.New(rand.NewPCG(g.cfg.Seed, uint64(i)+0x9e37_79b9)),
		id:       strconv.Itoa(firstPatientID + i),
		positive: g.positive(i),
	}
	p.demographics()
	g.chooseCases(p)
	p.words = p.positive && !p.cases.has(CaseNumbersOnly)
	if !p.words {
		p.phDrugs = nil // an unrecognized disease is not treated
	}
	g.schedule(p)
	if p.cases.has(CaseNumbersOnly) {
		p.workup() // the numbers are the case's text
	}
	p.caseText()
	if !p.cases.has(CaseNumbersOnly) {
		p.workup()
	}
	p.measureAll()
	p.structuredFacts()
	return p.render()
}

// demographics draws age, sex, problems and their drugs.
func (p *plan) demographics() {
	r := p.r
	p.female = r.IntN(2) == 0
	p.age = 35 + r.IntN(55)
	n := 2 + r.IntN(5)
	for _, k := range r.Perm(len(problems))[:n] {
		p.probs = append(p.probs, &problems[k])
	}
	slices.SortFunc(p.probs, func(a, b *problem) int { return a.order - b.order })
	for _, pr := range p.probs {
		p.drugs = append(p.drugs, pr.drugs...)
	}
	if p.positive {
		p.group = phGroupOf(r.Float64())
		p.inhouse = r.Float64() < 0.33
		p.phDrugs = phDrugsFor(r, p.group)
	}
}

// phGroupOf maps a uniform draw to a WHO group: group 2 and 3 are the most
// common in practice.
func phGroupOf(u float64) int {
	switch {
	case u < 0.25:
		return 1
	case u < 0.60:
		return 2
	case u < 0.90:
		return 3
	}
	return 4
}

func phDrugsFor(r *rand.Rand, group int) []string {
	switch group {
	case 1:
		combos := [][]string{
			{"ambrisentan", "tadalafil"}, {"macitentan", "tadalafil"},
			{"bosentan", "sildenafil"}, {"macitentan", "sildenafil", "selexipag"},
			{"ambrisentan", "tadalafil", "treprostinil"}, {"epoprostenol", "sildenafil"},
			{"sildenafil"},
		}
		return pick(r, combos)
	case 4:
		return pick(r, [][]string{{"riociguat"}, {"riociguat"}, {}})
	case 3:
		if r.IntN(4) == 0 {
			return []string{"sildenafil"}
		}
	}
	return nil
}

// noteCount draws a skewed count: log-normal with median 7.5 and mean about
// 10, kept within [min, max].
func noteCount(r *rand.Rand, lo, hi int) int {
	n := int(math.Round(math.Exp(math.Log(7.5) + 0.76*r.NormFloat64())))
	return max(lo, min(hi, n))
}

// schedule draws the note count, dates, ids and types.
func (g *generator) schedule(p *plan) {
	r := p.r
	n := noteCount(r, g.cfg.NotesMin, g.cfg.NotesMax)
	start := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(12*365))
	span := 120 + r.IntN(5*365)
	days := make([]int, n)
	for i := range days {
		days[i] = r.IntN(span)
	}
	slices.Sort(days)
	p.notes = make([]*noteSpec, n)
	for i, d := range days {
		p.notes[i] = &noteSpec{
			id:   strconv.FormatUint(g.nextNote, 10),
			typ:  pickWeighted(r, typeWeights),
			date: start.AddDate(0, 0, d),
		}
		g.nextNote++
	}
}

// workup gives a positive its in-house echo and, for most, a catheter,
// with numbers that show the disease, in notes no case text has taken.
func (p *plan) workup() {
	if !p.positive || !p.inhouse && !p.cases.has(CaseNumbersOnly) {
		return
	}
	n := len(p.notes)
	if e := p.force(TypeEcho, 0, n/2+1); e != nil {
		e.echo = p.phEcho()
	}
	if p.r.IntN(3) > 0 || p.cases.has(CaseNumbersOnly) {
		if h := p.force(TypeRHC, n/3, n); h != nil {
			h.rhc = p.phRHC()
		}
	}
}

// typeWeights is how common each note type is.
var typeWeights = []weighted{
	{TypeProgress, 34}, {TypeDischarge, 12}, {TypeRadiology, 20}, {TypeCardiology, 8},
	{TypePulmonary, 10}, {TypeEcho, 14}, {TypeRHC, 2},
}

// force makes a note of type typ, preferably in [lo, hi), and fixes it: a
// note of that type whose numbers are not yet taken, or else a note not yet
// fixed. It returns nil when every note is taken, so that no case text is
// ever lost by changing the type of a note that holds it.
func (p *plan) force(typ string, lo, hi int) *noteSpec {
	in := p.within(lo, hi)
	free := func(n *noteSpec) bool {
		return !n.fixed || n.typ == typ && n.echo == nil && n.rhc == nil &&
			len(n.inject) == 0
	}
	n := p.choose(in, free)
	if n == nil {
		n = p.choose(p.notes, free)
	}
	if n != nil {
		n.typ, n.fixed = typ, true
	}
	return n
}

// within returns the notes in [lo, hi), clamped to the notes there are.
func (p *plan) within(lo, hi int) []*noteSpec {
	hi = min(hi, len(p.notes))
	lo = max(0, min(lo, hi-1))
	return p.notes[lo:hi]
}

// choose picks one of ns that ok accepts, or nil.
func (p *plan) choose(ns []*noteSpec, ok func(*noteSpec) bool) *noteSpec {
	var cands []*noteSpec
	for _, n := range ns {
		if ok(n) {
			cands = append(cands, n)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	return pick(p.r, cands)
}

// narrative returns a note written by a clinician, preferably in [lo, hi),
// making one of a note not yet fixed if there is none; nil if it cannot.
func (p *plan) narrative(lo, hi int) *noteSpec {
	isNarrative := func(n *noteSpec) bool { return slices.Contains(narrativeTypes, n.typ) }
	n := p.choose(p.within(lo, hi), isNarrative)
	if n == nil {
		n = p.choose(p.within(lo, hi), func(n *noteSpec) bool { return !n.fixed })
		if n != nil {
			n.typ = pick(p.r, narrativeTypes)
		}
	}
	if n == nil {
		n = p.choose(p.notes, isNarrative)
	}
	if n != nil {
		n.fixed = true
	}
	return n
}

// narratives returns up to k distinct notes in date order that can carry a
// clinician's plan: notes of those types first, then notes not yet fixed,
// which the caller turns into progress notes.
func (p *plan) narratives(k int) []*noteSpec {
	var out, free []*noteSpec
	for _, n := range p.notes {
		switch {
		case slices.Contains(narrativeTypes, n.typ):
			out = append(out, n)
		case !n.fixed:
			free = append(free, n)
		}
	}
	for _, i := range p.r.Perm(len(free)) {
		if len(out) >= k {
			break
		}
		out = append(out, free[i])
	}
	byDate := func(a, b *noteSpec) int { return a.date.Compare(b.date) }
	slices.SortStableFunc(out, byDate)
	if len(out) > k {
		start := p.r.IntN(len(out) - k + 1)
		out = out[start : start+k]
	}
	return out
}

func (n *noteSpec) add(s slot, parts ...part) {
	n.inject = append(n.inject, injection{slot: s, parts: parts})
}

// weighted is a choice with a weight.
type weighted struct {
	v string
	w int
}

func pickWeighted(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	k := r.IntN(total)
	for _, w := range ws {
		if k < w.w {
			return w.v
		}
		k -= w.w
	}
	return ws[len(ws)-1].v
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
