package dnsproof

import (
	"fmt"

	"github.com/fedavail/fedavail/internal/dnsname"
)

// AccountNamespacePrefix is the fixed first label of an Exchange
// organization's federated identifier: "EXCHANGE14ROCKS" with every character
// shifted by one.
const AccountNamespacePrefix = "FYDIBOHF25SPDLT"

// NamespaceDomainAdvisoryLength is the length above which [NamespaceWarnings]
// warns about an account-namespace domain. Community sources recall a
// 32-character limit on the domain of the federated organization identifier;
// no primary source confirms it, so it is a warning, not an error.
const NamespaceDomainAdvisoryLength = 32

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

// NamespaceWarnings returns advice, not errors, about using domain as the
// account namespace. Today it warns when the domain is longer than
// [NamespaceDomainAdvisoryLength] characters. domain must already be valid.
func NamespaceWarnings(domain string) []string {
	var w []string
	if n := len(domain); n > NamespaceDomainAdvisoryLength {
		w = append(w, fmt.Sprintf("dnsproof: account namespace domain %q has %d characters; some sources say the trust broker accepts at most %d (unconfirmed), so prefer a shorter accepted domain if you have one", domain, n, NamespaceDomainAdvisoryLength))
	}
	return w
}
