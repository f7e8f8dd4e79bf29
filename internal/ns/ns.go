// Package ns holds the XML namespace URIs of every protocol fedavail speaks.
//
// Matching is exact. Microsoft's web documentation often prints the
// schemas.microsoft.com namespaces with https://; real servers never send that
// form, so decoders reject it (with a hint, see fedavail.NamespaceError).
package ns

// SOAP and WS-* infrastructure.
const (
	SOAP11     = "http://schemas.xmlsoap.org/soap/envelope/"
	SOAP12     = "http://www.w3.org/2003/05/soap-envelope"
	WSA        = "http://www.w3.org/2005/08/addressing"
	WSAAnon    = "http://www.w3.org/2005/08/addressing/anonymous"
	WSSE       = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	WSU        = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	XSI        = "http://www.w3.org/2001/XMLSchema-instance"
	XMLEnc     = "http://www.w3.org/2001/04/xmlenc#"
	DSig       = "http://www.w3.org/2000/09/xmldsig#"
	WSTrust05  = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	WSTrust13  = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	WSPolicy   = "http://schemas.xmlsoap.org/ws/2004/09/policy"
	Auth0612   = "http://schemas.xmlsoap.org/ws/2006/12/authorization"
	WSFed0603  = "http://schemas.xmlsoap.org/ws/2006/03/federation"
	SAML11     = "urn:oasis:names:tc:SAML:1.0:assertion"
	WSSX509SKI = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier"
	WSSB64     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// Exchange Web Services.
const (
	EWSMessages = "http://schemas.microsoft.com/exchange/services/2006/messages"
	EWSTypes    = "http://schemas.microsoft.com/exchange/services/2006/types"
	EWSErrors   = "http://schemas.microsoft.com/exchange/services/2006/errors"
)

// Autodiscover.
const (
	Autodiscover    = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
	POXRequest      = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
	POXResponse     = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
	POXResponseRoot = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
)
