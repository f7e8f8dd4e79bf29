package autodiscover

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// fixMisprint undoes the documented bulk-edit error of Microsoft's web
// documentation (../shared/samples/SOURCES.md): schemas.microsoft.com and
// schemas.xmlsoap.org namespaces printed with https://. Real servers send
// http://, and fedavail matches namespaces exactly.
func fixMisprint(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("https://schemas.microsoft.com/"), []byte("http://schemas.microsoft.com/"))
	return bytes.ReplaceAll(b, []byte("https://schemas.xmlsoap.org/"), []byte("http://schemas.xmlsoap.org/"))
}

func decodeBody(data []byte, body any, local string) error {
	_, err := soap.Decode(data, soap.DecodeOptions{Body: body, BodyName: xml.Name{Space: ns.Autodiscover, Local: local}})
	return err
}

func TestSampleResponses(t *testing.T) {
	t.Parallel()
	t.Run("GetFederationInformation", func(t *testing.T) {
		raw := testshared.Sample(t, "GetFederationInformation-response.docs.xml")
		var r getFederationInformationResponse
		if err := decodeBody(fixMisprint(raw), &r, "GetFederationInformationResponseMessage"); err != nil {
			t.Fatal(err)
		}
		want := &FederationInformation{ApplicationURI: "BYFCXU-DOM.EXTEST.MICROSOFT.COM",
			Domains: []string{"contoso.com", "europe.contoso.com", "americas.contoso.com", "contosolive.com"}}
		if diff := cmp.Diff(want, federationInformation(&r.Response)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		wantNamespaceError(t, decodeBody(raw, &r, "GetFederationInformationResponseMessage"))
	})
	t.Run("GetUserSettings", func(t *testing.T) {
		raw := testshared.Sample(t, "GetUserSettings-response.docs.xml")
		var r getUserSettingsResponse
		if err := decodeBody(fixMisprint(raw), &r, "GetUserSettingsResponseMessage"); err != nil {
			t.Fatal(err)
		}
		if len(r.Response.UserResponses) != 1 {
			t.Fatalf("got %d user responses, want 1", len(r.Response.UserResponses))
		}
		ur := r.Response.UserResponses[0]
		var got Settings
		for i := range ur.Settings {
			got = append(got, ur.Settings[i].setting())
		}
		if len(got) != 8 || !cmp.Equal(got[0], Setting{Name: "UserDisplayName", Type: StringSetting, Value: "UserDisplayName"}) ||
			got.Value("CasVersion") != "14.00.0478.000" || got.Value("EwsSupportedSchemas") != "Exchange2007, Exchange2010" {
			t.Errorf("settings = %+v", got)
		}
		if ur.RedirectTarget != "" || codeError(ur.ErrorCode, ur.ErrorMessage, "") != nil {
			t.Errorf("RedirectTarget %q (i:nil), code %q", ur.RedirectTarget, ur.ErrorCode)
		}
		wantNamespaceError(t, decodeBody(raw, &r, "GetUserSettingsResponseMessage"))
	})
	t.Run("GetUserSettings RedirectAddress", func(t *testing.T) {
		raw := testshared.Sample(t, "GetUserSettings-response-RedirectAddress.docs.xml")
		var r getUserSettingsResponse
		msg, err := soap.Decode(fixMisprint(raw), soap.DecodeOptions{Body: &r, BodyName: xml.Name{Space: ns.Autodiscover, Local: "GetUserSettingsResponseMessage"}})
		if err != nil {
			t.Fatal(err)
		}
		ur := r.Response.UserResponses[0]
		if ur.ErrorCode != RedirectAddress || ur.RedirectTarget != "elvin@mail.contoso.com" {
			t.Errorf("user response = %+v", ur)
		}
		var svi serverVersionInfo
		if h := msg.Header(ns.Autodiscover, "ServerVersionInfo"); h == nil || h.Decode(&svi) != nil || svi.Version != "Exchange2010_SP2" || svi.MajorBuildNumber != 136 {
			t.Errorf("ServerVersionInfo = %+v", svi)
		}
		wantNamespaceError(t, decodeBody(raw, &r, "GetUserSettingsResponseMessage"))
	})
	t.Run("POX", func(t *testing.T) {
		raw := testshared.Sample(t, "POX-Autodiscover-response.docs.xml")
		r, err := decodePOXResponse(fixMisprint(raw), xmlguard.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		s := &POXSettings{Protocols: r.Response.Account.Protocols}
		if got := s.EWSURL(true); got != "https://mail.contoso.com/ews/exchange.asmx" {
			t.Errorf("external EWS URL = %q", got)
		}
		if got := s.Protocol("EXCH").Server; got != "MBX-SERVER.mail.internal.contoso.com" {
			t.Errorf("EXCH server = %q", got)
		}
		if r.Response.User.DeploymentID != "644560b8-a1ce-429c-8ace-23395843f701" {
			t.Errorf("user = %+v", r.Response.User)
		}
		_, err = decodePOXResponse(raw, xmlguard.Limits{})
		wantNamespaceError(t, err)
	})
}

func wantNamespaceError(t *testing.T, err error) {
	t.Helper()
	var ne *fedavail.NamespaceError
	if !errors.As(err, &ne) {
		t.Errorf("misprinted sample: err = %v, want *fedavail.NamespaceError", err)
	}
}

// The handler answers the documented request samples (fixed up).
func TestSampleRequests(t *testing.T) {
	t.Parallel()
	h := testHandler()
	h.Federation.Domains = append(h.Federation.Domains, "contoso.com")
	h.Authenticate = func(*http.Request) (*fedavail.Requester, error) {
		return &fedavail.Requester{Address: "a@contoso.com"}, nil
	}
	for _, tt := range []struct{ sample, body string }{
		{"GetFederationInformation-request.docs.xml", "GetFederationInformationResponseMessage"},
		{"GetUserSettings-request.docs.xml", "GetUserSettingsResponseMessage"},
	} {
		raw := testshared.Sample(t, tt.sample)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "https://x/Autodiscover/Autodiscover.svc", bytes.NewReader(fixMisprint(raw))))
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d: %s", tt.sample, w.Code, w.Body)
			continue
		}
		var any struct {
			ErrorCode ErrorCode `xml:"Response>ErrorCode"`
			Users     []string  `xml:"Response>UserResponses>UserResponse>ErrorCode"`
		}
		if err := decodeBody(w.Body.Bytes(), &any, tt.body); err != nil || any.ErrorCode != NoError {
			t.Errorf("%s: %v, code %q", tt.sample, err, any.ErrorCode)
		}
		if tt.body == "GetUserSettingsResponseMessage" && (len(any.Users) != 1 || any.Users[0] != string(InvalidUser)) {
			t.Errorf("%s: user codes %v, want [InvalidUser]", tt.sample, any.Users)
		}
		// The raw sample's https:// namespace is refused with a fault.
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "https://x/autodiscover/autodiscover.svc", bytes.NewReader(raw)))
		var f *fedavail.Fault
		if _, err := soap.Decode(w.Body.Bytes(), soap.DecodeOptions{}); w.Code != http.StatusBadRequest || !errors.As(err, &f) {
			t.Errorf("%s raw: status %d, err %v; want 400 and a fault", tt.sample, w.Code, err)
		}
	}
	req, err := decodePOXRequest(fixMisprint(testshared.Sample(t, "POX-Autodiscover-request.docs.xml")), xmlguard.Limits{})
	if err != nil || req.EMailAddress != "user@contoso.com" || req.AcceptableResponseSchema != ns.POXResponse {
		t.Errorf("POX request = %+v, %v", req, err)
	}
}
