package synth

// moreSubjectives widen the histories; like every background text they never
// name the disease, its abbreviations or a blood pH.
var moreSubjectives = []string{
	"Patient reports 2-pillow orthopnea, unchanged. Walks to the mailbox and back " +
		"before needing to rest. Denies chest pain, palpitations or syncope.",
	"No acute complaints this AM. Tolerated PO breakfast. Urinating without " +
		"difficulty. Wants to know when {pron} can go home.",
	"Daughter called overnight concerned about confusion, which has since cleared. " +
		"Patient oriented x3 this morning and asking about discharge.",
	"Cough improved, now only at night. Sputum clearer. Using albuterol about twice " +
		"a day. No fevers since Tuesday.",
	"Complains of bilateral knee pain limiting ambulation, worse with stairs. " +
		"Acetaminophen helps somewhat. Denies falls since last visit.",
	"Reports adherence to low-salt diet most days, though admits to eating out over " +
		"the holidays. Home weights 82-84 kg. Mild ankle swelling by evening.",
	"Presents for routine follow-up. Feels well overall. Sleeping 6-7 hours with " +
		"CPAP. Appetite good, weight stable.",
	"Nausea resolved, tolerating clears and advanced to soft diet. Last BM this " +
		"morning. Pain 3/10 at the incision, controlled with acetaminophen.",
	"Noted increased dyspnea on exertion over the last month, now 1 flight of stairs " +
		"compared with 3 previously. No chest pain. No leg swelling. No hemoptysis.",
	"Pt seen with interpreter (Spanish). Reports dizziness on standing in the morning, " +
		"no loss of consciousness. Drinking about 1 L of fluid a day.",
}

// rosLines are reviews of systems.
var rosLines = []string{
	"ROS: Negative for fever, chills, chest pain, abdominal pain, dysuria. Positive " +
		"for fatigue.",
	"Review of systems: 12-point review otherwise negative.",
	"ROS: + DOE, + mild LE edema; - CP, - palpitations, - syncope, - melena.",
	"ROS as per HPI, otherwise negative.",
}

// moreExams are further physical examinations.
var moreExams = [][]string{
	{"GEN: obese, NAD, conversant.", "HEENT: PERRL, EOMI, oropharynx clear.",
		"NECK: supple, JVD to the angle of the jaw at 45 degrees.",
		"CV: RRR, S1/S2, II/VI holosystolic murmur at apex.",
		"PULM: crackles at both bases, no wheezes.", "ABD: soft, NTND, no HSM.",
		"EXT: 2+ pitting edema bilateral LE to knees.", "SKIN: venous stasis changes."},
	{"Constitutional: well-nourished, well-developed, no acute distress.",
		"Eyes: conjunctivae normal.", "Cardiovascular: regular rate and rhythm, no murmurs.",
		"Respiratory: effort normal, prolonged expiratory phase, scattered wheezes.",
		"Gastrointestinal: soft, non-tender.", "Musculoskeletal: crepitus at both knees.",
		"Neurological: alert, oriented, no focal deficit."},
	{"Gen - frail elderly, lying in bed, pleasant.", "CV - irregular, nl S1 S2.",
		"Lungs - diminished at R base with dullness to percussion.",
		"Abd - mildly distended, + BS.", "Ext - no c/c/e.",
		"Neuro - A&O x2 (not to date), moving all extremities."},
}

// moreCourses are further hospital course paragraphs.
var moreCourses = []string{
	"Admitted with sepsis from a urinary source. Received 30 ml/kg of crystalloid " +
		"in the ED and was started on ceftriaxone. Lactate cleared from 3.1 to 1.2. " +
		"Urine culture grew E. coli sensitive to ceftriaxone; narrowed to oral " +
		"cephalexin to finish a 7-day course.",
	"The patient had an episode of atrial fibrillation with rapid ventricular " +
		"response to the 140s on hospital day 3, treated with IV metoprolol with " +
		"conversion to sinus rhythm. Apixaban was continued.",
	"Creatinine peaked at 2.4 on hospital day 2 in the setting of poor oral intake " +
		"and diuretic use; lisinopril and furosemide were held and creatinine " +
		"improved to 1.5 by discharge. Diuretic restarted at a reduced dose.",
	"Hemoglobin dropped from 10.2 to 8.1 without overt bleeding. Stool guaiac " +
		"negative. Received 1 unit PRBC with appropriate rise. GI recommended " +
		"outpatient colonoscopy.",
	"A CT chest was obtained given persistent hypoxemia and showed no pulmonary " +
		"embolism. Oxygen was weaned to room air with ambulatory saturations of " +
		"91-93% at discharge.",
	"Hyponatremia to 127 on admission, felt to be hypovolemic; corrected slowly " +
		"with normal saline to 134 at discharge. Thiazide discontinued.",
	"Social work met with the patient and family regarding home safety; the " +
		"patient will go home with home health nursing and PT. Goals of care " +
		"discussion held, patient remains full code.",
}

// moreRadiology are further radiology studies without the disease.
var moreRadiology = [][4]string{
	{"CT HEAD WITHOUT CONTRAST", "Axial images of the head without IV contrast.",
		"No acute intracranial hemorrhage, mass effect or midline shift. Chronic " +
			"small vessel ischemic changes. Ventricles proportional to sulci.",
		"No acute intracranial abnormality."},
	{"US LOWER EXTREMITY VENOUS DUPLEX, BILATERAL", "Grayscale, color and spectral " +
		"Doppler of the deep veins from the common femoral to the popliteal veins.",
		"Normal compressibility, flow and augmentation throughout. Small Baker cyst " +
			"on the right.",
		"No deep venous thrombosis in either lower extremity."},
	{"CHEST RADIOGRAPH, 1 VIEW", "Single frontal view.",
		"Patchy right lower lobe opacity. Small right effusion. Heart size upper " +
			"normal. No pneumothorax.",
		"Right lower lobe opacity, concerning for pneumonia in the appropriate " +
			"clinical setting. Recommend follow-up radiograph in 6-8 weeks."},
	{"ABDOMINAL ULTRASOUND, RIGHT UPPER QUADRANT", "Grayscale and color Doppler images.",
		"Gallbladder contains multiple small stones without wall thickening or " +
			"pericholecystic fluid. Negative sonographic Murphy sign. CBD 4 mm.",
		"Cholelithiasis without sonographic evidence of acute cholecystitis."},
	{"XR LUMBAR SPINE, 2 VIEWS", "AP and lateral views.",
		"Multilevel degenerative disc disease, most pronounced at L4-L5 and L5-S1. " +
			"No acute fracture. Alignment maintained.",
		"Degenerative changes without acute osseous abnormality."},
}

// dischargeInstructions are paragraphs for patients going home.
var dischargeInstructions = []string{
	"Weigh yourself every morning. Call your doctor if your weight goes up by more " +
		"than 2 lb in a day or 5 lb in a week, or if you are more short of breath.",
	"Take all medications as prescribed. Do not take ibuprofen, naproxen or other " +
		"NSAIDs. Return to the ED for chest pain, fainting or bleeding.",
	"Check your blood sugar before meals and at bedtime and bring the log to your " +
		"next appointment. Call for sugars above 300 or below 70.",
	"Finish the antibiotic course even if you feel better. Return for fever above " +
		"101 F, confusion or inability to keep fluids down.",
}

// apClosers end an assessment and plan.
var apClosers = []string{
	"FEN: regular diet, replete lytes PRN. PPx: SQ heparin. Code: full.",
	"Dispo: anticipate discharge home in 1-2 days.",
	"Health maintenance: flu shot given today. Colonoscopy up to date.",
	"DVT ppx: enoxaparin 40 mg SQ daily. Code status: DNR/DNI, confirmed with " +
		"patient and HCP.",
	"RTC 3 months, sooner PRN. Labs prior to visit: CMP, CBC, A1c, lipids.",
	"Total time spent 35 minutes, more than half in counselling and coordination " +
		"of care.",
}

func init() {
	exams = append(exams, moreExams...)
	radiologyExams = append(radiologyExams, moreRadiology...)
	hospitalCourses = append(hospitalCourses, moreCourses...)
	subjectives = append(subjectives, moreSubjectives...)
}
