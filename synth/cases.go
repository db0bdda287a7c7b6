package synth

// Hard-case tags carried by patients with pulmonary hypertension.
const (
	CaseExplicit     = "explicit"     // the diagnosis is stated in words
	CaseNumbersOnly  = "numbers_only" // only RVSP, mPAP and PVR show it; no PH word anywhere
	CaseAbbreviation = "abbreviation" // PH, PAH, pulm HTN, CTEPH, elevated PA pressures
	CaseMisspelling  = "misspelling"  // pulmonary hypertention and the like
	CaseLineWrap     = "line_wrap"    // "pulmonary\nhypertension" broken by a hard wrap
	CaseCapsHeader   = "caps_header"  // "PULMONARY HYPERTENSION:" as a problem header
	CaseCopyForward  = "copy_forward" // one PH paragraph copied verbatim into many notes
	CaseNeverCoded   = "never_coded"  // true PH without any PH diagnosis code
	caseCountPosTags = 8
)

// Hard-case tags carried by patients without pulmonary hypertension.
const (
	CaseNegated        = "negated"          // "no evidence of pulmonary hypertension"
	CaseHypothetical   = "hypothetical"     // "r/o PH", "echo to evaluate for PH", "RHC pending"
	CaseHistorical     = "historical"       // PH in the past, resolved
	CaseFamilyHistory  = "family_history"   // "mother had PAH"
	CaseUncertain      = "uncertain"        // "possible mild PH", then a negative work-up
	CaseBloodPH        = "blood_ph"         // "pH 7.31" in a blood gas or urinalysis
	CasePortalHTN      = "portal_htn"       // portal hypertension
	CaseSystemicHTN    = "systemic_htn"     // essential or uncontrolled hypertension
	CaseVenousHTN      = "venous_htn"       // pulmonary venous hypertension on imaging
	CaseValveStenosis  = "valve_stenosis"   // high RVSP from pulmonary valve stenosis
	CaseWorkupCode     = "workup_code"      // a PH code entered for a work-up that ruled it out
	CasePDE5Other      = "pde5_other"       // sildenafil or tadalafil for ED, BPH or Raynaud's
	CaseCopyForwardNeg = "copy_forward_neg" // a look-alike paragraph copied into many notes
)

// PositiveCases lists the hard-case tags of patients with the disease.
var PositiveCases = []string{
	CaseExplicit, CaseNumbersOnly, CaseAbbreviation, CaseMisspelling,
	CaseLineWrap, CaseCapsHeader, CaseCopyForward, CaseNeverCoded,
}

// NegativeCases lists the hard-case tags of patients without the disease.
var NegativeCases = []string{
	CaseNegated, CaseHypothetical, CaseHistorical, CaseFamilyHistory, CaseUncertain,
	CaseBloodPH, CasePortalHTN, CaseSystemicHTN, CaseVenousHTN, CaseValveStenosis,
	CaseWorkupCode, CasePDE5Other, CaseCopyForwardNeg,
}

// caseSet is a set of hard-case tags, one bit per tag: bits 0-7 follow
// PositiveCases, bits 8-20 follow NegativeCases.
type caseSet uint32

func caseBit(tag string) caseSet {
	for i, c := range PositiveCases {
		if c == tag {
			return 1 << i
		}
	}
	for i, c := range NegativeCases {
		if c == tag {
			return 1 << (caseCountPosTags + i)
		}
	}
	panic("synth: unknown case " + tag)
}

func (s caseSet) has(tag string) bool { return s&caseBit(tag) != 0 }

func (s *caseSet) add(tag string) { *s |= caseBit(tag) }

// tags returns the tags in s in list order.
func (s caseSet) tags() []string {
	var out []string
	for i, c := range PositiveCases {
		if s&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	for i, c := range NegativeCases {
		if s&(1<<(caseCountPosTags+i)) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// chooseCases picks the hard cases of a patient. The k-th positive (or the
// k-th negative that carries a hard case) takes the k-th tag of its list in
// turn, so that a small cohort covers every tag; further tags are drawn at
// random where they can be combined.
func (g *generator) chooseCases(p *plan) {
	r := p.r
	if p.positive {
		first := PositiveCases[g.posSeen%len(PositiveCases)]
		g.posSeen++
		p.cases.add(first)
		if first == CaseNumbersOnly {
			if r.Float64() < 0.25 {
				p.cases.add(CaseNeverCoded)
			}
			return
		}
		if first == CaseNeverCoded {
			p.cases.add(pick(r, wordCases))
		}
		for _, c := range wordCases {
			if r.Float64() < extraCaseOdds[c] {
				p.cases.add(c)
			}
		}
		if r.Float64() < 0.12 {
			p.cases.add(CaseNeverCoded)
		}
		return
	}
	if r.Float64() >= negativeCaseOdds {
		return
	}
	p.cases.add(NegativeCases[g.negSeen%len(NegativeCases)])
	g.negSeen++
	if r.Float64() < 0.25 {
		p.cases.add(pick(r, NegativeCases))
	}
}

// wordCases are the positive cases that name the disease in words.
var wordCases = []string{
	CaseExplicit, CaseAbbreviation, CaseMisspelling, CaseLineWrap, CaseCapsHeader,
	CaseCopyForward,
}

// extraCaseOdds is the chance that a positive carries a word case besides
// its first one.
var extraCaseOdds = map[string]float64{
	CaseExplicit:     0.45,
	CaseAbbreviation: 0.40,
	CaseMisspelling:  0.08,
	CaseLineWrap:     0.08,
	CaseCapsHeader:   0.20,
	CaseCopyForward:  0.15,
}

// negativeCaseOdds is the share of negatives that carry a hard case.
const negativeCaseOdds = 0.42
