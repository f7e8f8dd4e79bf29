package admin_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

const brokerURI = "urn:federation:fedadmin-test"

// The CA and the broker's signing key are made once per test binary; each
// organization's keys are made by the code under test.
var (
	keysOnce  sync.Once
	ca        *fedtest.CA
	brokerKey *fedtest.KeyPair
	errKeys   error
)

// world is a trust broker on httptest TLS whose domain check asks a DNS
// server on loopback, as in production.
type world struct {
	dns    *fedtest.DNSServer
	broker *broker.Broker
	url    string
	http   *http.Client
}

func newWorld(t testing.TB) *world {
	t.Helper()
	keysOnce.Do(func() {
		if ca, errKeys = fedtest.NewCA(); errKeys == nil {
			brokerKey, errKeys = fedtest.NewBrokerCert("fedadmin test broker")
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
		URI: brokerURI, BaseURL: srv.URL, Keys: keys, Store: &broker.MemoryStore{},
		Domains: broker.DNSVerifier{Verifier: &dnsproof.Verifier{Resolver: dns.Resolver()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	h = b
	return &world{dns: dns, broker: b, url: srv.URL, http: ca.HTTPClient(nil)}
}

func (w *world) options() *admin.Options {
	return &admin.Options{HTTPClient: w.http, Resolver: w.dns.Resolver()}
}

// open opens an organization in a new directory; with domains it also
// creates the certificate and makes the domains exist in DNS (an A
// record), without proofs.
func (w *world) open(t testing.TB, domains ...string) *admin.Org {
	t.Helper()
	o, err := admin.Open(t.TempDir(), w.options())
	if err != nil {
		t.Fatal(err)
	}
	if len(domains) > 0 {
		if _, err := o.NewCertificate(context.Background(), admin.CertificateOptions{CommonName: domains[0]}); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range domains {
		w.dns.AddA(d, net.IPv4(127, 0, 0, 1))
	}
	return o
}

// publish adds o's proofs of domain, as domain-proof prints them, to DNS.
func (w *world) publish(t testing.TB, o *admin.Org, domain string) {
	t.Helper()
	ps, err := o.DomainProof(domain)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		w.dns.AddTXT(domain, p.Proof)
	}
}

// trusted returns an organization with a trust for domain.
func (w *world) trusted(t testing.TB, domain string) *admin.Org {
	t.Helper()
	o := w.open(t, domain)
	w.publish(t, o, domain)
	if _, err := o.Trust(context.Background(), admin.TrustOptions{BrokerURL: w.url, Domain: domain}); err != nil {
		t.Fatal(err)
	}
	return o
}

func appURI(domain string) string { return dnsproof.AccountNamespacePrefix + "." + domain }

// oneLine fails the test unless err is an admin error of one line.
func oneLine(t testing.TB, err error) {
	t.Helper()
	if s := err.Error(); strings.ContainsAny(s, "\r\n") || !strings.HasPrefix(s, "admin: ") {
		t.Errorf("error is not one admin line: %q", s)
	}
}
