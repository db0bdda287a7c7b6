package synth

import (
	"fmt"
	"slices"
	"strings"
)

// caseText places the text of every hard case the patient carries, the
// copied paragraphs first since they need the most notes. A case whose text
// finds no room in a short record is dropped from the patient's tags.
func (p *plan) caseText() {
	tags := p.cases.tags()
	slices.SortStableFunc(tags, func(a, b string) int {
		return boolRank(isCopy(b)) - boolRank(isCopy(a))
	})
	for _, c := range tags {
		if f := caseWriters[c]; f != nil && !f(p) {
			p.cases &^= caseBit(c)
		}
	}
}

func isCopy(tag string) bool { return tag == CaseCopyForward || tag == CaseCopyForwardNeg }

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// caseWriters writes each case's text and reports whether it found room;
// never_coded has none, since it only changes the facts.
var caseWriters map[string]func(*plan) bool

func init() {
	caseWriters = map[string]func(*plan) bool{
		CaseExplicit: (*plan).explicit, CaseNumbersOnly: (*plan).numbersOnly,
		CaseAbbreviation: (*plan).abbreviation, CaseMisspelling: (*plan).misspelling,
		CaseLineWrap: (*plan).lineWrap, CaseCapsHeader: (*plan).capsHeader,
		CaseCopyForward: (*plan).copyForward,
		CaseNegated:     (*plan).negated, CaseHypothetical: (*plan).hypothetical,
		CaseHistorical: (*plan).historical, CaseFamilyHistory: (*plan).familyHistory,
		CaseUncertain: (*plan).uncertain, CaseBloodPH: (*plan).bloodPH,
		CasePortalHTN: (*plan).portalHTN, CaseSystemicHTN: (*plan).systemicHTN,
		CaseVenousHTN: (*plan).venousHTN, CaseValveStenosis: (*plan).valveStenosis,
		CaseWorkupCode: (*plan).workupCode, CasePDE5Other: (*plan).pde5Other,
		CaseCopyForwardNeg: (*plan).copyForwardNeg,
	}
}

// phTerm names a positive's disease in full, as its WHO group calls for.
func (p *plan) phTerm() string {
	return pick(p.r, phTerms[p.group-1])
}

var phTerms = [4][]string{
	{"pulmonary arterial hypertension", "idiopathic pulmonary arterial hypertension",
		"pulmonary arterial hypertension associated with scleroderma"},
	{"pulmonary hypertension due to left heart disease",
		"pulmonary hypertension secondary to HFpEF",
		"combined pre- and post-capillary pulmonary hypertension"},
	{"pulmonary hypertension secondary to COPD", "pulmonary hypertension related to ILD",
		"pulmonary hypertension due to COPD and OSA"},
	{"chronic thromboembolic pulmonary hypertension"},
}

// therapy describes a positive's treatment in a few words.
func (p *plan) therapy() string {
	if len(p.phDrugs) > 0 {
		return strings.Join(p.phDrugs, " and ")
	}
	switch p.group {
	case 2:
		return "diuretics and afterload reduction"
	case 3:
		return "supplemental oxygen"
	}
	return "anticoagulation"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (p *plan) explicit() bool {
	n := p.narrative(len(p.notes)/3, len(p.notes))
	if n == nil {
		return false
	}
	term, form := p.phTerm(), pick(p.r, explicitForms)
	if strings.HasPrefix(form, "%s") {
		term = upperFirst(term)
	}
	s := fmt.Sprintf(form, term, p.group, p.therapy())
	n.add(slotAP, part{"# ", ""}, part{s, CaseExplicit},
		part{" " + pick(p.r, phPlanLines), ""})
	return true
}

var explicitForms = []string{
	"%s, WHO group %d, confirmed by right heart catheterization; on %s.",
	"%s (WHO group %d), stable on %s.",
	"%s, WHO group %d. Continues %s with good tolerance.",
	"Established %s, WHO group %d, managed with %s.",
	"%s: WHO group %d disease, functional class II-III, on %s.",
}

var phPlanLines = []string{
	"Repeat TTE in 6 months.",
	"Follow up in PH clinic in 3 months with 6MWT.",
	"Check BNP at next visit; continue current regimen.",
	"Counselled on fluid and salt restriction, daily weights.",
	"Refer to pulmonary rehab; continue O2 with exertion.",
}

func (p *plan) abbreviation() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	abbr := pick(p.r, abbreviations[p.group-1])
	s := fmt.Sprintf(pick(p.r, abbreviationForms), abbr, p.therapy())
	n.add(slotAP, part{"# ", ""}, part{s, CaseAbbreviation})
	return true
}

var abbreviations = [4][]string{
	{"PAH", "PAH", "PH", "pulm HTN"},
	{"PH", "pulm HTN", "PHTN", "elevated PA pressures"},
	{"PH", "pulm HTN", "PHTN", "elevated PA pressures"},
	{"CTEPH", "CTEPH", "PH"},
}

var abbreviationForms = []string{
	"%s - stable, continue %s.",
	"%s: euvolemic today, no syncope; continue %s.",
	"Chronic %s, on %s; RV function stable per last echo.",
	"%s on %s, WHO FC II. Return in 3 mo.",
}

func (p *plan) misspelling() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	s := fmt.Sprintf(pick(p.r, misspellingForms), pick(p.r, misspellings), p.therapy())
	n.add(slotAP, part{"# ", ""}, part{s, CaseMisspelling})
	return true
}

var misspellings = []string{
	"pulmonary hypertention", "pulmonory hypertension", "pulmanary hypertension",
	"pulmonary hypertesion", "pulmonary hypertnesion", "pulmonary hypertenstion",
	"pulomnary hypertension", "pulmonary hypretension",
}

var misspellingForms = []string{
	"Known %s, on %s, stable.",
	"Severe %s - continue %s, recheck echo.",
	"%s, followed by PH clinic, on %s.",
}

func (p *plan) lineWrap() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	who := "He"
	if p.female {
		who = "She"
	}
	n.add(slotHPI,
		part{who + pick(p.r, []string{" also carries a diagnosis of ", " is known to have ",
			" has longstanding "}), ""},
		part{"pulmonary\nhypertension", CaseLineWrap},
		part{", treated with " + p.therapy() + ", and is seen today for follow-up.", ""})
	return true
}

func (p *plan) capsHeader() bool {
	n := p.narrative(len(p.notes)/4, len(p.notes))
	if n == nil {
		return false
	}
	head := "PULMONARY HYPERTENSION:"
	if p.group == 1 && p.r.IntN(2) == 0 {
		head = "PULMONARY ARTERIAL HYPERTENSION:"
	}
	n.add(slotAP, part{head, CaseCapsHeader}, part{fmt.Sprintf(
		"\n- WHO group %d, confirmed on catheterization\n- Continue %s\n- %s",
		p.group, p.therapy(), pick(p.r, phPlanLines)), ""})
	return true
}

func (p *plan) copyForward() bool {
	para := fmt.Sprintf(pick(p.r, copyForms), upperFirst(p.phTerm()), p.group,
		p.therapy(), pick(p.r, doctors))
	return p.copyInto(para, CaseCopyForward)
}

var copyForms = []string{
	"%s (WHO group %d): symptoms stable, no presyncope. Continue %s. Follows with %s " +
		"in the pulmonary vascular clinic; next echo due in 6 months.",
	"%s, WHO group %d - on %s, tolerating well. Volume status at baseline. " +
		"Outpatient follow-up with %s.",
}

var doctors = []string{
	"Dr. Okafor", "Dr. Lindqvist", "Dr. Patel", "Dr. Moreau", "Dr. Haddad", "Dr. Nguyen",
}

// copyInto copies para verbatim into the plan of three to six notes; it
// reports false, writing nothing, when fewer than three notes are free.
func (p *plan) copyInto(para, tag string) bool {
	ns := p.narratives(min(len(p.notes), 3+p.r.IntN(4)))
	if len(ns) < 3 {
		return false
	}
	for _, n := range ns {
		if !slices.Contains(narrativeTypes, n.typ) {
			n.typ = TypeProgress
		}
		n.fixed = true
		n.add(slotAP, part{para, tag})
	}
	return true
}

func (p *plan) numbersOnly() bool {
	for i, n := range p.notes {
		if n.echo == nil || n.echo.rvsp == 0 {
			continue
		}
		later := p.narrative(i+1, len(p.notes))
		if i+1 >= len(p.notes) || later == nil || later.date.Before(n.date) {
			return true
		}
		later.add(slotAP, part{"# Dyspnea on exertion: ", ""}, part{fmt.Sprintf(
			"TTE %s with %s %d mmHg", usDate(n.date), n.echo.name, n.echo.rvsp),
			CaseNumbersOnly}, part{" and a dilated RV. Discussed results; " +
			"continue diuretic, follow up cardiology.", ""})
		return true
	}
	return false
}

func (p *plan) negated() bool {
	if p.r.IntN(2) == 0 {
		if n := p.force(TypeEcho, 0, len(p.notes)); n != nil {
			n.echo = p.normalEcho()
			n.add(slotImpression, part{pick(p.r, negatedEcho), CaseNegated})
			return true
		}
	}
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	n.add(slotAP, part{"# Dyspnea: ", ""}, part{pick(p.r, negatedForms), CaseNegated},
		part{" Likely deconditioning; continue current inhalers.", ""})
	return true
}

var negatedEcho = []string{
	"No echocardiographic evidence of pulmonary hypertension.",
	"No evidence of pulmonary hypertension.",
	"Normal RV size and function without evidence of pulmonary hypertension.",
}

var negatedForms = []string{
	"echo 2 months ago with normal RV and no pulmonary hypertension.",
	"no history of pulmonary hypertension or PE per patient and records.",
	"recent TTE without PH, LVEF preserved.",
	"no evidence of pulmonary hypertension on recent TTE.",
	"TTE without evidence of pulmonary hypertension; RV normal.",
	"echo negative for PH.",
	"no signs of pulmonary hypertension on exam or echo.",
	"pulmonary hypertension is not present on prior echo.",
}

func (p *plan) hypothetical() bool {
	n := p.narrative(len(p.notes)/2, len(p.notes))
	if n == nil {
		return false
	}
	n.add(slotAP, part{"# Dyspnea on exertion: ", ""},
		part{pick(p.r, hypotheticalForms), CaseHypothetical},
		part{" " + pick(p.r, genericPlan), ""})
	return true
}

var hypotheticalForms = []string{
	"pending RHC to evaluate for pulmonary hypertension.",
	"referred for evaluation of possible PAH.",
	"? pulm HTN - will get echo before next visit.",
	"TTE to evaluate for PH.",
	"r/o PH - echo ordered.",
	"RHC pending to assess for pulmonary hypertension.",
	"will obtain V/Q scan to rule out CTEPH.",
	"consider pulmonary hypertension if symptoms persist; echo ordered.",
	"screening for PAH given scleroderma; TTE and PFTs with DLCO pending.",
}

var genericPlan = []string{
	"Return precautions reviewed.", "Follow up in 4 weeks.", "Will call with results.",
	"Continue current medications.",
}

func (p *plan) historical() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	year := p.notes[0].date.Year() - 3 - p.r.IntN(6)
	n.add(slotPMH, part{fmt.Sprintf(pick(p.r, historicalForms), year), CaseHistorical})
	p.phCodes(1+p.r.IntN(2), 0, len(p.notes)/2+1)
	return true
}

var historicalForms = []string{
	"Drug-induced PAH on dasatinib (%d), resolved after the drug was stopped",
	"History of pulmonary hypertension during pregnancy (%d), resolved postpartum",
	"Remote pulmonary hypertension attributed to untreated OSA (%d), resolved on CPAP",
	"Prior PAH diagnosis at an outside hospital in %d, later revised; normal echo since",
}

func (p *plan) familyHistory() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	n.add(slotFamily, part{pick(p.r, familyForms), CaseFamilyHistory})
	return true
}

var familyForms = []string{
	"FHx: mother - PAH (deceased), father - CAD.",
	"Mother had PAH, died at 52.",
	"Sister with idiopathic pulmonary arterial hypertension on IV epoprostenol.",
	"Father: pulmonary hypertension, COPD, died at 70.",
	"Maternal aunt with pulmonary arterial hypertension.",
	"Brother with PAH diagnosed in his 30s.",
}

func (p *plan) uncertain() bool {
	half := max(1, len(p.notes)/2)
	e := p.force(TypeEcho, 0, half)
	if e == nil {
		return false
	}
	e.echo = p.normalEcho()
	h := p.force(TypeRHC, half, len(p.notes))
	if h == nil {
		return false
	}
	e.echo.rvsp = 37 + p.r.IntN(8)
	e.add(slotImpression, part{pick(p.r, uncertainForms), CaseUncertain})
	h.rhc = p.normalRHC()
	h.add(slotImpression, part{"Normal pulmonary artery pressures at rest.", ""})
	return true
}

var uncertainForms = []string{
	"Suspected mild pulmonary hypertension; correlate clinically.",
	"Probable mild PH, estimate limited by a weak TR jet.",
	"Possible mild pulmonary hypertension.",
	"Borderline elevated RVSP; mild pulmonary hypertension cannot be excluded.",
	"Possible mild PH, suggest clinical correlation.",
}

func (p *plan) bloodPH() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	v := pick(p.r, bloodForms)
	n.add(slotLabs, part{v[0], ""}, part{v[1], CaseBloodPH}, part{v[2], ""})
	return true
}

var bloodForms = [][3]string{
	{"ABG: ", "pH 7.31", " / pCO2 58 / pO2 64 / HCO3 29"},
	{"VBG ", "pH 7.28", ", pCO2 61, lactate 1.9"},
	{"UA: ", "pH 5.5", ", SG 1.015, protein negative, no leukocyte esterase"},
	{"ABG on 2 L NC: ", "pH 7.46", "/34/78"},
}

func (p *plan) portalHTN() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	n.add(slotPMH, part{"Alcohol-related cirrhosis with ", ""},
		part{"portal hypertension", CasePortalHTN}, part{" and grade II esophageal varices", ""})
	m := p.narrative(0, len(p.notes))
	if m == nil {
		return true
	}
	m.add(slotAP, part{"# Cirrhosis: ", ""}, part{"portal hypertension", CasePortalHTN},
		part{" with small-volume ascites; continue nadolol 20 mg daily and spironolactone.", ""})
	p.addCode(m.date, "K76.6", "572.3")
	p.drugs = append(p.drugs, "nadolol", "spironolactone")
	return true
}

func (p *plan) systemicHTN() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	n.add(slotAP, part{"# ", ""}, part{pick(p.r, systemicForms), CaseSystemicHTN},
		part{fmt.Sprintf(" BP %d/%d today; increase amlodipine to 10 mg daily.",
			158+p.r.IntN(30), 90+p.r.IntN(12)), ""})
	return true
}

var systemicForms = []string{
	"Essential hypertension, poorly controlled.",
	"Uncontrolled hypertension.",
	"Systemic hypertension, above goal.",
	"Benign essential hypertension - not at goal.",
}

func (p *plan) venousHTN() bool {
	n := p.force(TypeRadiology, 0, len(p.notes))
	if n == nil {
		return false
	}
	n.add(slotImpression, part{pick(p.r, venousForms), CaseVenousHTN})
	return true
}

var venousForms = []string{
	"Cephalization and interstitial edema compatible with pulmonary venous hypertension.",
	"Findings of pulmonary venous hypertension with small bilateral effusions.",
	"Mild pulmonary venous hypertension without frank edema.",
}

func (p *plan) valveStenosis() bool {
	n := p.force(TypeEcho, 0, len(p.notes))
	if n == nil {
		return false
	}
	n.echo = p.normalEcho()
	n.echo.rvsp = 52 + p.r.IntN(25)
	n.echo.tag = CaseValveStenosis
	n.echo.pvGrad = n.echo.rvsp - 8 - p.r.IntN(10)
	n.echo.pvTag = CaseValveStenosis
	n.add(slotImpression, part{"Elevated RV systolic pressure explained by ", ""},
		part{"severe pulmonic valve stenosis", CaseValveStenosis},
		part{"; pulmonary artery pressure is not elevated.", ""})
	return true
}

func (p *plan) workupCode() bool {
	h := p.force(TypeRHC, 1, len(p.notes))
	if h == nil {
		return false
	}
	h.rhc = p.normalRHC()
	h.add(slotImpression, part{pick(p.r, workupForms), CaseWorkupCode})
	dates := 1
	if p.r.Float64() < 0.7 {
		dates = 2
	}
	idx := indexOf(p.notes, h)
	p.phCodes(dates, max(0, idx-2), idx+1)
	return true
}

var workupForms = []string{
	"Pulmonary hypertension ruled out: normal mPAP and PVR.",
	"No pulmonary hypertension. Normal PVR and wedge pressure.",
	"Normal right heart pressures; pulmonary hypertension ruled out.",
	"Normal hemodynamics, no evidence of pulmonary hypertension.",
}

func (p *plan) pde5Other() bool {
	n := p.narrative(0, len(p.notes))
	if n == nil {
		return false
	}
	var med string
	switch {
	case p.female:
		med = "sildenafil 20 mg PO TID for Raynaud phenomenon"
	case p.r.IntN(2) == 0:
		med = "sildenafil 50 mg PO PRN for erectile dysfunction"
	default:
		med = "tadalafil 5 mg PO daily for BPH and erectile dysfunction"
	}
	n.add(slotMeds, part{med, CasePDE5Other})
	drug, _, _ := strings.Cut(med, " ")
	for range 1 + p.r.IntN(3) {
		p.addDrug(pick(p.r, p.notes).date, drug)
	}
	return true
}

func (p *plan) copyForwardNeg() bool {
	para := pick(p.r, copyNegForms)
	return p.copyInto(para, CaseCopyForwardNeg)
}

var copyNegForms = []string{
	"Dyspnea: multifactorial from COPD and deconditioning. TTE without evidence of " +
		"pulmonary hypertension. Continue tiotropium, pulmonary rehab referral placed.",
	"Chronic hypoxemia: likely OSA and obesity hypoventilation; r/o PH with echo at " +
		"next visit. Continue nocturnal CPAP.",
	"Family history of PAH in mother; patient asymptomatic, screening echo normal, " +
		"no further work-up needed.",
}

func indexOf(ns []*noteSpec, n *noteSpec) int {
	for i, m := range ns {
		if m == n {
			return i
		}
	}
	return 0
}
