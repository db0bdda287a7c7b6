package mapreduce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/phenorag/phenorag"
	"github.com/phenorag/phenorag/mapreduce/store"
	"github.com/phenorag/phenorag/phenotype"
)

// Config configures an Engine. Zero values take the defaults given.
type Config struct {
	Definition *phenotype.Definition
	LLM        LLM
	// Store keeps answers across runs and shares them between patients whose
	// prompts are identical. Without one, only identical calls in flight at
	// the same time are shared.
	Store *store.Store
	// ModelID identifies the model in cache keys: its digest, or its name
	// when the digest is unknown.
	ModelID string
	// Options are the LLM options as sent; they are part of every cache key.
	Options map[string]any
	// NumCtx is the model's context window in tokens (default 4096), and
	// NumPredict the most tokens an answer may take (default 512).
	NumCtx     int
	NumPredict int
	// BytesPerToken is how many bytes of text a token is assumed to hold
	// when snippets are packed (default DefaultBytesPerToken). Lower it for
	// a tokenizer that splits text finer; Stats reports what was seen.
	BytesPerToken float64
	Schema        Schema
	Reduce        Policy // default PolicyAny
	// EarlyStop skips a patient's remaining map calls once the reduce
	// policy's answer can no longer change. A patient's calls then run one
	// after another, best snippets first; patients still run in parallel.
	EarlyStop bool
	// CallTimeout bounds one chat call; 0 means no bound beyond ctx.
	CallTimeout time.Duration
	// NoSnippetConfidence is the confidence of the "absent" given to a
	// patient for whom retrieval found no snippet (default 0.9: retrieval
	// finds nearly every mention, but not every one).
	NoSnippetConfidence float64
	// Progress, if set, is called after each patient with the totals so
	// far, always from the same goroutine.
	Progress func(Stats)
}

// Stats tallies a run.
type Stats struct {
	Patients int `json:"patients"`
	OK       int `json:"ok"`
	Errors   int `json:"errors"`
	// Calls are answers asked of the model in this run; CacheHits are
	// answers taken from the store or shared with an identical call in
	// flight; Skipped are map calls an early stop made unnecessary; Failed
	// are calls that ended without a valid answer.
	Calls     int `json:"calls"`
	CacheHits int `json:"cache_hits"`
	Skipped   int `json:"skipped"`
	Failed    int `json:"failed"`
	// Requests counts chat requests sent, retries included.
	Requests int `json:"requests"`
	// BytesPerToken is the smallest ratio of prompt bytes to prompt tokens
	// the model reported in this run (0 when it reported none). Below
	// Config.BytesPerToken, packed calls may overflow the context.
	BytesPerToken float64 `json:"bytes_per_token,omitempty"`
	PromptTokens  int     `json:"prompt_tokens"`
	OutputTokens  int     `json:"output_tokens"`
}

// AnswerRecord is one line of answers.jsonl: an answer, what kind of call
// gave it, and the call's number among the patient's calls (from 0; the
// reduce call comes after the map calls).
type AnswerRecord struct {
	Kind string `json:"kind"` // "map" or "reduce"
	Call int    `json:"call"`
	phenorag.Answer
}

// Result is everything a run produced for one patient.
type Result struct {
	Snippets  phenorag.PatientSnippets
	Answers   []AnswerRecord
	Diagnosis phenorag.Diagnosis
}

// Source streams patients to the engine, calling fn once per patient and
// stopping at the first error fn returns.
type Source func(ctx context.Context, fn func(phenorag.PatientSnippets) error) error

// Sink receives each patient's result, in the order the source gave the
// patients, from one goroutine.
type Sink interface {
	Write(r *Result) error
}

// Engine maps and reduces patients' snippets through an LLM.
type Engine struct {
	cfg      Config
	prompts  *Prompts
	system   string
	schema   json.RawMessage
	options  string
	budget   Budget
	flight   singleflight.Group
	slots    chan struct{} // one token per call in flight, as many as the LLM has slots
	requests atomic.Int64

	ratioMu  sync.Mutex
	minRatio float64 // smallest bytes per prompt token seen; 0 before any
}

// retryHint is added to a prompt asked again after an answer that did not
// fit the schema, so that a greedy model does not repeat itself.
const retryHint = "\n\nYour previous answer was not valid JSON for the schema. " +
	"Answer again with one JSON object only."

// templateSlack is room for the chat template's role markers and the like.
const templateSlack = 64

// New checks cfg and prepares the prompts.
func New(cfg Config) (*Engine, error) {
	if cfg.Definition == nil || cfg.LLM == nil {
		return nil, errors.New("mapreduce: config needs a definition and an LLM")
	}
	if cfg.NumCtx <= 0 {
		cfg.NumCtx = 4096
	}
	if cfg.NumPredict <= 0 {
		cfg.NumPredict = 512
	}
	if cfg.Reduce == "" {
		cfg.Reduce = PolicyAny
	}
	if _, err := ParsePolicy(string(cfg.Reduce)); err != nil {
		return nil, err
	}
	if cfg.BytesPerToken <= 0 {
		cfg.BytesPerToken = DefaultBytesPerToken
	}
	if cfg.NoSnippetConfidence == 0 {
		cfg.NoSnippetConfidence = 0.9
	}
	e := &Engine{cfg: cfg, schema: cfg.Schema.JSON(),
		slots: make(chan struct{}, max(cfg.LLM.Slots(), 1))}
	var err error
	if e.prompts, err = NewPrompts(cfg.Definition); err != nil {
		return nil, err
	}
	if e.system, err = e.prompts.System(); err != nil {
		return nil, err
	}
	opts, err := json.Marshal(cfg.Options) // map keys come out sorted
	if err != nil {
		return nil, fmt.Errorf("mapreduce: options: %w", err)
	}
	e.options = string(opts)
	if err := e.setBudget(); err != nil {
		return nil, err
	}
	return e, nil
}

// setBudget works out how many snippet tokens fit one map call.
func (e *Engine) setBudget() error {
	empty, err := e.prompts.Map(nil)
	if err != nil {
		return err
	}
	one, err := e.prompts.Map([]phenorag.Snippet{{}})
	if err != nil {
		return err
	}
	bpt := e.cfg.BytesPerToken
	fixed := estimate(len(e.system)+len(empty)+len(retryHint), bpt)
	e.budget = Budget{
		Tokens:        e.cfg.NumCtx - fixed - e.cfg.NumPredict - templateSlack,
		Overhead:      estimate(len(one)-len(empty), bpt) + 2,
		BytesPerToken: bpt,
	}
	if e.budget.Tokens < 4*e.budget.Overhead {
		return fmt.Errorf("mapreduce: a context of %d tokens leaves %d for snippets after "+
			"about %d for the prompts and %d for the answer (num_predict): raise num_ctx, "+
			"use a model with a longer context, or shorten the definition's prompts",
			e.cfg.NumCtx, e.budget.Tokens, fixed, e.cfg.NumPredict)
	}
	return nil
}

// Budget returns how much snippet text one map call holds.
func (e *Engine) Budget() Budget { return e.budget }

// PromptHash returns the hash of the prompt templates.
func (e *Engine) PromptHash() string { return e.prompts.Hash }

// Schema returns the answer schema sent with every call.
func (e *Engine) Schema() json.RawMessage { return e.schema }

// observe records the bytes per token of one answered prompt.
func (e *Engine) observe(promptBytes, promptTokens int) {
	if promptTokens <= 0 {
		return
	}
	r := float64(promptBytes) / float64(promptTokens)
	e.ratioMu.Lock()
	if e.minRatio == 0 || r < e.minRatio {
		e.minRatio = r
	}
	e.ratioMu.Unlock()
}

// seenRatio returns the smallest bytes per token observed so far.
func (e *Engine) seenRatio() float64 {
	e.ratioMu.Lock()
	defer e.ratioMu.Unlock()
	return e.minRatio
}
