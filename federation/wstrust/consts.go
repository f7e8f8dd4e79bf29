package wstrust

import (
	"net/url"
	"strings"

	"github.com/fedavail/fedavail/internal/wssec"
)

// WS-Trust February 2005 URIs, as Exchange sends them to the Federation Gateway.
const (
	ActionIssue      = "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue"
	ActionIssueReply = "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue"
	RequestTypeIssue = "http://schemas.xmlsoap.org/ws/2005/02/trust/Issue"
	TokenTypeSAML11  = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
	KeyTypeSymmetric = "http://schemas.xmlsoap.org/ws/2005/02/trust/SymmetricKey"
	ComputedKeyPSHA1 = "http://schemas.xmlsoap.org/ws/2005/02/trust/CK/PSHA1"
	SAMLAssertionID  = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID"

	// DefaultIssuerURI is the Federation Gateway's issuer URI, the audience of
	// the on-behalf-of assertion.
	DefaultIssuerURI = "urn:federation:MicrosoftOnline"
	// DefaultPolicyReference is the policy Exchange names for the Federation Gateway.
	DefaultPolicyReference = "EX_MBI_FED_SSL"
)

// Algorithm URIs.
const (
	algExcC14N   = wssec.AlgExcC14N
	algAES256CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
	algHMACSHA1  = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
)

// Authorization (2006-12) context and claim URIs.
const (
	scopeRequestor   = "http://schemas.xmlsoap.org/ws/2006/12/authorization/ctx/requestor"
	nameRequestor    = "http://schemas.microsoft.com/wlid/requestor"
	dialectAuthClaim = "http://schemas.xmlsoap.org/ws/2006/12/authorization/authclaims"
	claimAction      = "http://schemas.xmlsoap.org/ws/2006/12/authorization/claims/action"
)

// SAML 1.1 values of the on-behalf-of assertion.
const (
	nsIdentityClaims  = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
	cmSenderVouches   = "urn:oasis:names:tc:SAML:1.0:cm:sender-vouches"
	amPassword        = "urn:oasis:names:tc:SAML:1.0:am:password"
	NameIDFormatUPN   = "http://schemas.xmlsoap.org/claims/UPN"
	timestampLifetime = 5 // minutes, Exchange's wsu:Timestamp window
)

// AppliesTo returns the address Exchange writes into wsp:AppliesTo for a
// partner's application URI: the URI itself when it is absolute, else the
// URI with "http://" in front ("FYDIBOHF25SPDLT.contoso.com" →
// "http://FYDIBOHF25SPDLT.contoso.com"). Tokens for the partner carry the
// same value as their audience.
func AppliesTo(applicationURI string) string {
	s := strings.TrimSpace(applicationURI)
	if u, err := url.Parse(s); err == nil && u.IsAbs() {
		return s
	}
	return "http://" + s
}
