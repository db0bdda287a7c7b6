package synth

import (
	"math"
	"slices"
	"strconv"
)

// write writes the text of note n into b.
func (b *builder) write(n *noteSpec) {
	b.reset(n)
	switch n.typ {
	case TypeDischarge:
		b.discharge()
	case TypeCardiology:
		b.consult()
	case TypeEcho:
		b.echo()
	case TypeRHC:
		b.rhc()
	case TypePulmonary:
		b.pulmonary()
	case TypeRadiology:
		b.radiology()
	default:
		b.progress()
	}
}

// title writes the first line of a note and its date.
func (b *builder) title(titles []string, dateLabel string) {
	b.w(pick(b.p.r, titles))
	b.w("\n")
	b.w(dateLabel)
	b.w(usDate(b.n.date))
	b.w("\n")
}

func (b *builder) progress() {
	r := b.p.r
	b.title([]string{"PROGRESS NOTE", "INTERNAL MEDICINE PROGRESS NOTE",
		"Primary Care Follow-up Visit", "HOSPITAL MEDICINE DAILY PROGRESS NOTE"},
		"Date of service: ")
	b.header(pick(r, []string{"SUBJECTIVE:", "INTERVAL HISTORY:", "S:"}))
	start := len(b.buf)
	b.intro()
	b.x(pick(r, subjectives))
	b.wrapFrom(start)
	b.inline(slotHPI)
	b.w("\n")
	if r.IntN(3) == 0 {
		b.line(pick(r, rosLines))
	}
	if b.injected(slotPMH) {
		b.pmh("PMH:")
	}
	if r.IntN(2) == 0 || b.injected(slotMeds) {
		b.meds("MEDICATIONS:")
	}
	if b.injected(slotFamily) {
		b.header("FAMILY HISTORY:")
		b.slot(slotFamily, "", 0)
	}
	b.header(pick(r, []string{"OBJECTIVE:", "O:", "PHYSICAL EXAM:"}))
	b.vitals()
	b.exam()
	b.labs()
	b.ap(pick(r, []string{"ASSESSMENT AND PLAN:", "A/P:", "ASSESSMENT & PLAN:"}), 1+r.IntN(4))
	b.w("\n")
	b.line(pick(r, reportSigners))
}

func (b *builder) discharge() {
	r := b.p.r
	los := 2 + r.IntN(7)
	b.w("DISCHARGE SUMMARY\nAdmission Date: ")
	b.w(usDate(b.n.date.AddDate(0, 0, -los)))
	b.w("    Discharge Date: ")
	b.w(usDate(b.n.date))
	b.w("\nService: ")
	b.w(pick(r, []string{"MEDICINE", "HOSPITALIST", "CARDIOLOGY", "PULMONARY"}))
	b.w("\n")
	b.header("CHIEF COMPLAINT:")
	b.w(pick(r, pick(r, b.p.probs).why))
	b.w("\n")
	b.header("HISTORY OF PRESENT ILLNESS:")
	start := len(b.buf)
	b.intro()
	b.x(pick(r, subjectives))
	b.w(" ")
	b.x(pick(r, subjectives))
	b.wrapFrom(start)
	b.inline(slotHPI)
	b.w("\n")
	b.pmh("PAST MEDICAL HISTORY:")
	b.header("SOCIAL HISTORY:")
	b.line(pick(r, social))
	b.family()
	b.header("ALLERGIES:")
	b.line(pick(r, allergies))
	b.header("PHYSICAL EXAM ON ADMISSION:")
	b.vitals()
	b.exam()
	b.header("PERTINENT LABS:")
	b.labs()
	b.header("HOSPITAL COURSE:")
	for _, k := range r.Perm(len(hospitalCourses))[:3+r.IntN(len(hospitalCourses)-2)] {
		b.para(hospitalCourses[k])
		b.w("\n\n")
	}
	b.header("PROCEDURES:")
	b.line(pick(r, procedures))
	b.header("CONSULTS:")
	b.line(pick(r, consults))
	b.ap("Course by problem:", 2+r.IntN(5))
	b.meds("DISCHARGE MEDICATIONS:")
	b.header("DISCHARGE CONDITION:")
	b.line(pick(r, []string{"Stable, ambulating with a walker.", "Good. Tolerating diet.",
		"Fair; home with VNA services."}))
	b.header("DISCHARGE INSTRUCTIONS:")
	for _, k := range r.Perm(len(dischargeInstructions))[:1+r.IntN(len(dischargeInstructions))] {
		b.para(dischargeInstructions[k])
		b.w("\n")
	}
	b.header("FOLLOW-UP:")
	b.line("PCP within 7 days; {dr} in clinic in 2-4 weeks. Labs (BMP) in 1 week.")
}

func (b *builder) consult() {
	r := b.p.r
	b.title([]string{"CARDIOLOGY CONSULTATION", "Cardiology Consult Note",
		"CARDIOLOGY OUTPATIENT CONSULTATION"}, "Date: ")
	b.x("Requesting physician: {dr}\n")
	b.header("REASON FOR CONSULTATION:")
	b.line(pick(r, []string{"Dyspnea on exertion.", "Abnormal ECG.",
		"Preoperative cardiac risk assessment.", "Atrial fibrillation management.",
		"Lower extremity edema.", "Chest pain."}))
	b.header("HISTORY OF PRESENT ILLNESS:")
	start := len(b.buf)
	b.intro()
	b.x(pick(r, subjectives))
	b.w(" ")
	b.x(pick(r, subjectives))
	b.wrapFrom(start)
	b.inline(slotHPI)
	b.w("\n")
	b.pmh("PAST MEDICAL HISTORY:")
	b.meds("CURRENT MEDICATIONS:")
	b.header("ALLERGIES:")
	b.line(pick(r, allergies))
	b.header("SOCIAL HISTORY:")
	b.line(pick(r, social))
	b.family()
	b.header("REVIEW OF SYSTEMS:")
	b.line("10-point review of systems negative except as noted in the HPI.")
	b.header("EXAMINATION:")
	b.vitals()
	b.exam()
	b.header("DATA:")
	b.x("ECG: " + pick(r, ecgs) + "\n")
	b.labs()
	b.ap("ASSESSMENT AND RECOMMENDATIONS:", 1+r.IntN(2))
	b.line("\nThank you for this consult. We will follow along; please page with questions.")
	b.line(pick(r, reportSigners))
}

func (b *builder) pulmonary() {
	r := b.p.r
	b.title([]string{"PULMONARY CLINIC NOTE", "Pulmonary Follow-up Visit",
		"PULMONARY MEDICINE OUTPATIENT NOTE"}, "Visit date: ")
	b.header("REASON FOR VISIT:")
	b.line(pick(r, []string{"Follow-up of dyspnea.", "Chronic cough.",
		"COPD follow-up.", "Abnormal CT chest.", "Sleep apnea follow-up."}))
	b.header("HPI:")
	start := len(b.buf)
	b.intro()
	b.x(pick(r, subjectives))
	b.wrapFrom(start)
	b.inline(slotHPI)
	b.w("\n")
	if r.IntN(2) == 0 || b.injected(slotPMH) {
		b.pmh("PMH:")
	}
	b.meds("MEDS:")
	if b.injected(slotFamily) {
		b.family()
	}
	b.header("PULMONARY FUNCTION TESTS:")
	b.w("FEV1 ")
	b.x("{fev1} L (")
	b.between(38, 92)
	b.w("% pred), FEV1/FVC ")
	b.betweenDec(0.45, 0.82)
	b.w(", DLCO ")
	b.between(41, 96)
	b.w("% pred.\n")
	if r.IntN(2) == 0 {
		b.w("6MWT: 6MWD ")
		b.between(180, 520)
		b.x(" m, nadir SpO2 {spo2}% on room air.\n")
	}
	b.header("EXAM:")
	b.vitals()
	b.exam()
	b.labs()
	b.ap("ASSESSMENT/PLAN:", 1+r.IntN(2))
	b.w("\n")
	b.line(pick(r, reportSigners))
}

// intro opens a history with the patient's age, sex and main problems.
func (b *builder) intro() {
	p := b.p
	form := pick(p.r, introForms)
	b.w(form[0])
	b.num(p.age)
	b.w(pick(p.r, []string{"-year-old ", " y/o ", " yo ", " year old "}))
	b.w(p.sexWord())
	b.w(form[1])
	k := min(len(p.probs), 2+p.r.IntN(3))
	for i, j := range p.r.Perm(len(p.probs))[:k] {
		switch {
		case i == k-1 && k > 1:
			b.w(pick(p.r, []string{", and ", " and ", ", "}))
		case i > 0:
			b.w(", ")
		}
		b.w(pick(p.r, p.probs[j].names))
	}
	b.w(form[2])
	b.w(pick(p.r, pick(p.r, p.probs).why))
	b.w(". ")
}

// introForms open a history: before the age, between sex and history, and
// before the reason for the visit.
var introForms = [][3]string{
	{"", " with ", " who presents with "},
	{"This is a ", " with a past medical history of ", ", presenting with "},
	{"Pt is a ", " w/ hx of ", " here for "},
	{"The patient is a pleasant ", " with ", " who comes in for "},
	{"", ", PMH ", ", admitted for "},
}

var subjectives = []string{
	"Reports feeling better today, slept well, tolerating diet. No chest pain, no " +
		"fevers or chills. Ambulating in the hallway with PT.",
	"States breathing is at baseline. Mild cough productive of white sputum. " +
		"Denies hemoptysis, orthopnea or PND.",
	"Per patient, symptoms started about one week ago with gradually worsening " +
		"fatigue and poor appetite. Family at bedside provides additional history.",
	"Seen and examined at bedside this morning. Overnight events: none. Pain " +
		"controlled, last BM yesterday.",
	"Here with spouse. Compliant with medications per pill box. Checks blood sugars " +
		"twice daily, readings reviewed.",
	"The patient was in usual state of health until 3 days prior to admission when " +
		"{pron} noted increasing shortness of breath and bilateral leg swelling. " +
		"Weight up 4 lb per home scale.",
}

var procedures = []string{
	"None.", "PICC line placement (right basilic), 4 Fr single lumen.",
	"Thoracentesis, left, 900 ml serous fluid removed; transudate by Light criteria.",
	"EGD: LA grade B esophagitis, no active bleeding.",
	"Paracentesis, 3 L, no SBP.",
}

var consults = []string{
	"None.", "Nephrology, physical therapy.", "Cardiology (see separate note).",
	"Infectious disease, wound care.", "Palliative care, social work.",
	"Endocrinology for insulin titration.",
}

var radiologyExtras = []string{
	"Osseous structures: degenerative changes, no acute fracture.",
	"Soft tissues: unremarkable.",
	"Support devices: none.",
	"Visualized upper abdomen: unremarkable.",
	"Incidental note is made of a small hiatal hernia.",
}

var radiologyFooters = []string{
	"I have personally reviewed the images and agree with the findings above.",
	"Findings discussed with the ordering provider by phone at the time of " +
		"interpretation.",
	"This examination was interpreted at a remote workstation. Final report.",
}

var rhcDetails = []string{
	"Saturations: SVC 68%, PA 66%, systemic arterial 95%.\n" +
		"Fick cardiac output concordant with thermodilution.\n" +
		"Complications: none. Estimated blood loss: minimal.\n",
	"Heart rate {hr} bpm, systemic BP {bp}.\nSedation: midazolam 1 mg, fentanyl 25 mcg.\n" +
		"Sheath removed, hemostasis with manual pressure. No complications.\n",
}

var ecgs = []string{
	"sinus rhythm at {hr} bpm, normal axis, no acute ST-T changes.",
	"atrial fibrillation with controlled ventricular response, rate {hr}.",
	"sinus rhythm, first degree AV block, LVH by voltage criteria.",
	"sinus rhythm, RBBB, nonspecific T wave flattening.",
}

// pmh writes a numbered past history: the patient's problems, then case text.
func (b *builder) pmh(h string) {
	b.header(h)
	k := 0
	for _, pr := range b.p.probs {
		k++
		b.num(k)
		b.w(". ")
		b.w(pick(b.p.r, pr.names))
		b.w("\n")
	}
	b.slot(slotPMH, "", k+1)
}

// meds writes a medication list: the patient's drugs, then case text.
func (b *builder) meds(h string) {
	b.header(h)
	for _, pr := range b.p.probs {
		for _, m := range pr.meds {
			b.w("- ")
			b.x(m)
			b.w("\n")
		}
	}
	for _, d := range b.p.phDrugs {
		b.w("- ")
		b.w(phDrugLines[d])
		b.w("\n")
	}
	b.slot(slotMeds, "- ", 0)
}

var phDrugLines = map[string]string{
	"ambrisentan":  "ambrisentan 10 mg PO daily",
	"bosentan":     "bosentan 125 mg PO BID",
	"macitentan":   "macitentan 10 mg PO daily",
	"riociguat":    "riociguat 2.5 mg PO TID",
	"sildenafil":   "sildenafil 20 mg PO TID",
	"tadalafil":    "tadalafil 40 mg PO daily",
	"treprostinil": "treprostinil inhaled 9 breaths QID",
	"epoprostenol": "epoprostenol continuous IV infusion via CADD pump",
	"selexipag":    "selexipag 800 mcg PO BID",
}

func (b *builder) family() {
	b.header("FAMILY HISTORY:")
	if b.slot(slotFamily, "", 0) == 0 {
		b.line(pick(b.p.r, families))
	}
}

func (b *builder) vitals() {
	b.x(pick(b.p.r, []string{
		"Vitals: T {temp} HR {hr} BP {bp} RR {rr} SpO2 {spo2}% RA\n",
		"VS: Temp {temp} F, pulse {hr}, BP {bp}, resp {rr}, O2 sat {spo2}% on {o2} L NC\n",
		"BP {bp} | HR {hr} | RR {rr} | SpO2 {spo2}% | Wt {wt} kg\n",
	}))
}

func (b *builder) exam() {
	for _, l := range pick(b.p.r, exams) {
		b.line(l)
	}
}

func (b *builder) labs() {
	r := b.p.r
	switch r.IntN(3) {
	case 0:
		b.x("Labs: Na {na}, K {k}, Cl 101, HCO3 24, BUN 22, Cr {cr}, Glu {glu}. " +
			"WBC {wbc}, Hgb {hgb}, Plt {plt}.\n")
	case 1:
		b.x("LABS:\n{na} | 102 | 28\n---------------< {glu}\n{k} | 23 | {cr}\n" +
			"CBC: {wbc} > {hgb} < {plt}\n")
	default:
		b.x("Recent labs notable for Cr {cr}, K {k}, Hgb {hgb}. BNP {bnp}.\n")
	}
	b.slot(slotLabs, "", 0)
}

// ap writes an assessment and plan: k of the patient's problems, then the
// case text waiting for the plan.
func (b *builder) ap(h string, k int) {
	r := b.p.r
	b.header(h)
	probs := b.p.probs
	for _, i := range r.Perm(len(probs))[:min(k, len(probs))] {
		b.w("# ")
		b.x(pick(r, probs[i].ap))
		b.w("\n")
	}
	b.slot(slotAP, "", 0)
	if r.IntN(3) > 0 {
		b.line(pick(r, apClosers))
	}
}

func (b *builder) radiology() {
	r := b.p.r
	ex := pick(r, radiologyExams)
	if b.injected(slotImpression) {
		ex = radiologyExams[1]
	}
	b.w("EXAM: ")
	b.w(ex[0])
	b.w("\nDATE: ")
	b.w(usDate(b.n.date))
	b.w("\n")
	b.header("CLINICAL HISTORY:")
	b.w(pick(r, pick(r, b.p.probs).why))
	b.w(".\n")
	b.header("TECHNIQUE:")
	b.line(ex[1])
	b.header("COMPARISON:")
	b.line(pick(r, []string{"None.", "Prior study from 2 years ago.", "CT chest {year}."}))
	b.header("FINDINGS:")
	b.para(ex[2])
	b.w("\n")
	for _, k := range r.Perm(len(radiologyExtras))[:2+r.IntN(2)] {
		b.line(radiologyExtras[k])
	}
	b.header("IMPRESSION:")
	b.line(ex[3])
	b.slot(slotImpression, "", 0)
	b.w("\n")
	b.line(pick(r, radiologyFooters))
	b.line(pick(r, reportSigners))
}

func (b *builder) echo() {
	r, e := b.p.r, b.n.echo
	b.title([]string{"TRANSTHORACIC ECHOCARDIOGRAM REPORT", "ECHOCARDIOGRAPHY REPORT",
		"TTE - COMPLETE"}, "Date of study: ")
	b.header("INDICATION:")
	b.line(pick(r, []string{"Dyspnea.", "Heart failure, assess LV function.",
		"Atrial fibrillation.", "Murmur.", "Edema.", "Preoperative evaluation."}))
	b.w("Height: ")
	b.between(150, 192)
	b.x(" cm   Weight: {wt} kg   BP: {bp}   Rhythm: sinus\n")
	b.line(pick(r, []string{"Image quality: adequate.",
		"Image quality: technically limited due to body habitus."}))
	b.header("MEASUREMENTS:")
	b.w("LVIDd ")
	b.betweenDec(3.9, 5.8)
	b.w(" cm   IVSd ")
	b.betweenDec(0.8, 1.3)
	b.w(" cm\nLVEF (biplane): ")
	b.num(e.ef)
	b.w("%\nTAPSE: ")
	b.dec(e.tapse)
	b.w(" cm\n")
	b.rvsp(e)
	b.echoFindings(e)
	b.echoImpression(e)
}

// echoFindings writes the chamber and valve findings of an echo.
func (b *builder) echoFindings(e *echoVals) {
	r := b.p.r
	b.header("FINDINGS:")
	b.w("LEFT VENTRICLE: ")
	b.w(lvText(e.ef))
	b.w("\nRIGHT VENTRICLE: ")
	b.w([]string{"Normal size and systolic function.", "Mildly dilated.",
		"Moderately dilated with reduced systolic function.",
		"Severely dilated and hypokinetic; flattened interventricular septum."}[e.rvDilat])
	b.w("\nATRIA: ")
	b.w(pick(r, []string{"Normal.", "Mild LA enlargement.", "Biatrial enlargement."}))
	b.w("\nMITRAL VALVE: ")
	b.w(pick(r, []string{"Trace MR.", "Mild mitral regurgitation.", "Mitral annular " +
		"calcification, no stenosis."}))
	b.w("\nAORTIC VALVE: ")
	b.w(pick(r, []string{"Trileaflet, no AS or AR.", "Sclerotic without stenosis.",
		"Mild aortic stenosis, mean gradient 14 mmHg."}))
	b.w("\nPULMONIC VALVE: ")
	if e.pvGrad > 0 {
		b.part(part{"Thickened, doming pulmonic valve with peak gradient ", ""})
		b.num(e.pvGrad)
		b.w(" mmHg.")
	} else {
		b.w("Not well seen; no PR.")
	}
	b.w("\nPERICARDIUM: No effusion.\n")
}

// echoImpression writes the numbered impression of an echo.
func (b *builder) echoImpression(e *echoVals) {
	r := b.p.r
	b.header("IMPRESSION:")
	b.w("1. ")
	b.w(lvText(e.ef))
	b.w("\n")
	k := 2
	if e.positive && b.p.words {
		b.num(k)
		b.w(". ")
		b.w(pick(r, []string{"Moderate pulmonary hypertension.",
			"Findings consistent with pulmonary hypertension.", "Severe PH."}))
		b.w("\n")
		k++
	}
	b.slot(slotImpression, "", k)
	b.w("\n")
	b.line(pick(r, reportSigners))
}

// rvsp writes the tricuspid jet and the estimated RV systolic pressure,
// consistent with each other: RVSP = 4 v^2 + RA pressure.
func (b *builder) rvsp(e *echoVals) {
	if e.rvsp == 0 {
		b.w("RVSP: unable to estimate, inadequate TR envelope.\n")
		return
	}
	b.w("TR peak velocity ")
	b.buf = append(b.buf, fmtV(math.Sqrt(float64(e.rvsp-e.rap)/4))...)
	b.w(" m/s, RA pressure ")
	b.num(e.rap)
	b.w(" mmHg\n")
	start := len(b.buf)
	b.w(e.name)
	b.w(" ")
	b.num(e.rvsp)
	b.w(" mmHg")
	if e.tag != "" {
		b.marks = append(b.marks, mark{start, len(b.buf), e.tag})
	}
	b.w("\n")
}

func fmtV(v float64) string {
	return string([]byte{byte('0' + int(v)), '.', byte('0' + int(v*10)%10),
		byte('0' + int(v*100)%10)})
}

func lvText(ef int) string {
	if ef < 50 {
		return "Reduced LV systolic function, LVEF " + itoa(ef) + "%, global hypokinesis."
	}
	return "Normal LV size with preserved systolic function, LVEF " + itoa(ef) + "%."
}

func (b *builder) rhc() {
	r, h := b.p.r, b.n.rhc
	b.title([]string{"RIGHT HEART CATHETERIZATION REPORT", "CARDIAC CATHETERIZATION " +
		"LABORATORY - RIGHT HEART CATH"}, "Procedure date: ")
	b.x("Operator: {dr}\n")
	b.header("INDICATION:")
	b.line(pick(r, []string{"Dyspnea and abnormal echocardiogram.",
		"Hemodynamic assessment before transplant listing.",
		"Unexplained exertional dyspnea.", "Evaluation of right heart function."}))
	b.header("PROCEDURE:")
	b.line(pick(r, []string{
		"Right heart catheterization via the right internal jugular vein under " +
			"ultrasound guidance with a 7 Fr balloon-tipped catheter. Moderate sedation.",
		"RHC via right antecubital vein, 6 Fr sheath. Thermodilution cardiac output " +
			"in triplicate. No complications."}))
	b.hemodynamics(h)
	b.x(pick(r, rhcDetails))
	b.rhcImpression(h)
}

// hemodynamics writes the pressures and output of a catheterization.
func (b *builder) hemodynamics(h *rhcVals) {
	b.header("HEMODYNAMICS:")
	b.w("RA: ")
	b.num(h.ra)
	b.w(" mmHg\nRV: ")
	b.num(h.rvs)
	b.w("/")
	b.num(h.rvd)
	b.w(" mmHg\nPA: ")
	b.num(h.pas)
	b.w("/")
	b.num(h.pad)
	b.w(", mean ")
	b.num(h.mpap)
	b.w(" mmHg\nPCWP: ")
	b.num(h.pawp)
	b.w(" mmHg\nCO (thermodilution): ")
	b.dec(h.co)
	b.w(" L/min   CI: ")
	b.dec(h.ci)
	b.w(" L/min/m2\nSvO2: ")
	b.between(58, 74)
	b.w("%\n")
}

// rhcImpression sums up a catheterization.
func (b *builder) rhcImpression(h *rhcVals) {
	r := b.p.r
	b.header("IMPRESSION:")
	start := len(b.buf)
	b.w("mPAP ")
	b.num(h.mpap)
	b.w(" mmHg, PAWP ")
	b.num(h.pawp)
	b.w(" mmHg, PVR ")
	b.dec(h.pvr)
	b.w(" WU")
	if h.tag != "" {
		b.marks = append(b.marks, mark{start, len(b.buf), h.tag})
	}
	b.w(".\n")
	if h.mpap > 20 && b.p.words {
		kind := "Precapillary"
		if b.p.group == 2 {
			kind = "Post-capillary"
		}
		b.line(kind + pick(r, []string{" pulmonary hypertension.",
			" pulmonary hypertension, as suspected.", " PH."}))
	} else if h.mpap <= 20 && !slices.ContainsFunc(b.n.inject, isImpression) {
		b.line("Normal right heart filling pressures.")
	}
	b.slot(slotImpression, "", 0)
	b.w("\n")
	b.line(pick(r, reportSigners))
}

func isImpression(in injection) bool { return in.slot == slotImpression }

func itoa(v int) string { return strconv.Itoa(v) }
