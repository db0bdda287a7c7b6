package retrieve

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadGold(t *testing.T) {
	write := func(t *testing.T, labels, evidence string) string {
		t.Helper()
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(labels), 0o644)
		if evidence != "" {
			os.WriteFile(filepath.Join(dir, "evidence.csv"), []byte(evidence), 0o644)
		}
		return dir
	}
	tests := []struct {
		name, labels, evidence string
		row                    int
		field                  string
	}{
		{"bad label", "patient_id,label\np1,present\np2,maybe\n", "", 2, "label"},
		{"unknown patient", "patient_id,label\np1,1\n",
			"patient_id,note_id,start,end\np9,n1,0,4\n", 1, "patient_id"},
		{"end before start", "patient_id,label\np1,1\n",
			"patient_id,note_id,start,end\np1,n1,0,4\np1,n1,9,4\n", 2, "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadGold(write(t, tt.labels, tt.evidence), nil)
			var ge *GoldError
			if !errors.As(err, &ge) || ge.Row != tt.row || ge.Field != tt.field {
				t.Errorf("err = %v, want a GoldError at row %d field %s", err, tt.row, tt.field)
			}
		})
	}

	dir := write(t, "patient_id,label\np1,present\np2,absent\n",
		"patient_id,note_id,start,end,case\np1,n1,0,4,explicit\np2,n2,5,12,blood_ph\n")
	g, err := ReadGold(dir, DefaultFriendCases)
	if err != nil {
		t.Fatal(err)
	}
	if len(g["p1"].Gold.Evidence) != 1 || len(g["p1"].Friends) != 0 ||
		len(g["p2"].Friends) != 1 || g["p2"].Friends[0].End != 12 {
		t.Errorf("gold = %+v %+v", g["p1"], g["p2"])
	}
}
