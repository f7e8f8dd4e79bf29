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
	// Mailboxes are the local parts of its mailboxes, each with one busy
	// hour tomorrow.
	Mailboxes []string
	// Calendars, when set, is the calendar source the server answers from
	// instead of Org.Calendars (a CalDAV server, say).
	Calendars calendar.Source
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
}

// EWSURL is the organization's EWS endpoint.
func (o *Org) EWSURL() string { return o.URL + "/EWS/Exchange.asmx" }

// AutodiscoverEPR is its token-authenticated Autodiscover endpoint, an
// organization relationship's TargetAutodiscoverEpr.
func (o *Org) AutodiscoverEPR() string {
	return "https://autodiscover." + o.Domain + "/autodiscover/autodiscover.svc/WSSecurity"
}

// AddOrg starts an organization's server for domain, answering on
// https://DOMAIN and https://autodiscover.DOMAIN with federation.NewHandler,
// and, unless told otherwise, registers it with the broker.
func (w *World) AddOrg(t testing.TB, domain string, opts OrgOptions) *Org {
	t.Helper()
	kp, err := cachedPair("org", domain, fedtest.NewOrgCert)
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
	o.Sharing, err = sharing.NewLivePolicy(sharing.Config{OrganizationRelationships: opts.Relationships}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := w.Now().UTC().Truncate(24 * time.Hour).Add(24*time.Hour + 10*time.Hour)
	for _, m := range opts.Mailboxes {
		o.Calendars.Add(m+"@"+domain, calendar.Event{Start: tomorrow, End: tomorrow.Add(time.Hour), BusyType: calendar.Busy})
	}
	var cals calendar.Source = o.Calendars
	if opts.Calendars != nil {
		cals = opts.Calendars
	}
	var h http.Handler
	h, err = federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: app,
		Keys:           keys,
		Domains:        []string{domain},
		Broker:         federation.TrustBroker{MetadataURL: w.MetadataURL()},
		Policy:         o.Sharing,
		Calendars:      cals,
		EWSURL:         o.EWSURL(),
		HTTPClient:     w.HTTP,
		Now:            w.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.NotFederated {
		h = notFederated(h)
	}
	o.Addr = w.Serve(t, h, domain, "autodiscover."+domain)

	if !opts.Unregistered {
		w.Register(t, app, domain, kp)
	}
	return o
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

// Serve starts a TLS server for h on 127.0.0.1 with a certificate for
// hosts, routes hosts' port 443 to it and returns its address. It stops at
// the end of the test.
func (w *World) Serve(t testing.TB, h http.Handler, hosts ...string) string {
	t.Helper()
	srv, err := w.CA.NewTLSServer(h, hosts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	for _, host := range hosts {
		w.Route(host+":443", addr)
	}
	return addr
}

// Register registers an organization with the World's broker, as its
// administrator's trust would.
func (w *World) Register(t testing.TB, applicationURI, domain string, key *fedtest.KeyPair) {
	t.Helper()
	if _, err := w.Broker.Register(context.Background(), broker.Registration{ApplicationURI: applicationURI, Domains: []string{domain}, Current: key.Cert}); err != nil {
		t.Fatal(err)
	}
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

// Client returns a federation.Client that asks as o (its first domain,
// keys and relationships), with tokens from the World's broker.
func (w *World) Client(t testing.TB, o *Org) *federation.Client {
	t.Helper()
	c, err := federation.NewClient(federation.Config{
		ApplicationURI: o.ApplicationURI, Keys: o.Keys, Domains: []string{o.Domain},
		Broker:        federation.TrustBroker{MetadataURL: w.MetadataURL()},
		Relationships: o.Sharing, HTTPClient: w.HTTP, Resolver: w.DNS.Resolver(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
