package xmlguard

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

// TestReadBodyMatchesReadAll holds ReadBody to ReadAll whatever
// the Content-Length claims: the same bytes, the same refusals.
func TestReadBodyMatchesReadAll(t *testing.T) {
	limits := Limits{MaxBytes: 64}
	tests := []struct {
		name          string
		body          string
		contentLength int64
	}{
		{"exact", "<x/>", 4},
		{"unknown length", "<x/>", -1},
		{"shorter than announced", "<x/>", 10},
		{"longer than announced", "<x>abc</x>", 4},
		{"longer than announced and the limit", strings.Repeat("a", 100), 4},
		{"announced over the limit", strings.Repeat("a", 100), 100},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			req.ContentLength = tt.contentLength
			got, gotErr := ReadBody(req, limits)
			want, wantErr := ReadAll(strings.NewReader(tt.body), limits)
			var gotLE, wantLE *fedavail.LimitError
			if (gotErr == nil) != (wantErr == nil) || errors.As(gotErr, &gotLE) != errors.As(wantErr, &wantLE) {
				t.Fatalf("error %v, ReadAll's %v", gotErr, wantErr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("body %s", cmp.Diff(string(want), string(got)))
			}
		})
	}
}
