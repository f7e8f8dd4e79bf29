package token

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/required"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Defaults of [ValidatorConfig].
const (
	DefaultClockSkew        = 5 * time.Minute
	DefaultCacheSize        = 4096
	DefaultNegativeCacheTTL = 30 * time.Second
	DefaultMaxTokenBytes    = 256 << 10
)

// ValidatorConfig configures a [Validator].
type ValidatorConfig struct {
	// ApplicationURI is this organization's application URI, e.g.
	// "FYDIBOHF25SPDLT.contoso.com". Tokens must be addressed to
	// AudienceURI(ApplicationURI).
	ApplicationURI string
	// Keys holds the organization's certificates and keys; a token encrypted
	// to the current, previous or next certificate decrypts.
	Keys *keyring.Ring
	// Trust names the trusted broker: its issuer URI and signing certificates.
	Trust BrokerTrust
	// ClockSkew is the tolerance applied to the token's NotBefore and
	// NotOnOrAfter, as WCF's MaximumTokenSkew in Exchange. The offer's
	// maximum age is counted without it, as Exchange does. Zero means
	// DefaultClockSkew; negative means none.
	ClockSkew time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// CacheSize bounds the number of remembered tokens, valid or not.
	// Zero means DefaultCacheSize; negative disables the cache.
	CacheSize int
	// NegativeCacheTTL is how long a refused token is refused without
	// further work. Zero means DefaultNegativeCacheTTL; negative disables it.
	NegativeCacheTTL time.Duration
	// MaxTokenBytes bounds the encrypted token. Zero means DefaultMaxTokenBytes.
	MaxTokenBytes int64
}

// Validator validates incoming delegation tokens. It implements
// [fedavail.TokenValidator] and is safe for concurrent use.
type Validator struct {
	cfg      ValidatorConfig
	audience string
	skew     time.Duration
	negTTL   time.Duration
	limits   xmlguard.Limits
	cache    *cache
}

var _ fedavail.TokenValidator = (*Validator)(nil)

// NewValidator returns a Validator for cfg.
func NewValidator(cfg ValidatorConfig) (*Validator, error) {
	req := required.For("token: ValidatorConfig")
	req.Need(cfg.ApplicationURI != "", "ApplicationURI")
	req.Need(cfg.Keys != nil, "Keys")
	req.Need(cfg.Trust != nil, "Trust")
	if err := req.Err(); err != nil {
		return nil, err
	}
	v := &Validator{
		cfg:      cfg,
		audience: AudienceURI(cfg.ApplicationURI),
		skew:     orDefault(cfg.ClockSkew, DefaultClockSkew),
		negTTL:   orDefault(cfg.NegativeCacheTTL, DefaultNegativeCacheTTL),
		limits:   xmlguard.Limits{MaxBytes: cfg.MaxTokenBytes},
	}
	if v.limits.MaxBytes <= 0 {
		v.limits.MaxBytes = DefaultMaxTokenBytes
	}
	if size := cfg.CacheSize; size >= 0 {
		if size == 0 {
			size = DefaultCacheSize
		}
		v.cache = newCache(size)
	}
	return v, nil
}

func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (v *Validator) now() time.Time {
	if v.cfg.Now != nil {
		return v.cfg.Now()
	}
	return time.Now()
}

// ValidateToken implements [fedavail.TokenValidator]: it validates the token
// for offer and returns the requester it speaks for. Errors are
// *[ValidationError].
func (v *Validator) ValidateToken(ctx context.Context, encryptedData []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	c, err := v.Validate(ctx, encryptedData, offer)
	if err != nil {
		return nil, err
	}
	return c.Requester(), nil
}

// Validate validates the token (a standalone xenc:EncryptedData element) for
// offer and returns all its claims. The caller must not modify them.
//
// A token seen before costs a map look-up: its claims come from the cache,
// and only the checks that depend on the time, the offer and the current
// trusted certificates run again. The cache key is the SHA-256 of the
// token; for a token accepted recently it is remembered with the token's
// bytes, and recognizing them (a seeded hash of their ends and a full
// comparison) costs a tenth of digesting them again.
func (v *Validator) Validate(ctx context.Context, encryptedData []byte, offer fedavail.Offer) (*Claims, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := v.now()
	if int64(len(encryptedData)) > v.limits.MaxBytes {
		return nil, failErr(InvalidTokenFormat, &fedavail.LimitError{What: "token size", Limit: v.limits.MaxBytes})
	}
	issuer, trusted := v.cfg.Trust.TrustedBroker()
	var key [sha256.Size]byte
	if v.cache != nil {
		key = v.cache.key(encryptedData)
		if e, ok := v.cache.get(key, now); ok {
			if e.err != nil {
				return nil, e.err
			}
			if isTrusted(e.signer, trusted) && e.claims.Issuer == issuer {
				return e.claims, v.checkUse(e.claims, offer, now)
			}
		}
	}
	c, signer, err := v.validate(encryptedData, issuer, trusted, now)
	if v.cache != nil {
		if err != nil {
			// Not a refusal for an untrusted signer or issuer: that depends
			// on the trusted broker's certificates, which a refresh of its
			// metadata (a key rollover) changes, and the token must then be
			// looked at again.
			if v.negTTL > 0 && err.Reason != InvalidTrustBroker {
				v.cache.put(key, entry{err: err, expires: now.Add(v.negTTL)}, now)
			}
		} else {
			v.cache.put(key, entry{claims: c, signer: signer, expires: v.usableUntil(c)}, now)
			v.cache.remember(encryptedData, key)
		}
	}
	if err != nil {
		return nil, err
	}
	return c, v.checkUse(c, offer, now)
}

// validate does the work that depends only on the token bytes and the
// configuration: decryption, structure, signature, issuer, audience and the
// identity claims. Its result is what the cache keeps.
func (v *Validator) validate(data []byte, issuer string, trusted []*x509.Certificate, now time.Time) (*Claims, *x509.Certificate, *ValidationError) {
	ed, err := parseResolved(data, v.limits, "delegation token")
	if err != nil {
		return nil, nil, failErr(InvalidTokenFormat, err)
	}
	plain, err := decrypt(ed, v.cfg.Keys.Snapshot())
	if err != nil {
		return nil, nil, asValidation(err)
	}
	aroot, err := parseAssertionTree(plain, v.limits)
	if err != nil {
		// CBC has no integrity of its own: a tampered ciphertext or a wrong
		// key decrypts to bytes that are not XML. That is a decryption
		// failure; the limits (DTD, depth) are the token's format.
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, nil, ve
		}
		var xe *fedavail.XMLError
		if errors.As(err, &xe) {
			return nil, nil, failErr(InvalidUnknownEncryption, err)
		}
		return nil, nil, failErr(InvalidTokenFormat, err)
	}
	sig, err := checkShape(aroot)
	if err != nil {
		return nil, nil, asValidation(err)
	}
	verified, signer, err := verify(aroot, sig, trusted, now)
	if err != nil {
		return nil, nil, asValidation(err)
	}
	c, audiences, err := parseAssertionAudiences(verified)
	if err != nil {
		return nil, nil, asValidation(err)
	}
	if c.AssertionID != aroot.SelectAttrValue(samlIDAttr, "") {
		return nil, nil, formatErr("verified assertion is not the one checked")
	}
	if err := v.checkToken(c, audiences, issuer); err != nil {
		return nil, nil, err
	}
	return c, signer, nil
}

// checkToken checks the claims that do not change with time or use. A token
// may carry several audiences (see forAudience); Claims.Audience becomes the
// one that names this organization.
func (v *Validator) checkToken(c *Claims, audiences [][]string, issuer string) *ValidationError {
	if issuer == "" || c.Issuer != issuer {
		return fail(InvalidTrustBroker, "issuer %q, want %q", c.Issuer, issuer)
	}
	aud, ok := forAudience(audiences, v.audience)
	if !ok {
		return fail(InvalidTarget, "audiences %q, want %q in each restriction", audiences, v.audience)
	}
	c.Audience = aud
	if !validSMTP(c.EmailAddress) {
		return fail(InvalidUnknownEmailAddress, "EmailAddress claim %q is not an SMTP address", c.EmailAddress)
	}
	return nil
}

// checkUse checks what depends on the moment and the operation: the
// lifetime, the offer and the offer's maximum age.
func (v *Validator) checkUse(c *Claims, offer fedavail.Offer, now time.Time) error {
	if !c.Offer.Known() {
		return fail(InvalidOffer, "offer %q, want %q", c.Offer, offer)
	}
	if !c.NotBefore.IsZero() && now.Add(v.skew).Before(c.NotBefore) {
		return fail(InvalidExpired, "token not valid before %s", c.NotBefore.Format(time.RFC3339))
	}
	if !now.Add(-v.skew).Before(c.NotOnOrAfter) {
		return fail(InvalidExpired, "token expired at %s", c.NotOnOrAfter.Format(time.RFC3339))
	}
	// Exchange's TokenValidator: ValidFrom (the NotBefore; a token without
	// one counts from the year 1) plus the offer's duration, with no skew.
	// A free/busy token lives five minutes, not ten.
	if c.NotBefore.IsZero() {
		return fail(InvalidExpired, "token has no NotBefore to count the %s maximum age from", c.Offer)
	}
	if max := c.NotBefore.Add(c.Offer.MaxAge()); now.After(max) {
		return fail(InvalidExpired, "token valid from %s is older than the %s maximum age of %s", c.NotBefore.Format(time.RFC3339), c.Offer, c.Offer.MaxAge())
	}
	if c.Offer != offer {
		// A genuine, current token for another offer: Exchange accepts it
		// at authentication and refuses the operation (ErrWrongOffer).
		return failErr(InvalidOffer, fmt.Errorf("token: offer %q, want %q: %w", c.Offer, offer, fedavail.ErrWrongOffer))
	}
	return nil
}

// usableUntil is when a cached token stops being usable for any operation:
// the earlier of its expiry (with skew) and its offer's maximum age (without).
func (v *Validator) usableUntil(c *Claims) time.Time {
	end := c.NotOnOrAfter.Add(v.skew)
	if max := c.NotBefore.Add(c.Offer.MaxAge()); max.Before(end) {
		end = max
	}
	return end
}

func isTrusted(cert *x509.Certificate, trusted []*x509.Certificate) bool {
	for _, t := range trusted {
		if t == cert || bytes.Equal(t.Raw, cert.Raw) {
			return true
		}
	}
	return false
}

// validSMTP reports whether s is a bare addr-spec with a dotted domain.
func validSMTP(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	d := fedavail.AddressDomain(s)
	return d != "" && !bytes.ContainsAny([]byte(d), "[]") && bytes.IndexByte([]byte(d), '.') > 0
}

func asValidation(err error) *ValidationError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return failErr(InvalidTokenFormat, err)
}
