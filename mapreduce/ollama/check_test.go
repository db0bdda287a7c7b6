package ollama

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/phenorag/phenorag/mapreduce/ollama/ollamatest"
)

func TestCheck(t *testing.T) {
	srv := ollamatest.NewServer(t, ollamatest.WithVersion("0.17.4"))
	other := ollamatest.NewServer(t)
	c := newTestClient(t, Config{Model: "stories"}, srv.URL, other.URL)
	info, err := c.Check(context.Background())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if info.Digest != ollamatest.DefaultModel.Digest || info.ServerVersion != "0.17.4" ||
		len(info.Endpoints) != 2 || info.Model != "stories" || info.ContextLength != 512 {
		t.Errorf("info = %+v", info)
	}
}

func TestCheckErrors(t *testing.T) {
	srv := ollamatest.NewServer(t)
	otherBuild := ollamatest.NewServer(t, ollamatest.WithModels(
		ollamatest.Model{Name: "stories", Digest: "0123"}))
	dead := closedURL(t)
	tests := []struct {
		name     string
		model    string
		urls     []string
		wantIs   error
		wantText []string
	}{
		{"unknown model", "llama3.1:8b", []string{srv.URL}, ErrModelNotFound,
			[]string{"ollama pull llama3.1:8b", srv.URL}},
		{"no server", "stories", []string{dead}, ErrUnreachable,
			[]string{dead, "ollama serve", "OLLAMA_HOST"}},
		{"second server down", "stories", []string{srv.URL, dead}, ErrUnreachable,
			[]string{dead}},
		{"digests differ", "stories:latest", []string{srv.URL, otherBuild.URL}, nil,
			[]string{"differs", "0123", otherBuild.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, Config{Model: tt.model}, tt.urls...)
			_, err := c.Check(context.Background())
			if err == nil {
				t.Fatal("Check succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}
