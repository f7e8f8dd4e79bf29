package dnsproof

import (
	"errors"
	"fmt"

	"github.com/fedavail/fedavail/internal/dnsname"
)

// AccountNamespacePrefix is the fixed first label of an Exchange
// organization's federated identifier: "EXCHANGE14ROCKS" with every character
// shifted by one.
const AccountNamespacePrefix = "FYDIBOHF25SPDLT"

// MaxFederatedDomainLength is the longest domain that may be federated:
// "accepted domains selected to be federated are limited to a maximum of 32
// characters" (Microsoft's federation documentation, seed 003).
const MaxFederatedDomainLength = 32

// ErrDomainTooLong is matched by the error of [FederatedDomain] for a
// domain longer than [MaxFederatedDomainLength].
var ErrDomainTooLong = errors.New("dnsproof: federated domains are limited to 32 characters")

// ErrInvalidDomain is matched by the errors of [ValidateDomain] and of every
// function that validates a domain name first.
var ErrInvalidDomain error = errInvalidDomain

// errInvalidDomain is the domain validator's sentinel, kept out of the
// exported declaration so the documentation names no internal package.
var errInvalidDomain = dnsname.ErrInvalid

// ValidateDomain returns domain in the form fedavail compares and publishes:
// trimmed, lower case, without a trailing dot, internationalized names in
// punycode. It rejects empty labels, labels over 63 octets, names over 253
// octets, single labels and characters other than letters, digits and
// hyphens.
func ValidateDomain(domain string) (string, error) {
	d, err := dnsname.Normalize(domain)
	if err != nil {
		return "", fmt.Errorf("dnsproof: %w", err)
	}
	return d, nil
}

// AccountNamespace returns the federated organization identifier for domain,
// "FYDIBOHF25SPDLT.<domain>": what Set-FederatedOrganizationIdentifier
// -AccountNamespace creates and what partners put in an organization
// relationship's TargetApplicationUri. The prefix keeps Exchange's upper case
// because Exchange compares it case-sensitively in places.
func AccountNamespace(domain string) (string, error) {
	d, err := ValidateDomain(domain)
	if err != nil {
		return "", err
	}
	return AccountNamespacePrefix + "." + d, nil
}

// ApplicationURI returns the application URI a trust broker knows the
// organization by, the audience of delegation tokens for it. For Exchange
// organizations it equals [AccountNamespace]; it is a separate function so
// callers say which of the two they mean.
func ApplicationURI(domain string) (string, error) { return AccountNamespace(domain) }

// FederatedDomain is [ValidateDomain] for a domain to be federated: it also
// refuses domains longer than [MaxFederatedDomainLength] characters
// (ErrDomainTooLong), which the Federation Gateway does not accept.
func FederatedDomain(domain string) (string, error) {
	d, err := ValidateDomain(domain)
	if err != nil {
		return "", err
	}
	if len(d) > MaxFederatedDomainLength {
		return "", fmt.Errorf("%w: %s has %d", ErrDomainTooLong, d, len(d))
	}
	return d, nil
}
