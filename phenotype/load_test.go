package phenotype

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestOpenBuiltinPH(t *testing.T) {
	d, err := Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "pulmonary hypertension" || len(d.Terms) == 0 || d.Hash == "" {
		t.Fatalf("unexpected definition: %+v", d)
	}
	if d.Source != "builtin:ph" {
		t.Errorf("Source = %q, want builtin:ph", d.Source)
	}
	if len(d.Context.Triggers) == 0 || d.Context.Scope < 1 {
		t.Errorf("context rules missing: %+v", d.Context)
	}
	for i, re := range d.FalseFriendPatterns() {
		if re == nil {
			t.Errorf("false friend %d not compiled", i)
		}
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open("no/such/definition.yaml")
	if err == nil || !strings.Contains(err.Error(), "ph") {
		t.Fatalf("want an error listing the built-ins, got %v", err)
	}
}

// readValid returns testdata/valid.yaml, a small definition without
// problems that the broken fixtures are edits of.
func readValid(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// edit replaces old, which must occur in s, with new.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("fixture lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestParseValidFixture(t *testing.T) {
	d, err := Parse([]byte(readValid(t)), "valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d.Snippets.Window != DefaultWindow || d.Snippets.TopK != DefaultTopK ||
		d.Context.Scope != DefaultScope {
		t.Errorf("defaults not applied: %+v %+v", d.Snippets, d.Context)
	}
	if got := d.FalseFriendPatterns(); len(got) != 2 || !got[1].MatchString("yy") {
		t.Errorf("false friends not compiled: %v", got)
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name  string
		old   string // text of testdata/valid.yaml to replace
		new   string
		line  int
		field string
		want  string // also in the message
	}{
		{"unknown field", "    phrases: [alpha beta]", "    phrasez: [alpha beta]",
			5, "terms[0].phrasez", "unknown field"},
		{"wrong type", "name: t\n", "name: t\nsnippets: {top_k: many}\n",
			2, "snippets.top_k", "top_k"},
		{"bad regexp", "pattern: 'y+'", "pattern: 'y(+'",
			14, "false_friends[1].pattern", "missing argument"},
		{"empty-matching regexp", "pattern: 'y+'", "pattern: 'y*'",
			14, "false_friends[1].pattern", "empty string"},
		{"unknown category", "category: historical}", "category: historic}",
			18, "context.triggers[1].category", `"historic"`},
		{"unknown direction", "category: negated}", "category: negated, direction: up}",
			17, "context.triggers[0].direction", `"up"`},
		{"duplicate trigger", `phrase: "history of"`, `phrase: "No"`,
			18, "context.triggers[1].phrase", "duplicate"},
		{"rule with no kind", "      codes: {icd10: [I27], min_dates: 1}\n", "",
			21, "rules.any[0]", "exactly one of"},
		{"rule with two kinds", "      codes: {icd10: [I27], min_dates: 1}\n",
			"      codes: {icd10: [I27], min_dates: 1}\n      drugs: {names: [x]}\n",
			21, "rules.any[0]", "got 2"},
		{"top_k below one", "name: t\n", "name: t\nsnippets: {top_k: 0}\n",
			2, "snippets.top_k", "at least 1"},
		{"scope below one", "context:\n", "context:\n  scope: -2\n",
			16, "context.scope", "at least 1"},
		{"measurement without alias", "    aliases: [RVSP]\n", "",
			8, "measurements[0].aliases", "alias"},
		{"duplicate false friend", "name: second", "name: First",
			13, "false_friends[1].name", "duplicate"},
		{"bad prompt template", "Disease: {{.Title}}.", "Disease: {{.Title}.",
			25, "prompts.map", "template"},
		{"missing prompt", "  system: be careful\n", "",
			23, "prompts.system", "missing"},
		{"term without words", "    phrases: [alpha beta]\n    abbreviations: [AB]\n", "",
			4, "terms[0]", "phrase or abbreviation"},
		{"syntax error", "title: test disease", "title: [test",
			3, "", "must be specified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := edit(t, readValid(t), tc.old, tc.new)
			_, err := Parse([]byte(src), "broken.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", src)
			}
			msg := err.Error()
			pos := fmt.Sprintf("broken.yaml:%d:", tc.line)
			for _, want := range []string{pos, tc.field, tc.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Line != tc.line || pe.Field != tc.field {
				t.Errorf("want *Error at line %d field %q, got %#v", tc.line, tc.field, pe)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := readValid(t)
	src = edit(t, src, "category: historical}", "category: historic}")
	src = edit(t, src, "pattern: 'y+'", "pattern: '('")
	_, err := Parse([]byte(src), "two.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"two.yaml:14:", "two.yaml:18:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error does not wrap ErrInvalid: %v", err)
	}
}

func TestExplicitZeroIsNotDefaulted(t *testing.T) {
	src := edit(t, readValid(t), "name: t\n", "name: t\nsnippets: {window: 0, top_k: 3}\n")
	_, err := Parse([]byte(src), "zero.yaml")
	if err == nil || !strings.Contains(err.Error(), "snippets.window") {
		t.Fatalf("want an error for window 0, got %v", err)
	}
}

func TestSetDefaults(t *testing.T) {
	d := &Definition{Snippets: Snippets{TopK: 5}}
	d.SetDefaults()
	if d.Snippets.Window != DefaultWindow || d.Snippets.TopK != 5 ||
		d.Context.Scope != DefaultScope {
		t.Errorf("SetDefaults gave %+v %+v", d.Snippets, d.Context)
	}
}

func TestPromptHash(t *testing.T) {
	a := &Definition{Prompts: Prompts{System: "s", Map: "m", Reduce: "r"}}
	b := &Definition{Prompts: Prompts{System: "s", Map: "mr", Reduce: ""}}
	c := &Definition{Prompts: Prompts{System: "s", Map: "m", Reduce: "r"}, Name: "other"}
	if a.PromptHash() == b.PromptHash() {
		t.Error("moving text between prompts kept the hash")
	}
	if a.PromptHash() != c.PromptHash() {
		t.Error("the hash depends on more than the prompts")
	}
	if len(a.PromptHash()) != 64 {
		t.Errorf("hash %q is not hex SHA-256", a.PromptHash())
	}
}
