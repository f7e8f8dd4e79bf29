package federation

import (
	"testing"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/sharing"
)

// TestEWSVersionFollowsPartner: the RequestServerVersion asked of a partner
// is what Exchange's availability proxy sends with a delegation token
// (ProxyWebRequest.cs): Exchange2012 to servers of version 15 or later,
// else Exchange2009 (unknown versions included); Config.EWSVersion and,
// above it, the relationship's TargetEwsVersion override the choice.
func TestEWSVersionFollowsPartner(t *testing.T) {
	tests := []struct {
		name     string
		cfg      ews.Version
		rel      string
		external string
		want     ews.Version
	}{
		{"Exchange 2016", "", "", "15.01.2507.000", ews.Exchange2012},
		{"Exchange 2013", "", "", "15.00.1497.002", ews.Exchange2012},
		{"Exchange Online", "", "", "15.20.7000.000", ews.Exchange2012},
		{"Exchange 2010 SP3", "", "", "14.03.0123.004", ews.Exchange2009},
		{"unknown (TargetSharingEpr)", "", "", "", ews.Exchange2009},
		{"garbage", "", "", "fifteen", ews.Exchange2009},
		{"configured for all partners", ews.Exchange2010SP1, "", "15.01.2507.000", ews.Exchange2010SP1},
		{"relationship override", ews.Exchange2010SP1, "Exchange2013", "14.03.0123.004", ews.Exchange2013},
	}
	for _, tt := range tests {
		c := &Client{cfg: Config{EWSVersion: tt.cfg}}
		if got := c.ewsVersion(sharing.OrganizationRelationship{TargetEwsVersion: tt.rel}, tt.external); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
