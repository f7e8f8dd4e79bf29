package autodiscover

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerBodyOverServerLimit: a body cut short by the server's
// http.MaxBytesReader (below MaxRequestBytes) is HTTP 413 on every
// endpoint, not a fault about malformed XML (issue 12.8).
func TestHandlerBodyOverServerLimit(t *testing.T) {
	h := http.MaxBytesHandler(testHandler(), 1<<10)
	pad := "<!--" + strings.Repeat("x", 2<<10) + "-->"
	for _, tt := range []struct{ name, path, body string }{
		{"SOAP", soapPath, fedInfoRequest + pad},
		{"SOAP with a token", soapPath + "/WSSecurity", fedInfoRequest + pad},
		{"POX", poxPath, `<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"/>` + pad},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://autodiscover.fabrikam.test"+tt.path, strings.NewReader(tt.body))
			r.SetBasicAuth("alice@fabrikam.test", "secret")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("status = %d, want 413 (%s)", w.Code, w.Body)
			}
		})
	}
}
