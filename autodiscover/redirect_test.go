package autodiscover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/golden"
)

// movedDirectory answers like testDirectory, except for the users and
// domains it says have moved to another service.
type movedDirectory struct {
	*dir
	moved map[string]string // mailbox or domain → URL
}

func (d movedDirectory) LookupUser(ctx context.Context, req *fedavail.Requester, m string) (*User, error) {
	if u, ok := d.moved[strings.ToLower(m)]; ok {
		return nil, &MovedError{URL: u}
	}
	return d.dir.LookupUser(ctx, req, m)
}

func (d movedDirectory) LookupDomain(ctx context.Context, req *fedavail.Requester, domain string) (Settings, error) {
	if u, ok := d.moved[strings.ToLower(domain)]; ok {
		return nil, &MovedError{URL: u}
	}
	return d.dir.LookupDomain(ctx, req, domain)
}

// movedHandler is testHandler with some users and domains moved.
func movedHandler(moved map[string]string) *Handler {
	h := testHandler()
	h.Directory = movedDirectory{dir: testDirectory(), moved: moved}
	return h
}

const (
	onPremEP = "https://fabrikam.test/autodiscover/autodiscover.svc"
	cloudEP  = "https://cloud.test/autodiscover/autodiscover.svc"
)

// A user or domain the directory says lives elsewhere is answered with
// RedirectUrl, which the client follows to the other service; a request
// whose subjects all moved there is redirected as a whole.
func TestRedirectURLRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "cloud.test")
	e.serveTLS(movedHandler(map[string]string{
		"moved-url@fabrikam.test": cloudEP,
		"cloud.fabrikam.test":     cloudEP,
	}), "fabrikam.test")
	cloud := &recorder{next: testHandler()}
	e.serveTLS(cloud, "cloud.test")
	c := e.client()
	c.TokenSource, c.Audience = &tokenSource{}, fabrikamFederation.ApplicationURI
	ctx := t.Context()

	rs, err := c.GetUserSettings(ctx, []string{"bob@fabrikam.test", "moved-url@fabrikam.test"}, UserDisplayName)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{rs[0].Endpoint, rs[1].Endpoint}
	if diff := cmp.Diff([]string{onPremEP, cloudEP}, got); diff != "" {
		t.Errorf("endpoints that answered (-want +got):\n%s", diff)
	}
	// The cloud service does not know the moved user: its answer, not the
	// redirect, is the user's.
	if !errors.Is(rs[1].Err, ErrInvalidUser) || rs[1].RedirectedTo != "" {
		t.Errorf("moved user: err %v, RedirectedTo %q; want the cloud's InvalidUser and no address", rs[1].Err, rs[1].RedirectedTo)
	}

	c.Endpoint = onPremEP // GetDomainSettings would discover cloud.fabrikam.test's endpoint
	ds, err := c.GetDomainSettings(ctx, []string{"fabrikam.test", "cloud.fabrikam.test"}, ExternalEwsURL)
	if err != nil {
		t.Fatal(err)
	}
	want := []DomainResponse{
		{Domain: "fabrikam.test", Endpoint: onPremEP, Settings: Settings{{Name: ExternalEwsURL, Type: DomainStringSetting, Value: "https://mail.fabrikam.test/EWS/Exchange.asmx"}}},
		{Domain: "cloud.fabrikam.test", Endpoint: cloudEP, RedirectedTo: cloudEP,
			Err: &Error{Code: InvalidDomain, Message: "Invalid domain: 'cloud.fabrikam.test'", Subject: "cloud.fabrikam.test"}},
	}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("domain responses (-want +got):\n%s", diff)
	}

	// Only moved subjects: the whole request goes to the cloud by HTTP 302,
	// to its /WSSecurity endpoint since it came with a token.
	n := len(cloud.requests())
	ds, err = c.GetDomainSettings(ctx, []string{"cloud.fabrikam.test"}, ExternalEwsURL)
	if err != nil {
		t.Fatal(err)
	}
	reqs := cloud.requests()
	if ds[0].Endpoint != cloudEP || len(reqs) != n+1 || !strings.EqualFold(reqs[n].Path, soapPath+"/WSSecurity") {
		t.Errorf("whole-request redirect: endpoint %s, cloud requests %+v", ds[0].Endpoint, reqs[n:])
	}
}

// The handler's answers for moved subjects, byte for byte and by status.
func TestHandlerMoved(t *testing.T) {
	t.Parallel()
	h := movedHandler(map[string]string{"moved-url@fabrikam.test": cloudEP, "cloud.fabrikam.test": cloudEP, "elsewhere.test": cloudEP})
	h.Federation.Domains = append(h.Federation.Domains, "cloud.fabrikam.test")
	tests := []struct {
		name, path, body string
		status           int
		location, golden string
	}{
		{"per user", soapPath, userSettingsRequest("bob@fabrikam.test", "moved-url@fabrikam.test"), 200, "", "moved-user-response.xml"},
		{"per domain", soapPath, domainSettingsRequest("fabrikam.test", "cloud.fabrikam.test"), 200, "", "moved-domain-response.xml"},
		{"every user", soapPath + "/WSSecurity", userSettingsRequest("moved-url@fabrikam.test"), 302, cloudEP + "/WSSecurity", ""},
		{"every domain", soapPath, domainSettingsRequest("cloud.fabrikam.test"), 302, cloudEP, ""},
		{"federation information of a domain hosted elsewhere", soapPath, strings.Replace(fedInfoRequest, "fabrikam.test", "elsewhere.test", 1), 302, cloudEP, ""},
		{"federation information of one of ours", soapPath, strings.Replace(fedInfoRequest, "fabrikam.test", "cloud.fabrikam.test", 1), 200, "", ""},
		{"POX", poxPath, `<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>moved-url@fabrikam.test</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`, 200, "", "moved-POX-response.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "https://fabrikam.test"+tt.path, strings.NewReader(tt.body))
			r.Header.Set("Authorization", basicHeader("alice@fabrikam.test", "secret"))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, withToken(r))
			if w.Code != tt.status || w.Header().Get("Location") != tt.location {
				t.Fatalf("status %d, Location %q; want %d, %q (%s)", w.Code, w.Header().Get("Location"), tt.status, tt.location, w.Body)
			}
			if tt.golden != "" {
				golden.Check(t, tt.golden, w.Body.Bytes())
			}
		})
	}
}

// withToken adds testToken in wsse:Security to a request for /WSSecurity.
func withToken(r *http.Request) *http.Request {
	if !strings.HasSuffix(strings.ToLower(r.URL.Path), "/wssecurity") {
		return r
	}
	body, _ := io.ReadAll(r.Body)
	s := strings.Replace(string(body), "<s:Body>", `<s:Header><o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">`+testToken+`</o:Security></s:Header><s:Body>`, 1)
	return httptest.NewRequest(r.Method, r.URL.String(), strings.NewReader(s))
}

func userSettingsRequest(mailboxes ...string) string {
	return settingsRequest(opGetUserSettings, "Users", "<User><Mailbox>%s</Mailbox></User>", UserDisplayName, mailboxes)
}

func domainSettingsRequest(domains ...string) string {
	return settingsRequest(opGetDomainSettings, "Domains", "<Domain>%s</Domain>", ExternalEwsURL, domains)
}

// settingsRequest is a minimal GetUserSettings or GetDomainSettings request
// for subjects, each written by format inside the list element, and one setting.
func settingsRequest(op, list, format, setting string, subjects []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><%sRequestMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Request><%s>`, op, list)
	for _, s := range subjects {
		fmt.Fprintf(&b, format, s)
	}
	fmt.Fprintf(&b, `</%s><RequestedSettings><Setting>%s</Setting></RequestedSettings></Request></%sRequestMessage></s:Body></s:Envelope>`, list, setting, op)
	return b.String()
}

// RedirectUrl answers go through the same hop checks as HTTP redirects:
// a loop between two services and a redirect to http are refused, and the
// refusal is the subject's error, next to the other subjects' answers.
func TestRedirectURLRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		to   string // where fabrikam.test sends cloud.fabrikam.test
		want error
	}{
		{"loop", cloudEP, ErrRedirectLoop},
		{"http", "http://cloud.test/autodiscover/autodiscover.svc", ErrInsecureRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "cloud.test")
			e.serveTLS(movedHandler(map[string]string{"cloud.fabrikam.test": tt.to}), "fabrikam.test")
			e.serveTLS(movedHandler(map[string]string{"cloud.fabrikam.test": onPremEP}), "cloud.test")
			c := e.client()
			c.TokenSource, c.Audience = &tokenSource{}, fabrikamFederation.ApplicationURI
			ds, err := c.GetDomainSettings(t.Context(), []string{"fabrikam.test", "cloud.fabrikam.test"}, ExternalEwsURL)
			if err != nil {
				t.Fatal(err)
			}
			var re *RedirectError
			if ds[0].Err != nil || !errors.As(ds[1].Err, &re) || !errors.Is(ds[1].Err, tt.want) || ds[1].RedirectedTo == "" {
				t.Errorf("answers %+v, %+v; want the first answered and the second refused with %v", ds[0], ds[1], tt.want)
			}
		})
	}
}

// A RedirectAddress into another organization does not carry the token
// minted for the first one: without Client.AudienceFor the mailbox fails
// with *OrganizationError, and with it the client asks for a token for the
// other organization's audience.
func TestRedirectAddressAcrossOrganizations(t *testing.T) {
	t.Parallel()
	refused := errors.New("no organization relationship")
	tests := []struct {
		name        string
		audienceFor func(context.Context, string) (string, error)
		wantErr     error    // nil: the other organization answers
		wantTokens  []string // audiences asked for
		// endpoint is Client.Endpoint: it serves the starting domain only,
		// so the other organization must still be discovered.
		endpoint string
	}{
		{"refused by default", nil, &OrganizationError{}, []string{"FYDIBOHF25SPDLT.fabrikam.test"}, ""},
		{"refused by AudienceFor", func(context.Context, string) (string, error) { return "", refused }, refused, []string{"FYDIBOHF25SPDLT.fabrikam.test"}, ""},
		{"followed with a token for the other audience", func(_ context.Context, d string) (string, error) {
			if d != "cloud.test" {
				return "", errors.New("unexpected domain " + d)
			}
			return "outlook.test", nil
		}, nil, []string{"FYDIBOHF25SPDLT.fabrikam.test", "outlook.test"}, ""},
		{"followed from an explicit endpoint", func(context.Context, string) (string, error) { return "outlook.test", nil },
			nil, []string{"FYDIBOHF25SPDLT.fabrikam.test", "outlook.test"}, "https://fabrikam.test/autodiscover/autodiscover.svc/WSSecurity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "cloud.test")
			onPrem := testHandler()
			onPrem.Directory.(*dir).users["hybrid@fabrikam.test"] = &User{RedirectAddress: "bob@cloud.test"}
			e.serveTLS(onPrem, "fabrikam.test")
			cloud := testHandler()
			cloud.Directory.(*dir).users["bob@cloud.test"] = &User{Settings: Settings{{Name: UserDisplayName, Value: "Bob in the cloud"}}}
			cloudRec := &recorder{next: cloud}
			e.serveTLS(cloudRec, "cloud.test")
			ts := &tokenSource{}
			c := e.client()
			c.TokenSource, c.Audience, c.AudienceFor, c.Endpoint = ts, fabrikamFederation.ApplicationURI, tt.audienceFor, tt.endpoint
			rs, err := c.GetUserSettings(t.Context(), []string{"hybrid@fabrikam.test"}, UserDisplayName)
			if err != nil {
				t.Fatal(err)
			}
			var audiences []string
			for _, r := range ts.reqs {
				audiences = append(audiences, r.Audience)
			}
			if diff := cmp.Diff(tt.wantTokens, audiences); diff != "" {
				t.Errorf("token audiences (-want +got):\n%s", diff)
			}
			if rs[0].RedirectedTo != "bob@cloud.test" {
				t.Errorf("RedirectedTo = %q", rs[0].RedirectedTo)
			}
			if tt.wantErr == nil {
				if rs[0].Err != nil || rs[0].Settings.Value(UserDisplayName) != "Bob in the cloud" {
					t.Errorf("answer %+v, want the other organization's", rs[0])
				}
				return
			}
			var oe *OrganizationError
			if !errors.As(rs[0].Err, &oe) || oe.Audience != fabrikamFederation.ApplicationURI || oe.Target != "bob@cloud.test" {
				t.Errorf("err = %v, want *OrganizationError for the token's audience", rs[0].Err)
			}
			if _, ok := tt.wantErr.(*OrganizationError); !ok && !errors.Is(rs[0].Err, tt.wantErr) {
				t.Errorf("err = %v, want it to wrap %v", rs[0].Err, tt.wantErr)
			}
			if got := cloudRec.requests(); len(got) != 0 {
				t.Errorf("the other organization received %d requests, want none", len(got))
			}
		})
	}
}
