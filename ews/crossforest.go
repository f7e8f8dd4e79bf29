package ews

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"time"

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
// forest's service account, posted to the EWS URL without "/WSSecurity", and
// three SOAP headers in this order: t:TimeZoneContext, t:RequestTypeHeader
// CrossForest and a wsa:MessageID. There is no wsse:Security and, since
// the other forest's version is unknown, no t:RequestServerVersion: the
// server answers with its oldest schema's rules. Its String method hides the
// password.
type CrossForestAuth struct {
	// Username is the service account, "DOMAIN\user" or "user@domain",
	// sent as given; Password its password.
	Username, Password string
	// AnchorMailbox is sent as X-AnchorMailbox (Exchange names the first
	// mailbox of the request, for routing). Empty sends none.
	AnchorMailbox string
	// Location is the requester's zone, sent as the TimeZoneContext. Nil
	// means UTC.
	Location *time.Location
	// MessageID is the wsa:MessageID. Empty means a fresh random
	// "urn:uuid:…" for every request.
	MessageID string
	// Now gives the year of the zone's rules; nil means time.Now.
	Now func() time.Time
}

func (a CrossForestAuth) apply(_ context.Context, c *outgoing) error {
	if a.Username == "" {
		return errors.New("ews: CrossForestAuth without a Username")
	}
	r := http.Request{Header: c.header}
	r.SetBasicAuth(a.Username, a.Password)
	if a.AnchorMailbox != "" {
		c.header.Set("X-AnchorMailbox", a.AnchorMailbox)
	}
	// Exchange's non-WS-Security authenticators strip the suffix an
	// Autodiscover ASUrl may carry.
	if u := strings.TrimRight(c.url, "/"); strings.HasSuffix(strings.ToLower(u), strings.ToLower(wsSecuritySuffix)) {
		c.url = u[:len(u)-len(wsSecuritySuffix)]
	}
	id := a.MessageID
	if id == "" {
		id = soap.NewMessageID(nil)
	}
	loc := a.Location
	if loc == nil {
		loc = time.UTC
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	var mid strings.Builder
	mid.WriteString(`<a:MessageID xmlns:a="` + ns.WSA + `">`)
	if err := xml.EscapeText(&mid, []byte(id)); err != nil {
		return err
	}
	mid.WriteString(`</a:MessageID>`)
	// The proxy class's declared headers come first (TimeZoneContext, then
	// RequestTypeHeader: Proxy/Service.cs), the authenticator's MessageID
	// after them (SoapAuthenticator.AddMessageSoapHeaders).
	c.headers = append(c.headers,
		&timeZoneContextHeader{Definition: contextDefinition(loc, now().In(loc).Year())},
		&requestTypeHeader{RequestType: RequestTypeCrossForest},
		soap.RawXML(mid.String()))
	c.noVersion = true
	return nil
}

// String names the account and anchor, never the password.
func (a CrossForestAuth) String() string {
	return "CrossForestAuth{" + a.Username + ", password hidden}"
}

// requestTypeHeader is t:RequestTypeHeader, which tells an Exchange server
// that another server proxies the request (CrossSite) or that another
// forest asks with its service account (CrossForest).
type requestTypeHeader struct {
	XMLName     xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/types RequestTypeHeader"`
	RequestType string   `xml:"RequestType"`
}

// timeZoneContextHeader is the t:TimeZoneContext header as a client writes it.
type timeZoneContextHeader struct {
	XMLName    xml.Name           `xml:"http://schemas.microsoft.com/exchange/services/2006/types TimeZoneContext"`
	Definition TimeZoneDefinition `xml:"TimeZoneDefinition"`
}

// contextDefinition is loc's full definition under its Windows ID (the
// IANA name when it has none: the periods still carry its offsets).
func contextDefinition(loc *time.Location, year int) TimeZoneDefinition {
	id, ok := WindowsZoneFor(loc, year)
	if !ok {
		id = loc.String()
	}
	return DefinitionFor(id, id, loc, year)
}
