package mapreduce

import (
	"errors"
	"strings"
	"testing"

	"github.com/phenorag/phenorag"
)

func snip(note string, start int, text string, score float64) phenorag.Snippet {
	return phenorag.Snippet{PatientID: "p", NoteID: note, Start: start, End: start + len(text),
		Text: text, Score: score}
}

func TestPack(t *testing.T) {
	b := Budget{Tokens: 100, Overhead: 10}
	// 70 bytes estimate to 20 tokens, 30 with overhead: three fit a call.
	short := strings.Repeat("a", 70)
	long := strings.Repeat("é", 400) // 800 bytes, far over one call
	tests := []struct {
		name   string
		in     []phenorag.Snippet
		sizes  []int       // snippets per call
		scores [][]float64 // scores per call, to check order
	}{
		{"none", nil, nil, nil},
		{"one call", []phenorag.Snippet{snip("n1", 0, short, 1), snip("n2", 0, short, 3)},
			[]int{2}, [][]float64{{3, 1}}},
		{"split in score order",
			[]phenorag.Snippet{snip("n1", 0, short, 1), snip("n2", 0, short, 4),
				snip("n3", 0, short, 2), snip("n4", 0, short, 3)},
			[]int{3, 1}, [][]float64{{4, 3, 2}, {1}}},
		{"long snippet cut, not dropped",
			[]phenorag.Snippet{snip("n1", 0, short, 2), snip("n2", 50, long, 1)},
			[]int{1, 1}, [][]float64{{2}, {1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := Pack(tt.in, b)
			if len(calls) != len(tt.sizes) {
				t.Fatalf("got %d calls, want %d", len(calls), len(tt.sizes))
			}
			total := 0
			for i, c := range calls {
				if len(c) != tt.sizes[i] {
					t.Errorf("call %d has %d snippets, want %d", i, len(c), tt.sizes[i])
				}
				used := 0
				for j, s := range c {
					used += EstimateTokens(s.Text) + b.Overhead
					if s.Score != tt.scores[i][j] {
						t.Errorf("call %d snippet %d score %v, want %v", i, j, s.Score,
							tt.scores[i][j])
					}
					if s.End-s.Start != len(s.Text) {
						t.Errorf("call %d snippet %d: span %d bytes, text %d", i, j,
							s.End-s.Start, len(s.Text))
					}
				}
				if used > b.Tokens {
					t.Errorf("call %d uses %d tokens, budget %d", i, used, b.Tokens)
				}
				total += len(c)
			}
			if total != len(tt.in) {
				t.Errorf("packed %d snippets, want %d", total, len(tt.in))
			}
		})
	}
}

func TestPackBytesPerToken(t *testing.T) {
	short := strings.Repeat("a", 70)
	in := []phenorag.Snippet{snip("n1", 0, short, 3), snip("n2", 0, short, 2),
		snip("n3", 0, short, 1)}
	// At 3.5 bytes per token the three fit one call; at 1.75 each takes
	// twice the room and only two fit.
	for _, tt := range []struct {
		bpt   float64
		calls int
	}{{0, 1}, {3.5, 1}, {1.75, 2}} {
		b := Budget{Tokens: 100, Overhead: 10, BytesPerToken: tt.bpt}
		if got := len(Pack(in, b)); got != tt.calls {
			t.Errorf("%v bytes per token: %d calls, want %d", tt.bpt, got, tt.calls)
		}
	}
}

func TestPackCutKeepsRunes(t *testing.T) {
	long := strings.Repeat("é", 400)
	c := Pack([]phenorag.Snippet{snip("n", 10, long, 1)}, Budget{Tokens: 30, Overhead: 5})
	s := c[0][0]
	if !strings.HasPrefix(long, s.Text) || len(s.Text)%2 != 0 || s.End != 10+len(s.Text) {
		t.Fatalf("cut snippet: %d bytes, end %d", len(s.Text), s.End)
	}
	if len(s.Text) == 0 || len(s.Text) >= len(long) {
		t.Fatalf("cut snippet has %d bytes", len(s.Text))
	}
}

func TestVerify(t *testing.T) {
	call := []phenorag.Snippet{
		snip("n1", 100, "Echo today.\nRVSP  62 mmHg,   consistent with\tpulmonary hypertension.", 2),
		snip("n2", 0, "Assessment: PAH on sildenafil. RVSP 62 mmHg", 1),
	}
	tests := []struct {
		name, quote, ref string
		want             phenorag.Span
		ok               bool
	}{
		{"exact", "Assessment: PAH", "", phenorag.Span{NoteID: "n2", Start: 0, End: 15}, true},
		{"white space differs", "RVSP 62 mmHg, consistent with pulmonary hypertension", "",
			phenorag.Span{NoteID: "n1", Start: 112, End: 167}, true},
		{"wrapped in quotes and ellipsis", `"...PAH on sildenafil..."`, "",
			phenorag.Span{NoteID: "n2", Start: 12, End: 29}, true},
		{"ref chooses the snippet", "RVSP 62 mmHg", "S2",
			phenorag.Span{NoteID: "n2", Start: 31, End: 43}, true},
		{"bracketed ref", "RVSP 62 mmHg", "[S2]",
			phenorag.Span{NoteID: "n2", Start: 31, End: 43}, true},
		{"no ref: first snippet", "RVSP 62 mmHg", "",
			phenorag.Span{NoteID: "n1", Start: 112, End: 125}, true},
		{"case differs", "assessment: pah", "", phenorag.Span{}, false},
		{"paraphrase", "pulmonary hypertension is present", "", phenorag.Span{}, false},
		{"empty", "  ", "", phenorag.Span{}, false},
		{"across snippets", "hypertension. Assessment", "", phenorag.Span{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Verify(tt.quote, tt.ref, call)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("Verify = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestVerifySpanIsNoteText(t *testing.T) {
	note := "Hx: DM2.  Impression:\n  severe   pulmonary\nhypertension, WHO group 1."
	s := phenorag.Snippet{NoteID: "n", Start: 4, End: len(note), Text: note[4:]}
	span, ok := Verify("severe pulmonary hypertension", "S1", []phenorag.Snippet{s})
	if !ok {
		t.Fatal("quote not found")
	}
	if got := note[span.Start:span.End]; got != "severe   pulmonary\nhypertension" {
		t.Fatalf("span covers %q", got)
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		name, in string
		want     phenorag.Label
		bad      bool
	}{
		{"valid", `{"snippet":"S1","quote":"q","rationale":"r","label":"present"}`,
			phenorag.Present, false},
		{"extra field ignored", `{"quote":"q","label":"absent","confidence":3}`,
			phenorag.Absent, false},
		{"label outside enum", `{"quote":"q","label":"yes"}`, "", true},
		{"label missing", `{"quote":"q"}`, "", true},
		{"quote not a string", `{"quote":3,"label":"absent"}`, "", true},
		{"cut off", `{"quote":"q","label":"abs`, "", true},
		{"not JSON", `present`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseReply(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrSchema) {
					t.Fatalf("err = %v, want ErrSchema", err)
				}
				return
			}
			if err != nil || r.Label != tt.want {
				t.Fatalf("parseReply = %+v, %v", r, err)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	P, A, U := phenorag.Present, phenorag.Absent, phenorag.Uncertain
	v := func(l phenorag.Label, w float64) vote { return vote{label: l, weight: w} }
	tests := []struct {
		name    string
		policy  Policy
		votes   []vote
		pending int
		label   phenorag.Label
		conf    float64
		final   bool
	}{
		{"any: one present decides", PolicyAny, []vote{v(A, 1), v(P, 1)}, 3, P, 0.5, true},
		{"any: absent waits", PolicyAny, []vote{v(A, 1)}, 1, A, 1, false},
		{"any: absent vs uncertain", PolicyAny, []vote{v(A, 1), v(A, 1), v(U, 1)}, 0, A,
			2.0 / 3, true},
		{"any: tie is uncertain", PolicyAny, []vote{v(A, 1), v(U, 1)}, 0, U, 0.5, true},
		{"majority", PolicyMajority, []vote{v(A, 1), v(P, 1), v(P, 1)}, 0, P, 2.0 / 3, true},
		{"majority: can still change", PolicyMajority, []vote{v(P, 1), v(P, 1)}, 2, P, 1,
			false},
		{"majority: cannot change", PolicyMajority, []vote{v(P, 1), v(P, 1), v(P, 1)}, 2, P,
			1, true},
		{"majority: tie is uncertain", PolicyMajority, []vote{v(A, 1), v(P, 1)}, 0, U, 0.5,
			true},
		{"weighted", PolicyWeighted, []vote{v(A, 1), v(A, 1), v(P, 5)}, 0, P, 5.0 / 7, true},
		{"weighted: heavy pending", PolicyWeighted, []vote{v(P, 5)}, 1, P, 1, false},
		{"llm: never final early", PolicyLLM, []vote{v(P, 1)}, 1, P, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, c, f := tt.policy.decide(tt.votes, tt.pending, 5)
			if l != tt.label || f != tt.final || (c-tt.conf) > 1e-9 || (tt.conf-c) > 1e-9 {
				t.Fatalf("decide = %s %.3f %v; want %s %.3f %v", l, c, f, tt.label, tt.conf,
					tt.final)
			}
		})
	}
}

func TestEffectiveDowngradesUnverifiedPresent(t *testing.T) {
	if got := effective(phenorag.Answer{Label: phenorag.Present}); got != phenorag.Uncertain {
		t.Errorf("unverified present counts as %s", got)
	}
	if got := effective(phenorag.Answer{Label: phenorag.Present, Verified: true}); got !=
		phenorag.Present {
		t.Errorf("verified present counts as %s", got)
	}
	if got := effective(phenorag.Answer{Label: phenorag.Absent}); got != phenorag.Absent {
		t.Errorf("unverified absent counts as %s", got)
	}
}
