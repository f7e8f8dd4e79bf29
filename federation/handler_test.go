package federation_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/sharing"
)

// The handler routes Exchange's paths, in any case, to Autodiscover and EWS
// and nothing else.
func TestHandlerRoutes(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		method, url string
		want        int
		header      string // a header the answer must have
	}{
		{"GET", "https://autodiscover.fabrikam.test/autodiscover/autodiscover.xml", http.StatusOK, "X-Wssecurity-Enabled"},
		{"GET", "https://autodiscover.fabrikam.test/AutoDiscover/AutoDiscover.xml", http.StatusOK, "X-Soap-Enabled"},
		{"GET", "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc", http.StatusMethodNotAllowed, "Allow"},
		{"POST", "https://mail.fabrikam.test/EWS/Exchange.asmx", http.StatusUnauthorized, ""}, // internal users need Authenticate
		{"POST", "https://mail.fabrikam.test/EWS/Exchange.asmx/WSSecurity", http.StatusUnauthorized, ""},
		{"GET", "https://mail.fabrikam.test/ews/exchange.asmx", http.StatusMethodNotAllowed, "Allow"},
		{"GET", "https://mail.fabrikam.test/owa/", http.StatusNotFound, ""},
		{"GET", "https://mail.fabrikam.test/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			body := strings.NewReader(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>`)
			req, err := http.NewRequest(tt.method, tt.url, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "text/xml; charset=utf-8")
			resp, err := w.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.header != "" && resp.Header.Get(tt.header) == "" {
				t.Errorf("no %s header in %v", tt.header, resp.Header)
			}
		})
	}
}

func TestNewHandlerConfig(t *testing.T) {
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	kr := ring(t, k.fabrikam)
	pol, err := sharing.New(sharing.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := federation.HandlerConfig{
		ApplicationURI: appURI("fabrikam.test"), Keys: kr, Domains: []string{"fabrikam.test"},
		Broker: federation.TrustBroker{IssuerURI: brokerURI, Certificates: nil},
		Policy: pol, Calendars: &calendar.Memory{}, EWSURL: "https://mail.fabrikam.test/EWS/Exchange.asmx",
	}
	tests := []struct {
		name   string
		change func(*federation.HandlerConfig)
		want   string
	}{
		{"good", func(*federation.HandlerConfig) {}, ""},
		{"no application URI", func(c *federation.HandlerConfig) { c.ApplicationURI = " " }, "ApplicationURI is required"},
		{"no keys", func(c *federation.HandlerConfig) { c.Keys = nil }, "Keys is required"},
		{"no domains", func(c *federation.HandlerConfig) { c.Domains = nil }, "Domains is required"},
		{"no policy", func(c *federation.HandlerConfig) { c.Policy = nil }, "Policy is required"},
		{"no calendars", func(c *federation.HandlerConfig) { c.Calendars = nil }, "Calendars is required"},
		{"no EWS URL", func(c *federation.HandlerConfig) { c.EWSURL = "" }, "EWSURL is required"},
		{"no broker", func(c *federation.HandlerConfig) { c.Broker = federation.TrustBroker{} }, "MetadataURL or IssuerURI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			_, err := federation.NewHandler(cfg)
			if tt.want == "" && err != nil {
				t.Fatalf("NewHandler: %v", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
