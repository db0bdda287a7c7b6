package ollama

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// schema is the subset of JSON Schema that structured answers use: type,
// properties, required, additionalProperties false, items, enum, const,
// minLength, maxLength, minimum, maximum, minItems, maxItems. Other keywords
// are ignored, so a schema the server accepts is never rejected here.
type schema struct {
	Type                 typeList           `json:"type"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties *json.RawMessage   `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	Enum                 []json.RawMessage  `json:"enum"`
	Const                *json.RawMessage   `json:"const"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MinItems             *int               `json:"minItems"`
	MaxItems             *int               `json:"maxItems"`
}

// typeList is a "type" keyword: one name or a list of names.
type typeList []string

// UnmarshalJSON accepts a string or an array of strings.
func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: want a string or a list of strings")
	}
	*t = many
	return nil
}

// validate checks that answer is one JSON value matching rawSchema. Its
// errors name the path and the rule broken, never the value.
func validate(rawSchema, answer []byte) error {
	var s schema
	if err := json.Unmarshal(rawSchema, &s); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(answer))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not valid JSON (%d bytes)", len(answer))
	}
	if dec.More() {
		return fmt.Errorf("not one JSON value: text after the value")
	}
	return s.check("$", v)
}

// check validates v at path against s.
func (s *schema) check(path string, v any) error {
	ofType := func(t string) bool { return isType(t, v) }
	if len(s.Type) > 0 && !slices.ContainsFunc(s.Type, ofType) {
		return fmt.Errorf("%s: want type %v, got %s", path, []string(s.Type), typeName(v))
	}
	if err := s.checkConst(path, v); err != nil {
		return err
	}
	switch v := v.(type) {
	case map[string]any:
		return s.checkObject(path, v)
	case []any:
		return s.checkArray(path, v)
	case string:
		return s.checkString(path, v)
	case json.Number:
		return s.checkNumber(path, v)
	}
	return nil
}

func (s *schema) checkConst(path string, v any) error {
	if s.Const != nil && !sameJSON(*s.Const, v) {
		return fmt.Errorf("%s: not the const value", path)
	}
	matches := func(e json.RawMessage) bool { return sameJSON(e, v) }
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, matches) {
		return fmt.Errorf("%s: not one of the %d enum values", path, len(s.Enum))
	}
	return nil
}

func (s *schema) checkObject(path string, obj map[string]any) error {
	for _, name := range s.Required {
		if _, ok := obj[name]; !ok {
			return fmt.Errorf("%s: required property %q missing", path, name)
		}
	}
	closed := s.AdditionalProperties != nil &&
		string(bytes.TrimSpace(*s.AdditionalProperties)) == "false"
	for name, val := range obj {
		sub, ok := s.Properties[name]
		if !ok {
			if closed {
				return fmt.Errorf("%s: property %q not allowed", path, name)
			}
			continue
		}
		if err := sub.check(path+"."+name, val); err != nil {
			return err
		}
	}
	return nil
}

func (s *schema) checkArray(path string, arr []any) error {
	if s.MinItems != nil && len(arr) < *s.MinItems {
		return fmt.Errorf("%s: %d items, want at least %d", path, len(arr), *s.MinItems)
	}
	if s.MaxItems != nil && len(arr) > *s.MaxItems {
		return fmt.Errorf("%s: %d items, want at most %d", path, len(arr), *s.MaxItems)
	}
	if s.Items == nil {
		return nil
	}
	for i, item := range arr {
		if err := s.Items.check(fmt.Sprintf("%s[%d]", path, i), item); err != nil {
			return err
		}
	}
	return nil
}

func (s *schema) checkString(path, str string) error {
	n := utf8.RuneCountInString(str)
	if s.MinLength != nil && n < *s.MinLength {
		return fmt.Errorf("%s: %d characters, want at least %d", path, n, *s.MinLength)
	}
	if s.MaxLength != nil && n > *s.MaxLength {
		return fmt.Errorf("%s: %d characters, want at most %d", path, n, *s.MaxLength)
	}
	return nil
}

func (s *schema) checkNumber(path string, num json.Number) error {
	f, err := num.Float64()
	if err != nil {
		return fmt.Errorf("%s: number out of range", path)
	}
	if s.Minimum != nil && f < *s.Minimum {
		return fmt.Errorf("%s: below minimum %v", path, *s.Minimum)
	}
	if s.Maximum != nil && f > *s.Maximum {
		return fmt.Errorf("%s: above maximum %v", path, *s.Maximum)
	}
	return nil
}

// isType reports whether v, decoded with UseNumber, is of JSON Schema type t.
// Unknown type names match anything.
func isType(t string, v any) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == float64(int64(f))
	}
	return true
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case nil:
		return "null"
	}
	return "unknown"
}

// sameJSON reports whether the JSON text raw encodes the same value as v.
func sameJSON(raw json.RawMessage, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var want any
	if dec.Decode(&want) != nil {
		return false
	}
	a, errA := json.Marshal(want)
	b, errB := json.Marshal(v)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
