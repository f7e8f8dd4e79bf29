// Package loopback builds a complete federation on 127.0.0.1, so that an
// integration (a calendar source, a directory, an access policy, a client
// program) can be tested end to end in a few lines: an embedded trust
// broker over TLS, organizations each answering partners with
// federation.NewHandler (the same composition of Autodiscover and EWS a real
// deployment serves) over TLS under their own host names, a test CA, and a
// DNS server for domain proofs and SRV records.
//
//	w := loopback.New(t) // stops at the end of the test
//	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Mailboxes: []string{"bob"}})
//	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
//	fabrikam.SetRelationships(t, loopback.Relationship("Contoso", contoso))
//	contoso.SetRelationships(t, loopback.Relationship("Fabrikam", fabrikam))
//	client := w.Client(t, contoso) // a federation.Client asking as Contoso
//
// OrgOptions.Calendars puts your own calendar source behind an organization;
// [World.Listen] serves a handler of your own under host names of your
// choice; [World.RequireDomainProofs] makes the broker check domain proofs.
//
// Outside a test (an Example, a program), [Start], [World.NewOrg] and
// [World.Close] do the same and return errors.
//
// Host names are never resolved: the World's HTTP client dials
// DOMAIN:443 and autodiscover.DOMAIN:443 at the organization's server and
// every other host at a closed port on 127.0.0.1, so an unknown partner fails
// at once with "connection refused", as an unreachable one would. Nothing
// leaves the machine.
package loopback

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

// BrokerURI is the issuer URI of the World's trust broker.
const BrokerURI = "urn:federation:fedavail-loopback"

// World is a trust broker, organizations and DNS on loopback.
type World struct {
	// CA issues every TLS certificate of the World.
	CA *fedtest.CA
	// Broker is the trust broker; BrokerURL its base URL.
	Broker    *broker.Broker
	BrokerURL string
	// BrokerKey is the broker's token-signing pair, and BrokerKeys the
	// ring the broker signs with (to roll its key over).
	BrokerKey  *fedtest.KeyPair
	BrokerKeys *keyring.Ring
	// DNS serves TXT and SRV records.
	DNS *fedtest.DNSServer
	// HTTP reaches every server of the World by host name.
	HTTP *http.Client

	offset atomic.Int64 // added to time.Now, see SetOffset
	closed string       // 127.0.0.1:port where nothing listens
	proofs atomic.Bool  // see RequireDomainProofs

	mu      sync.Mutex
	dial    map[string]string
	closers []func() // see Close
}

// MetadataURL is the broker's federation metadata document.
func (w *World) MetadataURL() string { return w.BrokerURL + broker.MetadataPath }

// Now is the World's clock: the real time plus the offset of SetOffset. The
// broker and the organizations use it.
func (w *World) Now() time.Time { return time.Now().Add(time.Duration(w.offset.Load())) }

// SetOffset moves the World's clock, to make certificates close to expiry.
func (w *World) SetOffset(d time.Duration) { w.offset.Store(int64(d)) }

// Advance moves the World's clock forward by d, for example past the
// lifetime of the tokens issued so far.
func (w *World) Advance(d time.Duration) { w.offset.Add(int64(d)) }

// RequireDomainProofs makes the broker accept a domain only when its
// ownership proof is published in the World's DNS, as in production; by
// default it takes every domain, since most tests are not about proofs.
func (w *World) RequireDomainProofs() { w.proofs.Store(true) }

// ClosedAddr is an address on 127.0.0.1 where nothing listens.
func (w *World) ClosedAddr() string { return w.closed }

// New starts a World with a broker and no organizations. Everything stops at
// the end of the test.
func New(t testing.TB) *World {
	t.Helper()
	w, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// Start starts a World with a broker and no organizations; [World.Close]
// stops it.
func Start() (w *World, err error) {
	w = &World{dial: map[string]string{}}
	defer func() {
		if err != nil {
			w.Close()
			w = nil
		}
	}()
	if w.CA, err = cachedCA(); err != nil {
		return nil, err
	}
	if w.BrokerKey, err = cachedPair("broker", "loopback broker", fedtest.NewBrokerCert); err != nil {
		return nil, err
	}
	if w.DNS, err = fedtest.NewDNSServer(); err != nil {
		return nil, err
	}
	w.onClose(func() { _ = w.DNS.Close() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w.closed = ln.Addr().String()
	if err := ln.Close(); err != nil {
		return nil, err
	}

	w.HTTP = w.newHTTPClient()
	var h atomic.Pointer[broker.Broker]
	srv, err := w.CA.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(rw, r) }))
	if err != nil {
		return nil, err
	}
	w.onClose(srv.Close)
	w.BrokerURL = srv.URL
	if w.BrokerKeys, err = keyring.New(keyring.Pair{Cert: w.BrokerKey.Cert, Key: w.BrokerKey.Key}); err != nil {
		return nil, err
	}
	b, err := broker.New(context.Background(), broker.Config{
		URI: BrokerURI, BaseURL: srv.URL, Keys: w.BrokerKeys, Store: &broker.MemoryStore{},
		Domains: worldDomains{w: w, dns: broker.DNSVerifier{Verifier: &dnsproof.Verifier{Resolver: w.DNS.Resolver()}}},
		Now:     w.Now,
	})
	if err != nil {
		return nil, err
	}
	w.Broker = b
	h.Store(b)
	return w, nil
}

// Close stops every server of the World, last started first.
func (w *World) Close() {
	w.mu.Lock()
	closers := w.closers
	w.closers = nil
	w.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

func (w *World) onClose(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closers = append(w.closers, f)
}

// newHTTPClient dials the World's host names at their servers and every
// other name at the closed port.
func (w *World) newHTTPClient() *http.Client {
	tr := &http.Transport{TLSClientConfig: w.CA.ClientTLSConfig(), DialContext: w.Dial}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Dial is the World's dialer, for HTTP clients of your own (one built with
// package transport, say): IP addresses as given, the host names of Route
// at their servers, and any other name at a closed port, so that a host
// without a server fails at once ("connection refused") instead of reaching
// out of the machine.
func (w *World) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	to, ok := w.dial[strings.ToLower(addr)]
	w.mu.Unlock()
	switch {
	case ok:
		addr = to
	case net.ParseIP(host) == nil:
		addr = w.closed
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, network, addr)
}

// Route makes the World's HTTP client reach hostport ("name:443") at addr.
func (w *World) Route(hostport, addr string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dial[strings.ToLower(hostport)] = addr
}

// worldDomains is the World broker's domain check: every domain is taken
// (domain proofs are the subject of their own tests) until
// RequireDomainProofs, then only those whose proof is in the World's DNS.
type worldDomains struct {
	w   *World
	dns broker.DNSVerifier
}

var _ broker.SignedDomainVerifier = worldDomains{}

func (d worldDomains) VerifyDomain(ctx context.Context, domain string, org *broker.Organization) error {
	return d.VerifyDomainSignatures(ctx, domain, org, nil)
}

func (d worldDomains) VerifyDomainSignatures(ctx context.Context, domain string, org *broker.Organization, signatures [][]byte) error {
	if !d.w.proofs.Load() {
		return nil
	}
	return d.dns.VerifyDomainSignatures(ctx, domain, org, signatures)
}
