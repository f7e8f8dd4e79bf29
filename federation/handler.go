package federation

import (
	"context"
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
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/internal/required"
	"github.com/fedavail/fedavail/transport"
)

// HandlerConfig configures [NewHandler]. ApplicationURI, Keys, Domains,
// Broker, Policy, Calendars and EWSURL (unless Directory is set) are
// required; every other field has a useful zero value.
type HandlerConfig struct {
	// ApplicationURI is this organization's application URI, e.g.
	// "FYDIBOHF25SPDLT.fabrikam.com": tokens must be addressed to it.
	ApplicationURI string
	// Keys holds the organization certificates tokens are encrypted to.
	Keys *keyring.Ring
	// Domains are the organization's federated domains, published by
	// GetFederationInformation and answered for by Autodiscover.
	Domains []string
	// AcceptedDomains are the organization's other domains (Exchange's
	// accepted domains that are not federated). Partners may address their
	// mailboxes, and GetFederationInformation for one of them answers with
	// Domains, as Exchange does. Partners never reach mailboxes of any other
	// domain the calendar source holds; internal users see them all.
	AcceptedDomains []string
	// Broker is the trust broker whose tokens are accepted (its
	// certificates, from metadata or given), and which GetFederationInformation
	// names as the token issuer.
	Broker TrustBroker

	// Policy decides how much of a mailbox a requester sees; typically a
	// *sharing.LivePolicy.
	Policy fedavail.AccessPolicy
	// Calendars is where mailboxes' items and working hours come from.
	Calendars calendar.Source
	// EWSURL is the external EWS URL Autodiscover hands out, the URL
	// partners reach the handler's EWS paths at, e.g.
	// "https://mail.fabrikam.com/EWS/Exchange.asmx".
	EWSURL string
	// Directory answers Autodiscover's user and domain settings. Nil means
	// every mailbox of Calendars in Domains has ExternalEwsUrl EWSURL.
	Directory autodiscover.Directory
	// Authenticate identifies internal users on the paths without
	// /WSSecurity (Basic authentication, a session…). Nil refuses them:
	// only partners with delegation tokens are answered.
	Authenticate func(*http.Request) (*fedavail.Requester, error)
	// ServiceAccounts are other forests' availability service accounts,
	// checked before Authenticate on the same paths.
	ServiceAccounts []ServiceAccount

	// HTTPClient fetches the broker's metadata. Nil means a client built by
	// transport.New from Transport.
	HTTPClient *http.Client
	// Transport configures the client built when HTTPClient is nil.
	Transport transport.Config
	// Logger gets the handlers' lines (never tokens or calendar content).
	// Nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Observe, if set, instruments the handler for metrics and traces
	// (packages metrics and tracing); nil observes nothing.
	Observe Observer

	// EWS limits, passed to the ews.Handler (see ews.HandlerConfig).

	// MaxEWSBodyBytes caps an EWS request's size (HTTP 413 beyond); 0
	// means ews.DefaultMaxBodyBytes, Exchange's 400 KB.
	MaxEWSBodyBytes int64
	// MaxMailboxes caps the mailboxes of one GetUserAvailability request;
	// 0 means ews.DefaultMaxMailboxes (100).
	MaxMailboxes int
	// MaxWindow caps the free/busy and suggestions windows, in whole days;
	// 0 means ews.DefaultMaxWindow (62 days).
	MaxWindow time.Duration
	// MaxAnswerBytes caps an availability answer's size (past it,
	// ErrorResultSetTooBig); 0 means ews.DefaultMaxAnswerBytes.
	MaxAnswerBytes int
	// Limiter throttles EWS requests per organization (partners by their
	// domain, internal users by the organization's); an ews.CostLimiter
	// such as ews.NewPartnerLimiter's is charged by the work of each
	// request. Nil serves every request.
	Limiter ews.Limiter
}

// Handler answers partners on Exchange's usual paths, compared without
// regard to case as IIS does:
//
//   - /autodiscover/autodiscover.svc and /autodiscover/autodiscover.svc/WSSecurity:
//     SOAP Autodiscover (GetFederationInformation anonymously, user and
//     domain settings with a delegation token);
//   - /autodiscover/autodiscover.xml: the capability probe and POX;
//   - /EWS/Exchange.asmx and /EWS/Exchange.asmx/WSSecurity: GetUserAvailability
//     and GetServerTimeZones.
//
// It composes an autodiscover.Handler and an ews.Handler around one
// token.Validator; create it with [NewHandler]. The broker's metadata, when
// configured by URL, is fetched in the background ([Handler.Run], or started
// by a request when a fetch is due) and never on a request's path: requests
// use the last good copy, so a slow or hung broker delays no request. A
// token signed by a certificate the copy does not name (a broker key
// rollover) triggers one rate-limited fetch before it is refused.
type Handler struct {
	cfg       HandlerConfig
	log       *slog.Logger
	broker    *brokerInfo
	validator *token.Validator
	tokens    fedavail.TokenValidator // validator with the unknown-signer refetch, as Observe wrapped it
	serve     http.Handler            // route, as Observe wrapped it
	ews       http.Handler
	dir       autodiscover.Directory
	scope     partnerScope
	ad        atomic.Pointer[adVersion]
}

// adVersion is the Autodiscover handler built for one version of the
// broker's metadata, whose issuer it names in GetFederationInformation.
type adVersion struct {
	md *metadata.Metadata
	h  *autodiscover.Handler
}

// ExternalEWSVersion is the ExternalEwsVersion the default directory
// publishes, in Exchange's format: Exchange 2016 CU23, the build ews.Handler
// and autodiscover.Handler announce by default (15.1.2507.6).
const ExternalEWSVersion = "15.01.2507.006"

// NewHandler checks cfg and returns the handler. It does no I/O.
func NewHandler(cfg HandlerConfig) (*Handler, error) {
	req := required.For("federation: HandlerConfig")
	req.Need(strings.TrimSpace(cfg.ApplicationURI) != "", "ApplicationURI")
	req.Need(cfg.Keys != nil, "Keys")
	req.Need(len(cfg.Domains) > 0, "Domains")
	req.Need(cfg.Policy != nil, "Policy")
	req.Need(cfg.Calendars != nil, "Calendars")
	req.Need(cfg.EWSURL != "" || cfg.Directory != nil, "EWSURL")
	if err := req.Err(); err != nil {
		return nil, err
	}
	accounts, err := newServiceAccounts(cfg.ServiceAccounts)
	if err != nil {
		return nil, err
	}
	cfg.Authenticate = accounts.authenticator(cfg.Authenticate)
	cfg.Policy = crossForestPolicy{accounts: accounts, next: cfg.Policy}
	h := &Handler{cfg: cfg, log: cfg.Logger, dir: cfg.Directory}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tc := cfg.Transport
		if tc.Logger == nil {
			tc.Logger = cfg.Logger
		}
		var err error
		if hc, err = transport.New(tc); err != nil {
			return nil, err
		}
	}
	if h.broker, err = newBrokerInfo(cfg.Broker, hc, now, h.log); err != nil {
		return nil, err
	}
	if h.validator, err = token.NewValidator(token.ValidatorConfig{ApplicationURI: cfg.ApplicationURI, Keys: cfg.Keys, Trust: h.broker, Now: now}); err != nil {
		return nil, err
	}
	h.tokens, h.serve = refetchingValidator{v: h.validator, b: h.broker}, http.HandlerFunc(h.route)
	if o := cfg.Observe; o != nil {
		h.tokens, h.serve = o.Validator(h.tokens), o.Handler(h.serve)
		cfg.Policy, cfg.Calendars = o.Policy(cfg.Policy), o.Calendars(cfg.Calendars)
		h.cfg = cfg
	}
	h.scope = newPartnerScope(cfg.Domains, cfg.AcceptedDomains)
	if h.ews, err = ews.NewHandler(ews.HandlerConfig{
		Calendars:      cfg.Calendars,
		Policy:         scopedPolicy{scope: h.scope, next: cfg.Policy},
		Tokens:         h.tokens,
		Authenticate:   cfg.Authenticate,
		Logger:         cfg.Logger,
		Now:            now,
		MaxBodyBytes:   cfg.MaxEWSBodyBytes,
		MaxMailboxes:   cfg.MaxMailboxes,
		MaxWindow:      cfg.MaxWindow,
		MaxAnswerBytes: cfg.MaxAnswerBytes,
		Limiter:        cfg.Limiter,
	}); err != nil {
		return nil, err
	}
	if h.dir == nil {
		h.dir = &domainDirectory{domains: h.scope, ewsURL: cfg.EWSURL, calendars: cfg.Calendars}
	}
	h.dir = scopedDirectory{scope: h.scope, next: h.dir}
	return h, nil
}

// firstMetadataWait bounds how long an Autodiscover request waits for the
// broker's metadata when the handler has no copy at all yet.
const firstMetadataWait = 5 * time.Second

// ServeHTTP routes /autodiscover/… to Autodiscover and /EWS/… to EWS.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.serve.ServeHTTP(w, r) }

func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	p := strings.ToLower(r.URL.Path)
	isAD, isEWS := strings.HasPrefix(p, "/autodiscover/"), strings.HasPrefix(p, "/ews/")
	if !isAD && !isEWS {
		http.NotFound(w, r)
		return
	}
	// The last good copy of the broker's metadata, never waited for: a
	// request of an internal user needs none, and a token signed by a
	// certificate the copy lacks has the validator fetch it once. Without
	// any copy, the issuer list is empty, which is the truth.
	md := h.broker.current()
	if isEWS {
		h.ews.ServeHTTP(w, r)
		return
	}
	if md == nil {
		// Federation information names the broker: before the first copy
		// (a server just started) wait for it, briefly.
		ctx, cancel := context.WithTimeout(r.Context(), firstMetadataWait)
		md, _ = h.broker.get(ctx)
		cancel()
	}
	h.autodiscover(md).ServeHTTP(w, r)
}

// autodiscover returns the Autodiscover handler for md, building it when
// the metadata changed.
func (h *Handler) autodiscover(md *metadata.Metadata) *autodiscover.Handler {
	if v := h.ad.Load(); v != nil && v.md == md {
		return v.h
	}
	fi := autodiscover.FederationInformation{ApplicationURI: h.cfg.ApplicationURI, Domains: h.cfg.Domains}
	if md != nil {
		fi.TokenIssuers = []autodiscover.TokenIssuer{{URI: md.IssuerURI, Endpoint: md.TokenEndpoint}}
	}
	v := &adVersion{md: md, h: &autodiscover.Handler{
		Federation:      fi,
		AcceptedDomains: h.cfg.AcceptedDomains,
		Directory:       h.dir,
		Validator:       h.tokens,
		Authenticate:    h.cfg.Authenticate,
		Logger:          h.cfg.Logger,
	}}
	h.ad.Store(v)
	return v.h
}

// Validator returns the handler's token validator, for other endpoints of
// the organization that accept delegation tokens.
func (h *Handler) Validator() fedavail.TokenValidator { return h.tokens }

// Run keeps the broker's metadata fresh in the background until ctx ends:
// it fetches when the copy is due for a refresh (the refresh interval less
// up to a tenth, so replicas spread out) and backs off after failures (one
// minute, doubling up to the interval). It returns ctx.Err(). Without Run,
// requests start the same fetches when they are due, never waiting for them.
func (h *Handler) Run(ctx context.Context) error { return h.broker.run(ctx) }

// BrokerStatus reports the state of the broker's metadata.
func (h *Handler) BrokerStatus() BrokerStatus { return h.broker.status() }
