package phenorag

import (
	"fmt"
	"testing"
)

func TestShardPartitionsPatients(t *testing.T) {
	const n = 7
	seen := make(map[string]int)
	counts := make([]int, n)
	for i := range 10000 {
		id := fmt.Sprintf("p%06d", i)
		for k := 1; k <= n; k++ {
			if (Shard{K: k, N: n}).Contains(id) {
				seen[id]++
				counts[k-1]++
			}
		}
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("patient %s is in %d shards, want exactly 1", id, c)
		}
	}
	if len(seen) != 10000 {
		t.Fatalf("%d patients placed, want 10000", len(seen))
	}
	for k, c := range counts {
		if c < 10000/n*8/10 || c > 10000/n*12/10 {
			t.Errorf("shard %d/%d holds %d patients: badly balanced %v", k+1, n, c, counts)
		}
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{"", Shard{}, false},
		{"1/1", Shard{1, 1}, false},
		{"3/8", Shard{3, 8}, false},
		{"0/8", Shard{}, true},
		{"9/8", Shard{}, true},
		{"3", Shard{}, true},
		{"a/b", Shard{}, true},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if !(Shard{}).Contains("anyone") {
		t.Error("the zero Shard must contain every patient")
	}
}
