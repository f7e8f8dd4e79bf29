package token

import "crypto/x509"

// BrokerTrust supplies the trust broker a [Validator] accepts tokens from.
// It is consulted on every validation, so an implementation that refreshes
// federation metadata (metadata.Refresher) takes effect at once.
// Implementations must be safe for concurrent use.
type BrokerTrust interface {
	// TrustedBroker returns the broker's issuer URI and its token-signing
	// certificates, current first, then previous. The caller does not modify
	// the slice.
	TrustedBroker() (issuer string, certs []*x509.Certificate)
}

// StaticTrust is a [BrokerTrust] that never changes: for tests and for an
// embedded broker whose certificates the caller manages.
type StaticTrust struct {
	Issuer string
	Certs  []*x509.Certificate
}

// TrustedBroker returns t's issuer and certificates.
func (t *StaticTrust) TrustedBroker() (string, []*x509.Certificate) { return t.Issuer, t.Certs }
