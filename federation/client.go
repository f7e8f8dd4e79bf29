package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/internal/required"
	"github.com/fedavail/fedavail/sharing"
	"github.com/fedavail/fedavail/transport"
)

// Relationships supplies the organization relationships the requesting side
// asks partners through. *sharing.LivePolicy and *sharing.Policy implement it.
type Relationships interface {
	// RelationshipFor returns the relationship to use for domain, or an
	// error matching sharing.ErrNoRelationship.
	RelationshipFor(domain string) (sharing.OrganizationRelationship, error)
}

// Config configures [NewClient]. ApplicationURI, Keys, Broker and one of
// Relationships or Sharing are required; every other field has a useful zero
// value.
type Config struct {
	// ApplicationURI is this organization's application URI, as registered
	// with the trust broker, e.g. "FYDIBOHF25SPDLT.contoso.com".
	ApplicationURI string
	// Keys holds the organization certificate that signs token requests.
	Keys *keyring.Ring
	// Identity names users in token requests; nil means wstrust.UPN.
	// wstrust.ImmutableIDs(ApplicationURI, source) is on-premises Exchange's
	// form.
	Identity wstrust.IdentityFunc
	// Domains are the organization's federated domains. When set, a
	// query's From must be in one of them (the broker refuses others anyway;
	// checking first gives a clearer error).
	Domains []string

	// Broker is the trust broker delegation tokens come from.
	Broker TrustBroker

	// Relationships are the organization relationships. Nil means Sharing.
	Relationships Relationships
	// Sharing is used, validated by sharing.New, when Relationships is nil.
	Sharing sharing.Config

	// HTTPClient sends every request: Autodiscover, trust broker and EWS.
	// Nil means a client built by transport.New from Transport.
	HTTPClient *http.Client
	// Transport configures the HTTP client built when HTTPClient is nil:
	// proxy (ProxyURL, a WinHTTP ProxyBypass list, SOCKS5), root
	// certificates, client certificates for partners that require one.
	// Its zero value uses the proxy environment and TLS 1.2 or later.
	Transport transport.Config
	// LegacyTLSPartners are partner domains whose servers still speak only
	// TLS 1.0 or 1.1: the domain and every host name under it are added to
	// Transport.LegacyTLSHosts, so those hosts, and no others, may use the
	// old versions, and the first handshake with each logs a warning.
	// Partners whose servers live under another domain need their hosts
	// listed in Transport.LegacyTLSHosts instead. It cannot be combined
	// with HTTPClient.
	LegacyTLSPartners []string
	// Resolver looks up _autodiscover._tcp SRV records during discovery.
	// Nil means net.DefaultResolver.
	Resolver autodiscover.Resolver
	// Logger gets one line per step (relationship, discovery, token, ask),
	// at debug level; never tokens or calendar content. Nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// EndpointTTL is how long discovered partner endpoints (federation
	// information and mailboxes' EWS URLs) are kept. Zero means
	// autodiscover.DefaultCacheTTL (one hour); negative keeps nothing.
	EndpointTTL time.Duration
	// Disabled is the organization identifier turned off
	// (Set-FederatedOrganizationIdentifier -Enabled $false): no delegation
	// token is requested, and every attendee in a partner organization gets
	// an *AttendeeError at StepToken matching ErrFederationDisabled.
	Disabled bool
	// MaxParallel caps how many partner organizations one query asks at
	// once. Zero means 64, so that a query costs about as long as its
	// slowest partner.
	MaxParallel int
	// PartnerTimeout bounds the work for one partner organization in a
	// query (discovery, token and EWS together); its attendees then get an
	// *AttendeeError wrapping context.DeadlineExceeded while the others are
	// answered. Zero means 25 seconds, Exchange's own default for
	// availability requests; negative means only the query's context bounds
	// it.
	PartnerTimeout time.Duration
	// EWSVersion, if set, is the EWS schema version requested from every
	// partner whose relationship sets no TargetEwsVersion. Zero chooses per
	// partner as Exchange does: Exchange2012 (Exchange 2013's schema, with
	// WorkingElsewhere) when its Autodiscover ExternalEwsVersion is 15 or
	// more, else Exchange2009 (the old schema every Exchange since 2010
	// accepts), also when the version is unknown.
	EWSVersion ews.Version
	// UserAgent, when set, is sent with every request (but those of
	// AddressSpaces, which send Exchange's cross-forest user agents).
	UserAgent string

	// AddressSpaces are availability address spaces: forests asked with a
	// service account where no organization relationship can be used.
	AddressSpaces []AddressSpace
}

// Client is the requesting side of federation in one value: it answers
// "when are these people free" for attendees in partner organizations. Create
// it with [NewClient]; it is safe for concurrent use.
type Client struct {
	cfg       Config
	hc        *http.Client
	log       *slog.Logger
	now       func() time.Time
	rels      Relationships
	broker    *brokerInfo
	tokens    *TokenCache
	fedinfo   *autodiscover.Client // anonymous, caches per domain
	endpoints *ttlCache[string, ewsEndpoint]
	// addressSpaces are Config.AddressSpaces by lower-case domain.
	addressSpaces map[string]*addressSpace
}

// NewClient checks cfg and returns a client. It does no I/O: the broker's
// metadata and partners' endpoints are fetched on first use.
func NewClient(cfg Config) (*Client, error) {
	req := required.For("federation: Config")
	req.Need(strings.TrimSpace(cfg.ApplicationURI) != "", "ApplicationURI")
	req.Need(cfg.Keys != nil, "Keys")
	c := &Client{cfg: cfg, log: cfg.Logger, now: cfg.Now, rels: cfg.Relationships, hc: cfg.HTTPClient}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rels == nil {
		p, err := sharing.New(cfg.Sharing, &sharing.Options{Logger: cfg.Logger})
		if err != nil {
			req.Add(err)
		}
		c.rels = p
	}
	if c.hc != nil && len(cfg.LegacyTLSPartners) > 0 {
		req.Add(errors.New("federation: Config.LegacyTLSPartners needs the HTTP client built from Config.Transport; with Config.HTTPClient, configure its transport"))
	}
	if c.hc == nil {
		tc := cfg.Transport
		if tc.Logger == nil {
			tc.Logger = cfg.Logger
		}
		legacy, err := legacyTLSHosts(cfg.LegacyTLSPartners)
		if err != nil {
			req.Add(err)
		}
		tc.LegacyTLSHosts = append(slices.Clip(tc.LegacyTLSHosts), legacy...)
		hc, err := transport.New(tc)
		if err != nil {
			req.Add(err)
		}
		c.hc = hc
	}
	var err error
	if c.addressSpaces, err = c.newAddressSpaces(cfg.AddressSpaces); err != nil {
		req.Add(err)
	}
	if err := req.Err(); err != nil {
		return nil, err
	}
	if c.broker, err = newBrokerInfo(cfg.Broker, c.hc, c.now, c.log); err != nil {
		return nil, err
	}
	c.tokens = NewTokenCache(&brokerSource{c: c}, CacheOptions{Now: c.now, Logger: c.log})
	ttl := cfg.EndpointTTL
	if ttl == 0 {
		ttl = autodiscover.DefaultCacheTTL
	}
	c.fedinfo = c.autodiscoverClient("", nil, "", "")
	// A negative ttl makes every entry expired on arrival: nothing is kept,
	// as for the federation information.
	c.endpoints = newTTLCache[string, ewsEndpoint](ttl, c.now)
	return c, nil
}

// TokenSource returns the client's delegation token source: WS-Trust requests
// to the trust broker, signed with the organization certificate, with tokens
// cached per [fedavail.TokenRequest] while partners still accept them.
func (c *Client) TokenSource() fedavail.TokenSource { return c.tokens }

// BrokerStatus reports the state of the broker's metadata, which the client
// fetches in the background once it has a copy (see [Handler.Run]).
func (c *Client) BrokerStatus() BrokerStatus { return c.broker.status() }

// FederationInformation asks domain's Autodiscover service, anonymously, for
// its federation information, as Exchange's Get-FederationInformation does:
// the partner's application URI (an organization relationship's
// TargetApplicationUri), its other federated domains and the trust brokers it
// accepts. Answers are cached for Config.EndpointTTL.
func (c *Client) FederationInformation(ctx context.Context, domain string) (*autodiscover.FederationInformation, error) {
	return c.fedinfo.GetFederationInformation(ctx, domain)
}

// autodiscoverClient returns an Autodiscover client sharing the Client's
// plumbing; with tokens it authenticates settings requests as requester.
func (c *Client) autodiscoverClient(endpoint string, tokens fedavail.TokenSource, requester, audience string) *autodiscover.Client {
	ttl := c.cfg.EndpointTTL
	if tokens != nil {
		// Per-call clients: the Client caches what they find itself.
		ttl = -1
	}
	ac := &autodiscover.Client{
		HTTPClient:  c.hc,
		Resolver:    c.cfg.Resolver,
		Endpoint:    endpoint,
		TokenSource: tokens,
		Requester:   requester,
		Audience:    audience,
		CacheTTL:    ttl,
		UserAgent:   c.cfg.UserAgent,
		Logger:      c.log,
		Now:         c.now,
	}
	if tokens != nil {
		ac.AudienceFor = c.audienceFor
	}
	return ac
}

// audienceFor lets an Autodiscover RedirectAddress lead into another
// organization only where Exchange would talk to it: there must be an
// organization relationship for the domain, and the token is minted for its
// TargetApplicationUri (or, when the relationship names only domains, the
// application URI its federation information publishes).
func (c *Client) audienceFor(ctx context.Context, domain string) (string, error) {
	rel, err := c.rels.RelationshipFor(domain)
	if err != nil {
		return "", err
	}
	if rel.TargetApplicationURI != "" {
		return rel.TargetApplicationURI, nil
	}
	fi, err := c.FederationInformation(ctx, domain)
	if err != nil {
		return "", err
	}
	return fi.ApplicationURI, nil
}

// brokerSource is the uncached token source: it resolves the broker from its
// metadata, then asks it over WS-Trust.
type brokerSource struct {
	c *Client
}

func (s *brokerSource) Token(ctx context.Context, req fedavail.TokenRequest) (*fedavail.Token, error) {
	c := s.c
	md, err := c.broker.get(ctx)
	if err != nil {
		return nil, err
	}
	if md.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: no token endpoint", ErrBrokerUnavailable)
	}
	wc := &wstrust.Client{
		HTTPClient:     c.hc,
		Endpoint:       md.TokenEndpoint,
		IssuerURI:      md.IssuerURI,
		ApplicationURI: c.cfg.ApplicationURI,
		Keys:           c.cfg.Keys,
		Identity:       c.cfg.Identity,
		Now:            c.now,
		Logger:         c.log,
	}
	tok, err := wc.Token(ctx, req)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "federation: delegation token issued", "broker", md.IssuerURI, "audience", req.Audience, "offer", req.Offer, "requester", req.Requester, "expires", tok.Expires)
	return tok, nil
}
