package diag

import (
	"crypto/x509"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/sharing"
	"github.com/fedavail/fedavail/transport"
)

// DefaultExpiryWarning is how long before a certificate expires the checks
// start to warn when Checker.ExpiryWarning is zero: thirty days leave time
// for a rollover, which partners notice only when they refresh.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// Checker runs diagnostics for one organization. Set the fields that the
// checks you run need; each check reports a missing field as a failed step
// rather than an error. Do not change the fields while a check runs. A Checker
// keeps no state between checks and is safe for concurrent use.
type Checker struct {
	// ApplicationURI is the organization's application URI, e.g.
	// "FYDIBOHF25SPDLT.contoso.com": the audience of tokens for it.
	ApplicationURI string
	// Domains are the organization's federated domains.
	Domains []string
	// Keys holds the organization certificate and key (current, and
	// during a rollover the next and previous).
	Keys *keyring.Ring
	// MetadataURL is the trust broker's federation metadata document.
	MetadataURL string
	// StoredBroker, if set, is the broker's issuer and signing certificates
	// as the organization's configuration recorded them, compared with what
	// the broker publishes now (as Test-FederationTrust compares the
	// federation trust's certificates with fresh metadata).
	StoredBroker *StoredBroker
	// Sharing holds the organization relationships.
	Sharing *sharing.Policy
	// Requester is the mailbox of this organization on whose behalf test
	// tokens are requested. Empty means "fedcheck@" + Domains[0]; the broker
	// only needs its domain to be one of the organization's.
	Requester string
	// HTTPClient sends every request. Nil means a client from
	// transport.New with its defaults (proxy from the environment, TLS 1.2).
	HTTPClient *http.Client
	// TXTResolver looks up domain proofs. Nil means the system resolver.
	TXTResolver dnsproof.Resolver
	// SRVResolver looks up _autodiscover._tcp records. Nil means the
	// system resolver.
	SRVResolver autodiscover.Resolver
	// RedirectPolicy vets Autodiscover redirects to other hosts. Nil means
	// autodiscover.DefaultRedirectPolicy.
	RedirectPolicy autodiscover.RedirectPolicy
	// Availability asks a partner's EWS for free/busy in
	// TestOrganizationRelationship. Nil means an ews.Client sending one small
	// GetUserAvailability request through HTTPClient.
	Availability AvailabilityProbe
	// ExpiryWarning is how long before expiry a certificate is reported
	// as a warning. Zero means DefaultExpiryWarning.
	ExpiryWarning time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives debug lines from the clients the checks use (never
	// keys or tokens). Nil discards.
	Logger *slog.Logger
}

// StoredBroker is a trust broker as an organization's configuration recorded
// it.
type StoredBroker struct {
	// IssuerURI is the broker's issuer URI.
	IssuerURI string
	// Certs are its token-signing certificates, current first.
	Certs []*x509.Certificate
	// Thumbprints identify stored certificates by thumbprint (upper-case
	// hex SHA-1, as Get-FederationTrust shows them) when only those were
	// kept.
	Thumbprints []string
}

// has reports whether the stored broker includes cert.
func (b *StoredBroker) has(cert *x509.Certificate) bool {
	for _, c := range b.Certs {
		if c.Equal(cert) {
			return true
		}
	}
	tp := thumbprint(cert)
	for _, t := range b.Thumbprints {
		if strings.EqualFold(strings.ReplaceAll(t, " ", ""), tp) {
			return true
		}
	}
	return false
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Checker) expiryWarning() time.Duration {
	if c.ExpiryWarning > 0 {
		return c.ExpiryWarning
	}
	return DefaultExpiryWarning
}

func (c *Checker) httpClient() (*http.Client, error) {
	if c.HTTPClient != nil {
		return c.HTTPClient, nil
	}
	return transport.New(transport.Config{})
}

// requester returns the mailbox test tokens are requested for.
func (c *Checker) requester() string {
	if c.Requester != "" {
		return c.Requester
	}
	if len(c.Domains) > 0 {
		return "fedcheck@" + c.Domains[0]
	}
	return ""
}

// autodiscoverClient returns an anonymous Autodiscover client configured like
// the checker. Caching is off: a diagnostic must see the partner as it is now.
func (c *Checker) autodiscoverClient(hc *http.Client) *autodiscover.Client {
	return &autodiscover.Client{
		HTTPClient:     hc,
		Resolver:       c.SRVResolver,
		RedirectPolicy: c.RedirectPolicy,
		CacheTTL:       -1,
		Logger:         c.Logger,
		Now:            c.Now,
	}
}
