// Package admintest runs what the administrator's workflow talks to, on
// loopback, for tests of code that uses package admin: a trust broker on
// TLS whose domain check asks a DNS server, as in production, that DNS
// server, and the organizations' own servers (Autodiscover, EWS) under their
// host names.
package admintest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/transport"
)

// BrokerURI is the test broker's issuer URI.
const BrokerURI = loopback.BrokerURI

// Env is a trust broker and a DNS server on 127.0.0.1, and the servers
// started with [Env.Serve], closed when the test ends: a fedtest/loopback
// World whose broker requires domain proofs in its DNS, as in production,
// with an HTTP client built by package transport, as the commands build
// theirs.
type Env struct {
	// CA issued every TLS certificate of the Env; HTTPClient trusts it.
	CA *fedtest.CA
	// DNS answers the domains' TXT and SRV records.
	DNS *fedtest.DNSServer
	// Broker is the trust broker, for the operator's view.
	Broker *broker.Broker
	// BrokerKeys are the broker's token-signing keys, to roll them over.
	BrokerKeys *keyring.Ring
	// URL is the broker's base URL.
	URL string
	// HTTPClient reaches the broker, and the servers of Serve by host name.
	HTTPClient *http.Client

	t     testing.TB
	world *loopback.World
}

// New starts an Env.
func New(t testing.TB) *Env {
	t.Helper()
	w := loopback.New(t)
	w.RequireDomainProofs()
	hc, err := transport.New(transport.Config{Direct: true, RootCAs: w.CA.Pool(), DialContext: w.Dial, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hc.CloseIdleConnections)
	return &Env{CA: w.CA, DNS: w.DNS, Broker: w.Broker, BrokerKeys: w.BrokerKeys, URL: w.BrokerURL, HTTPClient: hc, t: t, world: w}
}

// Options are admin options that reach the Env's broker, servers and DNS
// server, on the Env's clock.
func (e *Env) Options() *admin.Options {
	return &admin.Options{HTTPClient: e.HTTPClient, Resolver: e.DNS.Resolver(), Now: e.Now}
}

// Now is the Env's clock, which the broker and Options use: the real time
// plus the sum of Advance's durations.
func (e *Env) Now() time.Time { return e.world.Now() }

// Advance moves the Env's clock forward by d, for example past the
// lifetime of the tokens issued so far.
func (e *Env) Advance(d time.Duration) { e.world.Advance(d) }

// Serve starts a TLS server for h whose certificate names hosts; the Env's
// HTTPClient reaches it at https://HOST for each of them. It is closed when
// the test ends.
func (e *Env) Serve(h http.Handler, hosts ...string) *httptest.Server {
	e.t.Helper()
	srv, err := e.CA.NewTLSServer(h, hosts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(srv.Close)
	for _, host := range hosts {
		e.world.Route(host+":443", srv.Listener.Addr().String())
	}
	return srv
}

// Dial is the Env's dialer ([loopback.World.Dial]): the host names of Serve
// at their servers, any other name at a closed port.
func (e *Env) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return e.world.Dial(ctx, network, addr)
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
