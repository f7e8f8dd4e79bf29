package testorg_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fedavail/fedavail/internal/testorg"
)

// BenchmarkHandlerDirect is the request of BenchmarkHandlerOverBare served
// by the organization's EWS handler in process, without HTTP: the handler's
// own CPU and allocations per request (warm token validation included),
// which the paired benchmark measures only through the noise of loopback
// HTTP on both sides.
//
//	go test -run '^$' -bench HandlerDirect -benchmem ./internal/testorg
func BenchmarkHandlerDirect(b *testing.B) {
	org, body, hdr := benchRequest(b)
	w := &discardWriter{h: http.Header{}}
	serve := func() {
		r := httptest.NewRequest(http.MethodPost, testorg.EWSPath, bytes.NewReader(body))
		r.Header = hdr
		r.ContentLength = int64(len(body))
		clear(w.h)
		w.status = 0
		org.Handler.ServeHTTP(w, r)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	serve() // the cold validation, as a partner's first request
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		serve()
	}
}

// discardWriter is an http.ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(status int) { w.status = status }

func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
