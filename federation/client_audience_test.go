package federation

import (
	"context"
	"errors"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/sharing"
)

// An Autodiscover RedirectAddress into another organization is followed only
// with a relationship for its domain, and with a token for that
// relationship's audience, never the original partner's.
func TestAudienceForRedirectAddress(t *testing.T) {
	c := &Client{}
	p, err := sharing.New(sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{
		Name: "Northwind", DomainNames: []string{"northwind.test"}, Enabled: true, FreeBusyAccessEnabled: true,
		FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly, TargetApplicationURI: "FYDIBOHF25SPDLT.northwind.test",
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.rels = p
	got, err := c.audienceFor(context.Background(), "northwind.test")
	if err != nil || got != "FYDIBOHF25SPDLT.northwind.test" {
		t.Errorf("audienceFor(northwind.test) = %q, %v", got, err)
	}
	if _, err := c.audienceFor(context.Background(), "woodgrove.test"); !errors.Is(err, sharing.ErrNoRelationship) {
		t.Errorf("audienceFor(woodgrove.test) = %v, want sharing.ErrNoRelationship", err)
	}
	if ac := c.autodiscoverClient("", fedavail.TokenSourceFunc(nil), "a@contoso.test", "x"); ac.AudienceFor == nil {
		t.Error("token-authenticated Autodiscover clients do not get AudienceFor")
	}
	if ac := c.autodiscoverClient("", nil, "", ""); ac.AudienceFor != nil {
		t.Error("anonymous Autodiscover clients get AudienceFor")
	}
}
