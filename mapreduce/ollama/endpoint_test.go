package ollama

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseEndpoints(t *testing.T) {
	tests := []struct {
		name, flag, env string
		slots           int
		want            []Endpoint
		wantErr         string
	}{
		{"default", "", "", 0, []Endpoint{{"http://127.0.0.1:11434", 2}}, ""},
		{"env host only", "", "10.0.0.5", 4, []Endpoint{{"http://10.0.0.5:11434", 4}}, ""},
		{"env port only", "", ":8080", 1, []Endpoint{{"http://127.0.0.1:8080", 1}}, ""},
		{"env with scheme", "", "https://gpu.lan", 1, []Endpoint{{"https://gpu.lan:443", 1}}, ""},
		{"flag beats env", "a:1", "b:2", 1, []Endpoint{{"http://a:1", 1}}, ""},
		{"several with slots", "a:1#slots=4, http://b:2/ollama/", "", 2,
			[]Endpoint{{"http://a:1", 4}, {"http://b:2/ollama", 2}}, ""},
		{"ipv6", "[::1]:9000", "", 1, []Endpoint{{"http://[::1]:9000", 1}}, ""},
		{"bad slots", "a:1#slots=0", "", 1, nil, "address 1"},
		{"bad suffix", "a:1#x", "", 1, nil, "#slots=N"},
		{"bad port", "a:99999", "", 1, nil, "port"},
		{"bad scheme", "ftp://a", "", 1, nil, "scheme"},
		{"empty item", "a:1,,b:2", "", 1, nil, "address 2"},
		{"duplicate", "a:1,http://a:1", "", 1, nil, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEndpoints(tt.flag, tt.env, tt.slots)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseEndpoints(f *testing.F) {
	for _, s := range []string{"", "a:1", "http://[::1]:2/x#slots=3", "a,b", "::", "#slots="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		eps, err := ParseEndpoints(s, "", 1)
		if err != nil {
			return
		}
		for _, ep := range eps {
			if ep.Slots < 1 || !strings.HasPrefix(ep.URL, "http") {
				t.Errorf("ParseEndpoints(%q) gave %+v", s, ep)
			}
			if _, err := New(Config{Endpoints: []Endpoint{ep}, Model: "m"}); err != nil {
				t.Errorf("ParseEndpoints(%q) gave %+v that New rejects: %v", s, ep, err)
			}
		}
	})
}
