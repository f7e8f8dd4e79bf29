package loopback

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
)

// OrgOptions say how an organization takes part.
type OrgOptions struct {
	// Unregistered leaves the organization out of the broker.
	Unregistered bool
	// NotFederated makes its Autodiscover answer NotFederated.
	NotFederated bool
	// Relationships are its organization relationships.
	Relationships []sharing.OrganizationRelationship
	// Mailboxes are the local parts of its mailboxes, each busy tomorrow
	// from 10:00 to 11:00 UTC (see World.Tomorrow).
	Mailboxes []string
	// Observe instruments its handler (HandlerConfig.Observe).
	Observe federation.Observer
	// Calendars, when set, is the calendar source the server answers from
	// instead of Org.Calendars (a CalDAV server, say).
	Calendars calendar.Source
	// ServiceAccounts are other forests' availability service accounts it
	// answers (HandlerConfig.ServiceAccounts).
	ServiceAccounts []federation.ServiceAccount
}

// Org is an organization of the World.
type Org struct {
	// Domain is its SMTP domain and ApplicationURI its application URI.
	Domain, ApplicationURI string
	// Key is its organization certificate and Keys the ring holding it.
	Key  *fedtest.KeyPair
	Keys *keyring.Ring
	// Sharing is its sharing configuration.
	Sharing *sharing.LivePolicy
	// Calendars hold its mailboxes; add to them at any time.
	Calendars *calendar.Memory
	// URL is its server's base URL by name, https://DOMAIN.
	URL string
	// Addr is the server's 127.0.0.1:port.
	Addr string

	world *World
}

// EWSURL is the organization's EWS endpoint.
func (o *Org) EWSURL() string { return o.URL + "/EWS/Exchange.asmx" }

// AutodiscoverEPR is its token-authenticated Autodiscover endpoint, an
// organization relationship's TargetAutodiscoverEpr.
func (o *Org) AutodiscoverEPR() string {
	return "https://autodiscover." + o.Domain + "/autodiscover/autodiscover.svc/WSSecurity"
}

// AddOrg is [World.NewOrg] for a test: it fails the test on error.
func (w *World) AddOrg(t testing.TB, domain string, opts OrgOptions) *Org {
	t.Helper()
	o, err := w.NewOrg(domain, opts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// NewOrg starts an organization's server for domain, answering on
// https://DOMAIN and https://autodiscover.DOMAIN with federation.NewHandler,
// and, unless told otherwise, registers it with the broker. The server stops
// with the World.
func (w *World) NewOrg(domain string, opts OrgOptions) (*Org, error) {
	kp, err := cachedPair("org", domain, fedtest.NewOrgCert)
	if err != nil {
		return nil, err
	}
	keys, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		return nil, err
	}
	app, err := dnsproof.ApplicationURI(domain)
	if err != nil {
		return nil, err
	}
	o := &Org{Domain: domain, ApplicationURI: app, Key: kp, Keys: keys, Calendars: &calendar.Memory{}, URL: "https://" + domain, world: w}
	o.Sharing, err = sharing.NewLivePolicy(sharing.Config{OrganizationRelationships: opts.Relationships}, nil)
	if err != nil {
		return nil, err
	}
	tomorrow := w.Tomorrow()
	for _, m := range opts.Mailboxes {
		o.Calendars.Add(m+"@"+domain, calendar.Event{Start: tomorrow.Add(10 * time.Hour), End: tomorrow.Add(11 * time.Hour), BusyType: calendar.Busy})
	}
	var cals calendar.Source = o.Calendars
	if opts.Calendars != nil {
		cals = opts.Calendars
	}
	var h http.Handler
	h, err = federation.NewHandler(federation.HandlerConfig{
		ApplicationURI:  app,
		Keys:            keys,
		Domains:         []string{domain},
		Broker:          federation.TrustBroker{MetadataURL: w.MetadataURL()},
		Policy:          o.Sharing,
		Calendars:       cals,
		EWSURL:          o.EWSURL(),
		HTTPClient:      w.HTTP,
		Now:             w.Now,
		Observe:         opts.Observe,
		ServiceAccounts: opts.ServiceAccounts,
	})
	if err != nil {
		return nil, err
	}
	if opts.NotFederated {
		h = notFederated(h)
	}
	if o.Addr, err = w.Listen(h, domain, "autodiscover."+domain); err != nil {
		return nil, err
	}
	if !opts.Unregistered {
		if err := w.RegisterOrg(app, domain, kp); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Tomorrow is midnight UTC at the start of the World's tomorrow: the day
// OrgOptions.Mailboxes are busy in, from 10:00 to 11:00 UTC.
func (w *World) Tomorrow() time.Time {
	return w.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
}

// ClientConfig is the configuration of a federation.Client asking partners
// as this organization: its application URI, keys and domain, the World's
// broker, HTTP client, DNS and clock, and its live relationships.
func (o *Org) ClientConfig() federation.Config {
	return federation.Config{
		ApplicationURI: o.ApplicationURI,
		Keys:           o.Keys,
		Domains:        []string{o.Domain},
		Broker:         federation.TrustBroker{MetadataURL: o.world.MetadataURL()},
		Relationships:  o.Sharing,
		HTTPClient:     o.world.HTTP,
		Resolver:       o.world.DNS.Resolver(),
		Now:            o.world.Now,
	}
}

// Client returns a federation.Client that asks as o ([Org.ClientConfig]),
// failing the test on error.
func (w *World) Client(t testing.TB, o *Org) *federation.Client {
	t.Helper()
	c, err := federation.NewClient(o.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// notFederated answers Autodiscover as an organization without a
// federation trust does (NotFederated), and everything else with h.
func notFederated(h http.Handler) http.Handler {
	plain := &autodiscover.Handler{}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(strings.ToLower(r.URL.Path), "/autodiscover/") {
			plain.ServeHTTP(rw, r)
			return
		}
		h.ServeHTTP(rw, r)
	})
}

// Serve is [World.Listen] for a test: it fails the test on error.
func (w *World) Serve(t testing.TB, h http.Handler, hosts ...string) string {
	t.Helper()
	addr, err := w.Listen(h, hosts...)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// Listen starts a TLS server for h on 127.0.0.1 with a certificate for
// hosts, routes hosts' port 443 to it and returns its address. It stops
// with the World.
func (w *World) Listen(h http.Handler, hosts ...string) (string, error) {
	srv, err := w.CA.NewTLSServer(h, hosts...)
	if err != nil {
		return "", err
	}
	w.onClose(srv.Close)
	addr := srv.Listener.Addr().String()
	for _, host := range hosts {
		w.Route(host+":443", addr)
	}
	return addr, nil
}

// Register is [World.RegisterOrg] for a test: it fails the test on error.
func (w *World) Register(t testing.TB, applicationURI, domain string, key *fedtest.KeyPair) {
	t.Helper()
	if err := w.RegisterOrg(applicationURI, domain, key); err != nil {
		t.Fatal(err)
	}
}

// RegisterOrg registers an organization with the World's broker, as its
// administrator's trust would: the broker then issues tokens for it and to
// it.
func (w *World) RegisterOrg(applicationURI, domain string, key *fedtest.KeyPair) error {
	_, err := w.Broker.Register(context.Background(), broker.Registration{ApplicationURI: applicationURI, Domains: []string{domain}, Current: key.Cert})
	return err
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

// Relate replaces the organization's relationships with one per partner,
// as [Relationship] makes them.
func (o *Org) Relate(partners ...*Org) error {
	var rels []sharing.OrganizationRelationship
	for _, p := range partners {
		rels = append(rels, Relationship(p.Domain, p))
	}
	return o.Sharing.Replace(sharing.Config{OrganizationRelationships: rels})
}

// SetRelationships replaces the organization's relationships.
func (o *Org) SetRelationships(t testing.TB, rels ...sharing.OrganizationRelationship) {
	t.Helper()
	if err := o.Sharing.Replace(sharing.Config{OrganizationRelationships: rels}); err != nil {
		t.Fatal(err)
	}
}
