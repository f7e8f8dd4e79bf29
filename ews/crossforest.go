package ews

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
)

// RequestTypeCrossForest is the t:RequestTypeHeader value Exchange sends when
// it asks another forest through an availability address space, and the only
// one the answering side accepts from a service account.
const RequestTypeCrossForest = "CrossForest"

// CrossForestAuth authenticates the way Exchange asks another forest for
// free/busy through an availability address space (Add-AvailabilityAddressSpace
// with AccessMethod OrgWideFB or OrgWideFBBasic): HTTP Basic with the
// forest's service account, posted to the EWS URL without "/WSSecurity",
// with t:RequestTypeHeader CrossForest and a wsa:MessageID after the
// request's own TimeZoneContext. There is no wsse:Security and, since the
// other forest's version is unknown, no t:RequestServerVersion: the server
// answers with its oldest schema's rules. Its String method hides the
// password.
type CrossForestAuth struct {
	// Username is the service account, "DOMAIN\user" or "user@domain",
	// sent as given; Password its password.
	Username, Password string
	// MessageID returns the wsa:MessageID of each request; nil means a
	// random urn:uuid.
	MessageID func() string
}

func (a CrossForestAuth) apply(_ context.Context, c *outgoing) error {
	if a.Username == "" {
		return errors.New("ews: CrossForestAuth without a Username")
	}
	r := http.Request{Header: c.header}
	r.SetBasicAuth(a.Username, a.Password)
	// Exchange's non-WS-Security authenticators strip the suffix an
	// Autodiscover ASUrl may carry.
	if u := strings.TrimRight(c.url, "/"); strings.HasSuffix(strings.ToLower(u), strings.ToLower(wsSecuritySuffix)) {
		c.url = u[:len(u)-len(wsSecuritySuffix)]
	}
	id := soap.NewMessageID(nil)
	if a.MessageID != nil {
		id = a.MessageID()
	}
	// The proxy class's declared headers (TimeZoneContext, then
	// RequestTypeHeader: Proxy/Service.cs) precede the authenticator's
	// MessageID (SoapAuthenticator.AddMessageSoapHeaders).
	c.headers = append(c.headers, crossForestRequestType, messageIDHeader(id))
	c.noVersion = true
	return nil
}

// String names the account, never the password.
func (a CrossForestAuth) String() string {
	return "CrossForestAuth{" + a.Username + ", password hidden}"
}

// crossForestRequestType is t:RequestTypeHeader CrossForest, which Exchange's
// availability proxy sends to other forests, with a delegation token or a
// service account alike.
var crossForestRequestType = soap.RawXML(`<t:RequestTypeHeader xmlns:t="` + TypesNS + `"><t:RequestType>` + RequestTypeCrossForest + `</t:RequestType></t:RequestTypeHeader>`)

// messageIDHeader is the wsa:MessageID header block.
func messageIDHeader(id string) soap.RawXML {
	return soap.RawXML(`<a:MessageID xmlns:a="` + ns.WSA + `">` + escapeText(id) + `</a:MessageID>`)
}
