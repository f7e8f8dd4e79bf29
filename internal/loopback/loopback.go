// Package loopback builds a complete federation on 127.0.0.1 for tests of
// the diagnostics and the example programs: an embedded trust broker over
// TLS, organizations each serving Autodiscover and EWS over TLS under their
// own host names, and a DNS server for domain proofs and SRV records.
//
// Host names are never resolved: the World's HTTP client dials
// DOMAIN:443 and autodiscover.DOMAIN:443 at the organization's server and
// every other host at a closed port on 127.0.0.1, so an unknown partner fails
// at once with "connection refused", as an unreachable one would.
package loopback

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
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

	mu   sync.Mutex
	dial map[string]string
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
	w := &World{dial: map[string]string{}}
	var err error
	must := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	w.CA, err = fedtest.NewCA()
	must(err)
	w.BrokerKey, err = fedtest.NewBrokerCert("loopback broker")
	must(err)
	w.DNS, err = fedtest.NewDNSServer()
	must(err)
	t.Cleanup(func() { _ = w.DNS.Close() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	w.closed = ln.Addr().String()
	must(ln.Close())

	w.HTTP = w.newHTTPClient()
	var h atomic.Pointer[broker.Broker]
	srv, err := w.CA.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(rw, r) }))
	must(err)
	t.Cleanup(srv.Close)
	w.BrokerURL = srv.URL
	keys, err := keyring.New(keyring.Pair{Cert: w.BrokerKey.Cert, Key: w.BrokerKey.Key})
	must(err)
	b, err := broker.New(context.Background(), broker.Config{
		URI: BrokerURI, BaseURL: srv.URL, Keys: keys, Store: &broker.MemoryStore{},
		// Domain proofs are the subject of their own tests; the World's
		// broker takes every domain.
		Domains: broker.DomainVerifierFunc(func(context.Context, string, *broker.Organization) error { return nil }),
		Now:     w.Now,
	})
	must(err)
	w.Broker = b
	h.Store(b)
	return w
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

// OrgOptions say how an organization takes part.
type OrgOptions struct {
	// Unregistered leaves the organization out of the broker.
	Unregistered bool
	// NotFederated makes its Autodiscover answer NotFederated.
	NotFederated bool
	// Relationships are its organization relationships.
	Relationships []sharing.OrganizationRelationship
	// Mailboxes are the local parts of its mailboxes, each with one busy
	// hour tomorrow.
	Mailboxes []string
}

// Org is an organization of the World.
type Org struct {
	// Domain is its SMTP domain and ApplicationURI its application URI.
	Domain, ApplicationURI string
	// Key is its organization certificate and Keys the ring holding it.
	Key  *fedtest.KeyPair
	Keys *keyring.Ring
	// Sharing is its sharing configuration.
	Sharing *sharing.Store
	// Calendars hold its mailboxes.
	Calendars *calendar.Memory
	// URL is its server's base URL by name, https://DOMAIN.
	URL string
	// Addr is the server's 127.0.0.1:port.
	Addr string
}

// EWSURL is the organization's EWS endpoint.
func (o *Org) EWSURL() string { return o.URL + "/EWS/Exchange.asmx" }

// AutodiscoverEPR is its token-authenticated Autodiscover endpoint, an
// organization relationship's TargetAutodiscoverEpr.
func (o *Org) AutodiscoverEPR() string {
	return "https://autodiscover." + o.Domain + "/autodiscover/autodiscover.svc/WSSecurity"
}

// AddOrg starts an organization's server for domain and, unless told
// otherwise, registers it with the broker.
func (w *World) AddOrg(t testing.TB, domain string, opts OrgOptions) *Org {
	t.Helper()
	kp, err := fedtest.NewOrgCert(domain)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		t.Fatal(err)
	}
	app, err := dnsproof.ApplicationURI(domain)
	if err != nil {
		t.Fatal(err)
	}
	o := &Org{Domain: domain, ApplicationURI: app, Key: kp, Keys: keys, Calendars: &calendar.Memory{}, URL: "https://" + domain}
	o.Sharing, err = sharing.NewStore(sharing.Config{OrganizationRelationships: opts.Relationships}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := w.Now().UTC().Truncate(24 * time.Hour).Add(24*time.Hour + 10*time.Hour)
	for _, m := range opts.Mailboxes {
		o.Calendars.Add(m+"@"+domain, calendar.Event{Start: tomorrow, End: tomorrow.Add(time.Hour), BusyType: calendar.Busy})
	}
	val, err := token.NewValidator(token.ValidatorConfig{
		ApplicationURI: app, Keys: keys, Now: w.Now,
		Trust: &token.StaticTrust{Issuer: BrokerURI, Certs: []*x509.Certificate{w.BrokerKey.Cert}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fed := autodiscover.FederationInformation{
		ApplicationURI: app, Domains: []string{domain},
		TokenIssuers: []autodiscover.TokenIssuer{{URI: BrokerURI, Endpoint: w.BrokerURL + broker.TokenPath}},
	}
	if opts.NotFederated {
		fed = autodiscover.FederationInformation{}
	}
	mux := http.NewServeMux()
	mux.Handle("/autodiscover/", &autodiscover.Handler{Federation: fed, Directory: directory{o}, Validator: val})
	eh, err := ews.NewHandler(ews.HandlerConfig{Calendars: o.Calendars, Policy: o.Sharing, Tokens: val, Now: w.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/EWS/", eh)
	srv, err := w.CA.NewTLSServer(lowerPaths(mux), domain, "autodiscover."+domain)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	o.Addr = srv.Listener.Addr().String()
	w.Route(domain+":443", o.Addr)
	w.Route("autodiscover."+domain+":443", o.Addr)

	if !opts.Unregistered {
		if _, err := w.Broker.Register(context.Background(), broker.Registration{ApplicationURI: app, Domains: []string{domain}, Current: kp.Cert}); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// lowerPaths routes Exchange's mixed-case paths (/autodiscover/…, /EWS/…)
// whatever case the client uses, as IIS does.
func lowerPaths(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(strings.ToLower(r.URL.Path), "/ews/") {
			r.URL.Path = "/EWS/" + r.URL.Path[len("/ews/"):]
		} else if strings.HasPrefix(strings.ToLower(r.URL.Path), "/autodiscover/") {
			r.URL.Path = "/autodiscover/" + r.URL.Path[len("/autodiscover/"):]
		}
		mux.ServeHTTP(w, r)
	})
}

// directory answers Autodiscover for the organization's mailboxes.
type directory struct{ o *Org }

func (d directory) LookupUser(ctx context.Context, _ *fedavail.Requester, mailbox string) (*autodiscover.User, error) {
	if fedavail.AddressDomain(mailbox) != d.o.Domain {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownUser, mailbox)
	}
	if _, err := d.o.Calendars.WorkingHours(ctx, mailbox); errors.Is(err, calendar.ErrMailboxNotFound) {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownUser, mailbox)
	}
	return &autodiscover.User{Settings: autodiscover.Settings{
		{Name: autodiscover.ExternalEwsURL, Value: d.o.EWSURL()},
		{Name: autodiscover.UserDisplayName, Value: mailbox},
	}}, nil
}

func (d directory) LookupDomain(_ context.Context, _ *fedavail.Requester, domain string) (autodiscover.Settings, error) {
	if domain != d.o.Domain {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownDomain, domain)
	}
	return autodiscover.Settings{{Name: autodiscover.ExternalEwsURL, Value: d.o.EWSURL()}}, nil
}

// Relationship returns an enabled relationship with partner, free/busy on at
// AvailabilityOnly, pointing at partner's endpoints.
func Relationship(name string, partner *Org) sharing.OrganizationRelationship {
	return sharing.OrganizationRelationship{
		Name: name, DomainNames: []string{partner.Domain}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
		TargetApplicationURI: partner.ApplicationURI, TargetAutodiscoverEpr: partner.AutodiscoverEPR(),
	}
}

// SetRelationships replaces the organization's relationships.
func (o *Org) SetRelationships(t testing.TB, rels ...sharing.OrganizationRelationship) {
	t.Helper()
	if err := o.Sharing.Replace(sharing.Config{OrganizationRelationships: rels}); err != nil {
		t.Fatal(err)
	}
}
