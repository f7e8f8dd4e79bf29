package federation_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/sharing"
)

// Partners address the mailboxes of the organization's federated and
// accepted domains, as Exchange resolves them; a mailbox of any other domain
// the calendar source holds is refused to partners exactly like one that
// does not exist, while internal users still see it.
func TestHandlerPartnerScope(t *testing.T) {
	const (
		dana     = "dana@fabrikam.test"            // federated domain
		ceo      = "ceo@internal.fabrikam.test"    // in the calendar source only
		accepted = "kim@accepted.fabrikam.test"    // accepted, not federated
		nobody   = "nobody@internal.fabrikam.test" // in no source at all
	)
	tests := []struct {
		name            string
		acceptedDomains []string
		// wantOK are the mailboxes the partner gets free/busy for; the
		// others must be refused with ErrRefused.
		wantOK map[string]bool
	}{
		{"federated domains only", nil, map[string]bool{dana: true}},
		{"accepted domain too", []string{"Accepted.Fabrikam.test"}, map[string]bool{dana: true, accepted: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			mon := w.week
			cal := &calendar.Memory{}
			for _, m := range []string{dana, ceo, accepted} {
				cal.Add(m, calendar.Event{Start: mon.Add(9 * time.Hour), End: mon.Add(10 * time.Hour), BusyType: calendar.Busy})
			}
			h := fabrikamHandler(t, w, cal, tt.acceptedDomains)
			w.serve(t, h, "mail.fabrikam.test", "autodiscover.fabrikam.test")

			r := rel("Fabrikam", "fabrikam.test", "internal.fabrikam.test", "accepted.fabrikam.test")
			r.TargetApplicationURI = appURI("fabrikam.test")
			r.TargetSharingEpr = "https://mail.fabrikam.test/EWS/Exchange.asmx"
			all := []string{dana, ceo, accepted, nobody}
			res, err := w.client(t, r).Availability(t.Context(), federation.Query{
				From: "alice@contoso.test", Attendees: all, Start: mon, End: mon.Add(24 * time.Hour),
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, a := range res.Attendees {
				switch {
				case tt.wantOK[all[i]]:
					if a.Err != nil || len(a.Merged) == 0 {
						t.Errorf("partner asking about %s: err %v, %d slots; want free/busy", all[i], a.Err, len(a.Merged))
					}
				case !errors.Is(a.Err, federation.ErrRefused):
					t.Errorf("partner asking about %s: err %v; want ErrRefused", all[i], a.Err)
				}
			}

			// An internal user sees every mailbox of the source, whatever its domain.
			c := &ews.Client{URL: "https://mail.fabrikam.test/EWS/Exchange.asmx", HTTPClient: w.hc, Auth: ews.BasicAuth{Username: "erin@fabrikam.test", Password: "secret"}}
			got, err := c.GetUserAvailability(t.Context(), &ews.AvailabilityRequest{
				Mailboxes: []ews.Mailbox{{Address: dana}, {Address: ceo}}, Start: mon, End: mon.Add(24 * time.Hour),
				FreeBusy: &ews.FreeBusyOptions{View: ews.ViewFreeBusy},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range got.Mailboxes {
				if m.Err != nil || len(m.Events) != 1 {
					t.Errorf("internal user asking about %s: err %v, %d events; want 1 event", m.Mailbox.Address, m.Err, len(m.Events))
				}
			}
		})
	}
}

// internalSeesAll is the organization's policy: internal users see every
// mailbox, partners what the sharing policy gives them.
type internalSeesAll struct{ partners fedavail.AccessPolicy }

func (p internalSeesAll) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	if !req.Federated {
		return fedavail.AccessAvailabilityOnly, nil
	}
	return p.partners.Access(ctx, req, mailbox)
}

// fabrikamHandler is fabrikam.test's handler over cal: its relationship
// shows contoso.test's users AvailabilityOnly, and erin@fabrikam.test
// (password "secret") is an internal user who sees every mailbox.
func fabrikamHandler(t *testing.T, w *world, cal calendar.Source, accepted []string) *federation.Handler {
	t.Helper()
	pol, err := sharing.NewLivePolicy(sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{
		Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: appURI("fabrikam.test"), Keys: ring(t, w.k.fabrikam), Domains: []string{"fabrikam.test"},
		AcceptedDomains: accepted,
		Broker:          federation.TrustBroker{MetadataURL: "https://sts.test" + broker.MetadataPath},
		Policy:          internalSeesAll{pol}, Calendars: cal, EWSURL: "https://mail.fabrikam.test/EWS/Exchange.asmx", HTTPClient: w.hc,
		Authenticate: func(r *http.Request) (*fedavail.Requester, error) {
			if u, p, ok := r.BasicAuth(); ok && u == "erin@fabrikam.test" && p == "secret" {
				return &fedavail.Requester{Address: u, Domain: "fabrikam.test"}, nil
			}
			return nil, errors.New("no")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
