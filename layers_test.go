package phenorag_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/phenorag/phenorag"

// layers lists the module's packages from the bottom up. A package may
// import packages of its own layer or of layers before it, never after it;
// a subpackage belongs to the layer of its top folder.
var layers = []string{
	"",          // the domain types
	"phenotype", // definitions
	"synth",     // synthetic cohort, written in every input shape
	"ingest",    // readers
	"tagger",    // context tagging of mentions
	"retrieve",  // index and snippets
	"mapreduce", // LLM map and reduce
	"diagnose",  // rules, outputs, evaluation
	"cmd",       // the command line
}

func layerOf(t *testing.T, pkg string) int {
	t.Helper()
	top, _, _ := strings.Cut(pkg, "/")
	for i, l := range layers {
		if l == top {
			return i
		}
	}
	if pkg == "" {
		return 0
	}
	t.Fatalf("package %q is in no layer: add its folder to layers", pkg)
	return -1
}

func TestLayers(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "scripts") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if pkg == "." {
			pkg = ""
		}
		from := layerOf(t, pkg)
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if p != module && !strings.HasPrefix(p, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
			if to := layerOf(t, dep); to > from {
				t.Errorf("%s imports %s: layer %q may not import the later layer %q",
					path, p, layers[from], layers[to])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
