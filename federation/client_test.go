package federation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/sharing"
)

func TestAvailability(t *testing.T) {
	w := newWorld(t)
	c := w.client(t,
		rel("Fabrikam", "fabrikam.test"),
		rel("Woodgrove", "woodgrove.test"),
		rel("Tailspin", "tailspin.test"),
		rel("Northwind", "northwind.test"),
		sharing.OrganizationRelationship{Name: "Litware", DomainNames: []string{"litware.test"}, Enabled: true}, // free/busy not enabled
	)
	attendees := []string{
		"dana@fabrikam.test", "nobody@woodgrove.test", "gil@woodgrove.test", "x@tailspin.test",
		"y@northwind.test", "z@litware.test", "erin@fabrikam.test", "q@adatum.test", "ghost@fabrikam.test", "not-an-address",
	}
	res, err := c.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: attendees,
		Start: w.week, End: w.week.AddDate(0, 0, 1), View: ews.ViewDetailedMerged, MergedInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attendees) != len(attendees) {
		t.Fatalf("%d results for %d attendees", len(res.Attendees), len(attendees))
	}

	type outcome struct {
		Address string
		Step    federation.Step
		Is      []string
		View    ews.ViewType
	}
	sentinels := map[string]error{
		"ErrNoRelationship":  sharing.ErrNoRelationship,
		"ErrNotFederated":    federation.ErrNotFederated,
		"ErrUntrustedBroker": federation.ErrUntrustedBroker,
		"ErrRefused":         federation.ErrRefused,
	}
	var got []outcome
	for _, a := range res.Attendees {
		o := outcome{Address: a.Address, View: a.View}
		var ae *federation.AttendeeError
		if errors.As(a.Err, &ae) {
			o.Step = ae.Step
			for name, s := range sentinels {
				if errors.Is(a.Err, s) {
					o.Is = append(o.Is, name)
				}
			}
		} else if a.Err != nil {
			t.Errorf("%s: error %T is not an *AttendeeError", a.Address, a.Err)
		}
		got = append(got, o)
	}
	want := []outcome{
		{Address: "dana@fabrikam.test", View: ews.ViewDetailedMerged},
		{Address: "nobody@woodgrove.test", Step: federation.StepDiscovery},                                                 // InvalidUser
		{Address: "gil@woodgrove.test", Step: federation.StepAvailability, Is: []string{"ErrRefused"}, View: ews.ViewNone}, // no relationship over there
		{Address: "x@tailspin.test", Step: federation.StepDiscovery, Is: []string{"ErrUntrustedBroker"}},
		{Address: "y@northwind.test", Step: federation.StepDiscovery, Is: []string{"ErrNotFederated"}},
		{Address: "z@litware.test", Step: federation.StepRelationship, Is: []string{"ErrNoRelationship"}},
		{Address: "erin@fabrikam.test", View: ews.ViewFreeBusyMerged}, // did not opt in
		{Address: "q@adatum.test", Step: federation.StepRelationship, Is: []string{"ErrNoRelationship"}},
		{Address: "ghost@fabrikam.test", Step: federation.StepDiscovery},
		{Address: "not-an-address", Step: federation.StepAddress},
	}
	if diff := cmp.Diff(want, got, cmp.Transformer("empty", func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	})); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}

	// LimitedDetails: the subject and location, never of the private item.
	dana := res.Attendees[0]
	var details []string
	for _, e := range dana.Events {
		if e.Details != nil {
			details = append(details, e.Details.Subject+"|"+e.Details.Location)
		}
	}
	if diff := cmp.Diff([]string{"Review|Room 1", "|"}, details); diff != "" {
		t.Errorf("dana's details (-want +got):\n%s", diff)
	}
	if p := dana.Partner; p == nil || p.ApplicationURI != appURI("fabrikam.test") || p.EWSURL != "https://mail.fabrikam.test/EWS/Exchange.asmx" {
		t.Errorf("dana's partner = %+v", p)
	}
	// Merged slots: one per hour, busy at 09:00, free at 08:00.
	if len(dana.Merged) != 24 || dana.Merged[9].BusyType != ews.Busy || dana.Merged[8].BusyType != ews.Free {
		t.Errorf("dana's merged slots = %v", dana.Merged)
	}
	// AvailabilityOnly: times, no details.
	for _, e := range res.Attendees[6].Events {
		if e.Details != nil && e.Details.Subject != "" {
			t.Errorf("erin's item shows its subject %q", e.Details.Subject)
		}
	}
}

// A relationship naming the partner's EWS URL skips Autodiscover entirely;
// one without is discovered once and then served from the cache.
func TestAvailabilityEndpoints(t *testing.T) {
	tests := []struct {
		name                  string
		rel                   sharing.OrganizationRelationship
		wantFedInfo, wantUser int // Autodiscover requests over two queries
	}{
		{"discovered", rel("Fabrikam", "fabrikam.test"), 1, 1},
		{"TargetAutodiscoverEpr", func() sharing.OrganizationRelationship {
			r := rel("Fabrikam", "fabrikam.test")
			r.TargetApplicationURI = appURI("fabrikam.test")
			r.TargetAutodiscoverEpr = "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc/WSSecurity"
			return r
		}(), 0, 1},
		{"TargetSharingEpr", func() sharing.OrganizationRelationship {
			r := rel("Fabrikam", "fabrikam.test")
			r.TargetApplicationURI = appURI("fabrikam.test")
			r.TargetSharingEpr = "https://mail.fabrikam.test/EWS/Exchange.asmx"
			return r
		}(), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			c := w.client(t, tt.rel)
			for range 2 {
				w.askDana(t, c)
			}
			// GetFederationInformation goes to autodiscover.DOMAIN first;
			// settings go to its /WSSecurity variant.
			const ad = "autodiscover.fabrikam.test /autodiscover/autodiscover.svc"
			if got := w.requests(ad); got != tt.wantFedInfo {
				t.Errorf("GetFederationInformation requests = %d, want %d", got, tt.wantFedInfo)
			}
			if got := w.requests(ad + "/wssecurity"); got != tt.wantUser {
				t.Errorf("GetUserSettings requests = %d, want %d", got, tt.wantUser)
			}
			if got := w.requests("mail.fabrikam.test /ews/exchange.asmx/wssecurity"); got != 2 {
				t.Errorf("EWS requests = %d, want 2", got)
			}
		})
	}
}

func TestAvailabilityBrokerUnavailable(t *testing.T) {
	w := newWorld(t)
	kr := ring(t, w.k.contoso)
	r := rel("Fabrikam", "fabrikam.test")
	r.TargetApplicationURI = appURI("fabrikam.test")
	r.TargetSharingEpr = "https://mail.fabrikam.test/EWS/Exchange.asmx"
	c, err := federation.NewClient(federation.Config{
		ApplicationURI: appURI("contoso.test"), Keys: kr, HTTPClient: w.hc,
		Broker:  federation.TrustBroker{MetadataURL: "https://sts.missing.test/FederationMetadata.xml"},
		Sharing: sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{r}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Availability(context.Background(), federation.Query{From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: w.week, End: w.week.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var ae *federation.AttendeeError
	if err := res.Attendees[0].Err; !errors.As(err, &ae) || ae.Step != federation.StepToken || !errors.Is(err, federation.ErrBrokerUnavailable) {
		t.Errorf("err = %v, want a token-step error matching ErrBrokerUnavailable", err)
	}
}

func TestAvailabilityQueryErrors(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, rel("Fabrikam", "fabrikam.test"))
	ok := federation.Query{From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: w.week, End: w.week.Add(time.Hour)}
	tests := []struct {
		name   string
		change func(*federation.Query)
		want   string
	}{
		{"no From", func(q *federation.Query) { q.From = "" }, "not an SMTP address"},
		{"From elsewhere", func(q *federation.Query) { q.From = "eve@fabrikam.test" }, "not in the organization's federated domains"},
		{"no attendees", func(q *federation.Query) { q.Attendees = nil }, "Attendees is empty"},
		{"empty window", func(q *federation.Query) { q.End = q.Start }, "Start before its End"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := ok
			tt.change(&q)
			_, err := c.Availability(context.Background(), q)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Availability(ctx, ok); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v, want context.Canceled", err)
	}
}

func TestNewClientConfig(t *testing.T) {
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	kr := ring(t, k.contoso)
	good := federation.Config{ApplicationURI: "FYDIBOHF25SPDLT.contoso.test", Keys: kr, Broker: federation.TrustBroker{MetadataURL: "https://sts.test/md.xml"}}
	tests := []struct {
		name   string
		change func(*federation.Config)
		want   string // "" for success
	}{
		{"good", func(*federation.Config) {}, ""},
		{"explicit broker", func(c *federation.Config) {
			c.Broker = federation.TrustBroker{IssuerURI: "urn:x", TokenEndpoint: "https://sts.test/extSTS.srf"}
		}, ""},
		{"no application URI", func(c *federation.Config) { c.ApplicationURI = "" }, "ApplicationURI is required"},
		{"no keys", func(c *federation.Config) { c.Keys = nil }, "Keys is required"},
		{"no broker", func(c *federation.Config) { c.Broker = federation.TrustBroker{} }, "MetadataURL or IssuerURI is required"},
		{"both brokers", func(c *federation.Config) { c.Broker.IssuerURI = "urn:x" }, "not both"},
		{"bad sharing", func(c *federation.Config) {
			c.Sharing.OrganizationRelationships = []sharing.OrganizationRelationship{{Name: "x", DomainNames: []string{"not a domain"}}}
		}, "DomainNames"},
		{"bad transport", func(c *federation.Config) { c.Transport.ProxyURL = "ftp://proxy" }, "transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			c, err := federation.NewClient(cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("NewClient: %v", err)
			case tt.want == "" && c.TokenSource() == nil:
				t.Error("TokenSource() = nil")
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// Suggestions combine the answers of several organizations: dana is busy
// at 09:00, erin away at 11:00, an attendee without data changes nothing.
func TestResultSuggest(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, rel("Fabrikam", "fabrikam.test"))
	res, err := c.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test", "erin@fabrikam.test", "q@adatum.test"},
		Start: w.week, End: w.week.AddDate(0, 0, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	days, err := res.Suggest(calendar.SuggestionOptions{
		Start: w.week, End: w.week.AddDate(0, 0, 1), Duration: time.Hour, Interval: time.Hour,
		MaxResultsPerDay: 48, MaxNonWorkHourResultsPerDay: 48,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 {
		t.Fatalf("%d days, want 1", len(days))
	}
	got := map[int][]calendar.BusyType{}
	for _, s := range days[0].Suggestions {
		got[s.Start.Hour()] = s.Status
	}
	want := map[int][]calendar.BusyType{
		9:  {calendar.Busy, calendar.Free, calendar.NoData},
		11: {calendar.Free, calendar.OOF, calendar.NoData},
		15: {calendar.Free, calendar.Free, calendar.NoData},
	}
	for h, w := range want {
		if diff := cmp.Diff(w, got[h]); diff != "" {
			t.Errorf("%02d:00 status (-want +got):\n%s", h, diff)
		}
	}
}

// Partners suggest meeting times for their own attendees: fabrikam rates
// dana and erin together; woodgrove, which shows nothing of gil, rates
// nothing and says why (a server rates only mailboxes the requester may
// see); an attendee without a relationship is in no partner's list.
func TestAvailabilityPartnerSuggestions(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, rel("Fabrikam", "fabrikam.test"), rel("Woodgrove", "woodgrove.test"))
	q := federation.Query{
		From: "alice@contoso.test", Attendees: []string{"q@adatum.test", "dana@fabrikam.test", "gil@woodgrove.test", "erin@fabrikam.test"},
		Start: w.week, End: w.week.AddDate(0, 0, 1),
		Suggestions: &ews.SuggestionOptions{MeetingDuration: time.Hour, MaxResultsPerDay: 48, MaxNonWorkHourResultsPerDay: 48},
	}
	res, err := c.Availability(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attendees[1].Err != nil || len(res.Attendees[1].Merged) == 0 {
		t.Errorf("dana: err %v, %d slots; free/busy comes with suggestions", res.Attendees[1].Err, len(res.Attendees[1].Merged))
	}
	type partner struct {
		Domain, EWSURL string
		Attendees      []string
		Code           ews.ResponseCode
	}
	var partners []partner
	for _, ps := range res.Suggestions {
		var code ews.ResponseCode
		if re := (*ews.ResponseError)(nil); errors.As(ps.Err, &re) {
			code = re.ResponseCode
		} else if ps.Err != nil {
			t.Errorf("%s: error %v is not an *ews.ResponseError", ps.Domain, ps.Err)
		}
		partners = append(partners, partner{ps.Domain, ps.EWSURL, ps.Attendees, code})
	}
	if diff := cmp.Diff([]partner{
		{"fabrikam.test", "https://mail.fabrikam.test/EWS/Exchange.asmx", []string{"dana@fabrikam.test", "erin@fabrikam.test"}, ""},
		{"woodgrove.test", "https://mail.woodgrove.test/EWS/Exchange.asmx", []string{"gil@woodgrove.test"}, ews.ErrorNoFreeBusyAccess},
	}, partners); diff != "" {
		t.Fatalf("partners' suggestions (-want +got):\n%s", diff)
	}
	if n := len(res.Suggestions[1].Days); n != 0 {
		t.Errorf("woodgrove rated %d days of nobody's calendar", n)
	}
	ps := res.Suggestions[0]
	if ps.Err != nil || ps.Domain != "fabrikam.test" || ps.EWSURL != "https://mail.fabrikam.test/EWS/Exchange.asmx" {
		t.Errorf("fabrikam's suggestions: domain %q, URL %q, err %v", ps.Domain, ps.EWSURL, ps.Err)
	}
	if diff := cmp.Diff([]string{"dana@fabrikam.test", "erin@fabrikam.test"}, ps.Attendees); diff != "" {
		t.Errorf("attendees rated (-want +got):\n%s", diff)
	}
	if len(ps.Days) != 1 {
		t.Fatalf("%d days, want 1", len(ps.Days))
	}
	type rating struct {
		Quality   ews.Quality
		Conflicts []ews.BusyType // dana's, erin's
	}
	got := map[int]rating{}
	for _, s := range ps.Days[0].Suggestions {
		r := rating{Quality: s.Quality}
		for _, cf := range s.Conflicts {
			r.Conflicts = append(r.Conflicts, cf.BusyType)
		}
		got[s.Start.UTC().Hour()] = r
	}
	want := map[int]rating{
		9:  {ews.Fair, []ews.BusyType{ews.Busy, ews.Free}},
		11: {ews.Fair, []ews.BusyType{ews.Free, ews.OOF}},
		15: {ews.Excellent, []ews.BusyType{ews.Free, ews.Free}},
	}
	for h, wr := range want {
		if diff := cmp.Diff(wr, got[h]); diff != "" {
			t.Errorf("%02d:00 (-want +got):\n%s", h, diff)
		}
	}

	// Without suggestions asked for, there are none; with a window
	// shorter than a day, the query is refused before anything is sent.
	q.Suggestions = nil
	if res, err := c.Availability(context.Background(), q); err != nil || res.Suggestions != nil {
		t.Errorf("no suggestions asked: %v, %+v", err, res)
	}
	q.Suggestions, q.End = &ews.SuggestionOptions{}, q.Start.Add(8*time.Hour)
	if _, err := c.Availability(context.Background(), q); err == nil || !strings.Contains(err.Error(), "Query.Suggestions needs a window of at least 24h0m0s") {
		t.Errorf("short window: err = %v", err)
	}
}

// A partner rates at most 100 attendees at once: with more at one endpoint,
// its free/busy still comes back, in batches, and its suggestions say why
// there are none.
func TestAvailabilityPartnerSuggestionsTooMany(t *testing.T) {
	w := newWorld(t)
	r := rel("Fabrikam", "fabrikam.test")
	r.TargetApplicationURI = appURI("fabrikam.test")
	r.TargetSharingEpr = "https://mail.fabrikam.test/EWS/Exchange.asmx"
	c := w.client(t, r)
	attendees := []string{"dana@fabrikam.test"}
	for i := range ews.MaxMailboxesPerRequest {
		attendees = append(attendees, fmt.Sprintf("nobody%d@fabrikam.test", i))
	}
	res, err := c.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: attendees, Start: w.week, End: w.week.AddDate(0, 0, 1),
		Suggestions: &ews.SuggestionOptions{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Attendees[0]; a.Err != nil || len(a.Merged) == 0 {
		t.Errorf("dana: err %v, %d slots", a.Err, len(a.Merged))
	}
	if len(res.Suggestions) != 1 || res.Suggestions[0].Err == nil || !strings.Contains(res.Suggestions[0].Err.Error(), "at most 100 at once") || res.Suggestions[0].Days != nil {
		t.Errorf("suggestions = %+v, want one entry saying 101 attendees are too many", res.Suggestions)
	}
}
