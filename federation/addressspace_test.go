package federation_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
)

const (
	svcUser = `WOODGROVE\contoso-fb`
	svcPass = "Pa55-never-logged"
	adEPR   = "https://autodiscover.woodgrove.test/autodiscover/autodiscover.xml"
)

// crossForestWorld replaces woodgrove.test (federated, but with no
// relationship with contoso.test) by an organization that grants contoso's
// service account level, and lets internal user bob in with Basic.
func crossForestWorld(t *testing.T, level fedavail.AccessLevel, logs *fedtest.LogBuffer) *world {
	t.Helper()
	w := newWorld(t)
	cal := &calendar.Memory{}
	mon := w.week
	cal.Add("gil@woodgrove.test",
		calendar.Event{Start: mon.Add(9 * time.Hour), End: mon.Add(10 * time.Hour), BusyType: calendar.Busy, Subject: "Budget", Location: "Room 7"},
		calendar.Event{Start: mon.Add(13 * time.Hour), End: mon.Add(14 * time.Hour), BusyType: calendar.Busy, Subject: "Dentist", IsPrivate: true})
	cal.Add("bob@woodgrove.test")
	pol, err := sharing.NewLivePolicy(sharing.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: appURI("woodgrove.test"), Keys: ring(t, w.k.woodgrove), Domains: []string{"woodgrove.test"},
		Broker: federation.TrustBroker{MetadataURL: "https://sts.test/FederationMetadata/2006-12/FederationMetadata.xml"},
		Policy: pol, Calendars: cal, EWSURL: "https://mail.woodgrove.test/EWS/Exchange.asmx", HTTPClient: w.hc,
		ServiceAccounts: []federation.ServiceAccount{{Username: svcUser, Password: svcPass, Domains: []string{"contoso.test"}, Level: level}},
		Authenticate: func(r *http.Request) (*fedavail.Requester, error) {
			if u, p, ok := r.BasicAuth(); ok && u == "bob@woodgrove.test" && p == "bobs-pw" {
				return &fedavail.Requester{Address: u, Domain: "woodgrove.test"}, nil
			}
			return nil, errors.New("unknown user")
		},
		Logger: logs.Logger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.serve(t, h, "autodiscover.woodgrove.test", "mail.woodgrove.test")
	return w
}

// addressSpaceClient is contoso.test's client with an address space for
// woodgrove.test and the usual relationship with fabrikam.test.
func addressSpaceClient(t *testing.T, w *world, as federation.AddressSpace, logs *fedtest.LogBuffer) *federation.Client {
	t.Helper()
	cfg := w.config(t, rel("Fabrikam", "fabrikam.test"))
	cfg.AddressSpaces = []federation.AddressSpace{as}
	cfg.Logger = logs.Logger()
	c, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddressSpaceEndToEnd(t *testing.T) {
	for _, method := range []federation.AccessMethod{federation.OrgWideFB, federation.OrgWideFBBasic} {
		t.Run(string(method), func(t *testing.T) {
			logs := &fedtest.LogBuffer{}
			w := crossForestWorld(t, fedavail.AccessNone, logs) // zero: AvailabilityOnly
			var mu sync.Mutex
			seen := map[string]http.Header{}
			w.onRequest = func(r *http.Request) {
				if strings.HasSuffix(r.Host, "woodgrove.test") {
					mu.Lock()
					seen[r.Host+" "+r.URL.Path] = r.Header.Clone()
					mu.Unlock()
				}
			}
			c := addressSpaceClient(t, w, federation.AddressSpace{ForestName: "WoodGrove.test", AccessMethod: method, Username: svcUser, Password: svcPass, TargetAutodiscoverEpr: adEPR}, logs)
			res, err := c.Availability(t.Context(), federation.Query{
				From: "alice@contoso.test", Attendees: []string{"gil@woodgrove.test", "dana@fabrikam.test"},
				Start: w.week, End: w.week.Add(24 * time.Hour), View: ews.ViewDetailedMerged,
			})
			if err != nil {
				t.Fatal(err)
			}
			gil, dana := res.Attendees[0], res.Attendees[1]
			if gil.Err != nil {
				t.Fatalf("gil: %v", gil.Err)
			}
			if gil.Partner == nil || gil.Partner.AddressSpace != "WoodGrove.test" || gil.Partner.Relationship != "" ||
				gil.Partner.EWSURL != "https://mail.woodgrove.test/EWS/Exchange.asmx" {
				t.Errorf("gil's partner = %+v", gil.Partner)
			}
			// AvailabilityOnly: free/busy times, no details.
			if gil.View != ews.ViewFreeBusyMerged || len(gil.Events) != 2 || len(gil.Merged) == 0 {
				t.Errorf("gil: view %s, %d events, %d slots; want FreeBusyMerged, 2, some", gil.View, len(gil.Events), len(gil.Merged))
			}
			for _, e := range gil.Events {
				if e.Details != nil {
					t.Errorf("gil's event has details %+v at AvailabilityOnly", e.Details)
				}
			}
			// The federated partner is asked as before.
			if dana.Err != nil || dana.Partner == nil || dana.Partner.Relationship != "Fabrikam" {
				t.Errorf("dana: err %v, partner %+v", dana.Err, dana.Partner)
			}

			mu.Lock()
			pox, asked := seen["autodiscover.woodgrove.test /autodiscover/autodiscover.xml"], seen["mail.woodgrove.test /EWS/Exchange.asmx"]
			mu.Unlock()
			if pox == nil || asked == nil {
				t.Fatalf("woodgrove saw %v", seen)
			}
			for _, c := range []struct {
				h              http.Header
				key, got, want string
			}{
				{pox, "User-Agent", pox.Get("User-Agent"), "ASAutoDiscover/CrossForest/EmailDomain//" + federation.ExternalEWSVersion},
				{pox, "X-AnchorMailbox", pox.Get("X-AnchorMailbox"), "gil@woodgrove.test"},
				{asked, "User-Agent", asked.Get("User-Agent"), "ASProxy/CrossForest/EmailDomain/EXPR/" + federation.ExternalEWSVersion},
				{asked, "X-AnchorMailbox", asked.Get("X-AnchorMailbox"), "gil@woodgrove.test"},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.key, c.got, c.want)
				}
			}
			for _, h := range []http.Header{pox, asked} {
				if u, p, ok := (&http.Request{Header: h}).BasicAuth(); !ok || u != svcUser || p != svcPass {
					t.Errorf("Basic credentials %q, %v", u, ok)
				}
			}
			if strings.Contains(logs.String(), svcPass) {
				t.Errorf("the password is in the logs:\n%s", logs)
			}
			if !strings.Contains(logs.String(), "address space") {
				t.Errorf("the client did not log the address space:\n%s", logs)
			}
		})
	}
}

// TestAddressSpaceLimitedDetails: an account granted LimitedDetails sees
// subjects and locations, but never those of private items.
func TestAddressSpaceLimitedDetails(t *testing.T) {
	logs := &fedtest.LogBuffer{}
	w := crossForestWorld(t, fedavail.AccessLimitedDetails, logs)
	c := addressSpaceClient(t, w, federation.AddressSpace{ForestName: "woodgrove.test", Username: svcUser, Password: svcPass, TargetAutodiscoverEpr: adEPR}, logs)
	res, err := c.Availability(t.Context(), federation.Query{From: "alice@contoso.test", Attendees: []string{"gil@woodgrove.test"}, Start: w.week, End: w.week.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	gil := res.Attendees[0]
	if gil.Err != nil || len(gil.Events) != 2 {
		t.Fatalf("gil: %v, %d events", gil.Err, len(gil.Events))
	}
	var seen []string
	for _, e := range gil.Events {
		if d := e.Details; d != nil {
			seen = append(seen, d.Subject+"@"+d.Location)
		}
	}
	// The private item shows as private, without subject or location.
	if got := strings.Join(seen, ","); got != "Budget@Room 7,@" {
		t.Errorf("details seen = %q, want Budget@Room 7 and nothing of the private Dentist", got)
	}
}

// TestAddressSpaceRefusals: what the answering side refuses (protocol.md
// §9.6), each on the wire.
func TestAddressSpaceRefusals(t *testing.T) {
	logs := &fedtest.LogBuffer{}
	w := crossForestWorld(t, fedavail.AccessNone, logs)
	ask := func(auth ews.Auth) error {
		ec := &ews.Client{URL: "https://mail.woodgrove.test/EWS/Exchange.asmx", HTTPClient: w.hc, Auth: auth}
		_, err := ec.GetUserAvailability(t.Context(), &ews.AvailabilityRequest{
			Mailboxes: []ews.Mailbox{{Address: "gil@woodgrove.test"}}, Start: w.week, End: w.week.Add(24 * time.Hour), FreeBusy: &ews.FreeBusyOptions{},
		})
		return err
	}
	proxyRefused := func(t *testing.T, err error) {
		t.Helper()
		var f *fedavail.Fault
		if !errors.As(err, &f) || f.ResponseCode != string(ews.ErrorProxyRequestNotAllowed) {
			t.Errorf("err = %v, want a fault ErrorProxyRequestNotAllowed", err)
		}
	}
	unauthorized := func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, fedavail.ErrUnauthorized) {
			t.Errorf("err = %v, want HTTP 401", err)
		}
	}
	t.Run("account without RequestTypeHeader", func(t *testing.T) {
		proxyRefused(t, ask(ews.BasicAuth{Username: svcUser, Password: svcPass}))
	})
	t.Run("internal user with RequestTypeHeader", func(t *testing.T) {
		proxyRefused(t, ask(ews.CrossForestAuth{Username: "bob@woodgrove.test", Password: "bobs-pw"}))
	})
	t.Run("internal user without it is unaffected", func(t *testing.T) {
		if err := ask(ews.BasicAuth{Username: "bob@woodgrove.test", Password: "bobs-pw"}); err != nil {
			t.Error(err)
		}
	})
	t.Run("account with a wrong password", func(t *testing.T) {
		unauthorized(t, ask(ews.CrossForestAuth{Username: svcUser, Password: "guess"}))
	})
	t.Run("account name in another case", func(t *testing.T) {
		if err := ask(ews.CrossForestAuth{Username: strings.ToLower(svcUser), Password: svcPass}); err != nil {
			t.Error(err)
		}
	})
	t.Run("not an account", func(t *testing.T) {
		unauthorized(t, ask(ews.CrossForestAuth{Username: `WOODGROVE\nobody`, Password: svcPass}))
	})
	t.Run("the asking side reports a refused password", func(t *testing.T) {
		c := addressSpaceClient(t, w, federation.AddressSpace{ForestName: "woodgrove.test", Username: svcUser, Password: "wrong-" + svcPass, TargetAutodiscoverEpr: adEPR}, logs)
		res, err := c.Availability(t.Context(), federation.Query{From: "alice@contoso.test", Attendees: []string{"gil@woodgrove.test"}, Start: w.week, End: w.week.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		got := res.Attendees[0].Err
		var ae *federation.AttendeeError
		if !errors.As(got, &ae) || ae.Step != federation.StepDiscovery || !errors.Is(got, federation.ErrRefused) {
			t.Fatalf("err = %v, want a refusal at discovery", got)
		}
		if strings.Contains(fmt.Sprint(got), svcPass) {
			t.Errorf("the error shows the password: %v", got)
		}
	})
	if strings.Contains(logs.String(), svcPass) {
		t.Errorf("the password is in the logs:\n%s", logs)
	}
}

// TestAddressSpaceNotUsedWithRelationship: a relationship wins; an address
// space for the same domain is only the fallback.
func TestAddressSpaceNotUsedWithRelationship(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(t, rel("Fabrikam", "fabrikam.test"))
	cfg.AddressSpaces = []federation.AddressSpace{{ForestName: "fabrikam.test", Username: svcUser, Password: svcPass, TargetAutodiscoverEpr: adEPR}}
	c, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := w.askDana(t, c)
	if a.Partner.Relationship != "Fabrikam" || a.Partner.AddressSpace != "" {
		t.Errorf("partner = %+v, want the relationship", a.Partner)
	}
}

func TestAddressSpaceConfig(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name string
		as   federation.AddressSpace
		want string
	}{
		{"no forest", federation.AddressSpace{Username: svcUser, Password: "x"}, "ForestName"},
		{"bare user name", federation.AddressSpace{ForestName: "woodgrove.test", Username: "svc", Password: "x"}, `"user@domain" or "DOMAIN\user"`},
		{"Basic without endpoint", federation.AddressSpace{ForestName: "woodgrove.test", AccessMethod: federation.OrgWideFBBasic, Username: svcUser, Password: "x"}, "TargetAutodiscoverEpr"},
		{"PerUserFB", federation.AddressSpace{ForestName: "woodgrove.test", AccessMethod: "PerUserFB", Username: svcUser, Password: "x"}, "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := w.config(t)
			cfg.AddressSpaces = []federation.AddressSpace{tt.as}
			_, err := federation.NewClient(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
	if s := (federation.AddressSpace{ForestName: "woodgrove.test", Username: svcUser, Password: svcPass}).String(); strings.Contains(s, svcPass) {
		t.Errorf("String() = %s", s)
	}
}

// TestAddressSpaceRedirects: POX Autodiscover for an address space follows
// at most 3 redirects, as Exchange's cross-forest look-up does.
func TestAddressSpaceRedirects(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	hits := 0
	w.serve(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		n := hits
		mu.Unlock()
		http.Redirect(rw, r, fmt.Sprintf("https://autodiscover.woodgrove.test/autodiscover/autodiscover.xml?hop=%d", n), http.StatusFound)
	}), "autodiscover.woodgrove.test")
	c := addressSpaceClient(t, w, federation.AddressSpace{ForestName: "woodgrove.test", Username: svcUser, Password: svcPass, TargetAutodiscoverEpr: adEPR}, &fedtest.LogBuffer{})
	res, err := c.Availability(t.Context(), federation.Query{From: "alice@contoso.test", Attendees: []string{"gil@woodgrove.test"}, Start: w.week, End: w.week.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var ae *federation.AttendeeError
	if err := res.Attendees[0].Err; !errors.As(err, &ae) || ae.Step != federation.StepDiscovery || !errors.Is(err, autodiscover.ErrTooManyRedirects) {
		t.Errorf("err = %v, want too many redirects at discovery", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 4 {
		t.Errorf("%d POX requests, want 4 (the first and 3 redirects)", hits)
	}
}

// TestAddressSpaceBatch: mailboxes are looked up one by one (in parallel)
// and asked about in one request per availability URL; an unknown mailbox
// fails alone, with the POX error.
func TestAddressSpaceBatch(t *testing.T) {
	w := crossForestWorld(t, fedavail.AccessNone, &fedtest.LogBuffer{})
	c := addressSpaceClient(t, w, federation.AddressSpace{ForestName: "woodgrove.test", Username: svcUser, Password: svcPass, TargetAutodiscoverEpr: adEPR}, &fedtest.LogBuffer{})
	res, err := c.Availability(t.Context(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"gil@woodgrove.test", "nobody@woodgrove.test", "bob@woodgrove.test"},
		Start: w.week, End: w.week.Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	gil, nobody, bob := res.Attendees[0], res.Attendees[1], res.Attendees[2]
	if gil.Err != nil || bob.Err != nil || len(gil.Merged) == 0 || len(bob.Merged) == 0 {
		t.Errorf("gil: %v, bob: %v", gil.Err, bob.Err)
	}
	var pe *autodiscover.POXError
	if !errors.As(nobody.Err, &pe) || pe.Code != "500" {
		t.Errorf("nobody: %v, want POX error 500", nobody.Err)
	}
	if n := w.requests("mail.woodgrove.test /ews/exchange.asmx"); n != 1 {
		t.Errorf("%d EWS requests, want 1 for both mailboxes", n)
	}
	if n := w.requests("autodiscover.woodgrove.test /autodiscover/autodiscover.xml"); n != 3 {
		t.Errorf("%d POX requests, want 3", n)
	}
}

func TestServiceAccountConfig(t *testing.T) {
	w := newWorld(t)
	ok := federation.ServiceAccount{Username: svcUser, Password: svcPass, Domains: []string{"contoso.test"}}
	tests := []struct {
		name     string
		accounts []federation.ServiceAccount
		want     string
	}{
		{"no password", []federation.ServiceAccount{{Username: svcUser, Domains: []string{"contoso.test"}}}, "Password"},
		{"no domains", []federation.ServiceAccount{{Username: svcUser, Password: svcPass}}, "Domains"},
		{"twice", []federation.ServiceAccount{ok, {Username: strings.ToLower(svcUser), Password: "other", Domains: []string{"x.test"}}}, "twice"},
		{"unknown level", []federation.ServiceAccount{{Username: svcUser, Password: svcPass, Domains: []string{"contoso.test"}, Level: 7}}, "Level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, err := sharing.NewLivePolicy(sharing.Config{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = federation.NewHandler(federation.HandlerConfig{
				ApplicationURI: appURI("woodgrove.test"), Keys: ring(t, w.k.woodgrove), Domains: []string{"woodgrove.test"},
				Broker: federation.TrustBroker{MetadataURL: "https://sts.test/metadata"}, Policy: pol, Calendars: &calendar.Memory{},
				EWSURL: "https://mail.woodgrove.test/EWS/Exchange.asmx", HTTPClient: w.hc, ServiceAccounts: tt.accounts,
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), svcPass) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
