package autodiscover

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

func TestRoundTripFederationInformation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.serveTLS(testHandler(), "autodiscover.fabrikam.test")
	c := e.client()
	fi, err := c.GetFederationInformation(context.Background(), "FABRIKAM.test")
	if err != nil {
		t.Fatal(err)
	}
	want := fabrikamFederation
	want.Endpoint = "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"
	if diff := cmp.Diff(&want, fi); diff != "" {
		t.Errorf("federation information (-want +got):\n%s", diff)
	}
	_, err = c.GetFederationInformation(context.Background(), "unknown.test")
	var de *DiscoveryError
	if !errors.As(err, &de) {
		t.Errorf("unknown domain: err = %v, want *DiscoveryError", err)
	}
	c.Endpoint = want.Endpoint
	_, err = c.GetFederationInformation(context.Background(), "unknown.test")
	if !errors.Is(err, ErrInvalidDomain) {
		t.Errorf("domain the server does not publish: err = %v, want InvalidDomain", err)
	}
	h := testHandler()
	h.Federation = FederationInformation{}
	e.serveTLS(h, "autodiscover.notfed.test")
	c.Endpoint = "https://autodiscover.notfed.test/autodiscover/autodiscover.svc"
	_, err = c.GetFederationInformation(context.Background(), "notfed.test")
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != NotFederated {
		t.Errorf("unfederated organization: err = %v, want *Error NotFederated", err)
	}
}

// GetFederationInformation for an accepted domain that is not federated
// answers, as Exchange does, with the organization's federated domains; a
// domain the organization does not have stays InvalidDomain.
func TestRoundTripFederationInformationAcceptedDomain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := testHandler()
	h.AcceptedDomains = []string{"Internal.Fabrikam.test"}
	e.serveTLS(h, "autodiscover.fabrikam.test")
	c := e.client()
	c.Endpoint = "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"
	fi, err := c.GetFederationInformation(t.Context(), "internal.fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	want := fabrikamFederation
	want.Endpoint = c.Endpoint
	if diff := cmp.Diff(&want, fi); diff != "" {
		t.Errorf("federation information for an accepted domain (-want +got):\n%s", diff)
	}
	if _, err := c.GetFederationInformation(t.Context(), "other.fabrikam.test"); !errors.Is(err, ErrInvalidDomain) {
		t.Errorf("domain the organization does not have: err = %v, want InvalidDomain", err)
	}
}

func TestRoundTripUserSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := &recorder{next: testHandler()}
	e.serveTLS(rec, "autodiscover.fabrikam.test")
	ts := &tokenSource{}
	c := e.client()
	c.TokenSource, c.Requester = ts, "alice@contoso.test"
	rs, err := c.GetUserSettings(context.Background(),
		[]string{"bob@fabrikam.test", "nobody@fabrikam.test", "moved@fabrikam.test", "loop1@fabrikam.test"},
		ExternalEwsURL, "ExternalWebClientUrls", "AlternateMailboxes", "ExternalImap4Connections", "DocumentSharingLocations", "NoSuchSetting", "MobileMailboxPolicy")
	if err != nil {
		t.Fatal(err)
	}
	ep := "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"
	bob := testDirectory().users["bob@fabrikam.test"].Settings
	wantSettings := Settings{}
	for _, n := range []string{ExternalEwsURL, "ExternalWebClientUrls", "AlternateMailboxes", "ExternalImap4Connections", "DocumentSharingLocations"} {
		s, _ := bob.Lookup(n)
		s2 := *s
		s2.Type = s.kind(false)
		wantSettings = append(wantSettings, s2)
	}
	wantErrs := []*SettingError{
		{Name: "NoSuchSetting", Code: InvalidSetting, Message: "The requested setting is invalid."},
		{Name: "MobileMailboxPolicy", Code: SettingIsNotAvailable, Message: "The requested setting is not available."},
	}
	want := []UserResponse{
		{Mailbox: "bob@fabrikam.test", Settings: wantSettings, SettingErrors: wantErrs, Endpoint: ep},
		{Mailbox: "nobody@fabrikam.test", Err: &Error{Code: InvalidUser, Message: "Invalid user: 'nobody@fabrikam.test'", Subject: "nobody@fabrikam.test"}, Endpoint: ep},
		{Mailbox: "moved@fabrikam.test", RedirectedTo: "bob@fabrikam.test", Settings: wantSettings, SettingErrors: wantErrs, Endpoint: ep},
		{Mailbox: "loop1@fabrikam.test", RedirectedTo: "loop2@fabrikam.test",
			Err: &RedirectError{From: "mailto:loop2@fabrikam.test", To: "mailto:loop1@fabrikam.test", Err: ErrRedirectLoop}},
	}
	if diff := cmp.Diff(want, rs, cmp.Comparer(func(a, b error) bool { return a == b || (a != nil && b != nil && a.Error() == b.Error()) })); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
	if !errors.Is(rs[1].Err, ErrInvalidUser) || !errors.Is(rs[3].Err, ErrRedirectLoop) {
		t.Errorf("errors.Is does not see the codes: %v, %v", rs[1].Err, rs[3].Err)
	}
	for _, r := range rec.requests() {
		if strings.Contains(string(r.Body), "GetFederationInformationRequestMessage") {
			continue // anonymous, for the token's audience
		}
		if !strings.EqualFold(r.Path, soapPath+"/WSSecurity") || !strings.Contains(string(r.Body), "dG9rZW4=") {
			t.Errorf("request to %s, body has token: %v; want /WSSecurity with the token", r.Path, strings.Contains(string(r.Body), "dG9rZW4="))
		}
	}
	if len(ts.reqs) == 0 || ts.reqs[0] != (fedavail.TokenRequest{Requester: "alice@contoso.test", Audience: fabrikamFederation.ApplicationURI, Offer: fedavail.OfferAutodiscover}) {
		t.Errorf("token requests = %+v, want audience from federation information and the Autodiscover offer", ts.reqs)
	}
}

func TestRoundTripBasicAndAnonymous(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.serveTLS(testHandler(), "fabrikam.test")
	c := e.client()
	_, err := c.GetUserSettings(context.Background(), []string{"bob@fabrikam.test"}, ExternalEwsURL)
	var de *DiscoveryError
	if !errors.As(err, &de) || !errors.Is(err, fedavail.ErrUnauthorized) {
		t.Errorf("anonymous GetUserSettings: err = %v, want discovery to end with 401", err)
	}
	c.Credentials = &Credentials{Username: "alice@fabrikam.test", Password: "secret"}
	rs, err := c.GetUserSettings(context.Background(), []string{"bob@fabrikam.test"}, UserDisplayName)
	if err != nil || rs[0].Settings.Value(UserDisplayName) != "Bob Jones" {
		t.Errorf("Basic GetUserSettings = %+v, %v", rs, err)
	}
}

func TestRoundTripDomainSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.serveTLS(testHandler(), "fabrikam.test")
	c := e.client()
	c.TokenSource, c.Audience = &tokenSource{}, "x"
	rs, err := c.GetDomainSettings(context.Background(), []string{"fabrikam.test", "other.test"}, ExternalEwsURL, ExternalEwsVersion, "Bogus")
	if err != nil {
		t.Fatal(err)
	}
	ep := "https://fabrikam.test/autodiscover/autodiscover.svc"
	want := []DomainResponse{
		{Domain: "fabrikam.test", Endpoint: ep, Settings: Settings{
			{Name: ExternalEwsURL, Type: DomainStringSetting, Value: "https://mail.fabrikam.test/EWS/Exchange.asmx"},
			{Name: ExternalEwsVersion, Type: DomainStringSetting, Value: "15.01.2507.000"}},
			SettingErrors: []*SettingError{{Name: "Bogus", Code: InvalidSetting, Message: "The requested setting is invalid."}}},
		{Domain: "other.test", Endpoint: ep, Err: &Error{Code: InvalidDomain, Message: "Invalid domain: 'other.test'", Subject: "other.test"}},
	}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
}

func TestRoundTripPOX(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.serveTLS(testHandler(), "autodiscover.fabrikam.test")
	c := e.client()
	c.Credentials = &Credentials{Username: "alice@fabrikam.test", Password: "secret"}
	s, err := c.GetPOXSettings(context.Background(), "moved@fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.EWSURL(true), "https://mail.fabrikam.test/EWS/Exchange.asmx"; got != want {
		t.Errorf("external EWS URL = %q, want %q", got, want)
	}
	if got, want := s.EWSURL(false), "https://int.fabrikam.test/EWS/Exchange.asmx"; got != want {
		t.Errorf("internal EWS URL = %q, want %q", got, want)
	}
	if s.DisplayName != "Bob Jones" || s.RedirectedTo != "bob@fabrikam.test" || s.Mailbox != "moved@fabrikam.test" {
		t.Errorf("settings = %+v", s)
	}
	_, err = c.GetPOXSettings(context.Background(), "nobody@fabrikam.test")
	var pe *POXError
	if !errors.As(err, &pe) || pe.Code != "500" {
		t.Errorf("unknown user: err = %v, want POX error 500", err)
	}
	c.Credentials.Password = "wrong"
	if _, err := c.GetPOXSettings(context.Background(), "bob@fabrikam.test"); !errors.Is(err, fedavail.ErrUnauthorized) {
		t.Errorf("wrong password: err = %v, want 401", err)
	}
}

// Concurrent identical look-ups make one request; answers are kept for the
// TTL by the injected clock.
func TestCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var hits atomic.Int32
	release := make(chan struct{})
	h := testHandler()
	e.serveTLS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		h.ServeHTTP(w, r)
	}), "autodiscover.fabrikam.test")
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := e.client()
	c.CacheTTL = time.Minute
	c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetFederationInformation(context.Background(), "fabrikam.test")
			errs <- err
		}()
	}
	for hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests for 8 concurrent look-ups, want 1", n)
	}
	if _, err := c.GetFederationInformation(context.Background(), "fabrikam.test"); err != nil || hits.Load() != 1 {
		t.Errorf("cached look-up: err %v, requests %d, want 1", err, hits.Load())
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if _, err := c.GetFederationInformation(context.Background(), "fabrikam.test"); err != nil || hits.Load() != 2 {
		t.Errorf("after the TTL: err %v, requests %d, want 2", err, hits.Load())
	}
}
