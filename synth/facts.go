package synth

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/phenorag/phenorag"
)

// phEcho returns the echo of a positive, showing the disease in numbers.
func (p *plan) phEcho() *echoVals {
	r := p.r
	lo := [4]int{55, 44, 46, 55}[p.group-1]
	e := &echoVals{
		rvsp: lo + r.IntN(35), name: "RVSP", rap: pick(r, []int{8, 8, 15}),
		ef: 55 + r.IntN(11), rvDilat: 1 + r.IntN(3), tapse: 1.1 + float64(r.IntN(7))/10,
		positive: true,
	}
	if r.IntN(3) == 0 {
		e.name = "PASP"
	}
	if p.group == 2 && r.IntN(2) == 0 {
		e.ef = 25 + r.IntN(15)
	}
	if p.cases.has(CaseNumbersOnly) {
		e.tag = CaseNumbersOnly
	}
	return e
}

// phRHC returns the catheterization of a positive.
func (p *plan) phRHC() *rhcVals {
	r := p.r
	var h rhcVals
	switch p.group {
	case 1:
		h.mpap, h.pawp, h.pvr = 35+r.IntN(25), 6+r.IntN(8), 4+float64(r.IntN(80))/10
	case 2:
		h.pawp = 16 + r.IntN(10)
		h.mpap, h.pvr = h.pawp+9+r.IntN(12), 1.5+float64(r.IntN(20))/10
	case 3:
		h.mpap, h.pawp, h.pvr = 24+r.IntN(14), 8+r.IntN(6), 3+float64(r.IntN(30))/10
	default:
		h.mpap, h.pawp, h.pvr = 30+r.IntN(20), 8+r.IntN(5), 4+float64(r.IntN(50))/10
	}
	h.ra = 6 + r.IntN(10)
	if p.cases.has(CaseNumbersOnly) {
		h.tag = CaseNumbersOnly
	}
	h.finish()
	return &h
}

// normalRHC returns a catheterization with normal pressures.
func (p *plan) normalRHC() *rhcVals {
	r := p.r
	h := rhcVals{mpap: 12 + r.IntN(9), ra: 2 + r.IntN(6)}
	h.pawp = 5 + r.IntN(min(8, h.mpap-6))
	co := 4.4 + float64(r.IntN(20))/10
	h.pvr = round1(float64(h.mpap-h.pawp) / co)
	h.finish()
	return &h
}

// finish derives the other pressures and the output from mPAP, PAWP, PVR.
func (h *rhcVals) finish() {
	h.pvr = round1(h.pvr)
	h.co = round1(float64(h.mpap-h.pawp) / h.pvr)
	if h.mpap == h.pawp || h.co <= 0 || math.IsInf(h.co, 0) {
		h.co = 5.0
	}
	h.ci = round1(h.co / 1.9)
	h.pas = h.mpap*3/2 + 3
	h.pad = max(h.pawp, (3*h.mpap-h.pas)/2)
	h.rvs, h.rvd = h.pas+2, h.ra+2
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// normalEcho returns an echo without pulmonary hypertension.
func (p *plan) normalEcho() *echoVals {
	r := p.r
	e := &echoVals{
		rvsp: 20 + r.IntN(16), name: "RVSP", rap: pick(r, []int{3, 3, 8}),
		ef: 55 + r.IntN(11), tapse: 1.8 + float64(r.IntN(9))/10,
	}
	if r.IntN(4) == 0 {
		e.rvsp = 0
	}
	if r.IntN(4) == 0 {
		e.name = "PASP"
	}
	if p.has("hf") {
		e.ef = 25 + r.IntN(20)
	}
	return e
}

// measureAll gives numbers to every echo and catheter note that has none:
// normal ones, or for a positive an echo whose RVSP could not be estimated.
func (p *plan) measureAll() {
	for _, n := range p.notes {
		switch {
		case n.typ == TypeEcho && n.echo == nil:
			n.echo = p.normalEcho()
			if p.positive {
				n.echo.rvsp, n.echo.rvDilat = 0, 1
			}
		case n.typ == TypeRHC && n.rhc == nil && !p.positive:
			n.rhc = p.normalRHC()
		case n.typ == TypeRHC && n.rhc == nil:
			n.rhc = p.phRHC()
		}
	}
}

// structuredFacts adds the codes, measurements and drugs of the patient's
// visits.
func (p *plan) structuredFacts() {
	r := p.r
	for _, n := range p.notes {
		if n.echo != nil && n.echo.rvsp > 0 {
			p.addMeasure(n.date, n.echo.name, float64(n.echo.rvsp), "mmHg")
		}
		if h := n.rhc; h != nil {
			p.addMeasure(n.date, "mPAP", float64(h.mpap), "mmHg")
			p.addMeasure(n.date, "PVR", h.pvr, "WU")
			p.addMeasure(n.date, "PAWP", float64(h.pawp), "mmHg")
		}
		if !slices.Contains(narrativeTypes, n.typ) {
			continue
		}
		for _, pr := range p.probs {
			if r.IntN(5) < 2 {
				p.addCode(n.date, pr.icd10, pr.icd9)
			}
		}
		if len(p.drugs) > 0 && r.IntN(5) < 2 {
			p.addDrug(n.date, pick(r, p.drugs))
		}
	}
	if p.positive && !p.cases.has(CaseNeverCoded) {
		dates := 1
		if r.Float64() < 0.45 {
			dates = 2 + r.IntN(3)
		}
		p.phCodes(dates, len(p.notes)/4, len(p.notes))
	}
	if p.positive {
		for _, d := range p.phDrugs {
			for range 1 + r.IntN(3) {
				p.addDrug(p.notes[len(p.notes)/3+r.IntN(len(p.notes)-len(p.notes)/3)].date, d)
			}
		}
	}
	slices.SortStableFunc(p.facts, func(a, b phenorag.Fact) int { return a.Date.Compare(b.Date) })
}

// phCodes codes pulmonary hypertension on k distinct note dates in [lo, hi).
func (p *plan) phCodes(k, lo, hi int) {
	hi = min(hi, len(p.notes))
	lo = max(0, min(lo, hi-1))
	var dates []time.Time
	for _, i := range p.r.Perm(hi - lo) {
		d := p.notes[lo+i].date
		if !slices.ContainsFunc(dates, d.Equal) {
			dates = append(dates, d)
		}
		if len(dates) == k {
			break
		}
	}
	group := p.group
	if group == 0 {
		group = 2 + p.r.IntN(2)
	}
	for _, d := range dates {
		p.addCode(d, phICD10(group, d), [4]string{"416.0", "416.8", "416.8", "416.2"}[group-1])
	}
}

// phICD10 returns the ICD-10-CM code of a WHO group on date d: the I27.2x
// subcodes exist from October 2017.
func phICD10(group int, d time.Time) string {
	if group == 1 {
		return "I27.0"
	}
	if d.Before(time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC)) {
		return "I27.2"
	}
	return [4]string{"I27.0", "I27.22", "I27.23", "I27.24"}[group-1]
}

// icd10Start is when US claims moved from ICD-9-CM to ICD-10-CM.
var icd10Start = time.Date(2015, 10, 1, 0, 0, 0, 0, time.UTC)

func (p *plan) addCode(d time.Time, icd10, icd9 string) {
	f := phenorag.Fact{PatientID: p.id, Kind: phenorag.FactDiagnosis, Date: d,
		System: "ICD10", Code: icd10}
	if d.Before(icd10Start) {
		f.System, f.Code = "ICD9", icd9
	}
	p.facts = append(p.facts, f)
}

func (p *plan) addMeasure(d time.Time, name string, v float64, unit string) {
	p.facts = append(p.facts, phenorag.Fact{PatientID: p.id, Kind: phenorag.FactMeasurement,
		Date: d, Name: name, Value: v, HasValue: true, Unit: unit})
}

func (p *plan) addDrug(d time.Time, name string) {
	p.facts = append(p.facts, phenorag.Fact{PatientID: p.id, Kind: phenorag.FactDrug,
		Date: d, Name: name})
}

func (p *plan) has(key string) bool {
	return slices.ContainsFunc(p.probs, func(pr *problem) bool { return pr.key == key })
}

func (p *plan) sexWord() string {
	if p.female {
		return "woman"
	}
	return "man"
}

// usDate writes d as clinicians do, MM/DD/YYYY.
func usDate(d time.Time) string {
	b := make([]byte, 0, 10)
	b = appendPad2(b, int(d.Month()))
	b = append(b, '/')
	b = appendPad2(b, d.Day())
	b = append(b, '/')
	return string(strconv.AppendInt(b, int64(d.Year()), 10))
}

func appendPad2(b []byte, v int) []byte {
	if v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(v), 10)
}
