// Package phenotype reads the YAML definitions that describe a phenotype to
// every stage: the terms, abbreviations and measurement patterns retrieval
// searches for, the false friends it must not take for the disease, the
// ConText triggers that tag each mention, the physician-logic rules of the
// baseline, and the prompts sent to the LLM.
//
// A definition for pulmonary hypertension is built in ("ph"); any other is
// read from a file.
package phenotype

import "regexp"

// Definition describes one phenotype.
type Definition struct {
	// Name is the short name a definition is chosen by, such as "ph".
	Name string `yaml:"name"`
	// Title is the disease as a clinician would write it, such as
	// "pulmonary hypertension"; prompts refer to the disease by it.
	Title       string `yaml:"title"`
	Description string `yaml:"description,omitempty"`

	Terms        []Term        `yaml:"terms"`
	Measurements []Measurement `yaml:"measurements,omitempty"`
	FalseFriends []FalseFriend `yaml:"false_friends,omitempty"`
	Snippets     Snippets      `yaml:"snippets"`
	Context      ContextRules  `yaml:"context"`
	Rules        Rules         `yaml:"rules"`
	Prompts      Prompts       `yaml:"prompts"`

	// Hash is the SHA-256 of the definition's bytes as read; results record
	// it so a run can be tied to the definition that produced it.
	Hash string `yaml:"-"`
	// Source is the file the definition was read from, or "builtin:NAME".
	Source string `yaml:"-"`

	// compiled holds the false friends' patterns, compiled by Validate.
	compiled []*regexp.Regexp
}

// Term is one way the disease is named in notes.
type Term struct {
	// Name groups variants under one label, reported as a snippet's term.
	Name string `yaml:"name"`
	// Phrases match case-insensitively, with any run of white space
	// (including a hard line break) between their words.
	Phrases []string `yaml:"phrases,omitempty"`
	// Abbreviations match case-sensitively as whole words ("PH" but not
	// "pH"), since case is what tells many clinical abbreviations apart.
	Abbreviations []string `yaml:"abbreviations,omitempty"`
	// Weight scales the term's contribution to a snippet's score; 0 means 1.
	Weight float64 `yaml:"weight,omitempty"`
}

// Measurement describes a numeric finding written in notes, such as
// "RVSP 62 mmHg" or "mean PA pressure of 38".
type Measurement struct {
	// Name is the canonical name, such as "RVSP" or "mPAP".
	Name string `yaml:"name"`
	// Aliases are the ways the measurement is written before its value,
	// matched case-insensitively.
	Aliases []string `yaml:"aliases"`
	// Units are the accepted units, the first being canonical; a value
	// written without a unit is taken to be in the first.
	Units []string `yaml:"units,omitempty"`
	// Min and Max bound a plausible value; a number outside them is not
	// taken as this measurement.
	Min float64 `yaml:"min,omitempty"`
	Max float64 `yaml:"max,omitempty"`
	// Abnormal is the value above which the measurement suggests the
	// disease; used to score snippets, not to diagnose.
	Abnormal float64 `yaml:"abnormal,omitempty"`
}

// FalseFriend is text that looks like the disease but is something else,
// such as "pH 7.31" (acidity) or "portal hypertension".
type FalseFriend struct {
	Name string `yaml:"name"`
	// Pattern is a Go regular expression (RE2 syntax).
	Pattern string `yaml:"pattern"`
}

// Snippets sets how retrieval cuts windows from notes.
type Snippets struct {
	// Window is how many bytes of text to keep on each side of a match;
	// omitted, it is DefaultWindow.
	Window int `yaml:"window"`
	// TopK is how many snippets to keep per patient; omitted, it is
	// DefaultTopK.
	TopK int `yaml:"top_k"`
}

// ContextRules are the ConText-style trigger rules that tag each mention as
// negated, possible, historical or about someone else.
type ContextRules struct {
	// Scope is how many words a trigger reaches before it lapses; omitted,
	// it is DefaultScope.
	Scope    int       `yaml:"scope"`
	Triggers []Trigger `yaml:"triggers"`
	// Sections are note section headers, such as "FAMILY HISTORY:", that
	// give every mention under them a category until the next header.
	Sections []Section `yaml:"sections,omitempty"`
}

// Section is a note section header that sets the context of the text under
// it.
type Section struct {
	// Header is the heading's words, matched case-insensitively at the
	// start of a line and followed by a colon.
	Header string `yaml:"header"`
	// Category is what the section marks: "negated", "possible",
	// "historical" or "other"; empty for a section that only ends the one
	// before it (such as "HISTORY OF PRESENT ILLNESS").
	Category string `yaml:"category,omitempty"`
}

// Trigger is one ConText trigger phrase.
type Trigger struct {
	Phrase string `yaml:"phrase"`
	// Category is what the trigger marks: "negated", "possible",
	// "historical", "other"; or "pseudo" (a phrase that contains a trigger
	// but is none, such as "no increase"), or "terminate" (ends the scope of
	// triggers before it, such as "but").
	Category string `yaml:"category"`
	// Direction is "forward" (the trigger precedes what it modifies),
	// "backward" (it follows), or "both". Empty means forward.
	Direction string `yaml:"direction,omitempty"`
	// Ends lists the categories a "terminate" trigger ends the scope of,
	// such as [historical] for "now"; empty means every category.
	Ends []string `yaml:"ends,omitempty"`
}

// Prompts are the texts sent to the LLM. Their content hash is part of every
// cache key, so editing a prompt never reuses stale answers.
type Prompts struct {
	// System sets the model's role and tells it that note text is data.
	System string `yaml:"system"`
	// Map asks about one batch of snippets; Reduce asks about all of a
	// patient's map answers. Both are Go text/template texts.
	Map    string `yaml:"map"`
	Reduce string `yaml:"reduce"`
}
