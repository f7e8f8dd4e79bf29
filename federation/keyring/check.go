package keyring

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// What a federation certificate must be, from Microsoft's federation
// documentation (../shared/seeds 002 to 004): an RSA key of at least 2048
// bits, a Subject Key Identifier, the Client Authentication extended key
// usage, current; and the private key must belong to it. Each failed
// requirement is reported with one of these, matched by errors.Is.
var (
	// ErrKeyMismatch: the private key does not belong to the certificate.
	ErrKeyMismatch = errors.New("keyring: the private key does not belong to the certificate")
	// ErrWeakKey: the certificate's key is not RSA or has fewer than
	// MinRSABits bits.
	ErrWeakKey = errors.New("keyring: the certificate needs an RSA key of at least 2048 bits")
	// ErrNoSubjectKeyID: the certificate has no Subject Key Identifier.
	ErrNoSubjectKeyID = errors.New("keyring: the certificate has no Subject Key Identifier")
	// ErrUsage: the certificate's key usages do not allow what it is for.
	ErrUsage = errors.New("keyring: the certificate's key usage does not allow federation")
	// ErrNotCurrent: the certificate has expired or is not valid yet.
	ErrNotCurrent = errors.New("keyring: the certificate is not current")
)

// MinRSABits is the smallest accepted RSA key.
const MinRSABits = 2048

// ExpiryWarning is how long before its end a certificate is warned about.
const ExpiryWarning = 30 * 24 * time.Hour

// Use says what a certificate is for.
type Use int

// Uses.
const (
	// UseOrganization is an organization's federation certificate: it
	// signs requests (Client Authentication) and decrypts delegation tokens
	// encrypted to it.
	UseOrganization Use = iota
	// UseTokenSigning is a trust broker's token-signing certificate.
	UseTokenSigning
)

// Check checks p's certificate for use at now, and its key when p has one.
// Every failed requirement is in the error (errors.Join of errors wrapping
// the sentinels above); warnings are advice, such as an end within
// ExpiryWarning. A certificate without a key usage extension allows every
// usage, as X.509 says; Client Authentication is required of an
// organization certificate only when it lists extended key usages.
func Check(p Pair, use Use, now time.Time) (warnings []string, err error) {
	c := p.Cert
	if c == nil {
		return nil, ErrNoCertificate
	}
	var errs []error
	if pub, ok := c.PublicKey.(*rsa.PublicKey); !ok {
		errs = append(errs, fmt.Errorf("%w (it is %T)", ErrWeakKey, c.PublicKey))
	} else if n := pub.N.BitLen(); n < MinRSABits {
		errs = append(errs, fmt.Errorf("%w (it has %d)", ErrWeakKey, n))
	}
	if len(c.SubjectKeyId) == 0 {
		errs = append(errs, ErrNoSubjectKeyID)
	}
	need, needText := x509.KeyUsageDigitalSignature, "Digital Signature"
	if use == UseOrganization {
		need, needText = need|x509.KeyUsageKeyEncipherment, "Digital Signature and Key Encipherment"
		if len(c.ExtKeyUsage) > 0 && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth) && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
			errs = append(errs, fmt.Errorf("%w: it lacks the Client Authentication extended key usage (1.3.6.1.5.5.7.3.2)", ErrUsage))
		}
	}
	if c.KeyUsage != 0 && c.KeyUsage&need != need {
		errs = append(errs, fmt.Errorf("%w: it needs the %s key usages", ErrUsage, needText))
	}
	switch {
	case now.After(c.NotAfter):
		errs = append(errs, fmt.Errorf("%w: it expired on %s", ErrNotCurrent, c.NotAfter.UTC().Format(time.DateOnly)))
	case now.Before(c.NotBefore):
		errs = append(errs, fmt.Errorf("%w: it is valid from %s", ErrNotCurrent, c.NotBefore.UTC().Format(time.RFC3339)))
	case c.NotAfter.Sub(now) < ExpiryWarning:
		warnings = append(warnings, fmt.Sprintf("the certificate expires on %s, in %d days: roll it over", c.NotAfter.UTC().Format(time.DateOnly), int(c.NotAfter.Sub(now).Hours()/24)))
	}
	if err := matches(p); err != nil {
		errs = append(errs, err)
	}
	return warnings, errors.Join(errs...)
}

// matches fails with ErrKeyMismatch when p has a key that does not belong
// to its certificate. It asks the key for its public half, so any
// crypto.Signer works.
func matches(p Pair) error {
	if p.Key == nil || p.Cert == nil {
		return nil
	}
	var signer interface{ Public() crypto.PublicKey } = p.Key
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(p.Cert.PublicKey) {
		return ErrKeyMismatch
	}
	return nil
}
