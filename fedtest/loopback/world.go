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
//	client, err := federation.NewClient(contoso.ClientConfig()) // asks as Contoso
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
	// BrokerKey is the broker's token-signing pair.
	BrokerKey *fedtest.KeyPair
	// DNS serves TXT and SRV records.
	DNS *fedtest.DNSServer
	// HTTP reaches every server of the World by host name.
	HTTP *http.Client

	offset atomic.Int64 // added to time.Now, see SetOffset
	closed string       // 127.0.0.1:port where nothing listens

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
	keys, err := keyring.New(keyring.Pair{Cert: w.BrokerKey.Cert, Key: w.BrokerKey.Key})
	if err != nil {
		return nil, err
	}
	b, err := broker.New(context.Background(), broker.Config{
		URI: BrokerURI, BaseURL: srv.URL, Keys: keys, Store: &broker.MemoryStore{},
		// Domain proofs are the subject of their own tests; the World's
		// broker takes every domain.
		Domains: broker.DomainVerifierFunc(func(context.Context, string, *broker.Organization) error { return nil }),
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
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		TLSClientConfig: w.CA.ClientTLSConfig(),
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
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
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Route makes the World's HTTP client reach hostport ("name:443") at addr.
func (w *World) Route(hostport, addr string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dial[strings.ToLower(hostport)] = addr
}
