package main

import (
	"strings"
	"testing"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

// TestAddressSpaceAccount: Contoso, without any organization relationship,
// asks the partner command through an availability address space with the
// account -address-space-account gave it, and sees free/busy only (the
// default level), even for dana, who shares subjects with relationships.
func TestAddressSpaceAccount(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	s := startPartner(t, w)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	cfg := contoso.ClientConfig()
	cfg.AddressSpaces = []federation.AddressSpace{{
		ForestName: "fabrikam.test", Username: `FABRIKAM\contoso-fb`, Password: "fb-pa55",
		TargetAutodiscoverEpr: "https://autodiscover.fabrikam.test/autodiscover/autodiscover.xml",
	}}
	c, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Availability(t.Context(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test", "erin@fabrikam.test"},
		Start: day, End: dayEnd, View: ews.ViewDetailed,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Attendees {
		if a.Err != nil {
			t.Fatalf("%s: %v", a.Address, a.Err)
		}
		if a.View != ews.ViewFreeBusy || len(a.Events) != 1 || a.Events[0].Details != nil {
			t.Errorf("%s: view %s, events %+v; want FreeBusy, one event without details", a.Address, a.View, a.Events)
		}
		if a.Partner == nil || a.Partner.AddressSpace != "fabrikam.test" {
			t.Errorf("%s: partner %+v", a.Address, a.Partner)
		}
	}
	if strings.Contains(s.stderr.String(), "fb-pa55") {
		t.Error("the partner logged the service account's password")
	}
}
