package phenotype

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// ErrInvalid is wrapped by every *Error that reports a value the definition
// cannot use (as opposed to YAML it cannot read).
var ErrInvalid = errors.New("invalid definition")

// Error is one problem with a definition, located in its source.
type Error struct {
	// Source names the file the definition came from, or "builtin:NAME".
	Source string
	// Line and Column locate the problem in Source, counting from 1; both
	// are 0 when the definition was not read from YAML.
	Line, Column int
	// Field is the path of the value at fault, such as
	// "false_friends[2].pattern"; empty when the problem is the whole file.
	Field string
	// Err says what is wrong.
	Err error
}

// Error reads "SOURCE:LINE:COLUMN: FIELD: problem", leaving out the parts
// that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// invalidf returns a semantic problem with the value at field.
func invalidf(field, format string, a ...any) *Error {
	return &Error{Field: field, Err: fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))}
}

// decodeError turns an error of the YAML decoder into an *Error that names
// the source, the position and, when the AST allows, the field.
func decodeError(err error, source string, file *ast.File) *Error {
	e := &Error{Source: source, Err: err}
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return e
	}
	tk := ye.GetToken()
	e.Line, e.Column = tk.Position.Line, tk.Position.Column
	e.Err = errors.New(ye.GetMessage())
	if file != nil {
		for _, doc := range file.Docs {
			if p, ok := pathTo(doc.Body, "", tk); ok {
				e.Field = p
				break
			}
		}
	}
	return e
}

// pathTo returns the path, in the form "terms[0].phrases", of the node in
// the tree under n that tk belongs to.
func pathTo(n ast.Node, path string, tk *token.Token) (string, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, v := range n.Values {
			if p, ok := pathTo(v, path, tk); ok {
				return p, true
			}
		}
	case *ast.MappingValueNode:
		child := joinPath(path, n.Key.GetToken().Value)
		if samePosition(n.Key.GetToken(), tk) {
			return child, true
		}
		return pathTo(n.Value, child, tk)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			if p, ok := pathTo(v, path+"["+strconv.Itoa(i)+"]", tk); ok {
				return p, true
			}
		}
	case nil:
		return "", false
	}
	if samePosition(n.GetToken(), tk) {
		return path, true
	}
	return "", false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func samePosition(a, b *token.Token) bool {
	return a != nil && b != nil && a.Position.Offset == b.Position.Offset &&
		a.Position.Line == b.Position.Line
}

// locate sets e's line and column to where its field, or the nearest
// enclosing field that is written in the file, begins.
func locate(e *Error, file *ast.File) {
	for field := e.Field; field != ""; field = parentPath(field) {
		if tk := fieldToken(file, field); tk != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
			return
		}
	}
}

// fieldToken returns the token where field is written: its key for a
// mapping entry, its first token for a sequence item; nil when the file
// does not write it.
func fieldToken(file *ast.File, field string) *token.Token {
	parent, last := parentPath(field), field[len(parentPath(field)):]
	if strings.HasPrefix(last, "[") {
		n := filter(file, field)
		if n == nil {
			return nil
		}
		if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
			return m.Values[0].Key.GetToken()
		}
		return n.GetToken()
	}
	key := strings.TrimPrefix(last, ".")
	var n ast.Node
	if parent == "" {
		if len(file.Docs) > 0 {
			n = file.Docs[0].Body
		}
	} else {
		n = filter(file, parent)
	}
	var values []*ast.MappingValueNode
	switch n := n.(type) {
	case *ast.MappingNode:
		values = n.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{n}
	}
	for _, v := range values {
		if v.Key.GetToken().Value == key {
			return v.Key.GetToken()
		}
	}
	return nil
}

// filter returns the node at field, or nil.
func filter(file *ast.File, field string) ast.Node {
	p, err := yaml.PathString("$." + field)
	if err != nil {
		return nil
	}
	n, err := p.FilterFile(file)
	if err != nil {
		return nil
	}
	return n
}

// parentPath drops the last element of a path: "a[2].b" -> "a[2]" -> "a".
func parentPath(field string) string {
	i := strings.LastIndexAny(field, ".[")
	if i < 0 {
		return ""
	}
	return field[:i]
}
