package broker

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
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
	// Store persists registrations. Required.
	Store Store
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

	mu    sync.Mutex // serializes registration changes
	index atomic.Pointer[orgIndex]

	replay replayCache
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
	orgs, err := cfg.Store.Load(ctx)
	if err != nil {
		return nil, err
	}
	ix, err := buildIndex(orgs)
	if err != nil {
		return nil, err
	}
	b.index.Store(ix)
	return b, nil
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

// change applies edit to the registration of applicationURI (nil if none;
// edit returns nil to delete), checks the result against the others,
// persists it and only then makes it visible.
func (b *Broker) change(ctx context.Context, applicationURI string, edit func(old *Organization) (*Organization, error)) (*Organization, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ix := b.index.Load()
	orgs := slices.Clone(ix.orgs)
	at := slices.IndexFunc(orgs, func(o Organization) bool { return o.ApplicationURI == applicationURI })
	var old *Organization
	if at >= 0 {
		c := orgs[at].clone()
		old = &c
	}
	updated, err := edit(old)
	if err != nil {
		return nil, err
	}
	switch {
	case updated == nil && at >= 0:
		orgs = slices.Delete(orgs, at, at+1)
	case at >= 0:
		orgs[at] = *updated
	default:
		orgs = append(orgs, *updated)
	}
	if updated != nil {
		for _, o := range orgs {
			if o.ApplicationURI == updated.ApplicationURI {
				continue
			}
			for _, d := range updated.Domains {
				if o.hasDomain(d) {
					return nil, fmt.Errorf("%w: %s", ErrDomainTaken, d)
				}
			}
		}
	}
	next, err := buildIndex(orgs)
	if err != nil {
		return nil, err
	}
	if err := b.cfg.Store.Save(ctx, orgs); err != nil {
		return nil, err
	}
	b.index.Store(next)
	b.log.InfoContext(ctx, "broker: registration changed", "application_uri", applicationURI, "removed", updated == nil)
	if updated == nil {
		return nil, nil
	}
	c := updated.clone()
	return &c, nil
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
