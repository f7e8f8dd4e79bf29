package federation_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/sharing"
)

// Contoso asks Fabrikam when bob is free. Here both organizations and the
// trust broker run on 127.0.0.1 (package fedtest/loopback); in production
// the configuration names your organization certificate, the Microsoft
// Federation Gateway's metadata URL (or your broker's) and your partners'
// domains, and the HTTP client is built from Config.Transport (proxy, TLS).
// loopback.Relationship fills in Fabrikam's application URI and
// Autodiscover endpoint, as a relationship made from Fabrikam's federation
// information does; ExampleNewHandler's names the domain alone.
func ExampleNewClient() {
	w, err := loopback.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	fabrikam, err := w.NewOrg("fabrikam.test", loopback.OrgOptions{Mailboxes: []string{"bob"}})
	if err != nil {
		log.Fatal(err)
	}
	contoso, err := w.NewOrg("contoso.test", loopback.OrgOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := fabrikam.Relate(contoso); err != nil { // Fabrikam's side: what Contoso may see
		log.Fatal(err)
	}

	client, err := federation.NewClient(federation.Config{
		ApplicationURI: contoso.ApplicationURI, // FYDIBOHF25SPDLT.contoso.test
		Keys:           contoso.Keys,
		Broker:         federation.TrustBroker{MetadataURL: w.MetadataURL()},
		Sharing: sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{
			loopback.Relationship("Fabrikam", fabrikam), // Contoso's side
		}},
		HTTPClient: w.HTTP,
		Now:        w.Now,
	})
	if err != nil {
		log.Fatal(err)
	}
	day := w.Tomorrow()
	res, err := client.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"bob@fabrikam.test", "nobody@fabrikam.test"},
		Start: day, End: day.Add(24 * time.Hour), MergedInterval: time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range res.Attendees {
		if a.Err != nil {
			fmt.Println(a.Address, "no free/busy:", a.Err)
			continue
		}
		fmt.Print(a.Address, " ", a.View, ":")
		for _, s := range a.Merged {
			if s.BusyType != ews.Free {
				fmt.Printf(" %s %s–%s", s.BusyType, s.Start.Format("15:04"), s.End.Format("15:04"))
			}
		}
		fmt.Println()
	}
	// Output:
	// bob@fabrikam.test FreeBusyMerged: Busy 10:00–11:00
	// nobody@fabrikam.test no free/busy: federation: nobody@fabrikam.test: discovery: autodiscover: nobody@fabrikam.test: InvalidUser: Invalid user: 'nobody@fabrikam.test'
}

// Fabrikam answers partners on Exchange's usual paths (Autodiscover and EWS),
// from its calendars and sharing settings. Here the handler is served by a
// loopback World, which also runs the trust broker and Contoso, the partner
// that asks; in production it is served with transport.NewServer on :443
// with Fabrikam's TLS certificate.
func ExampleNewHandler() {
	w, err := loopback.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	contoso, err := w.NewOrg("contoso.test", loopback.OrgOptions{})
	if err != nil {
		log.Fatal(err)
	}

	// Fabrikam: an organization certificate, registered with the broker.
	cert, err := fedtest.NewOrgCert("fabrikam.test")
	if err != nil {
		log.Fatal(err)
	}
	keys, err := keyring.New(keyring.Pair{Cert: cert.Cert, Key: cert.Key})
	if err != nil {
		log.Fatal(err)
	}
	app, err := dnsproof.ApplicationURI("fabrikam.test")
	if err != nil {
		log.Fatal(err)
	}
	if err := w.RegisterOrg(app, "fabrikam.test", cert); err != nil {
		log.Fatal(err)
	}
	policy, err := sharing.NewLivePolicy(sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{
		loopback.Relationship("Contoso", contoso),
	}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	calendars := &calendar.Memory{}
	day := w.Tomorrow()
	calendars.Add("carol@fabrikam.test", calendar.Event{Start: day.Add(14 * time.Hour), End: day.Add(15*time.Hour + 30*time.Minute), BusyType: calendar.Tentative})

	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: app,
		Keys:           keys,
		Domains:        []string{"fabrikam.test"},
		Broker:         federation.TrustBroker{MetadataURL: w.MetadataURL()},
		Policy:         policy,
		Calendars:      calendars,
		EWSURL:         "https://fabrikam.test/EWS/Exchange.asmx",
		HTTPClient:     w.HTTP,
		Now:            w.Now,
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := w.Listen(h, "fabrikam.test", "autodiscover.fabrikam.test"); err != nil {
		log.Fatal(err)
	}

	// Contoso asks.
	cfg := contoso.ClientConfig()
	cfg.Sharing = sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{
		Name: "Fabrikam", DomainNames: []string{"fabrikam.test"}, Enabled: true, FreeBusyAccessEnabled: true,
	}}}
	cfg.Relationships = nil // from cfg.Sharing: the domain is enough, the rest is discovered
	client, err := federation.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.Availability(context.Background(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"carol@fabrikam.test"},
		Start: day, End: day.Add(24 * time.Hour), MergedInterval: 30 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range res.Attendees {
		if a.Err != nil {
			fmt.Println(a.Address, "no free/busy:", a.Err)
			continue
		}
		for _, s := range a.Merged {
			if s.BusyType != ews.Free {
				fmt.Printf("%s %s %s–%s\n", a.Address, s.BusyType, s.Start.Format("15:04"), s.End.Format("15:04"))
			}
		}
	}
	// Output:
	// carol@fabrikam.test Tentative 14:00–14:30
	// carol@fabrikam.test Tentative 14:30–15:00
	// carol@fabrikam.test Tentative 15:00–15:30
}
