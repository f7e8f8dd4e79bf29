// Package testorg builds a real answering organization — the ews and
// autodiscover handlers over a real token.Validator, a real sharing policy
// and an in-memory calendar — and a trust broker that mints genuine
// delegation tokens for it. The attack corpus (internal/attack) and the load
// generator (examples/loadgen) both run against it, so what they exercise is
// the composition a deployment would run, not stubs.
//
// The organization is contoso.example. Its partners are
//
//   - fabrikam.example: AvailabilityOnly;
//   - tailspin.example: LimitedDetails, limited to the group "Shared"
//     (alice, who opted in to LimitedDetails, and bob, who did not);
//   - woodgrove.example: a domain the broker knows but contoso has no
//     relationship with.
//
// carol opted in to LimitedDetails but is outside the scope. Every mailbox
// has a private item; subjects, locations and item IDs are unique strings
// (see [Secrets]) so tests can search responses and logs for them.
package testorg

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/sharing"
)

// Names of the test federation.
const (
	BrokerURI = "urn:federation:fedavail-testorg"

	Domain         = "contoso.example"
	ApplicationURI = "FYDIBOHF25SPDLT.contoso.example"

	// OtherApplicationURI is a second organization with its own keys
	// (northwind.example), for tokens swapped between organizations.
	OtherApplicationURI = "FYDIBOHF25SPDLT.northwind.example"

	AvailabilityPartner = "fabrikam.example"  // AvailabilityOnly
	DetailsPartner      = "tailspin.example"  // LimitedDetails, scope "Shared"
	Stranger            = "woodgrove.example" // no relationship

	Alice = "alice@contoso.example" // in scope, opted in to LimitedDetails
	Bob   = "bob@contoso.example"   // in scope, not opted in
	Carol = "carol@contoso.example" // opted in, outside the scope

	ScopeGroup = "Shared"

	// EWSPath and AutodiscoverPath are the federated endpoints.
	EWSPath          = "/EWS/Exchange.asmx/WSSecurity"
	AutodiscoverPath = "/autodiscover/autodiscover.svc/WSSecurity"
)

// Mailboxes are contoso's mailboxes, in a fixed order.
var Mailboxes = []string{Alice, Bob, Carol}

// Day is the Monday whose calendars are filled: 09:00–10:00 a meeting,
// 11:00–12:00 a private appointment, 14:00–15:00 a tentative one (UTC).
var Day = time.Date(2030, 3, 11, 0, 0, 0, 0, time.UTC)

// Keys are the key pairs of the test federation. RSA key generation is
// slow, so callers create them once and share them.
type Keys struct {
	Broker    *fedtest.KeyPair // the trusted broker's signing pair
	Attacker  *fedtest.KeyPair // a signing pair nobody trusts
	Contoso   *fedtest.KeyPair // contoso's organization certificate
	Northwind *fedtest.KeyPair // another organization's certificate
}

// NewKeys creates the key pairs.
func NewKeys() (*Keys, error) {
	var k Keys
	var err error
	for _, step := range []struct {
		dst  **fedtest.KeyPair
		make func(string) (*fedtest.KeyPair, error)
		cn   string
	}{
		{&k.Broker, fedtest.NewBrokerCert, "testorg broker signing"},
		{&k.Attacker, fedtest.NewBrokerCert, "testorg broker signing"}, // same name, other key
		{&k.Contoso, fedtest.NewOrgCert, "contoso federation"},
		{&k.Northwind, fedtest.NewOrgCert, "northwind federation"},
	} {
		if *step.dst, err = step.make(step.cn); err != nil {
			return nil, fmt.Errorf("testorg: keys: %w", err)
		}
	}
	return &k, nil
}

// Clock is a settable clock, safe for concurrent use. The zero value
// reads the zero time; set it first.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set sets the clock.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// Config configures [New].
type Config struct {
	// Keys are the federation's key pairs. Required.
	Keys *Keys
	// Clock drives token lifetimes and the handlers; nil means a clock at
	// Day minus one day.
	Clock *Clock
	// Logger receives the handlers' and the policy's lines; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps requests to both handlers; 0 keeps their defaults.
	MaxBodyBytes int64
	// CacheSize is the validator's token cache size; 0 keeps its default.
	CacheSize int
	// Limiter throttles the EWS handler's requests; nil serves them all.
	Limiter ews.Limiter
	// Calendars is the EWS handler's calendar source; nil means the
	// built-in calendars (Org.Calendars).
	Calendars calendar.Source
}

// Org is the answering organization, contoso.example.
type Org struct {
	// Handler serves EWS under /EWS/ and Autodiscover under /autodiscover/.
	Handler http.Handler
	// Validator validates tokens for both handlers and records why it
	// refused each one.
	Validator *Recorder
	// Policy is contoso's sharing policy.
	Policy *sharing.Policy
	// Calendars holds the mailboxes' items.
	Calendars *calendar.Memory
	// Broker mints tokens as the trusted broker.
	Broker *Broker
	// Clock is the organization's clock.
	Clock *Clock
	// Keys are the federation's key pairs.
	Keys *Keys
}

// New builds the organization.
func New(cfg Config) (*Org, error) {
	if cfg.Keys == nil {
		return nil, fmt.Errorf("testorg: Config.Keys is required")
	}
	clock := cfg.Clock
	if clock == nil {
		clock = NewClock(Day.Add(-24 * time.Hour))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ring, err := keyring.New(keyring.Pair{Cert: cfg.Keys.Contoso.Cert, Key: cfg.Keys.Contoso.Key})
	if err != nil {
		return nil, fmt.Errorf("testorg: %w", err)
	}
	v, err := token.NewValidator(token.ValidatorConfig{
		ApplicationURI: ApplicationURI,
		Keys:           ring,
		Trust:          &token.StaticTrust{Issuer: BrokerURI, Certs: []*x509.Certificate{cfg.Keys.Broker.Cert}},
		Now:            clock.Now,
		CacheSize:      cfg.CacheSize,
	})
	if err != nil {
		return nil, fmt.Errorf("testorg: %w", err)
	}
	policy, err := sharing.New(policyConfig(), &sharing.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("testorg: %w", err)
	}
	cals := Calendars()
	var src calendar.Source = cals
	if cfg.Calendars != nil {
		src = cfg.Calendars
	}
	rec := &Recorder{v: v}
	eh, err := ews.NewHandler(ews.HandlerConfig{
		Calendars: src, Policy: policy, Tokens: rec, Logger: log,
		Now: clock.Now, MaxBodyBytes: cfg.MaxBodyBytes, Limiter: cfg.Limiter,
	})
	if err != nil {
		return nil, fmt.Errorf("testorg: %w", err)
	}
	ah := &autodiscover.Handler{
		Federation: autodiscover.FederationInformation{
			ApplicationURI: ApplicationURI,
			Domains:        []string{Domain},
		},
		Directory:       directory{},
		Validator:       rec,
		MaxRequestBytes: cfg.MaxBodyBytes,
		Logger:          log,
	}
	mux := http.NewServeMux()
	mux.Handle("/EWS/", eh)
	mux.Handle("/autodiscover/", ah)
	broker, err := NewBroker(cfg.Keys.Broker, clock)
	if err != nil {
		return nil, err
	}
	return &Org{Handler: mux, Validator: rec, Policy: policy, Calendars: cals, Broker: broker, Clock: clock, Keys: cfg.Keys}, nil
}

// policyConfig is contoso's sharing configuration.
func policyConfig() sharing.Config {
	rel := func(name, domain string, level fedavail.AccessLevel, scope string) sharing.OrganizationRelationship {
		return sharing.OrganizationRelationship{
			Name: name, DomainNames: []string{domain}, Enabled: true,
			FreeBusyAccessEnabled: true, FreeBusyAccessLevel: level, FreeBusyAccessScope: scope,
			TargetApplicationURI: "FYDIBOHF25SPDLT." + domain,
		}
	}
	return sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{
			rel("Fabrikam", AvailabilityPartner, fedavail.AccessAvailabilityOnly, ""),
			rel("Tailspin", DetailsPartner, fedavail.AccessLimitedDetails, ScopeGroup),
		},
		Mailboxes: []sharing.Mailbox{
			{Address: Alice, CalendarPermission: sharing.PermissionLimitedDetails},
			{Address: Carol, CalendarPermission: sharing.PermissionLimitedDetails},
		},
		Groups: []sharing.Group{{Name: ScopeGroup, Members: []string{Alice, Bob}}},
	}
}

// Item is one calendar item's unique strings.
type Item struct{ Subject, Location, ID string }

// Items returns the strings of mailbox's three items: the meeting, the
// private appointment and the tentative one.
func Items(mailbox string) [3]Item {
	user := mailbox[:strings.IndexByte(mailbox, '@')]
	var out [3]Item
	for i, kind := range []string{"meeting", "private", "tentative"} {
		out[i] = Item{
			Subject:  fmt.Sprintf("Subject-%s-%s", user, kind),
			Location: fmt.Sprintf("Location-%s-%s", user, kind),
			ID:       fmt.Sprintf("ItemID-%s-%s", user, kind),
		}
	}
	return out
}

// Secrets returns every subject, location and item ID of every mailbox.
func Secrets() []string {
	var out []string
	for _, mb := range Mailboxes {
		for _, it := range Items(mb) {
			out = append(out, it.Subject, it.Location, it.ID)
		}
	}
	return out
}

// Calendars returns the mailboxes' calendars.
func Calendars() *calendar.Memory {
	m := &calendar.Memory{}
	at := func(h int) time.Time { return Day.Add(time.Duration(h) * time.Hour) }
	for _, mb := range Mailboxes {
		it := Items(mb)
		m.SetWorkingHours(mb, calendar.DefaultWorkingHours(time.UTC))
		m.Add(mb,
			calendar.Event{Start: at(9), End: at(10), BusyType: calendar.Busy, Subject: it[0].Subject, Location: it[0].Location, ID: it[0].ID, IsMeeting: true},
			calendar.Event{Start: at(11), End: at(12), BusyType: calendar.OOF, Subject: it[1].Subject, Location: it[1].Location, ID: it[1].ID, IsPrivate: true},
			calendar.Event{Start: at(14), End: at(15), BusyType: calendar.Tentative, Subject: it[2].Subject, Location: it[2].Location, ID: it[2].ID},
		)
	}
	return m
}
