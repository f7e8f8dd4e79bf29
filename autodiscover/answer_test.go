package autodiscover

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// exchangeUserSettingsRequest is GetUserSettings as Exchange's own
// availability service and the EWS Managed API send it: wsa:MessageID,
// Exchange2013, and the version settings a client decides its dialect by.
const exchangeUserSettingsRequest = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:ad="http://schemas.microsoft.com/exchange/2010/Autodiscover">` +
	`<s:Header><ad:RequestedServerVersion>Exchange2013</ad:RequestedServerVersion>` +
	`<a:Action s:mustUnderstand="1">http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings</a:Action>` +
	`<a:MessageID>urn:uuid:6389558d-9e05-465e-ade9-aae14c4bcd10</a:MessageID>` +
	`<a:To s:mustUnderstand="1">https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc</a:To></s:Header>` +
	`<s:Body><ad:GetUserSettingsRequestMessage><ad:Request><ad:Users><ad:User><ad:Mailbox>carol@fabrikam.test</ad:Mailbox></ad:User><ad:User><ad:Mailbox>bob@fabrikam.test</ad:Mailbox></ad:User></ad:Users>` +
	`<ad:RequestedSettings><ad:Setting>UserDisplayName</ad:Setting><ad:Setting>CasVersion</ad:Setting><ad:Setting>EwsSupportedSchemas</ad:Setting><ad:Setting>ExternalEwsUrl</ad:Setting><ad:Setting>ExternalEwsVersion</ad:Setting></ad:RequestedSettings>` +
	`</ad:Request></ad:GetUserSettingsRequestMessage></s:Body></s:Envelope>`

// post sends body to the handler's SOAP endpoint as alice and returns the
// answer.
func post(t *testing.T, h *Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc", strings.NewReader(body))
	r.Header.Set("Content-Type", "text/xml; charset=utf-8")
	r.SetBasicAuth("alice@fabrikam.test", "secret")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	return w
}

// The answer is shaped like Exchange's: wsa:RelatesTo echoes the request's
// MessageID, ServerVersionInfo has all four numbers and Exchange2013_SP1,
// and the server's own settings (CasVersion, EwsSupportedSchemas,
// ExternalEwsVersion) come back for a user whose directory entry lacks them.
func TestAnswerLikeExchange(t *testing.T) {
	t.Parallel()
	w := post(t, testHandler(), exchangeUserSettingsRequest)
	golden.Check(t, "GetUserSettings-exchange-response.xml", w.Body.Bytes())

	msg, err := soap.Decode(w.Body.Bytes(), soap.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.HeaderText("http://www.w3.org/2005/08/addressing", "RelatesTo"); got != "urn:uuid:6389558d-9e05-465e-ade9-aae14c4bcd10" {
		t.Errorf("RelatesTo = %q", got)
	}
	var svi serverVersionInfo
	if h := msg.Header("http://schemas.microsoft.com/exchange/2010/Autodiscover", "ServerVersionInfo"); h == nil || h.Decode(&svi) != nil {
		t.Fatal("no ServerVersionInfo")
	}
	want := serverVersionInfo{XMLName: svi.XMLName, MajorVersion: 15, MinorVersion: 1, MajorBuildNumber: 2507, MinorBuildNumber: 6, Version: "Exchange2013_SP1"}
	if diff := cmp.Diff(want, svi); diff != "" {
		t.Errorf("ServerVersionInfo (-want +got):\n%s", diff)
	}

	var resp getUserSettingsResponse
	if err := msg.Body.Decode(&resp); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for i, ur := range resp.Response.UserResponses {
		m := map[string]string{}
		for _, s := range ur.Settings {
			m[s.Name] = s.setting().Value
		}
		got[[]string{"carol", "bob"}[i]] = m
	}
	wantSettings := map[string]map[string]string{
		"carol": {
			"CasVersion": "15.01.2507.006", "ExternalEwsVersion": "15.01.2507.006", "ExternalEwsUrl": "https://mail.fabrikam.test/EWS/Exchange.asmx",
			"EwsSupportedSchemas": "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1",
		},
		"bob": { // the directory's own values win
			"UserDisplayName": "Bob Jones", "CasVersion": "15.01.2507.006", "ExternalEwsVersion": "15.01.2507.000", "ExternalEwsUrl": "https://mail.fabrikam.test/EWS/Exchange.asmx",
			"EwsSupportedSchemas": "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1",
		},
	}
	if diff := cmp.Diff(wantSettings, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}

	// A configured version is announced everywhere instead.
	h := testHandler()
	h.ServerVersion = ServerVersionInfo{MajorVersion: 15, MinorVersion: 2, MajorBuildNumber: 1544, MinorBuildNumber: 4, Version: "Exchange2013_SP1"}
	if body := post(t, h, exchangeUserSettingsRequest).Body.String(); !strings.Contains(body, "<Value>15.02.1544.004</Value>") || !strings.Contains(body, "<MinorVersion>2</MinorVersion><MajorBuildNumber>1544</MajorBuildNumber>") {
		t.Errorf("configured version not announced: %s", body)
	}
	// No MessageID, no RelatesTo; an oversized one is not echoed.
	for _, id := range []string{"", strings.Repeat("x", maxRelatesTo+1)} {
		body := strings.Replace(exchangeUserSettingsRequest, "urn:uuid:6389558d-9e05-465e-ade9-aae14c4bcd10", id, 1)
		if strings.Contains(post(t, testHandler(), body).Body.String(), "RelatesTo") {
			t.Errorf("MessageID of %d bytes: RelatesTo in the answer", len(id))
		}
	}
}

// A POX answer for a user with one EWS URL carries a filled User and both
// protocol entries, as Exchange's does.
func TestPOXLikeExchange(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "https://autodiscover.fabrikam.test/autodiscover/autodiscover.xml", strings.NewReader(
		`<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>carol@fabrikam.test</EMailAddress>`+
			`<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`))
	r.SetBasicAuth("alice@fabrikam.test", "secret")
	w := httptest.NewRecorder()
	testHandler().ServeHTTP(w, r)
	golden.Check(t, "POX-single-url-response.xml", w.Body.Bytes())
	r2, err := decodePOXResponse(w.Body.Bytes(), xmlguard.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if u := r2.Response.User; u == nil || u.DisplayName != "carol@fabrikam.test" {
		t.Errorf("User = %+v, want the address as display name", u)
	}
	var types []string
	for _, p := range r2.Response.Account.Protocols {
		types = append(types, p.Type+" "+p.Server+" "+p.EWSURL)
	}
	wantTypes := []string{
		"EXCH mail.fabrikam.test https://mail.fabrikam.test/EWS/Exchange.asmx",
		"EXPR mail.fabrikam.test https://mail.fabrikam.test/EWS/Exchange.asmx",
	}
	if diff := cmp.Diff(wantTypes, types); diff != "" {
		t.Errorf("protocols (-want +got):\n%s", diff)
	}
}
