package synth

// problem is a condition a patient's notes are mostly about.
type problem struct {
	key   string
	order int      // position in a problem list
	names []string // ways a past history lists it
	icd10 string
	icd9  string
	drugs []string // drug names, as the facts record them
	meds  []string // medication list lines, one per drug, in the same order
	ap    []string // assessment and plan paragraphs; {key} fills in a value
	why   []string // reasons for a visit or an admission
}

// problems are the conditions the cohort's notes are about. Assessment texts
// use placeholders that the note writer fills with plausible values.
var problems = []problem{
	{key: "dm2", order: 1,
		names: []string{"type 2 diabetes mellitus", "DM2", "diabetes mellitus type II",
			"T2DM, insulin-requiring"},
		icd10: "E11.9", icd9: "250.00",
		drugs: []string{"metformin", "insulin glargine", "empagliflozin"},
		meds: []string{"metformin 1000 mg PO BID", "insulin glargine {ins} units SC qHS",
			"empagliflozin 10 mg PO daily"},
		ap: []string{
			"DM2: A1c {a1c}% last check. Continue metformin and glargine {ins} units qHS. " +
				"ISS while inpatient, carb-consistent diet.",
			"Diabetes, type 2, suboptimally controlled (A1c {a1c}%). Increase glargine to " +
				"{ins} units. Reinforced diet, foot care. Annual eye exam due.",
			"T2DM - fingersticks 140s-210s. Hold metformin while NPO, restart at discharge.",
		},
		why: []string{"hyperglycemia", "foot ulcer", "diabetes follow-up"}},
	{key: "htn", order: 2,
		names: []string{"HTN", "Hypertension", "hypertension, on lisinopril"},
		icd10: "I10", icd9: "401.9",
		drugs: []string{"lisinopril", "amlodipine", "hydrochlorothiazide"},
		meds: []string{"lisinopril 20 mg PO daily", "amlodipine 5 mg PO daily",
			"hydrochlorothiazide 25 mg PO daily"},
		ap: []string{
			"HTN: BP {bp} today, at goal. Continue lisinopril and amlodipine.",
			"HTN - BP running {bp}, continue home regimen, recheck BMP in 1 week.",
		},
		why: []string{"headache", "blood pressure check"}},
	{key: "hld", order: 3,
		names: []string{"hyperlipidemia", "HLD", "dyslipidemia"},
		icd10: "E78.5", icd9: "272.4",
		drugs: []string{"atorvastatin"}, meds: []string{"atorvastatin 40 mg PO qHS"},
		ap: []string{"HLD: continue atorvastatin 40 mg. LDL {ldl} on last panel.",
			"Hyperlipidemia - on high-intensity statin, tolerating without myalgias."},
		why: []string{"lipid follow-up"}},
	{key: "ckd", order: 4,
		names: []string{"CKD stage 3b", "chronic kidney disease stage 3", "CKD III"},
		icd10: "N18.3", icd9: "585.3",
		drugs: []string{"sodium bicarbonate"}, meds: []string{"sodium bicarbonate 650 mg PO BID"},
		ap: []string{
			"CKD 3b: Cr {cr} (baseline 1.6-1.8), eGFR {egfr}. Renally dose meds, avoid " +
				"NSAIDs and IV contrast. Trend BMP daily.",
			"AKI on CKD - Cr up to {cr} from baseline, likely prerenal. Gentle IVF, hold " +
				"lisinopril, strict I/Os, urine lytes sent.",
			"Chronic kidney disease, stable. K {k}. Follow up nephrology as scheduled.",
		},
		why: []string{"acute kidney injury", "hyperkalemia"}},
	{key: "copd", order: 5,
		names: []string{"COPD", "COPD (GOLD 3)", "chronic obstructive pulmonary disease",
			"emphysema, 40 pack-years"},
		icd10: "J44.9", icd9: "496",
		drugs: []string{"tiotropium", "albuterol", "fluticasone-salmeterol"},
		meds: []string{"tiotropium 18 mcg inhaled daily", "albuterol MDI 2 puffs q4h PRN",
			"fluticasone-salmeterol 250/50 1 inhalation BID"},
		ap: []string{
			"COPD exacerbation: improving. Completed prednisone 40 mg x 5 days and " +
				"azithromycin. Wean O2 to keep SpO2 88-92%. Duonebs q6h.",
			"COPD - at baseline. Continue tiotropium and ICS/LABA. Pulmonary rehab " +
				"referral. Vaccines up to date.",
			"COPD, GOLD 3: FEV1 {fev1} L on last PFTs. Smoking cessation counselling " +
				"provided (>3 min). Nicotine patch offered.",
		},
		why: []string{"shortness of breath", "COPD exacerbation", "cough and wheeze"}},
	{key: "hf", order: 6,
		names: []string{"HFrEF (EF 30%)", "chronic systolic heart failure",
			"ischemic cardiomyopathy", "heart failure with reduced EF"},
		icd10: "I50.22", icd9: "428.22",
		drugs: []string{"furosemide", "carvedilol", "sacubitril-valsartan", "spironolactone"},
		meds: []string{"furosemide 40 mg PO BID", "carvedilol 12.5 mg PO BID",
			"sacubitril-valsartan 49/51 mg PO BID", "spironolactone 25 mg PO daily"},
		ap: []string{
			"Acute on chronic systolic HF: net negative 1.8 L yesterday, weight {wt} kg " +
				"(dry weight ~80 kg). Continue IV furosemide 80 mg BID, transition to PO " +
				"tomorrow. BNP {bnp}. Daily weights, 2 g Na diet, 1.5 L fluid restriction.",
			"HFrEF - euvolemic on exam. Continue GDMT: carvedilol, sacubitril-valsartan, " +
				"spironolactone. Consider SGLT2i. K {k}, Cr {cr}.",
			"CHF: mild volume overload, 2+ pitting edema. Increase furosemide to 60 mg " +
				"BID x3 days then back to 40 mg BID.",
		},
		why: []string{"leg swelling", "orthopnea", "heart failure exacerbation"}},
	{key: "af", order: 7,
		names: []string{"atrial fibrillation", "paroxysmal AF", "persistent atrial fibrillation"},
		icd10: "I48.91", icd9: "427.31",
		drugs: []string{"apixaban", "metoprolol succinate"},
		meds:  []string{"apixaban 5 mg PO BID", "metoprolol succinate 50 mg PO daily"},
		ap: []string{
			"AF with RVR on arrival, now rate controlled on metoprolol, HR {hr}. " +
				"CHA2DS2-VASc 4, continue apixaban.",
			"Paroxysmal AF: in sinus rhythm today. Continue apixaban 5 mg BID and " +
				"metoprolol. No bleeding.",
		},
		why: []string{"palpitations", "rapid heart rate"}},
	{key: "cad", order: 8,
		names: []string{"CAD s/p PCI to LAD", "coronary artery disease", "CAD, prior NSTEMI"},
		icd10: "I25.10", icd9: "414.01",
		drugs: []string{"aspirin", "clopidogrel"},
		meds:  []string{"aspirin 81 mg PO daily", "clopidogrel 75 mg PO daily"},
		ap: []string{
			"CAD: no anginal symptoms. Troponin negative x2. Continue ASA, statin, " +
				"beta blocker.",
			"Chest pain, atypical. ECG without ischemic changes, troponin <0.01 x2. " +
				"Outpatient stress test.",
		},
		why: []string{"chest pain", "chest tightness"}},
	{key: "osa", order: 9,
		names: []string{"OSA on CPAP", "obstructive sleep apnea"},
		icd10: "G47.33", icd9: "327.23",
		ap: []string{"OSA: continue home CPAP at night, patient brought machine.",
			"Obstructive sleep apnea - poor CPAP adherence, re-educated."},
		why: []string{"daytime somnolence"}},
	{key: "hypothyroid", order: 10,
		names: []string{"hypothyroidism", "hypothyroidism after RAI"},
		icd10: "E03.9", icd9: "244.9",
		drugs: []string{"levothyroxine"}, meds: []string{"levothyroxine 88 mcg PO daily"},
		ap:  []string{"Hypothyroidism: TSH {tsh}, continue levothyroxine 88 mcg."},
		why: []string{"fatigue"}},
	{key: "gerd", order: 11,
		names: []string{"GERD", "gastroesophageal reflux"},
		icd10: "K21.9", icd9: "530.81",
		drugs: []string{"omeprazole"}, meds: []string{"omeprazole 20 mg PO daily"},
		ap:  []string{"GERD - continue PPI.", "Reflux symptoms controlled on omeprazole."},
		why: []string{"epigastric pain"}},
	{key: "anemia", order: 12,
		names: []string{"iron deficiency anemia", "anemia of chronic disease"},
		icd10: "D50.9", icd9: "280.9",
		drugs: []string{"ferrous sulfate"}, meds: []string{"ferrous sulfate 325 mg PO daily"},
		ap: []string{
			"Anemia: Hgb {hgb}, stable, no signs of bleeding. Iron studies pending. " +
				"Transfuse for Hgb <7.",
			"Normocytic anemia, likely chronic disease. Continue iron, outpatient " +
				"colonoscopy if not done.",
		},
		why: []string{"fatigue", "low hemoglobin"}},
	{key: "pna", order: 13,
		names: []string{"community-acquired pneumonia (resolved)", "recurrent pneumonia"},
		icd10: "J18.9", icd9: "486",
		drugs: []string{"ceftriaxone", "azithromycin"},
		meds:  []string{"ceftriaxone 1 g IV q24h", "azithromycin 500 mg PO daily"},
		ap: []string{
			"CAP, RLL: afebrile x 48 h, WBC down to {wbc}. Day 3 of ceftriaxone and " +
				"azithromycin, transition to PO cefpodoxime to complete 5 days.",
			"Pneumonia - improving, sputum culture with normal flora. Incentive spirometry.",
		},
		why: []string{"fever and productive cough", "pneumonia"}},
	{key: "depression", order: 14,
		names: []string{"major depressive disorder", "depression/anxiety"},
		icd10: "F32.9", icd9: "311",
		drugs: []string{"sertraline"}, meds: []string{"sertraline 100 mg PO daily"},
		ap: []string{"Depression: PHQ-9 of 6, mood improved on sertraline. Continue.",
			"MDD - stable, denies SI/HI. Continue sertraline 100 mg."},
		why: []string{"low mood"}},
	{key: "oa", order: 15,
		names: []string{"osteoarthritis of the knees", "OA, s/p R TKA"},
		icd10: "M17.0", icd9: "715.16",
		drugs: []string{"acetaminophen"}, meds: []string{"acetaminophen 650 mg PO q6h PRN pain"},
		ap: []string{"OA: pain controlled with scheduled acetaminophen, PT consulted.",
			"Knee OA - avoid NSAIDs given renal function; topical diclofenac OK."},
		why: []string{"knee pain", "fall at home"}},
	{key: "uti", order: 16,
		names: []string{"recurrent UTI", "urinary tract infections"},
		icd10: "N39.0", icd9: "599.0",
		drugs: []string{"nitrofurantoin"}, meds: []string{"nitrofurantoin 100 mg PO BID"},
		ap: []string{"UTI: UCx with E. coli, pan-sensitive. Complete 5 days nitrofurantoin.",
			"Cystitis - symptoms resolved, finish antibiotics."},
		why: []string{"dysuria", "confusion"}},
}

// problemsMore are further background conditions.
var problemsMore = []problem{
	{key: "pe", order: 17,
		names: []string{"history of pulmonary embolism (provoked, completed anticoagulation)",
			"prior PE after knee surgery"},
		icd10: "Z86.711", icd9: "415.19",
		ap: []string{"History of provoked PE: completed 6 months of apixaban, no recurrence.",
			"Prior PE - not on anticoagulation, low suspicion for recurrence today."},
		why: []string{"pleuritic chest pain", "calf pain"}},
	{key: "nodule", order: 18,
		names: []string{"pulmonary nodule, 6 mm, under surveillance", "RUL pulmonary nodule"},
		icd10: "R91.1", icd9: "793.11",
		ap: []string{"Pulmonary nodule: stable on surveillance CT, repeat in 12 months.",
			"Incidental lung nodule - Fleischner follow-up CT ordered."},
		why: []string{"abnormal CT chest"}},
	{key: "obesity", order: 19,
		names: []string{"obesity (BMI 36)", "morbid obesity", "class II obesity"},
		icd10: "E66.9", icd9: "278.00",
		drugs: []string{"semaglutide"}, meds: []string{"semaglutide 1 mg SC weekly"},
		ap: []string{"Obesity: BMI 37. Discussed diet and activity; tolerating semaglutide.",
			"Obesity - referred to weight management clinic."},
		why: []string{"weight gain"}},
	{key: "stroke", order: 20,
		names: []string{"h/o CVA with residual L hemiparesis", "prior ischemic stroke"},
		icd10: "Z86.73", icd9: "438.89",
		ap: []string{"History of stroke: continue aspirin and statin; PT/OT for " +
			"residual weakness.", "Prior CVA - neuro exam at baseline."},
		why: []string{"fall", "new weakness"}},
	{key: "ild", order: 21,
		names: []string{"interstitial lung disease (UIP pattern)", "IPF"},
		icd10: "J84.10", icd9: "516.31",
		drugs: []string{"nintedanib"}, meds: []string{"nintedanib 150 mg PO BID"},
		ap: []string{"ILD: FVC stable on nintedanib, diarrhea controlled with loperamide.",
			"Interstitial lung disease - O2 titration walk today, needs {o2} L with " +
				"exertion."},
		why: []string{"progressive dyspnea", "dry cough"}},
}

func init() { problems = append(problems, problemsMore...) }

// allergies are allergy lines.
var allergies = []string{
	"NKDA", "No known drug allergies.", "Penicillin (rash)", "Sulfa - hives",
	"Codeine (nausea); lisinopril (cough)", "Iodinated contrast - itching, premedicate",
}

// social are social history lines.
var social = []string{
	"Former smoker, quit {year}, 30 pack-years. Rare alcohol. Lives with spouse.",
	"Never smoker. No alcohol or drug use. Retired teacher.",
	"Current smoker, 1 ppd. Drinks 2-3 beers on weekends. Works in construction.",
	"Lives alone in an apartment, independent in ADLs. Quit tobacco 10 years ago.",
	"Lives with daughter. Uses a walker. No tobacco, no EtOH.",
}

// families are family history lines without the disease.
var families = []string{
	"Father with MI at 60. Mother with DM2.",
	"Noncontributory.", "Mother with breast cancer. No family history of heart disease.",
	"Brother with COPD. Father died of stroke at 74.",
	"Family history of diabetes and hypertension.",
}

// exams are physical examination sections, each line a system.
var exams = [][]string{
	{"GENERAL: NAD, alert and oriented x3.", "HEENT: MMM, anicteric.",
		"NECK: JVP not elevated.", "CV: RRR, normal S1 S2, no m/r/g.",
		"LUNGS: CTAB, no wheezes or crackles.", "ABD: soft, NT/ND, +BS.",
		"EXT: warm, no edema.", "NEURO: grossly nonfocal."},
	{"Gen: elderly, comfortable, on {o2} L NC.", "CV: irregularly irregular, no murmur.",
		"Resp: decreased breath sounds at bases, faint expiratory wheeze.",
		"Abd: obese, soft, nontender.", "Ext: 1+ pitting edema to mid shin bilaterally."},
	{"General: Well appearing, speaking in full sentences.",
		"Cardiac: Regular rate, 2/6 systolic murmur at RUSB.",
		"Pulm: Bibasilar crackles.", "Extremities: trace edema.",
		"Skin: no rashes.", "Psych: appropriate mood and affect."},
}

// radiologyExams are radiology studies: exam name, technique, findings and
// an impression, all without the disease.
var radiologyExams = [][4]string{
	{"CHEST RADIOGRAPH, PA AND LATERAL", "Two views of the chest.",
		"The lungs are clear. No focal consolidation, effusion or pneumothorax. " +
			"Cardiomediastinal silhouette is within normal limits. Degenerative " +
			"changes of the thoracic spine.",
		"No acute cardiopulmonary process."},
	{"CHEST X-RAY, PORTABLE AP", "Single portable view of the chest.",
		"Low lung volumes with bibasilar atelectasis. Mild cardiomegaly. Small left " +
			"pleural effusion. No pneumothorax. Right IJ central line tip in the SVC.",
		"1. Small left pleural effusion with adjacent atelectasis.\n2. Lines as above."},
	{"CT CHEST WITHOUT CONTRAST", "Axial images from the thoracic inlet to the adrenals.",
		"Centrilobular emphysema, upper lobe predominant. 4 mm nodule in the right " +
			"upper lobe (series 3, image 41). No lymphadenopathy. Coronary artery " +
			"calcifications. Heart size normal.",
		"1. Emphysema.\n2. 4 mm RUL nodule; per Fleischner guidelines no routine " +
			"follow-up is needed in a low-risk patient."},
	{"CT ANGIOGRAPHY CHEST", "CTA of the chest with IV contrast, PE protocol.",
		"No filling defect in the main, lobar or segmental pulmonary arteries. " +
			"Mild dependent atelectasis. No effusion.",
		"No pulmonary embolism."},
	{"RENAL ULTRASOUND", "Grayscale and color Doppler images of both kidneys.",
		"Right kidney 10.1 cm, left kidney 10.4 cm, with increased cortical " +
			"echogenicity. No hydronephrosis, no stones. Bladder decompressed.",
		"Medical renal disease. No hydronephrosis."},
	{"CT ABDOMEN AND PELVIS WITH CONTRAST", "Helical CT after IV and oral contrast.",
		"Liver, spleen, pancreas and adrenals unremarkable. Sigmoid diverticulosis " +
			"without inflammation. No free fluid or free air. Small fat-containing " +
			"umbilical hernia.",
		"1. Sigmoid diverticulosis without diverticulitis.\n2. No acute process."},
	{"XR RIGHT KNEE, 3 VIEWS", "AP, lateral and sunrise views.",
		"Tricompartmental joint space narrowing, most severe medially, with " +
			"osteophytes. Small joint effusion. No fracture.",
		"Moderate to severe osteoarthritis."},
}

// hospitalCourses are paragraphs of a discharge summary's hospital course.
var hospitalCourses = []string{
	"The patient was admitted to the medicine floor and started on IV antibiotics " +
		"after blood and urine cultures were drawn. Fever curve trended down within " +
		"48 hours. Blood cultures remained negative.",
	"On hospital day 2 the patient developed delirium overnight, managed with " +
		"reorientation and sleep hygiene; no antipsychotics required. Mental status " +
		"back to baseline by discharge.",
	"PT and OT evaluated the patient and recommended home with home PT. The patient " +
		"ambulated 200 feet with a rolling walker without desaturation.",
	"Diuresed with IV furosemide with good urine output; weight down 3.2 kg over " +
		"the stay. Transitioned to oral diuretic on the day before discharge.",
	"Glucose was managed with basal-bolus insulin with fingersticks in the 120s to " +
		"190s. Home metformin was restarted at discharge.",
	"Pain was controlled with scheduled acetaminophen and low-dose oxycodone PRN. " +
		"Bowel regimen was given.",
}

// reportSigners sign reports.
var reportSigners = []string{
	"Electronically signed by: {dr}, MD", "Dictated by {dr}, MD. Transcribed by: jlm",
	"Attending: {dr}, MD", "Reviewed and signed: {dr}, MD, FACC",
}
