package mapreduce

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/phenotype"
)

// Prompts are a definition's prompt templates, parsed and ready to render.
type Prompts struct {
	title  string
	system *template.Template
	mapT   *template.Template
	reduce *template.Template
	// Hash is the SHA-256 of the three template texts; answers are cached
	// under it, so editing a prompt never reuses stale answers.
	Hash string
}

// MapSnippet is what the map template sees of one snippet.
type MapSnippet struct {
	Ref  string // "S1", "S2", ... in the order of the call
	Date string // the note date as YYYY-MM-DD, or "undated"
	Type string // the note type, or "note"
	Text string
}

// ReduceAnswer is what the reduce template sees of one map answer.
type ReduceAnswer struct {
	Ref       string // "A1", "A2", ...
	Label     phenorag.Label
	Quote     string
	Rationale string
}

// mapData and reduceData are the values the templates are executed with.
type mapData struct {
	Title    string
	Snippets []MapSnippet
}

type reduceData struct {
	Title   string
	Answers []ReduceAnswer
}

// NewPrompts parses the prompt templates of def.
func NewPrompts(def *phenotype.Definition) (*Prompts, error) {
	p := &Prompts{title: def.Title}
	if p.title == "" {
		p.title = def.Name
	}
	var err error
	parse := func(name, text string) *template.Template {
		if err != nil {
			return nil
		}
		if strings.TrimSpace(text) == "" {
			err = fmt.Errorf("prompts.%s: empty", name)
			return nil
		}
		var t *template.Template
		t, err = template.New(name).Option("missingkey=error").Parse(text)
		if err != nil {
			err = fmt.Errorf("prompts.%s: %w", name, err)
		}
		return t
	}
	p.system = parse("system", def.Prompts.System)
	p.mapT = parse("map", def.Prompts.Map)
	p.reduce = parse("reduce", def.Prompts.Reduce)
	if err != nil {
		return nil, fmt.Errorf("phenotype %s: %w", def.Name, err)
	}
	h := sha256.New()
	for _, s := range []string{def.Prompts.System, def.Prompts.Map, def.Prompts.Reduce} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	p.Hash = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// System renders the system prompt.
func (p *Prompts) System() (string, error) {
	return render(p.system, mapData{Title: p.title})
}

// Map renders the map prompt for snippets, labelled S1, S2, ... in order.
func (p *Prompts) Map(snippets []phenorag.Snippet) (string, error) {
	d := mapData{Title: p.title, Snippets: make([]MapSnippet, len(snippets))}
	for i, s := range snippets {
		d.Snippets[i] = mapSnippet(i, s)
	}
	return render(p.mapT, d)
}

// Reduce renders the reduce prompt for a patient's map answers.
func (p *Prompts) Reduce(answers []ReduceAnswer) (string, error) {
	return render(p.reduce, reduceData{Title: p.title, Answers: answers})
}

func mapSnippet(i int, s phenorag.Snippet) MapSnippet {
	m := MapSnippet{Ref: snippetRef(i), Date: "undated", Type: s.NoteType, Text: s.Text}
	if !s.NoteDate.IsZero() {
		m.Date = s.NoteDate.Format(time.DateOnly)
	}
	if m.Type == "" {
		m.Type = "note"
	}
	return m
}

// snippetRef is the label of the i-th snippet of a call, counted from 0.
func snippetRef(i int) string { return fmt.Sprintf("S%d", i+1) }

func render(t *template.Template, data any) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", t.Name(), err)
	}
	return b.String(), nil
}
