package autodiscover

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail/transport"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// DefaultServerVersion is the RequestedServerVersion sent when
// Client.RequestedServerVersion is empty: the oldest version that has SOAP
// Autodiscover, which every server accepts. It is an Autodiscover version,
// distinct from the EWS schema versions.
const DefaultServerVersion = "Exchange2010"

// Resolver looks up SRV records; *net.Resolver implements it.
type Resolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error)
}

// Credentials are a user name and password sent with HTTP Basic
// authentication, over https only, and only to the hosts the look-up
// started at (the domain, autodiscover.DOMAIN or Client.Endpoint's host).
type Credentials struct {
	Username string
	Password string
}

// Client asks Autodiscover services. Its zero value is ready to use: it
// discovers endpoints anonymously through a fresh HTTP client that honours
// the proxy environment variables. Set the fields before the first call and
// do not change or copy the Client afterwards; it is safe for concurrent use.
type Client struct {
	// HTTPClient sends all requests. Nil means a client of its own with
	// http.ProxyFromEnvironment, TLS 1.2 or later and timeouts (never
	// http.DefaultClient). Its redirect policy is not used: the Client
	// follows redirects itself, through RedirectPolicy.
	HTTPClient *http.Client
	// Resolver looks up the _autodiscover._tcp SRV record. Nil means
	// net.DefaultResolver.
	Resolver Resolver
	// Endpoint, if set, is the Autodiscover endpoint to use instead of
	// discovery: an organization relationship's TargetAutodiscoverEpr such as
	// "https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity".
	// A /WSSecurity suffix is dropped for anonymous calls and added for
	// token-authenticated ones.
	Endpoint string
	// TokenSource, if set, makes GetUserSettings and GetDomainSettings
	// token-authenticated: they go to the endpoint's /WSSecurity variant with a
	// delegation token for the MSExchange.Autodiscover offer in wsse:Security.
	TokenSource fedavail.TokenSource
	// Requester is the SMTP address tokens are requested on behalf of.
	Requester string
	// Audience is the partner's application URI for tokens. Empty means the
	// ApplicationUri of the partner's federation information (fetched and cached).
	Audience string
	// AudienceFor, if set, lets a token-authenticated look-up follow a
	// RedirectAddress into another organization (a mailbox of a domain that
	// is neither the one the look-up started at nor, when the client fetched
	// the partner's federation information, one of its federated domains):
	// it returns the application URI of domain's organization, for which the
	// client then asks TokenSource for a token, or an error to refuse. Nil
	// refuses such redirects with an *OrganizationError: a token is minted
	// for one organization, and whether to talk to another one (is there an
	// organization relationship with it?) is the caller's decision.
	// RedirectUrl answers and HTTP redirects keep the mailbox, hence its
	// organization and token.
	AudienceFor func(ctx context.Context, domain string) (string, error)
	// Credentials, if set and TokenSource is not, authenticate settings and
	// POX requests with HTTP Basic.
	Credentials *Credentials
	// RedirectPolicy vets redirects to another host. Nil means
	// DefaultRedirectPolicy (https only).
	RedirectPolicy RedirectPolicy
	// MaxRedirects lowers how many redirects one look-up follows (HTTP,
	// RedirectUrl and RedirectAddress together). Zero means MaxHops;
	// Exchange's cross-forest look-ups follow 3.
	MaxRedirects int
	// RequestedServerVersion is sent in the RequestedServerVersion header.
	// Empty means DefaultServerVersion.
	RequestedServerVersion string
	// CacheTTL is how long answers and discovered endpoints are kept. Zero
	// means DefaultCacheTTL; negative disables caching (concurrent identical
	// look-ups still make one request).
	CacheTTL time.Duration
	// MaxResponseBytes bounds every answer. Zero means 16 MiB.
	MaxResponseBytes int64
	// UserAgent is sent with every request when not empty.
	UserAgent string
	// Logger receives debug lines about discovery steps (URLs, never
	// credentials or tokens). Nil discards.
	Logger *slog.Logger
	// Now is the clock for cache expiry. Nil means time.Now.
	Now func() time.Time

	once      sync.Once
	httpc     *http.Client
	caller    soap.Caller
	log       *slog.Logger
	endpoints *cache[string]
	fedinfo   *cache[*FederationInformation]
	users     *cache[UserResponse]
	domains   *cache[DomainResponse]
	pox       *cache[*POXSettings]
	batches   *cache[[]UserResponse]
	dbatches  *cache[[]DomainResponse]
}

func (c *Client) init() {
	c.once.Do(func() {
		c.httpc = c.HTTPClient
		if c.httpc == nil {
			c.httpc = newDefaultHTTPClient()
		}
		c.log = c.Logger
		if c.log == nil {
			c.log = slog.New(slog.DiscardHandler)
		}
		now := c.Now
		if now == nil {
			now = time.Now
		}
		ttl := c.CacheTTL
		if ttl == 0 {
			ttl = DefaultCacheTTL
		}
		c.caller = soap.Caller{HTTPClient: c.httpc, Limits: c.limits(), UserAgent: c.UserAgent, Logger: c.Logger}
		c.endpoints = newCache[string](ttl, now)
		c.fedinfo = newCache[*FederationInformation](ttl, now)
		c.users = newCache[UserResponse](ttl, now)
		c.domains = newCache[DomainResponse](ttl, now)
		c.pox = newCache[*POXSettings](ttl, now)
		c.batches = newCache[[]UserResponse](0, now)
		c.dbatches = newCache[[]DomainResponse](0, now)
	})
}

func (c *Client) limits() xmlguard.Limits { return xmlguard.Limits{MaxBytes: c.MaxResponseBytes} }

// newDefaultHTTPClient builds the client used when none is configured: the
// one package transport builds for every fedavail client (fresh, never
// http.DefaultTransport; proxy from the environment; TLS 1.2 or later;
// timeouts), so Autodiscover behaves like the rest of fedavail.
// A configuration it cannot use (a malformed HTTPS_PROXY, say) fails every
// request with the reason rather than silently going without the proxy.
func newDefaultHTTPClient() *http.Client {
	c, err := transport.New(transport.Config{})
	if err != nil {
		return &http.Client{Transport: failingTransport{fmt.Errorf("autodiscover: default HTTP client: %w", err)}}
	}
	return c
}

// failingTransport answers every request with the error that prevented
// building the real transport.
type failingTransport struct{ err error }

func (t failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, t.err }

func (c *Client) resolver() Resolver {
	if c.Resolver != nil {
		return c.Resolver
	}
	return net.DefaultResolver
}

func (c *Client) serverVersion() string {
	if c.RequestedServerVersion != "" {
		return c.RequestedServerVersion
	}
	return DefaultServerVersion
}

// auth is how one look-up authenticates.
type auth struct {
	// token is the delegation token's xenc:EncryptedData, or nil.
	token []byte
	// audience is the token's audience; domains are the domains known to
	// belong to that organization.
	audience string
	domains  map[string]bool
	// creds are sent to trusted hosts only.
	creds   *Credentials
	trusted map[string]bool
}

var anonymous = &auth{}

// header returns the Authorization header for a request to u, if any.
func (a *auth) header(u string) http.Header {
	if a.creds == nil || a.token != nil {
		return nil
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "https" || !a.trusted[strings.ToLower(pu.Hostname())] {
		return nil
	}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.creds.Username+":"+a.creds.Password)))
	return h
}

// authFor prepares the authentication of a settings look-up for domain.
func (c *Client) authFor(ctx context.Context, domain string) (*auth, error) {
	a := &auth{creds: c.Credentials, trusted: map[string]bool{domain: true, "autodiscover." + domain: true}}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err == nil {
			a.trusted[strings.ToLower(u.Hostname())] = true
		}
	}
	if c.TokenSource == nil {
		return a, nil
	}
	aud, domains := c.Audience, []string{domain}
	if aud == "" {
		fi, err := c.GetFederationInformation(ctx, domain)
		if err != nil {
			return nil, err
		}
		aud, domains = fi.ApplicationURI, append(domains, fi.Domains...)
	}
	return c.withToken(ctx, a, aud, domains)
}

// withToken returns a copy of a with a token for audience, whose
// organization has domains.
func (c *Client) withToken(ctx context.Context, a *auth, audience string, domains []string) (*auth, error) {
	tok, err := c.TokenSource.Token(ctx, fedavail.TokenRequest{Requester: c.Requester, Audience: audience, Offer: fedavail.OfferAutodiscover})
	if err != nil {
		return nil, err
	}
	if tok == nil || len(tok.EncryptedData) == 0 {
		return nil, errors.New("autodiscover: token source returned no token")
	}
	out := *a
	out.token, out.audience, out.domains = tok.EncryptedData, audience, map[string]bool{}
	for _, d := range domains {
		out.domains[strings.ToLower(strings.TrimSpace(d))] = true
	}
	return &out, nil
}

// authAcross returns the authentication for following mailbox's
// RedirectAddress to target in domain: a itself while domain belongs to the
// organization a's token is for, else a token for domain's organization if
// Client.AudienceFor names it.
func (c *Client) authAcross(ctx context.Context, a *auth, mailbox, target, domain string) (*auth, error) {
	if a.token == nil || a.domains[domain] {
		return a, nil
	}
	oe := &OrganizationError{Mailbox: mailbox, Target: target, Audience: a.audience}
	if c.AudienceFor == nil {
		return nil, oe
	}
	aud, err := c.AudienceFor(ctx, domain)
	if err != nil {
		oe.Err = err
		return nil, oe
	}
	return c.withToken(ctx, a, aud, []string{domain})
}

// post sends one SOAP operation to endpoint (a …/autodiscover.svc URL) and
// follows HTTP redirects. It returns the endpoint that answered.
func (c *Client) post(ctx context.Context, h *hops, a *auth, endpoint, op string, body, resp any) (string, error) {
	h.visit(wireURL(endpoint, a.token != nil))
	for {
		target := wireURL(endpoint, a.token != nil)
		headers := append([]any{requestedServerVersion{Version: c.serverVersion()}},
			soap.Addressing(actionPrefix+op, target, "")...)
		if a.token != nil {
			headers = append(headers, soap.Security(soap.V11, a.token))
		}
		c.log.DebugContext(ctx, "autodiscover: post", "op", op, "url", redact(target))
		_, err := c.caller.Do(ctx, &soap.Call{
			URL:          target,
			Action:       actionPrefix + op,
			Envelope:     &soap.Envelope{Version: soap.V11, Headers: headers, Body: body},
			Header:       a.header(target),
			Response:     resp,
			ResponseName: xml.Name{Space: ns.Autodiscover, Local: op + "ResponseMessage"},
		})
		next, ok := redirectLocation(target, err)
		if !ok {
			return endpoint, err
		}
		if err := h.follow(target, next); err != nil {
			return endpoint, err
		}
		endpoint = baseEndpoint(next)
	}
}

// redirectLocation returns the absolute Location of a redirect answer.
func redirectLocation(from string, err error) (string, bool) {
	var he *fedavail.HTTPError
	if !errors.As(err, &he) {
		return "", false
	}
	switch he.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return "", false
	}
	loc := he.Header.Get("Location")
	if loc == "" {
		return "", false
	}
	base, err := url.Parse(from)
	if err != nil {
		return "", false
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return "", false
	}
	return base.ResolveReference(ref).String(), true
}

// baseEndpoint drops a WS-Security suffix: "…/autodiscover.svc/WSSecurity"
// → "…/autodiscover.svc".
func baseEndpoint(u string) string {
	const svc = "/autodiscover.svc"
	if i := strings.Index(strings.ToLower(u), svc); i >= 0 {
		return u[:i+len(svc)]
	}
	return u
}

// wireURL is the URL a call goes to: the /WSSecurity variant with a token.
func wireURL(base string, token bool) string {
	if token {
		return base + "/WSSecurity"
	}
	return base
}

// normalizeDomain lower-cases a domain and checks it is a plausible DNS name.
func normalizeDomain(d string) (string, error) {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if d == "" || strings.ContainsAny(d, "/@:?# \t") || strings.HasPrefix(d, ".") || strings.Contains(d, "..") {
		return "", &InputError{What: "domain", Value: d}
	}
	return d, nil
}

// mailboxDomain returns the normalized domain of an SMTP address.
func mailboxDomain(m string) (string, error) {
	d := fedavail.AddressDomain(m)
	if d == "" || strings.LastIndexByte(m, '@') == 0 {
		return "", &InputError{What: "mailbox", Value: m}
	}
	return normalizeDomain(d)
}

// InputError is returned for a domain or mailbox that cannot be looked up.
type InputError struct {
	// What is "domain", "mailbox" or "settings".
	What string
	// Value is the rejected value.
	Value string
}

func (e *InputError) Error() string {
	return "autodiscover: invalid " + e.What + " " + `"` + e.Value + `"`
}
