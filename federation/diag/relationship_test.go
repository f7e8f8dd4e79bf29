package diag_test

import (
	"context"
	"testing"

	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/sharing"
)

func TestGetFederationInformation(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{})
	w.AddOrg(t, "plain.test", loopback.OrgOptions{NotFederated: true})

	tests := []struct {
		domain  string
		want    []want
		fedInfo bool
	}{{
		domain:  "fabrikam.test",
		fedInfo: true,
		want: []want{
			{diag.StepAutodiscoverEndpoint, diag.Pass, ""},
			{diag.StepApplicationURI, diag.Pass, ""},
			{diag.StepTokenIssuers, diag.Pass, ""},
		},
	}, {
		domain: "plain.test",
		want:   []want{{diag.StepAutodiscoverEndpoint, diag.Fail, "partner not federated"}},
	}, {
		domain: "nowhere.test",
		want: []want{
			{diag.StepDiscoveryAttempt, diag.Fail, "cannot connect"},
			{diag.StepAutodiscoverEndpoint, diag.Fail, "cannot be reached on the internet"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			r, fi := checkerFor(w, contoso).GetFederationInformation(context.Background(), tt.domain)
			for _, w := range tt.want {
				checkStep(t, r, w)
			}
			if (fi != nil) != tt.fedInfo {
				t.Fatalf("federation information %+v, want some: %v", fi, tt.fedInfo)
			}
			if fi != nil && fi.ApplicationURI != fabrikam.ApplicationURI {
				t.Errorf("ApplicationURI %q, want %q", fi.ApplicationURI, fabrikam.ApplicationURI)
			}
		})
	}
	// Every discovery method is reported when none answers: the two
	// Autodiscover hosts, the HTTP redirect method and SRV.
	r, _ := checkerFor(w, contoso).GetFederationInformation(context.Background(), "nowhere.test")
	var attempts int
	for _, s := range r.Steps {
		if s.ID == diag.StepDiscoveryAttempt {
			attempts++
		}
	}
	if attempts < 4 {
		t.Errorf("%d discovery attempts reported, want at least 4:\n%s", attempts, text(r))
	}
}

func TestOrganizationRelationship(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Mailboxes: []string{"bob"}})
	plain := w.AddOrg(t, "plain.test", loopback.OrgOptions{NotFederated: true, Mailboxes: []string{"pat"}})
	lone := w.AddOrg(t, "lone.test", loopback.OrgOptions{Unregistered: true, Mailboxes: []string{"lee"}})
	// The partners' side: fabrikam has a relationship for contoso;
	// lone does too, but is not registered with the broker.
	fabrikam.SetRelationships(t, loopback.Relationship("Contoso", contoso))
	lone.SetRelationships(t, loopback.Relationship("Contoso", contoso))

	fab := loopback.Relationship("Fabrikam", fabrikam)
	disabled := fab
	disabled.Enabled = false
	noFreeBusy := fab
	noFreeBusy.FreeBusyAccessEnabled = false
	staleURI := fab
	staleURI.TargetApplicationURI = "FYDIBOHF25SPDLT.old.fabrikam.test"
	direct := fab
	direct.TargetSharingEpr = fabrikam.EWSURL()

	tests := []struct {
		name    string
		ours    []sharing.OrganizationRelationship
		partner func(t *testing.T) // changes the partner's side
		rel     string
		mailbox string
		want    []want
	}{{
		name: "healthy", ours: rels(fab), rel: "Fabrikam", mailbox: "bob@fabrikam.test",
		want: []want{
			{diag.StepRelationship, diag.Pass, ""},
			{diag.StepApplicationURIMatch, diag.Pass, ""},
			{diag.StepTokenIssuerMatch, diag.Pass, ""},
			{diag.StepPartnerToken, diag.Pass, ""},
			{diag.StepUserSettings, diag.Pass, ""},
			{diag.StepAvailability, diag.Pass, ""},
			{diag.StepPartnerRelationship, diag.Pass, ""},
		},
	}, {
		name: "TargetSharingEpr skips Autodiscover", ours: rels(direct), rel: "Fabrikam", mailbox: "bob@fabrikam.test",
		want: []want{{diag.StepUserSettings, diag.Skip, ""}, {diag.StepAvailability, diag.Pass, ""}},
	}, {
		name: "relationship missing", rel: "Fabrikam", mailbox: "bob@fabrikam.test",
		want: []want{
			{diag.StepRelationship, diag.Fail, `no organization relationship named "Fabrikam" on our side, and none for fabrikam.test`},
			{diag.StepPartnerToken, diag.Skip, ""},
		},
	}, {
		name: "relationship for another domain", ours: rels(fab), rel: "Fabrikam", mailbox: "pat@plain.test",
		want: []want{{diag.StepRelationship, diag.Fail, "no organization relationship for plain.test on our side"}},
	}, {
		name: "relationship disabled", ours: rels(disabled), rel: "Fabrikam", mailbox: "bob@fabrikam.test",
		want: []want{{diag.StepRelationship, diag.Fail, "disabled on our side"}},
	}, {
		name: "free/busy off", ours: rels(noFreeBusy), rel: "fabrikam.test", mailbox: "bob@fabrikam.test",
		want: []want{{diag.StepRelationship, diag.Fail, "free/busy access is not enabled"}},
	}, {
		name: "partner not federated", ours: rels(loopback.Relationship("Plain", plain)), rel: "Plain", mailbox: "pat@plain.test",
		want: []want{
			{diag.StepAutodiscoverEndpoint, diag.Fail, "partner not federated"},
			{diag.StepPartnerToken, diag.Skip, ""},
		},
	}, {
		name: "stale TargetApplicationUri", ours: rels(staleURI), rel: "Fabrikam", mailbox: "bob@fabrikam.test",
		want: []want{{diag.StepApplicationURIMatch, diag.Fail, "out of date or mistyped"}},
	}, {
		name: "partner not registered with the broker", ours: rels(loopback.Relationship("Lone", lone)), rel: "Lone", mailbox: "lee@lone.test",
		want: []want{{diag.StepPartnerToken, diag.Fail, "no organization registered under the application URI"}},
	}, {
		name: "partner has no relationship for us", ours: rels(fab), rel: "Fabrikam", mailbox: "bob@fabrikam.test",
		partner: func(t *testing.T) {
			fabrikam.SetRelationships(t)
			t.Cleanup(func() { fabrikam.SetRelationships(t, loopback.Relationship("Contoso", contoso)) })
		},
		want: []want{
			{diag.StepUserSettings, diag.Pass, ""},
			{diag.StepAvailability, diag.Fail, "shares nothing"},
			{diag.StepPartnerRelationship, diag.Fail, "the partner has no organization relationship for your domain contoso.test"},
		},
	}, {
		name: "unknown partner mailbox", ours: rels(fab), rel: "Fabrikam", mailbox: "nobody@fabrikam.test",
		want: []want{{diag.StepUserSettings, diag.Fail, "the partner has no mailbox nobody@fabrikam.test"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contoso.SetRelationships(t, tt.ours...)
			if tt.partner != nil {
				tt.partner(t)
			}
			r := checkerFor(w, contoso).TestOrganizationRelationship(context.Background(), tt.rel, tt.mailbox)
			for _, w := range tt.want {
				checkStep(t, r, w)
			}
			if got, wantFail := r.Failed(), tt.want[len(tt.want)-1].status == diag.Fail || tt.want[0].status == diag.Fail; got != wantFail {
				t.Errorf("Failed() = %v, want %v\n%s", got, wantFail, text(r))
			}
		})
	}
}

func rels(rs ...sharing.OrganizationRelationship) []sharing.OrganizationRelationship { return rs }
