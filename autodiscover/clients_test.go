package autodiscover

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The handler answers requests shaped as real clients send them: Outlook and
// the EWS Managed API differ in how they name the operation (SOAPAction
// header only, or wsa:Action only), in RequestedServerVersion, and WCF
// clients write i:nil for empty members.
func TestHandlerRealClientShapes(t *testing.T) {
	t.Parallel()
	const (
		wsaAction = `<a:Action xmlns:a="http://www.w3.org/2005/08/addressing">` + actionPrefix + `GetUserSettings</a:Action>`
		wsaTo     = `<a:To xmlns:a="http://www.w3.org/2005/08/addressing">https://fabrikam.test/autodiscover/autodiscover.svc</a:To>`
		xsi       = `xmlns:i="http://www.w3.org/2001/XMLSchema-instance"`
	)
	version := func(v string) string {
		return `<RequestedServerVersion xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover">` + v + `</RequestedServerVersion>`
	}
	tests := []struct {
		name       string
		header     string // SOAP header content
		soapAction string // HTTP SOAPAction header
		body       string // Request content
		wantUsers  []ErrorCode
		wantErrs   []string // per-setting error names:codes of the first user
	}{
		{name: "SOAPAction only, no wsa headers, Exchange2010", header: version("Exchange2010"), soapAction: `"` + actionPrefix + `GetUserSettings"`,
			wantUsers: []ErrorCode{NoError}},
		{name: "wsa headers only, Exchange2013", header: version("Exchange2013") + wsaAction + wsaTo,
			wantUsers: []ErrorCode{NoError}},
		{name: "no version, no action: the body names the operation", header: "",
			wantUsers: []ErrorCode{NoError}},
		{name: "i:nil members are absent values",
			body:      `<Users><User><Mailbox>bob@fabrikam.test</Mailbox><DisplayName ` + xsi + ` i:nil="true"/></User><User><Mailbox ` + xsi + ` i:nil="true"/></User></Users><RequestedSettings><Setting>UserDisplayName</Setting></RequestedSettings>`,
			wantUsers: []ErrorCode{NoError, InvalidUser}},
		{name: "unknown setting names: InvalidSetting each, the known ones answered",
			body:      `<Users><User><Mailbox>bob@fabrikam.test</Mailbox></User></Users><RequestedSettings><Setting>UserDisplayName</Setting><Setting>NoSuchSetting</Setting><Setting>externalewsurl</Setting></RequestedSettings>`,
			wantUsers: []ErrorCode{NoError}, wantErrs: []string{"NoSuchSetting:InvalidSetting", "externalewsurl:InvalidSetting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body
			if body == "" {
				body = `<Users><User><Mailbox>bob@fabrikam.test</Mailbox></User></Users><RequestedSettings><Setting>UserDisplayName</Setting></RequestedSettings>`
			}
			env := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` + tt.header + `</s:Header><s:Body>` +
				`<GetUserSettingsRequestMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Request>` + body + `</Request></GetUserSettingsRequestMessage></s:Body></s:Envelope>`
			r := httptest.NewRequest(http.MethodPost, "https://fabrikam.test/autodiscover/autodiscover.svc", strings.NewReader(env))
			r.Header.Set("Content-Type", "text/xml; charset=utf-8")
			r.Header.Set("Authorization", basicHeader("alice@fabrikam.test", "secret"))
			if tt.soapAction != "" {
				r.Header.Set("SOAPAction", tt.soapAction)
			}
			w := httptest.NewRecorder()
			testHandler().ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var resp getUserSettingsResponse
			if err := decodeBody(w.Body.Bytes(), &resp, "GetUserSettingsResponseMessage"); err != nil {
				t.Fatal(err)
			}
			var users []ErrorCode
			for _, u := range resp.Response.UserResponses {
				users = append(users, u.ErrorCode)
			}
			if diff := cmp.Diff(tt.wantUsers, users); diff != "" {
				t.Errorf("user error codes (-want +got):\n%s", diff)
			}
			var errs []string
			for _, e := range resp.Response.UserResponses[0].SettingErrors {
				errs = append(errs, e.SettingName+":"+string(e.ErrorCode))
			}
			if diff := cmp.Diff(tt.wantErrs, errs); diff != "" {
				t.Errorf("setting errors (-want +got):\n%s", diff)
			}
			if got := resp.Response.UserResponses[0].Settings; len(got) != 1 || got[0].Name != UserDisplayName {
				t.Errorf("settings = %+v, want UserDisplayName only", got)
			}
		})
	}
}
