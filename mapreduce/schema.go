package mapreduce

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/phenorag/phenorag"
)

// Schema bounds the answers' free-text fields. Bounded strings keep a small
// model from rambling past its output budget and returning cut-off JSON.
type Schema struct {
	QuoteMax     int // maxLength of "quote"; 0 means 200
	RationaleMax int // maxLength of "rationale"; 0 means 300
}

// JSON returns the answer schema as sent to the model. The properties come
// in the order the model should write them: which snippet, the quote, the
// reasoning, and only then the label.
func (s Schema) JSON() json.RawMessage {
	q, r := s.QuoteMax, s.RationaleMax
	if q <= 0 {
		q = 200
	}
	if r <= 0 {
		r = 300
	}
	return json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{`+
		`"snippet":{"type":"string","maxLength":8},`+
		`"quote":{"type":"string","maxLength":%d},`+
		`"rationale":{"type":"string","maxLength":%d},`+
		`"label":{"type":"string","enum":["present","absent","uncertain"]}},`+
		`"required":["snippet","quote","rationale","label"]}`, q, r))
}

// ErrSchema marks an answer that does not fit the answer schema.
var ErrSchema = errors.New("answer does not fit the schema")

// reply is a parsed, valid answer.
type reply struct {
	Snippet   string
	Label     phenorag.Label
	Quote     string
	Rationale string
}

// parseReply decodes and validates the model's raw answer. Unknown fields
// are ignored; a missing or mistyped field, or a label outside the enum, is
// an ErrSchema.
func parseReply(content string) (reply, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(strings.TrimSpace(content)), &raw); err != nil {
		// Only the position: the error's own text may quote the answer.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return reply{}, fmt.Errorf("%w: not valid JSON at byte %d", ErrSchema, syn.Offset)
		}
		return reply{}, fmt.Errorf("%w: not a JSON object", ErrSchema)
	}
	var r reply
	var label string
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"label", &label, true},
		{"quote", &r.Quote, true},
		{"rationale", &r.Rationale, false},
		{"snippet", &r.Snippet, false},
	} {
		v, ok := raw[f.name]
		if !ok {
			if f.required {
				return reply{}, fmt.Errorf("%w: field %s: missing", ErrSchema, f.name)
			}
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return reply{}, fmt.Errorf("%w: field %s: not a string", ErrSchema, f.name)
		}
	}
	r.Label = phenorag.Label(label)
	if !r.Label.Valid() {
		// The value itself is not quoted: a model may copy note text into it.
		return reply{}, fmt.Errorf("%w: field label: not present, absent or uncertain", ErrSchema)
	}
	return r, nil
}
