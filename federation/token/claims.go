package token

import (
	"time"

	"github.com/fedavail/fedavail"
)

// Claim namespaces and well-known values of a delegation token, as the
// Microsoft Federation Gateway writes them.
const (
	// NSClaims is the namespace of the EmailAddress attribute.
	NSClaims = "http://schemas.xmlsoap.org/claims"
	// NSIdentityClaims is the namespace of RequestorDomain and ThirdPartyRequested.
	NSIdentityClaims = "http://schemas.microsoft.com/ws/2006/04/identity/claims"
	// NSAuthorizationClaims is the namespace of the action (offer) attribute.
	NSAuthorizationClaims = "http://schemas.xmlsoap.org/ws/2006/12/authorization/claims"

	// NameIDFormatUPN is the name identifier format of MFG tokens.
	NameIDFormatUPN = "http://schemas.xmlsoap.org/claims/upn"

	authMethodPassword = "urn:oasis:names:tc:SAML:1.0:am:password"
	confirmHolderOfKey = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key"
)

// Claims is what a delegation token says: who issued it, for whom, on whose
// behalf and for what. The trust broker fills it in to issue a token; the
// [Validator] returns it for a token it accepted.
type Claims struct {
	// AssertionID identifies the SAML assertion ("uuid-…" for the MFG).
	AssertionID string
	// Issuer is the trust broker's URI, e.g. "urn:federation:MicrosoftOnline".
	Issuer string
	// Audience is the target organization's application URI as written in
	// the token: "http://" + ApplicationURI unless the URI is already absolute.
	// Of a token with several audiences, the [Validator] returns the one
	// that names its organization.
	Audience string
	// IssueInstant is when the broker issued the token.
	IssueInstant time.Time
	// NotBefore and NotOnOrAfter bound the token's lifetime.
	NotBefore, NotOnOrAfter time.Time
	// NameID is the requesting user's opaque federated identity and
	// NameIDFormat its format (for the MFG, [NameIDFormatUPN]).
	NameID, NameIDFormat string
	// EmailAddress is the requesting user's SMTP address.
	EmailAddress string
	// RequestorDomain is the requesting organization's domain or
	// application URI (the MFG writes e.g. "outlook.com").
	RequestorDomain string
	// Offer is the action claim: what the token may be used for.
	Offer fedavail.Offer
	// ThirdPartyRequested marks a delegation token (a token requested by an
	// organization on behalf of its user).
	ThirdPartyRequested bool
	// ProofKey is the symmetric key of the holder-of-key confirmation.
	ProofKey []byte
}

// Requester returns who the claims say the request comes from. Its Domain is
// the e-mail address's domain, the key Exchange uses to find the organization
// relationship; RequestorDomain is kept as Organization.
func (c *Claims) Requester() *fedavail.Requester {
	return &fedavail.Requester{
		Address:      c.EmailAddress,
		Domain:       fedavail.AddressDomain(c.EmailAddress),
		Organization: c.RequestorDomain,
		Federated:    true,
		NameID:       c.NameID,
	}
}

// AudienceURI returns the audience a token for applicationURI carries:
// "http://" + applicationURI, or applicationURI itself when it is already an
// absolute URI (Exchange's rule for AppliesTo and for the audience check).
func AudienceURI(applicationURI string) string {
	if isAbsoluteURI(applicationURI) {
		return applicationURI
	}
	return "http://" + applicationURI
}

// isAbsoluteURI reports whether s starts with a URI scheme followed by ':',
// as .NET's Uri.IsWellFormedUriString(s, UriKind.Absolute) would for the
// values seen here ("http://…", "urn:…"). A bare host name is not absolute.
func isAbsoluteURI(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			return i > 0
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return false
}
