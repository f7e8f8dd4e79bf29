package autodiscover

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/internal/golden"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

const fedInfoRequest = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
	`<GetFederationInformationRequestMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Request><Domain>fabrikam.test</Domain></Request></GetFederationInformationRequestMessage>` +
	`</s:Body></s:Envelope>`

func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	big := strings.Replace(fedInfoRequest, "<Request>", "<Request><X>"+strings.Repeat("a", 2<<20)+"</X>", 1)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		fault                    bool
	}{
		{"malformed XML", "POST", soapPath, "<s:Envelope", nil, 400, true},
		{"wrong body namespace", "POST", soapPath, strings.Replace(fedInfoRequest, "http://schemas.microsoft.com/exchange/2010", "https://schemas.microsoft.com/exchange/2010", 1), nil, 400, true},
		{"unknown operation", "POST", soapPath, strings.ReplaceAll(fedInfoRequest, "GetFederationInformationRequestMessage", "DeleteEverythingRequestMessage"), nil, 400, true},
		{"DTD", "POST", soapPath, `<!DOCTYPE x [<!ENTITY a "b">]>` + fedInfoRequest, nil, 400, true},
		{"oversize", "POST", soapPath, big, nil, 413, false},
		{"GET on SOAP endpoint", "GET", soapPath, "", nil, 405, false},
		{"unknown path", "POST", "/ews/exchange.asmx", fedInfoRequest, nil, 404, false},
		{"no token on WSSecurity", "POST", soapPath + "/WSSecurity", fedInfoRequest, nil, 401, false},
		{"settings without authentication", "POST", soapPath, strings.ReplaceAll(fedInfoRequest, "GetFederationInformation", "GetUserSettings"), nil, 401, false},
		{"POX without authentication", "POST", poxPath, "<Autodiscover/>", nil, 401, false},
		{"anonymous federation information, any path case", "POST", "/AutoDiscover/AutoDiscover.SVC", fedInfoRequest, nil, 200, false},
		{"operation from SOAPAction only", "POST", soapPath, strings.ReplaceAll(fedInfoRequest, "GetFederationInformationRequestMessage", "GetFederationInformationRequestMessage"), map[string]string{"SOAPAction": `"` + actionPrefix + "GetFederationInformation" + `"`}, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "https://autodiscover.fabrikam.test"+tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			testHandler().ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if tt.fault {
				var f *fedavail.Fault
				if _, err := soap.Decode(w.Body.Bytes(), soap.DecodeOptions{}); !errors.As(err, &f) || f.Code != "Client" {
					t.Errorf("body is not a Client fault: %v", err)
				}
			}
		})
	}
}

func TestHandlerCapabilities(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	testHandler().ServeHTTP(w, httptest.NewRequest("GET", "https://x/autodiscover/autodiscover.xml", nil))
	if w.Header().Get("X-SOAP-Enabled") != "True" || w.Header().Get("X-WSSecurity-Enabled") != "True" {
		t.Errorf("headers = %v", w.Header())
	}
}

func TestHandlerInvalidToken(t *testing.T) {
	t.Parallel()
	body := strings.Replace(fedInfoRequest, "<s:Body>", "<s:Header>"+string(soap.Security(soap.V11, []byte(`<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">forged</xenc:EncryptedData>`)))+"</s:Header><s:Body>", 1)
	body = strings.ReplaceAll(body, "GetFederationInformation", "GetUserSettings")
	h := testHandler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "https://x/autodiscover/autodiscover.svc/wssecurity", strings.NewReader(body)))
	v := h.Validator.(*tokenValidator)
	if w.Code != http.StatusUnauthorized || len(v.offers) != 1 || v.offers[0] != fedavail.OfferAutodiscover {
		t.Errorf("status %d, validator offers %v; want 401 after validating for the Autodiscover offer", w.Code, v.offers)
	}
}

// What the client sends and what the handler answers, byte for byte.
func TestGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := &recorder{next: testHandler()}
	e.serveTLS(rec, "autodiscover.fabrikam.test")
	resp := &recorderResponses{next: rec}
	e.serveTLS(resp, "mail.fabrikam.test")
	c := e.client()
	c.Endpoint = "https://mail.fabrikam.test/autodiscover/autodiscover.svc/WSSecurity"
	c.TokenSource, c.Audience = &tokenSource{}, "FYDIBOHF25SPDLT.fabrikam.test"
	c.Credentials = &Credentials{Username: "alice@fabrikam.test", Password: "secret"}
	ctx := t.Context()
	if _, err := c.GetFederationInformation(ctx, "fabrikam.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUserSettings(ctx, []string{"bob@fabrikam.test", "nobody@fabrikam.test"}, ExternalEwsURL, "ExternalWebClientUrls", "Bogus"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetDomainSettings(ctx, []string{"fabrikam.test"}, ExternalEwsURL); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPOXSettings(ctx, "bob@fabrikam.test"); err != nil {
		t.Fatal(err)
	}
	names := []string{"GetFederationInformation", "GetUserSettings", "GetDomainSettings", "POX"}
	reqs := rec.requests()
	if len(reqs) != len(names) || len(resp.bodies) != len(names) {
		t.Fatalf("%d requests, %d answers, want %d", len(reqs), len(resp.bodies), len(names))
	}
	for i, n := range names {
		golden.Check(t, n+"-request.xml", reqs[i].Body)
		golden.Check(t, n+"-response.xml", resp.bodies[i])
	}
}

// recorderResponses keeps the bodies of the answers.
type recorderResponses struct {
	next   http.Handler
	bodies [][]byte
}

func (rr *recorderResponses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := httptest.NewRecorder()
	rr.next.ServeHTTP(rw, r)
	rr.bodies = append(rr.bodies, rw.Body.Bytes())
	for k, v := range rw.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rw.Code)
	_, _ = w.Write(rw.Body.Bytes())
}
