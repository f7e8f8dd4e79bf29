package mfg_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/mfg"
	"github.com/fedavail/fedavail/fedtest"
)

// Example registers an organization with an embedded trust broker through
// ManageDelegation2, in Exchange's order: application identifier, account
// namespace, its state, then the federated domain.
func Example() {
	ctx := context.Background()
	org, err := fedtest.NewOrgCert("contoso federation")
	if err != nil {
		log.Fatal(err)
	}
	b, srv := startBroker()
	defer srv.Close()

	keys, err := keyring.New(keyring.Pair{Cert: org.Cert, Key: org.Key})
	if err != nil {
		log.Fatal(err)
	}
	c := &mfg.Client{URL: srv.URL + mfg.Path, HTTPClient: srv.Client(), Keys: keys}
	appID, err := c.CreateAppID(ctx, "FYDIBOHF25SPDLT.contoso.com")
	if err != nil {
		log.Fatal(err)
	}
	if err := c.ReserveDomain(ctx, appID, "FYDIBOHF25SPDLT.contoso.com", mfg.ProgramExchangeConnector); err != nil {
		log.Fatal(err)
	}
	info, err := c.GetDomainInfo(ctx, appID, "FYDIBOHF25SPDLT.contoso.com")
	if err != nil {
		log.Fatal(err)
	}
	if err := c.AddURI(ctx, appID, "contoso.com"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.DomainState, b.Organizations()[0].Domains)
	// Output: Active [contoso.com]
}

// startBroker runs a broker on loopback that accepts every domain; a real
// one checks the proofs in DNS (broker.DNSVerifier).
func startBroker() (*broker.Broker, *httptest.Server) {
	kp, err := fedtest.NewBrokerCert("broker")
	if err != nil {
		log.Fatal(err)
	}
	keys, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		log.Fatal(err)
	}
	var h http.Handler
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	b, err := broker.New(context.Background(), broker.Config{
		URI: "urn:federation:example", BaseURL: srv.URL, Keys: keys, Store: &broker.MemoryStore{},
		Domains: broker.DomainVerifierFunc(func(context.Context, string, *broker.Organization) error { return nil }),
	})
	if err != nil {
		log.Fatal(err)
	}
	h = b
	return b, srv
}
