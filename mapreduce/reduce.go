package mapreduce

import (
	"fmt"

	"github.com/phenorag/phenorag"
)

// Policy names how a patient's map answers become one diagnosis.
type Policy string

// The reduce policies. In all of them a "present" answer whose quote was not
// found in its snippets counts as "uncertain": the model claimed the disease
// but could not show where the notes say so.
const (
	// PolicyAny: present as soon as one answer is present with a verified quote;
	// otherwise the more common of absent and uncertain (a tie is
	// uncertain). The default: a cohort search should not miss a patient
	// whose notes state the disease once, and it allows early stopping.
	PolicyAny Policy = "any"
	// PolicyMajority: the most common label (ties go to uncertain).
	PolicyMajority Policy = "majority"
	// PolicyWeighted: each answer votes with the best retrieval score of its
	// snippets; the label with the most weight wins.
	PolicyWeighted Policy = "weighted"
	// PolicyLLM: one more call shows the model every map answer and asks for a
	// final one, whose quote must be one of the verified map quotes. A
	// patient with a single map answer needs no reduce call.
	PolicyLLM Policy = "llm"
)

// Policies lists the valid policies, the default first.
var Policies = []Policy{PolicyAny, PolicyMajority, PolicyWeighted, PolicyLLM}

// ParsePolicy checks a policy name.
func ParsePolicy(s string) (Policy, error) {
	for _, p := range Policies {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("reduce policy %q: want one of any, majority, weighted, llm", s)
}

// vote is one map answer as a policy sees it.
type vote struct {
	label  phenorag.Label // after the unverified-present rule
	weight float64
}

// effective returns the label an answer counts as.
func effective(a phenorag.Answer) phenorag.Label {
	if a.Label == phenorag.Present && !a.Verified {
		return phenorag.Uncertain
	}
	return a.Label
}

// tally sums votes per label.
func tally(votes []vote, weighted bool) map[phenorag.Label]float64 {
	t := map[phenorag.Label]float64{}
	for _, v := range votes {
		w := 1.0
		if weighted {
			w = v.weight
		}
		t[v.label] += w
	}
	return t
}

// decide applies the policy to the votes known so far, with pending more
// answers still to come, each able to vote for any label with weight up to
// maxPending. final reports whether the label can no longer change.
// Confidence is the share of the votes (or weight) cast for the label.
func (p Policy) decide(votes []vote, pending int, maxPending float64) (
	label phenorag.Label, confidence float64, final bool) {
	weighted := p == PolicyWeighted
	t := tally(votes, weighted)
	total := t[phenorag.Present] + t[phenorag.Absent] + t[phenorag.Uncertain]
	rest := float64(pending)
	if weighted {
		rest = float64(pending) * maxPending
	}

	switch p {
	case PolicyAny, PolicyLLM:
		if t[phenorag.Present] > 0 {
			return phenorag.Present, t[phenorag.Present] / total, p == PolicyAny
		}
		label = phenorag.Absent
		if t[phenorag.Uncertain] >= t[phenorag.Absent] && t[phenorag.Uncertain] > 0 {
			label = phenorag.Uncertain
		}
		return label, share(t[label], total), pending == 0
	default:
		label = phenorag.Uncertain
		best := t[phenorag.Uncertain]
		for _, l := range []phenorag.Label{phenorag.Present, phenorag.Absent} {
			if t[l] > best {
				label, best = l, t[l]
			}
		}
		for _, l := range []phenorag.Label{phenorag.Present, phenorag.Absent} {
			if l != label && t[l] == best {
				label = phenorag.Uncertain // a tie
			}
		}
		// The label is final once no other label can catch up with it.
		final = true
		for _, l := range []phenorag.Label{phenorag.Present, phenorag.Absent, phenorag.Uncertain} {
			if l != label && t[l]+rest >= best {
				final = pending == 0
			}
		}
		return label, share(best, total), final
	}
}

func share(x, total float64) float64 {
	if total == 0 {
		return 0
	}
	return x / total
}
