package phenotype

// Rules is the physician logic of the rules baseline: a patient is labelled
// present when any rule fires.
type Rules struct {
	// Any lists the rules; one firing is enough.
	Any []Rule `yaml:"any"`
	// NLP configures the NLP-augmented variant, which also counts affirmed
	// mentions and abnormal measurements found in the notes.
	NLP NLPRule `yaml:"nlp"`
}

// Rule is one named rule of the baseline. Exactly one of Codes, Measurement
// and Drugs is set.
type Rule struct {
	Name string `yaml:"name"`
	// Disabled keeps a rule in the definition without using it.
	Disabled bool `yaml:"disabled,omitempty"`

	Codes       *CodeRule        `yaml:"codes,omitempty"`
	Measurement *MeasurementRule `yaml:"measurement,omitempty"`
	Drugs       *DrugRule        `yaml:"drugs,omitempty"`

	// Veto, if set, lets a normal result of a more decisive test supersede
	// the rule's evidence dated on or before it.
	Veto *Veto `yaml:"veto,omitempty"`
}

// Veto is a normal measurement that outweighs earlier evidence, as a right
// heart catheterization with a normal mean pulmonary arterial pressure
// outweighs earlier codes and echo estimates.
type Veto struct {
	Names  []string `yaml:"names"`
	AtMost float64  `yaml:"at_most"`
}

// CodeRule fires when diagnosis codes starting with one of the prefixes occur
// on at least MinDates distinct dates.
type CodeRule struct {
	ICD10    []string `yaml:"icd10,omitempty"`
	ICD9     []string `yaml:"icd9,omitempty"`
	MinDates int      `yaml:"min_dates"`
	// Exclude lists codes, of either system, that start with a prefix above
	// but do not belong to the phenotype (such as a chronic embolism code
	// inside the pulmonary heart disease block).
	Exclude []string `yaml:"exclude,omitempty"`
}

// MeasurementRule fires when a measurement with one of the names is above
// the threshold at least MinCount times.
type MeasurementRule struct {
	Names    []string `yaml:"names"`
	Above    float64  `yaml:"above"`
	MinCount int      `yaml:"min_count,omitempty"`
}

// DrugRule fires when one of the drugs was given on at least MinDates
// distinct dates.
type DrugRule struct {
	Names    []string `yaml:"names"`
	MinDates int      `yaml:"min_dates,omitempty"`
}

// NLPRule fires when the notes hold at least MinMentions affirmed mentions
// (on distinct notes) or at least MinAbnormal abnormal measurements.
type NLPRule struct {
	MinMentions int `yaml:"min_mentions"`
	MinAbnormal int `yaml:"min_abnormal"`
	// Terms names the definition terms whose mentions count; empty means
	// every term. Terms for findings that merely suggest the disease
	// (such as right heart strain) are better left out.
	Terms []string `yaml:"terms,omitempty"`
}
