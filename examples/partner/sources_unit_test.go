package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCredentials(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		file, want string // want: the Authorization header, or "error"
	}{
		{"svc:p@ss:word\n", "Basic c3ZjOnBAc3M6d29yZA=="},
		{"Bearer abc.def\n", "Bearer abc.def"},
		{"no-colon-secret", "error"},
		{"user:\n", "error"},
		{"a:b\nc:d\n", "error"},
	}
	for i, tt := range tests {
		p := filepath.Join(dir, "cred")
		os.WriteFile(p, []byte(tt.file), 0o600)
		auth, err := readCredentials(p)
		if tt.want == "error" {
			if err == nil {
				t.Errorf("%d: %q accepted", i, tt.file)
			} else if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "c:d") {
				t.Errorf("%d: the error shows the file: %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://dav.test/", nil)
		auth(req, "dana@fabrikam.test")
		if got := req.Header.Get("Authorization"); got != tt.want {
			t.Errorf("%d: Authorization %q, want %q", i, got, tt.want)
		}
	}
}

func TestReadMailboxMap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "map")
	os.WriteFile(p, []byte("# who lives where\nDana@Fabrikam.test /dana/\n\nerin@fabrikam.test   /calendars/erin/\n"), 0o600)
	got, err := readMailboxMap(p)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"dana@fabrikam.test": "/dana/", "erin@fabrikam.test": "/calendars/erin/"}, got); d != "" {
		t.Errorf("map (-want +got):\n%s", d)
	}
	os.WriteFile(p, []byte("dana@fabrikam.test dana/\n"), 0o600)
	if _, err := readMailboxMap(p); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("a relative path: %v, want an error naming line 1", err)
	}
}
