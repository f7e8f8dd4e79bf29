package opname

import (
	"net/http"
	"testing"
)

func TestNames(t *testing.T) {
	req := func(method, path string, h ...string) *http.Request {
		r, _ := http.NewRequest(method, "https://x.test"+path, nil)
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	for _, tt := range []struct {
		r              *http.Request
		server, client string
	}{
		{req("POST", "/EWS/Exchange.asmx/WSSecurity", "SOAPAction", `"http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability"`), "GetUserAvailability", "GetUserAvailability"},
		{req("POST", "/autodiscover/autodiscover.svc", "Content-Type", `application/soap+xml; charset=utf-8; action="http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings"`), "GetUserSettings", "GetUserSettings"},
		{req("POST", "/EWS/Exchange.asmx", "SOAPAction", "http://evil.test/GetAllTheMail"), "EWS", "EWS"}, // unknown actions fall back to the path
		{req("GET", "/autodiscover/autodiscover.xml"), "Probe", "Probe"},
		{req("POST", "/Autodiscover/Autodiscover.xml"), "POX", "POX"},
		{req("POST", "/extSTS.srf", "Content-Type", `application/soap+xml; action="http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue"`), "other", "Issue"},
		{req("GET", "/FederationMetadata/2006-12/FederationMetadata.xml"), "other", "Metadata"},
	} {
		if got := Server(tt.r); got != tt.server {
			t.Errorf("Server(%s %s) = %q, want %q", tt.r.Method, tt.r.URL.Path, got, tt.server)
		}
		if got := Client(tt.r); got != tt.client {
			t.Errorf("Client(%s %s) = %q, want %q", tt.r.Method, tt.r.URL.Path, got, tt.client)
		}
	}
}
