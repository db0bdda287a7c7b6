package ollamatest

import (
	"encoding/json"
	"sort"
	"strings"
)

// schemaNode is the part of a JSON schema needed to build a value that
// matches it.
type schemaNode struct {
	Type       json.RawMessage        `json:"type"`
	Properties map[string]*schemaNode `json:"properties"`
	Items      *schemaNode            `json:"items"`
	Enum       []json.RawMessage      `json:"enum"`
	MinLength  int                    `json:"minLength"`
	Minimum    *float64               `json:"minimum"`
	MinItems   int                    `json:"minItems"`
}

// Instance returns the smallest JSON value that matches schema: objects with
// every property, the first enum value, strings of minLength "x", numbers at
// their minimum or 0, false, arrays of minItems elements. A format of "json"
// (or anything that is not a schema object) gives {}.
func Instance(schema json.RawMessage) string {
	var n schemaNode
	if json.Unmarshal(schema, &n) != nil {
		return "{}"
	}
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *schemaNode) write(b *strings.Builder) {
	if len(n.Enum) > 0 {
		b.Write(n.Enum[0])
		return
	}
	switch n.typeName() {
	case "object":
		n.writeObject(b)
	case "array":
		b.WriteByte('[')
		for i := range n.MinItems {
			if i > 0 {
				b.WriteByte(',')
			}
			if n.Items != nil {
				n.Items.write(b)
			} else {
				b.WriteString("null")
			}
		}
		b.WriteByte(']')
	case "string":
		s, _ := json.Marshal(strings.Repeat("x", n.MinLength))
		b.Write(s)
	case "number", "integer":
		v := 0.0
		if n.Minimum != nil {
			v = *n.Minimum
		}
		s, _ := json.Marshal(v)
		b.Write(s)
	case "boolean":
		b.WriteString("false")
	case "null":
		b.WriteString("null")
	default:
		n.writeObject(b)
	}
}

func (n *schemaNode) writeObject(b *strings.Builder) {
	names := make([]string, 0, len(n.Properties))
	for name := range n.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	b.WriteByte('{')
	for i, name := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		b.Write(key)
		b.WriteByte(':')
		n.Properties[name].write(b)
	}
	b.WriteByte('}')
}

// typeName returns the node's type, the first one when it lists several.
func (n *schemaNode) typeName() string {
	var one string
	if json.Unmarshal(n.Type, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(n.Type, &many) == nil && len(many) > 0 {
		return many[0]
	}
	return ""
}
