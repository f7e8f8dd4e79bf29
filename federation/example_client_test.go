package federation_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
	"github.com/fedavail/fedavail/transport"
)

// Contoso asks Fabrikam when bob is free, through its proxy. The
// relationship names only Fabrikam's domain: its application URI and
// endpoints are discovered.
func ExampleNewClient() {
	org, _ := fedtest.NewOrgCert("contoso") // in production: your organization certificate and key
	keys, _ := keyring.New(keyring.Pair{Cert: org.Cert, Key: org.Key})
	client, err := federation.NewClient(federation.Config{
		ApplicationURI: "FYDIBOHF25SPDLT.contoso.com",
		Keys:           keys,
		Broker:         federation.TrustBroker{MetadataURL: "https://nexus.microsoftonline-p.com/FederationMetadata/2006-12/FederationMetadata.xml"},
		Sharing: sharing.Config{OrganizationRelationships: []sharing.OrganizationRelationship{{Name: "Fabrikam",
			DomainNames: []string{"fabrikam.com"}, Enabled: true, FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly}}},
		// Optional: the proxy partners are reached through, as WinHTTP would take it.
		Transport: transport.Config{ProxyURL: "http://proxy.contoso.com:3128", ProxyBypass: "<local>;*.contoso.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2025, 3, 24, 8, 0, 0, 0, time.UTC)
	res, err := client.Availability(context.Background(), federation.Query{
		From: "alice@contoso.com", Attendees: []string{"bob@fabrikam.com"}, Start: start, End: start.AddDate(0, 0, 5)})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range res.Attendees {
		fmt.Println(a.Address, a.View, a.Merged, a.Err)
	}
}

// Fabrikam answers partners on Exchange's usual paths, from its calendars and
// sharing settings.
func ExampleNewHandler() {
	org, _ := fedtest.NewOrgCert("fabrikam") // in production: your organization certificate and key
	keys, _ := keyring.New(keyring.Pair{Cert: org.Cert, Key: org.Key})
	policy, err := sharing.LoadFile("sharing.json") // organization relationships, sharing policies
	if err != nil {
		log.Fatal(err)
	}
	store, err := sharing.NewLivePolicy(policy, nil)
	if err != nil {
		log.Fatal(err)
	}
	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.com",
		Keys:           keys,
		Domains:        []string{"fabrikam.com"},
		Broker:         federation.TrustBroker{MetadataURL: "https://nexus.microsoftonline-p.com/FederationMetadata/2006-12/FederationMetadata.xml"},
		Policy:         store,
		Calendars:      &calendar.Folder{Dir: "calendars"},
		EWSURL:         "https://mail.fabrikam.com/EWS/Exchange.asmx",
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := transport.NewServer(h, transport.ServerConfig{}) // timeouts and size limits
	srv.Addr = ":443"
	log.Fatal(srv.ListenAndServeTLS("tls.crt", "tls.key"))
}
