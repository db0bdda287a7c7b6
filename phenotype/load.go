package phenotype

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
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
// fails at once; source names the file in error messages.
func Parse(data []byte, source string) (*Definition, error) {
	var d Definition
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict())
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %s", source, yaml.FormatError(err, false, true))
	}
	sum := sha256.Sum256(data)
	d.Hash = hex.EncodeToString(sum[:])
	d.Source = source
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return &d, nil
}

// Validate checks that the definition can be used.
func (d *Definition) Validate() error {
	if d.Name == "" {
		return fmt.Errorf("field name: missing")
	}
	if len(d.Terms) == 0 {
		return fmt.Errorf("field terms: at least one term is needed")
	}
	return nil
}
