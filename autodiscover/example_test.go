package autodiscover_test

import (
	"context"
	"fmt"
	"log"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/fedtest"
)

// An organization publishes its federation information with a Handler, and a
// partner reads it with a Client.
func ExampleClient_GetFederationInformation() {
	ca, err := fedtest.NewCA()
	if err != nil {
		log.Fatal(err)
	}
	srv, err := ca.NewTLSServer(&autodiscover.Handler{Federation: autodiscover.FederationInformation{
		ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.example",
		Domains:        []string{"fabrikam.example"},
		TokenIssuers:   []autodiscover.TokenIssuer{{URI: "urn:federation:MicrosoftOnline", Endpoint: "https://login.microsoftonline.com/extSTS.srf"}},
	}}, "autodiscover.fabrikam.example")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c := &autodiscover.Client{
		// In production leave HTTPClient nil; here it trusts the test CA and
		// reaches the host on loopback.
		HTTPClient: ca.HTTPClient(map[string]string{"autodiscover.fabrikam.example:443": srv.Listener.Addr().String()}),
		// An organization relationship's TargetAutodiscoverEpr skips discovery.
		Endpoint: "https://autodiscover.fabrikam.example/autodiscover/autodiscover.svc/WSSecurity",
	}
	fi, err := c.GetFederationInformation(context.Background(), "fabrikam.example")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fi.ApplicationURI)
	fmt.Println(fi.Domains)
	fmt.Println(fi.TokenIssuers[0].URI)
	// Output:
	// FYDIBOHF25SPDLT.fabrikam.example
	// [fabrikam.example]
	// urn:federation:MicrosoftOnline
}

// GetFederationInformation for an accepted domain that is not federated
// answers, as Exchange does, with the organization's federated domains.
func ExampleHandler_acceptedDomains() {
	ca, err := fedtest.NewCA()
	if err != nil {
		log.Fatal(err)
	}
	srv, err := ca.NewTLSServer(&autodiscover.Handler{
		Federation: autodiscover.FederationInformation{
			ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.example",
			Domains:        []string{"fabrikam.example"},
		},
		AcceptedDomains: []string{"research.fabrikam.example"},
	}, "autodiscover.fabrikam.example")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := &autodiscover.Client{
		HTTPClient: ca.HTTPClient(map[string]string{"autodiscover.fabrikam.example:443": srv.Listener.Addr().String()}),
		Endpoint:   "https://autodiscover.fabrikam.example/autodiscover/autodiscover.svc",
	}
	fi, err := c.GetFederationInformation(context.Background(), "research.fabrikam.example")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fi.ApplicationURI, fi.Domains)
	fmt.Println(autodiscover.DefaultServerVersionInfo)
	// Output:
	// FYDIBOHF25SPDLT.fabrikam.example [fabrikam.example]
	// 15.01.2507.006
}
