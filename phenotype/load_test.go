package phenotype

import "testing"

func TestOpenBuiltinPH(t *testing.T) {
	d, err := Open("ph")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "pulmonary hypertension" || len(d.Terms) == 0 || d.Hash == "" {
		t.Fatalf("unexpected definition: %+v", d)
	}
}

func TestParseRejectsUnknownField(t *testing.T) {
	_, err := Parse([]byte("name: x\nterms:\n  - name: a\n    phrasez: [b]\n"), "x.yaml")
	if err == nil {
		t.Fatal("expected an error for an unknown field")
	}
	t.Log(err)
}
