// Package admintest runs what the administrator's workflow talks to, on
// loopback, for tests of code that uses package admin: a trust broker on
// TLS whose domain check asks a DNS server, as in production, and that DNS
// server.
package admintest

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

// BrokerURI is the test broker's issuer URI.
const BrokerURI = "urn:federation:admintest"

// The CA and the broker's signing key are made once per test binary: RSA
// key generation is the slow part of these tests.
var (
	keysOnce  sync.Once
	ca        *fedtest.CA
	brokerKey *fedtest.KeyPair
	errKeys   error
)

// Env is a trust broker and a DNS server on 127.0.0.1, closed when the
// test ends.
type Env struct {
	// CA issued the broker's TLS certificate; HTTPClient trusts it.
	CA *fedtest.CA
	// DNS answers the domains' TXT records.
	DNS *fedtest.DNSServer
	// Broker is the trust broker, for the operator's view.
	Broker *broker.Broker
	// URL is the broker's base URL.
	URL string
	// HTTPClient reaches the broker.
	HTTPClient *http.Client
}

// New starts an Env.
func New(t testing.TB) *Env {
	t.Helper()
	keysOnce.Do(func() {
		if ca, errKeys = fedtest.NewCA(); errKeys == nil {
			brokerKey, errKeys = fedtest.NewBrokerCert("admintest broker")
		}
	})
	if errKeys != nil {
		t.Fatal(errKeys)
	}
	dns, err := fedtest.NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	var h http.Handler
	srv, err := ca.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	keys, err := keyring.New(keyring.Pair{Cert: brokerKey.Cert, Key: brokerKey.Key})
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(context.Background(), broker.Config{
		URI: BrokerURI, BaseURL: srv.URL, Keys: keys, Store: &broker.MemoryStore{},
		Domains: broker.DNSVerifier{Verifier: &dnsproof.Verifier{Resolver: dns.Resolver()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h = b
	return &Env{CA: ca, DNS: dns, Broker: b, URL: srv.URL, HTTPClient: ca.HTTPClient(nil)}
}

// Options are admin options that reach the Env's broker and DNS server.
func (e *Env) Options() *admin.Options {
	return &admin.Options{HTTPClient: e.HTTPClient, Resolver: e.DNS.Resolver()}
}

// Exist makes domains exist in DNS (an A record), without proofs.
func (e *Env) Exist(domains ...string) {
	for _, d := range domains {
		e.DNS.AddA(d, net.IPv4(127, 0, 0, 1))
	}
}

// Publish adds o's proofs of domain, as domain-proof prints them, to DNS.
func (e *Env) Publish(t testing.TB, o *admin.Org, domain string) {
	t.Helper()
	ps, err := o.DomainProof(domain)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		e.DNS.AddTXT(domain, p.Proof)
	}
}

// Registered returns the broker's domains for an application URI, nil if
// it is not registered.
func (e *Env) Registered(applicationURI string) []string {
	for _, o := range e.Broker.Organizations() {
		if o.ApplicationURI == applicationURI {
			return o.Domains
		}
	}
	return nil
}
