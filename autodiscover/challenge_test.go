package autodiscover

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/internal/soap"
)

// TestUnauthorizedChallenge: a 401 on a password path carries IIS's Basic
// challenge, so that clients which wait for one send their credentials
// (issue 13.8); a 401 on a token path does not, and neither does a handler
// with no authenticator.
func TestUnauthorizedChallenge(t *testing.T) {
	t.Parallel()
	settings := strings.ReplaceAll(fedInfoRequest, "GetFederationInformation", "GetUserSettings")
	withToken := strings.Replace(settings, "<s:Body>", "<s:Header>"+string(soap.Security(soap.V11, []byte(`<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">forged</xenc:EncryptedData>`)))+"</s:Header><s:Body>", 1)
	pox := `<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@fabrikam.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`
	noAuth := testHandler()
	noAuth.Authenticate = nil
	tests := []struct {
		name, path, body string
		h                *Handler
		want             string
	}{
		{"SOAP with a password", "/autodiscover/autodiscover.svc", settings, testHandler(), `Basic realm="autodiscover.fabrikam.test"`},
		{"POX", "/autodiscover/autodiscover.xml", pox, testHandler(), `Basic realm="autodiscover.fabrikam.test"`},
		{"SOAP with a token", "/autodiscover/autodiscover.svc/WSSecurity", withToken, testHandler(), ""},
		{"no authenticator", "/autodiscover/autodiscover.svc", settings, noAuth, ""},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "https://autodiscover.fabrikam.test"+tt.path, strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "text/xml; charset=utf-8")
		tt.h.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401: %s", tt.name, w.Code, w.Body)
			continue
		}
		if got := w.Header().Get("WWW-Authenticate"); got != tt.want {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tt.name, got, tt.want)
		}
	}
}
