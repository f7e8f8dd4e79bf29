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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/transport"
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

// Env is a trust broker and a DNS server on 127.0.0.1, and the servers
// started with [Env.Serve], closed when the test ends.
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

	t      testing.TB
	offset atomic.Int64 // added to time.Now by Now, see Advance
	closed string       // 127.0.0.1:port where nothing listens

	mu   sync.Mutex
	dial map[string]string // "host:443" → "127.0.0.1:port"
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
	e := &Env{CA: ca, DNS: dns, t: t, dial: map[string]string{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.closed = ln.Addr().String()
	ln.Close()
	e.HTTPClient, err = transport.New(transport.Config{Direct: true, RootCAs: ca.Pool(), DialContext: e.Dial, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.HTTPClient.CloseIdleConnections)
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
		Now:     e.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	h = b
	e.Broker, e.BrokerKeys, e.URL = b, keys, srv.URL
	return e
}

// Options are admin options that reach the Env's broker, servers and DNS
// server, on the Env's clock.
func (e *Env) Options() *admin.Options {
	return &admin.Options{HTTPClient: e.HTTPClient, Resolver: e.DNS.Resolver(), Now: e.Now}
}

// Now is the Env's clock, which the broker and Options use: the real time
// plus the sum of Advance's durations.
func (e *Env) Now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// Advance moves the Env's clock forward by d, for example past the
// lifetime of the tokens issued so far.
func (e *Env) Advance(d time.Duration) { e.offset.Add(int64(d)) }

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
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, host := range hosts {
		e.dial[strings.ToLower(host)+":443"] = srv.Listener.Addr().String()
	}
	return srv
}

// Dial is the Env's dialer: IP addresses as given, the host names of Serve
// at their servers, and any other name at a closed port, so that a partner
// without a server fails at once ("connection refused") instead of
// reaching out of the machine.
func (e *Env) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err == nil && net.ParseIP(host) == nil {
		e.mu.Lock()
		to, ok := e.dial[strings.ToLower(addr)]
		e.mu.Unlock()
		if !ok {
			to = e.closed
		}
		addr = to
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
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
