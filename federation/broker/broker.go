package broker

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/internal/required"
)

// Paths the broker serves, relative to where it is mounted.
const (
	TokenPath        = "/extSTS.srf"
	MetadataPath     = "/FederationMetadata/2006-12/FederationMetadata.xml"
	RegistrationPath = "/registration"
)

// Config configures a [Broker].
type Config struct {
	// URI is the broker's issuer URI, written into every token and expected
	// as the audience of on-behalf-of assertions, e.g. "urn:federation:fedavail".
	URI string
	// BaseURL is the broker's public HTTPS URL without a trailing slash;
	// its token endpoint is BaseURL+TokenPath, the wsa:To requests must be
	// signed for.
	BaseURL string
	// Keys holds the broker's token-signing pairs; the current pair signs,
	// current and previous are published in the metadata.
	Keys *keyring.Ring
	// Store persists registrations. Required. Brokers that share one
	// store (replicas) each call [Broker.Run] to see the others' changes.
	Store Store
	// Refresh is how often [Broker.Run] reloads the registrations when the
	// store reports no change; zero means 30 seconds.
	Refresh time.Duration
	// Replay remembers answered token and registration requests so that each
	// signed request is answered once. Nil means a [MemoryReplayCache] of
	// its default size, right for a single broker; replicas share one
	// (package pgstore) so a request answered by one is refused by the others.
	Replay ReplayCache
	// Domains verifies domain ownership at registration. Required.
	Domains DomainVerifier
	// DomainStateDelay is how long a domain reserved through
	// ManageDelegation2 stays PendingActivation, and a released one
	// PendingRelease; zero means the change is complete at once.
	DomainStateDelay time.Duration
	// TokenLifetime is how long issued tokens are valid; zero means the
	// offer's maximum age.
	TokenLifetime time.Duration
	// SignatureHash chooses the digest of the signature on tokens for a
	// relying party, by its application URI. Nil means SHA-256 for every
	// audience. The Microsoft Federation Gateway signs with RSA-SHA1, and an
	// Exchange 2010 server on .NET 3.5 may verify nothing stronger: name such
	// partners with [SHA1For]. SHA-1's known weakness is collisions, which
	// need an attacker to choose part of what is signed; here the broker
	// builds all of it (IDs and times included), so the risk is small — but
	// it is not nothing, so keep SHA-1 to the partners that need it.
	SignatureHash func(audience string) crypto.Hash
	// Limits bound incoming requests.
	Limits fedavail.Limits
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of application identifiers, keys and IDs; nil
	// means crypto/rand.
	Rand io.Reader
	// Logger gets one line per issued or refused token and per registration
	// change; never tokens or keys. Nil discards.
	Logger *slog.Logger
}

// Broker is an embeddable trust broker. It is an http.Handler serving
// [TokenPath], [MetadataPath], [RegistrationPath] and
// [ManageDelegation2Path], and has a Go API for the
// operator. Create it with [New].
type Broker struct {
	cfg    Config
	issuer *token.Issuer
	log    *slog.Logger

	mu    sync.Mutex // orders updates of index
	index atomic.Pointer[orgIndex]

	reloaded atomic.Pointer[reloadState]
}

// reloadState is the outcome of the last reload of the registrations.
type reloadState struct {
	at  time.Time
	err error
}

// New loads the registrations from cfg.Store and returns the broker.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	req := required.For("broker: Config")
	req.Need(cfg.URI != "", "URI")
	req.Need(cfg.BaseURL != "", "BaseURL")
	req.Need(cfg.Keys != nil, "Keys")
	req.Need(cfg.Store != nil, "Store")
	req.Need(cfg.Domains != nil, "Domains")
	if err := req.Err(); err != nil {
		return nil, err
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Replay == nil {
		cfg.Replay = &MemoryReplayCache{Now: cfg.Now}
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 30 * time.Second
	}
	b := &Broker{
		cfg: cfg,
		issuer: &token.Issuer{
			URI: cfg.URI, Keys: cfg.Keys, Lifetime: cfg.TokenLifetime, Now: cfg.Now, Rand: cfg.Rand,
		},
		log: cfg.Logger,
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if err := b.Reload(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// Reload reads every registration from the store and makes them the ones
// the token endpoint uses. [Broker.Run] calls it; a broker sharing its store
// with others may also call it to see their changes at once.
func (b *Broker) Reload(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	orgs, err := b.cfg.Store.List(ctx)
	if err == nil {
		var ix *orgIndex
		if ix, err = buildIndex(orgs); err == nil {
			b.index.Store(ix)
		}
	}
	b.reloaded.Store(&reloadState{at: b.now(), err: err})
	return err
}

// Run keeps the broker's view of the registrations fresh until ctx ends,
// for brokers that share their store: it reloads them soon after the store
// (a [Watcher]) reports a change, and every Config.Refresh in any case. It
// returns ctx.Err(). A failed reload is logged; the broker goes on with the
// registrations it has.
func (b *Broker) Run(ctx context.Context) error {
	kick := make(chan struct{}, 1)
	if w, ok := b.cfg.Store.(Watcher); ok {
		go func() {
			for ctx.Err() == nil {
				err := w.Watch(ctx, func() {
					select {
					case kick <- struct{}{}:
					default:
					}
				})
				if ctx.Err() != nil {
					return
				}
				b.log.WarnContext(ctx, "broker: watching the store failed; polling until it works again", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(b.cfg.Refresh):
				}
			}
		}()
	}
	t := time.NewTicker(b.cfg.Refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-kick:
		case <-t.C:
		}
		if err := b.Reload(ctx); err != nil && ctx.Err() == nil {
			b.log.WarnContext(ctx, "broker: reloading registrations failed", "err", err)
		}
	}
}

// Pinger is implemented by stores that can say whether they are reachable
// without reading registrations; [Broker.Ready] uses it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Ready reports whether the broker can serve: its store is reachable (when
// the store is a [Pinger]) and the registrations are loaded (after a failed
// reload, Ready reloads them). It is what a load balancer's readiness check asks.
func (b *Broker) Ready(ctx context.Context) error {
	if p, ok := b.cfg.Store.(Pinger); ok {
		if err := p.Ping(ctx); err != nil {
			return fmt.Errorf("broker: store unreachable: %w", err)
		}
	}
	if st := b.reloaded.Load(); st != nil && st.err != nil {
		// The store answers again: try now rather than wait for Run.
		if err := b.Reload(ctx); err != nil {
			return fmt.Errorf("broker: reloading the registrations failed: %w", err)
		}
	}
	return nil
}

// ServeHTTP routes to the token, metadata and registration endpoints.
func (b *Broker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case TokenPath:
		b.serveToken(w, r)
	case MetadataPath:
		b.serveMetadata(w, r)
	case RegistrationPath:
		b.serveRegistration(w, r)
	default:
		if strings.EqualFold(r.URL.Path, ManageDelegation2Path) {
			b.serveManageDelegation2(w, r)
			return
		}
		http.NotFound(w, r)
	}
}

func (b *Broker) now() time.Time {
	if b.cfg.Now != nil {
		return b.cfg.Now()
	}
	return time.Now()
}

// Organizations lists the registrations, for the operator.
func (b *Broker) Organizations() []Organization {
	ix := b.index.Load()
	out := make([]Organization, len(ix.orgs))
	for i := range ix.orgs {
		out[i] = ix.orgs[i].clone()
	}
	return out
}

// Register records a new organization after verifying every domain, assigns
// it an application identifier and persists the change.
func (b *Broker) Register(ctx context.Context, reg Registration) (*Organization, error) {
	return b.change(ctx, reg.ApplicationURI, func(old *Organization) (*Organization, error) {
		if old != nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, reg.ApplicationURI)
		}
		appID, err := newAppID(b.cfg.Rand)
		if err != nil {
			return nil, err
		}
		return b.proven(ctx, reg, appID)
	})
}

// Update replaces an organization's domains and certificates; domains not
// registered before are verified again.
func (b *Broker) Update(ctx context.Context, reg Registration) (*Organization, error) {
	return b.change(ctx, reg.ApplicationURI, func(old *Organization) (*Organization, error) {
		if old == nil {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, reg.ApplicationURI)
		}
		return b.proven(ctx, reg, old.AppID)
	})
}

// Remove deletes an organization's registration; tokens for and from it are
// refused from then on.
func (b *Broker) Remove(ctx context.Context, applicationURI string) error {
	_, err := b.change(ctx, applicationURI, func(old *Organization) (*Organization, error) {
		if old == nil {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, applicationURI)
		}
		return nil, nil
	})
	return err
}

// proven validates reg and verifies each of its domains.
func (b *Broker) proven(ctx context.Context, reg Registration, appID string) (*Organization, error) {
	if err := reg.validate(); err != nil {
		return nil, err
	}
	for _, c := range []*x509.Certificate{reg.Current, reg.Next} {
		if err := b.checkOrgCert(c); err != nil {
			return nil, err
		}
	}
	o := &Organization{ApplicationURI: reg.ApplicationURI, AppID: appID, Domains: reg.Domains, Current: reg.Current.Raw}
	if reg.Next != nil {
		o.Next = reg.Next.Raw
	}
	sigs := map[string][][]byte{}
	for d, s := range reg.DomainSignatures {
		d = normalizeDomain(d)
		sigs[d] = append(sigs[d], s...)
	}
	sv, signed := b.cfg.Domains.(SignedDomainVerifier)
	for _, d := range reg.Domains {
		var err error
		if signed {
			err = sv.VerifyDomainSignatures(ctx, d, o, sigs[d])
		} else {
			err = b.cfg.Domains.VerifyDomain(ctx, d, o)
		}
		if err != nil {
			return nil, &DomainError{Domain: d, Err: err}
		}
	}
	return o, nil
}

// checkOrgCert refuses an organization certificate that does not meet the
// federation requirements (keyring.Check) with ErrInvalid; nil passes.
func (b *Broker) checkOrgCert(c *x509.Certificate) error {
	if c == nil {
		return nil
	}
	if _, err := keyring.Check(keyring.Pair{Cert: c}, keyring.UseOrganization, b.now()); err != nil {
		return fmt.Errorf("%w: certificate %s: %v", ErrInvalid, c.Subject, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

// maxStaleRetries bounds how often a change is retried after another writer
// changed the same registration first.
const maxStaleRetries = 8

// change applies edit to the registration of applicationURI as the store has
// it (nil if none; edit returns nil to delete), checks the result against the
// other registrations, writes it with a compare-and-set of its version
// (reading again and retrying when another writer came first) and only then
// makes it visible.
func (b *Broker) change(ctx context.Context, applicationURI string, edit func(old *Organization) (*Organization, error)) (*Organization, error) {
	for attempt := 0; ; attempt++ {
		old, err := b.cfg.Store.Get(ctx, applicationURI)
		if errors.Is(err, ErrNotFound) {
			old, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		var readVersion int64
		if old != nil {
			readVersion = old.Version
		}
		updated, err := edit(old)
		if err != nil {
			return nil, err
		}
		if updated != nil {
			if err := b.fits(updated); err != nil {
				return nil, err
			}
			// The version read, whatever edit did (it may return old itself).
			updated.Version = readVersion
			updated.Version, err = b.cfg.Store.Put(ctx, *updated)
		} else {
			err = b.cfg.Store.Delete(ctx, applicationURI, readVersion)
		}
		if errors.Is(err, ErrStale) && attempt < maxStaleRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		b.apply(ctx, applicationURI, updated)
		b.log.InfoContext(ctx, "broker: registration changed", "application_uri", applicationURI, "removed", updated == nil)
		if updated == nil {
			return nil, nil
		}
		c := updated.clone()
		return &c, nil
	}
}

// fits checks a new or changed registration against the others this broker
// knows: no domain or certificate of another. The store checks domains again
// atomically, against writers this broker has not seen yet.
func (b *Broker) fits(updated *Organization) error {
	orgs := slices.Clone(b.index.Load().orgs)
	orgs = slices.DeleteFunc(orgs, func(o Organization) bool { return o.ApplicationURI == updated.ApplicationURI })
	for _, o := range orgs {
		for _, d := range updated.Domains {
			if o.hasDomain(d) {
				return fmt.Errorf("%w: %s", ErrDomainTaken, d)
			}
		}
	}
	_, err := buildIndex(append(orgs, *updated))
	return err
}

// apply makes a written change visible, unless a reload already brought the
// same or a newer version.
func (b *Broker) apply(ctx context.Context, applicationURI string, updated *Organization) {
	b.mu.Lock()
	defer b.mu.Unlock()
	orgs := slices.Clone(b.index.Load().orgs)
	at := slices.IndexFunc(orgs, func(o Organization) bool { return o.ApplicationURI == applicationURI })
	switch {
	case updated == nil && at >= 0:
		orgs = slices.Delete(orgs, at, at+1)
	case updated == nil:
		return
	case at >= 0 && orgs[at].Version >= updated.Version:
		return
	case at >= 0:
		orgs[at] = updated.clone()
	default:
		orgs = append(orgs, updated.clone())
	}
	ix, err := buildIndex(orgs)
	if err != nil {
		// Another broker's write, not yet reloaded, conflicts; the next
		// reload settles it from the store.
		b.log.WarnContext(ctx, "broker: registrations disagree until the next reload", "err", err)
		return
	}
	b.index.Store(ix)
}

// SHA1For returns a Config.SignatureHash that signs tokens for the given
// application URIs with SHA-1 (compared without regard to case) and for
// every other audience with SHA-256.
func SHA1For(applicationURIs ...string) func(audience string) crypto.Hash {
	set := map[string]bool{}
	for _, u := range applicationURIs {
		set[strings.ToLower(strings.TrimSpace(u))] = true
	}
	return func(audience string) crypto.Hash {
		if set[strings.ToLower(strings.TrimSpace(audience))] {
			return crypto.SHA1
		}
		return crypto.SHA256
	}
}
