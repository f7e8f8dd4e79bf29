package attack

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testorg"
)

// seen is what one mailbox's answer gave the requester.
type seen struct {
	Code ews.ResponseCode
	View ews.ViewType
	// Details are the subjects, locations and IDs in the answer.
	Details []string
}

// policyCase is a genuine token whose holder asks for more than it may see.
type policyCase struct {
	name      string
	claims    token.Claims
	view      ews.ViewType
	mailboxes []string
	want      []seen
}

// denied is a mailbox the requester may not see at all.
var denied = seen{Code: ews.ErrorNoFreeBusyAccess, View: ews.ViewNone}

// detailsOf returns the strings of mailbox's items a LimitedDetails
// requester sees: all but the private item's.
func detailsOf(mailbox string) []string {
	it := testorg.Items(mailbox)
	return []string{it[0].ID, it[0].Subject, it[0].Location, it[2].ID, it[2].Subject, it[2].Location}
}

func claimsOf(user string, edit func(*token.Claims)) token.Claims {
	c := testorg.Claims(user, fedavail.OfferFreeBusy)
	if edit != nil {
		edit(&c)
	}
	return c
}

var policyCases = []policyCase{
	{
		name:      "LimitedDetails partner: opted-in, not opted-in, outside the scope",
		claims:    claimsOf(partnerUser, nil),
		view:      ews.ViewDetailed,
		mailboxes: []string{testorg.Alice, testorg.Bob, testorg.Carol},
		want: []seen{
			{Code: ews.NoError, View: ews.ViewDetailed, Details: detailsOf(testorg.Alice)},
			{Code: ews.NoError, View: ews.ViewFreeBusy},
			denied,
		},
	},
	{
		name:      "scope check ignores the address's case and spaces",
		claims:    claimsOf(partnerUser, nil),
		view:      ews.ViewDetailed,
		mailboxes: []string{"CAROL@CONTOSO.EXAMPLE", "  carol@contoso.example  ", "Carol@Contoso.Example"},
		want:      []seen{denied, denied, denied},
	},
	{
		name:      "AvailabilityOnly partner asking for DetailedMerged",
		claims:    claimsOf("frank@"+testorg.AvailabilityPartner, nil),
		view:      ews.ViewDetailedMerged,
		mailboxes: []string{testorg.Alice, testorg.Bob, testorg.Carol},
		want: []seen{
			{Code: ews.NoError, View: ews.ViewFreeBusyMerged},
			{Code: ews.NoError, View: ews.ViewFreeBusyMerged},
			{Code: ews.NoError, View: ews.ViewFreeBusyMerged},
		},
	},
	{
		name:      "e-mail domain without a relationship",
		claims:    claimsOf("gina@"+testorg.Stranger, nil),
		view:      ews.ViewDetailed,
		mailboxes: []string{testorg.Alice, testorg.Bob, testorg.Carol},
		want:      []seen{denied, denied, denied},
	},
	{
		name:      "requestor domain claims the LimitedDetails partner, e-mail is a stranger's",
		claims:    claimsOf("gina@"+testorg.Stranger, func(c *token.Claims) { c.RequestorDomain = testorg.DetailsPartner }),
		view:      ews.ViewDetailed,
		mailboxes: []string{testorg.Alice, testorg.Bob},
		want:      []seen{denied, denied},
	},
	{
		name:      "requestor domain claims to be contoso itself",
		claims:    claimsOf("frank@"+testorg.AvailabilityPartner, func(c *token.Claims) { c.RequestorDomain = testorg.Domain }),
		view:      ews.ViewDetailed,
		mailboxes: []string{testorg.Alice},
		want:      []seen{{Code: ews.NoError, View: ews.ViewFreeBusy}},
	},
	{
		name:      "e-mail claims contoso itself",
		claims:    claimsOf("mallory@"+testorg.Domain, nil),
		view:      ews.ViewDetailed,
		mailboxes: []string{testorg.Alice, testorg.Carol},
		want:      []seen{denied, denied},
	},
	{
		name:      "subdomain of the LimitedDetails partner",
		claims:    claimsOf("erin@sub."+testorg.DetailsPartner, nil),
		view:      ews.ViewDetailed,
		mailboxes: []string{testorg.Alice},
		want:      []seen{denied},
	},
	{
		name:      "mailboxes that are not contoso's",
		claims:    claimsOf(partnerUser, nil),
		view:      ews.ViewDetailed,
		mailboxes: []string{"alice@" + testorg.DetailsPartner, "nobody@contoso.example", "no-at-sign"},
		// Outside the access scope, an unknown mailbox looks like a known
		// one: the scope check comes before the calendar is read.
		want: []seen{
			denied,
			denied,
			{Code: ews.ErrorMailRecipientNotFound, View: ews.ViewNone},
		},
	},
}

// TestPolicyAttacks presents genuine tokens whose holders ask for more than
// contoso shares with them. Each mailbox's answer must be exactly what the
// policy grants, and nothing beyond it may appear in the answer or the logs.
func TestPolicyAttacks(t *testing.T) {
	ep := endpoints[0]
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			tok := mint(t, s, tc.claims, s.Keys.Contoso.Cert)
			a := s.post(t, ep.path, ep.envelope("", tok, availabilityBody(tc.view, tc.mailboxes...)))
			if a.status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200\n%s", a.status, a.body)
			}
			var resp ews.GetUserAvailabilityResponse
			if _, err := soap.Decode(a.body, soap.DecodeOptions{Body: &resp}); err != nil {
				t.Fatalf("answer does not decode: %v\n%s", err, a.body)
			}
			var allowed []string
			var views []seen
			for _, r := range resp.FreeBusyResponses {
				views = append(views, seenOf(r))
			}
			for _, w := range tc.want {
				allowed = append(allowed, w.Details...)
			}
			if diff := cmp.Diff(tc.want, views); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			assertNoLeak(t, s, a, append(tokenFragments(tok), without(testorg.Secrets(), allowed)...))
		})
	}
}

// seenOf summarizes one mailbox's answer.
func seenOf(r ews.FreeBusyResponse) seen {
	var s seen
	if r.ResponseMessage != nil {
		s.Code = r.ResponseMessage.ResponseCode
	}
	if r.FreeBusyView == nil {
		return s
	}
	s.View = r.FreeBusyView.FreeBusyViewType
	if r.FreeBusyView.CalendarEvents != nil {
		for _, e := range r.FreeBusyView.CalendarEvents.Events {
			if d := e.Details; d != nil {
				for _, v := range []string{d.ID, d.Subject, d.Location} {
					if v != "" {
						s.Details = append(s.Details, v)
					}
				}
			}
		}
	}
	return s
}
