package federation_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

// Contoso asks Woodgrove, with which it has no organization relationship,
// through an availability address space: Woodgrove gave Contoso a service
// account (HandlerConfig.ServiceAccounts, here through loopback's
// OrgOptions), and Contoso names it in Config.AddressSpaces. Woodgrove
// answers at the account's level, for every Contoso user alike.
func ExampleAddressSpace() {
	w, err := loopback.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	if _, err := w.NewOrg("woodgrove.test", loopback.OrgOptions{
		Mailboxes: []string{"gil"},
		ServiceAccounts: []federation.ServiceAccount{{
			Username: `WOODGROVE\contoso-fb`, Password: "from a secret store",
			Domains: []string{"contoso.test"}, Level: fedavail.AccessAvailabilityOnly,
		}},
	}); err != nil {
		log.Fatal(err)
	}
	contoso, err := w.NewOrg("contoso.test", loopback.OrgOptions{})
	if err != nil {
		log.Fatal(err)
	}

	cfg := contoso.ClientConfig()
	cfg.AddressSpaces = []federation.AddressSpace{{
		ForestName:   "woodgrove.test",
		AccessMethod: federation.OrgWideFBBasic,
		Username:     `WOODGROVE\contoso-fb`, Password: "from a secret store",
		TargetAutodiscoverEpr: "https://woodgrove.test/autodiscover/autodiscover.xml",
	}}
	client, err := federation.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.AddressSpaces[0]) // never the password

	day := w.Tomorrow()
	res, err := client.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"gil@woodgrove.test"},
		Start: day, End: day.Add(24 * time.Hour), MergedInterval: time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	gil := res.Attendees[0]
	if gil.Err != nil {
		log.Fatal(gil.Err)
	}
	fmt.Print(gil.Address, " via ", gil.Partner.AddressSpace, ", ", gil.View, ":")
	for _, s := range gil.Merged {
		if s.BusyType != ews.Free {
			fmt.Printf(" %s %s–%s", s.BusyType, s.Start.Format("15:04"), s.End.Format("15:04"))
		}
	}
	fmt.Println()
	// Output:
	// AddressSpace{woodgrove.test, OrgWideFBBasic, WOODGROVE\contoso-fb, password hidden}
	// gil@woodgrove.test via woodgrove.test, FreeBusyMerged: Busy 10:00–11:00
}
