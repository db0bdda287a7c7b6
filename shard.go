package phenorag

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard selects a stable 1/N of the patients, so that N machines (or the
// tasks of a SLURM job array) can split a cohort between them and merge
// their outputs afterwards. A patient belongs to exactly one of the N shards,
// chosen by a hash of its id, whatever else is in the cohort. The zero value
// selects every patient.
type Shard struct {
	K int // this shard, from 1 to N
	N int // how many shards there are; 0 or 1 means no sharding
}

// ParseShard reads "K/N", for example "3/8". The empty string is the zero
// Shard.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, errK := strconv.Atoi(ks)
	n, errN := strconv.Atoi(ns)
	if !ok || errK != nil || errN != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N, such as 2/8", s)
	}
	return Shard{K: k, N: n}, nil
}

// Contains reports whether the patient belongs to this shard.
func (s Shard) Contains(patientID string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(patientID))
	return int(h.Sum64()%uint64(s.N)) == s.K-1
}

func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}
