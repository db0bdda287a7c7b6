package phenotype

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

//go:embed builtin/*.yaml
var builtin embed.FS

// Builtins returns the names of the definitions built into the binary.
func Builtins() []string {
	entries, _ := builtin.ReadDir("builtin")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Open returns the built-in definition called nameOrPath, or else reads the
// file at that path.
func Open(nameOrPath string) (*Definition, error) {
	if data, err := builtin.ReadFile("builtin/" + nameOrPath + ".yaml"); err == nil {
		return Parse(data, "builtin:"+nameOrPath)
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("phenotype %q is neither built in (%s) nor a readable file: %w",
			nameOrPath, strings.Join(Builtins(), ", "), err)
	}
	return Parse(data, nameOrPath)
}

// Parse reads a definition from YAML. Unknown fields are errors, so a typo
// fails at once. Values left out get their defaults (see SetDefaults), then
// the definition is validated. Every error is an *Error, or several joined
// with errors.Join, that names source, the line and the field at fault.
func Parse(data []byte, source string) (*Definition, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, decodeError(err, source, nil)
	}
	var d Definition
	if err := decode(data, &d); err != nil {
		return nil, decodeError(err, source, file)
	}
	sum := sha256.Sum256(data)
	d.Hash = hex.EncodeToString(sum[:])
	d.Source = source
	d.setDefaults(func(field string) bool { return written(file, field) })
	if err := d.Validate(); err != nil {
		return nil, locateAll(err, source, file)
	}
	return &d, nil
}

// decode decodes data strictly into d. Some malformed inputs (such as
// certain tags on sequences) make the YAML decoder panic; decode reports
// them as errors, since a definition file is user input.
func decode(data []byte, d *Definition) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml decoder failed on malformed input: %v", r)
		}
	}()
	return yaml.NewDecoder(bytes.NewReader(data), yaml.Strict()).Decode(d)
}

// written reports whether the YAML sets field (a path such as
// "snippets.top_k").
func written(file *ast.File, field string) bool {
	return filter(file, field) != nil
}

// locateAll fills in the source and position of every *Error in err.
func locateAll(err error, source string, file *ast.File) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		if pe, ok := e.(*Error); ok {
			pe.Source = source
			locate(pe, file)
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// FalseFriendPatterns returns the compiled pattern of each false friend, in
// the order of d.FalseFriends; an entry is nil when its pattern does not
// compile. Parse and Validate compile them once; on a definition that was
// not validated, each call compiles them afresh.
func (d *Definition) FalseFriendPatterns() []*regexp.Regexp {
	if len(d.compiled) == len(d.FalseFriends) {
		return d.compiled
	}
	return (&validator{}).falseFriends(d.FalseFriends)
}

// PromptHash returns the hex SHA-256 of the system, map and reduce prompt
// texts, each followed by a NUL byte so that moving text from one prompt to
// the next changes the hash.
func (d *Definition) PromptHash() string {
	h := sha256.New()
	for _, s := range []string{d.Prompts.System, d.Prompts.Map, d.Prompts.Reduce} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
