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

// TestReadBodyInto: a recycled buffer, whatever it holds and whatever its
// size, gives the bytes and refusals of ReadBody; one large enough is used
// in place.
func TestReadBodyInto(t *testing.T) {
	limits := Limits{MaxBytes: 64}
	for _, body := range []string{"", "<x/>", strings.Repeat("b", 64), strings.Repeat("c", 65), strings.Repeat("d", 1000)} {
		for _, cl := range []int64{-1, 4, int64(len(body))} {
			for _, size := range []int{0, 3, 65, 4096} {
				buf := bytes.Repeat([]byte("z"), size)
				req := httptest.NewRequest("POST", "/", strings.NewReader(body))
				req.ContentLength = cl
				got, err := ReadBodyInto(req, limits, buf)
				var le *fedavail.LimitError
				switch {
				case len(body) > 64:
					if !errors.As(err, &le) {
						t.Errorf("%d bytes (Content-Length %d) into %d: %v, want a LimitError", len(body), cl, size, err)
					}
				case err != nil || string(got) != body:
					t.Errorf("%d bytes (Content-Length %d) into %d: %q, %v", len(body), cl, size, got, err)
				case size > len(body) && len(body) > 0 && &got[0] != &buf[0]:
					t.Errorf("%d bytes into %d: the buffer was not used", len(body), size)
				}
			}
		}
	}
}

// BenchmarkReadBody reads a 9.5 KB body (the size of a federated
// GetUserAvailability) into a fresh buffer and into a recycled one.
func BenchmarkReadBody(b *testing.B) {
	body := strings.Repeat("x", 9480)
	for _, recycled := range []bool{false, true} {
		b.Run(map[bool]string{false: "fresh", true: "recycled"}[recycled], func(b *testing.B) {
			var buf []byte
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				req := httptest.NewRequest("POST", "/", strings.NewReader(body))
				data, err := ReadBodyInto(req, Limits{}, buf)
				if err != nil {
					b.Fatal(err)
				}
				if recycled {
					buf = data[:0]
				}
			}
		})
	}
}
