package broker

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestTokenEndpointBodyOverLimit: a token request cut short by a server's
// http.MaxBytesReader is HTTP 413, not a SOAP fault (issue 12.8).
func TestTokenEndpointBodyOverLimit(t *testing.T) {
	e := newEnv(t, nil)
	body := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope><!--` + strings.Repeat("x", 64<<10) + `-->`
	w := httptest.NewRecorder()
	http.MaxBytesHandler(e.b, 4<<10).ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), http.MethodPost, TokenPath, strings.NewReader(body)))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413 (%s)", w.Code, w.Body)
	}
}
