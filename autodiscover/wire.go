package autodiscover

import (
	"encoding/xml"
	"strings"

	"github.com/fedavail/fedavail/internal/ns"
)

// The SOAP bodies, shared by the client and the server.
//
// Only the body's first element carries a namespace in its tag: soap.Decode
// checks it exactly (a misprinted https:// namespace is a
// *fedavail.NamespaceError). Children are matched by local name, in any order,
// with unknown elements ignored — what WCF servers need, since they add
// members across versions and order derived members alphabetically.

const actionPrefix = ns.Autodiscover + "/Autodiscover/"

// Operation names ([MS-OXWSADISC] 3.1.4).
const (
	opGetFederationInformation = "GetFederationInformation"
	opGetUserSettings          = "GetUserSettings"
	opGetDomainSettings        = "GetDomainSettings"
)

type getFederationInformationRequest struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetFederationInformationRequestMessage"`
	Domain  string   `xml:"Request>Domain"`
}

type getUserSettingsRequest struct {
	XMLName  xml.Name  `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetUserSettingsRequestMessage"`
	Users    []userXML `xml:"Request>Users>User"`
	Settings []string  `xml:"Request>RequestedSettings>Setting"`
}

type userXML struct {
	Mailbox string `xml:"Mailbox"`
}

type getDomainSettingsRequest struct {
	XMLName          xml.Name `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetDomainSettingsRequestMessage"`
	Domains          []string `xml:"Request>Domains>Domain"`
	Settings         []string `xml:"Request>RequestedSettings>Setting"`
	RequestedVersion string   `xml:"Request>RequestedVersion,omitempty"`
}

// xsiDecl declares the i: prefix WCF uses for i:nil and i:type. encoding/xml
// cannot write a prefixed attribute of its own accord (it invents a prefix),
// so the server writes the declaration and the prefixed names literally.
const xsiDecl = ns.XSI

type getFederationInformationResponse struct {
	XMLName  xml.Name                 `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetFederationInformationResponseMessage"`
	Response federationInformationXML `xml:"Response"`
}

type federationInformationXML struct {
	XSI            string           `xml:"xmlns:i,attr,omitempty"`
	ErrorCode      ErrorCode        `xml:"ErrorCode"`
	ErrorMessage   string           `xml:"ErrorMessage"`
	ApplicationURI string           `xml:"ApplicationUri"`
	Domains        []string         `xml:"Domains>Domain"`
	TokenIssuers   []tokenIssuerXML `xml:"TokenIssuers>TokenIssuer"`
}

type tokenIssuerXML struct {
	Endpoint string `xml:"Endpoint"`
	URI      string `xml:"Uri"`
}

type getUserSettingsResponse struct {
	XMLName  xml.Name         `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetUserSettingsResponseMessage"`
	Response userResponsesXML `xml:"Response"`
}

type userResponsesXML struct {
	XSI           string            `xml:"xmlns:i,attr,omitempty"`
	ErrorCode     ErrorCode         `xml:"ErrorCode"`
	ErrorMessage  string            `xml:"ErrorMessage"`
	UserResponses []userResponseXML `xml:"UserResponses>UserResponse"`
}

type userResponseXML struct {
	ErrorCode      ErrorCode         `xml:"ErrorCode"`
	ErrorMessage   string            `xml:"ErrorMessage"`
	RedirectTarget nillable          `xml:"RedirectTarget"`
	SettingErrors  []settingErrorXML `xml:"UserSettingErrors>UserSettingError"`
	Settings       []settingXML      `xml:"UserSettings>UserSetting"`
}

type getDomainSettingsResponse struct {
	XMLName  xml.Name           `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover GetDomainSettingsResponseMessage"`
	Response domainResponsesXML `xml:"Response"`
}

type domainResponsesXML struct {
	XSI             string              `xml:"xmlns:i,attr,omitempty"`
	ErrorCode       ErrorCode           `xml:"ErrorCode"`
	ErrorMessage    string              `xml:"ErrorMessage"`
	DomainResponses []domainResponseXML `xml:"DomainResponses>DomainResponse"`
}

type domainResponseXML struct {
	ErrorCode      ErrorCode         `xml:"ErrorCode"`
	ErrorMessage   string            `xml:"ErrorMessage"`
	SettingErrors  []settingErrorXML `xml:"DomainSettingErrors>DomainSettingError"`
	Settings       []settingXML      `xml:"DomainSettings>DomainSetting"`
	RedirectTarget nillable          `xml:"RedirectTarget"`
}

type settingErrorXML struct {
	ErrorCode    ErrorCode `xml:"ErrorCode"`
	ErrorMessage string    `xml:"ErrorMessage"`
	SettingName  string    `xml:"SettingName"`
}

// settingXML is a UserSetting or DomainSetting of any i:type.
type settingXML struct {
	// TypeIn is i:type as read, resolved by namespace whatever the prefix.
	TypeIn string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr,omitempty"`
	// TypeOut is i:type as written (see xsiDecl).
	TypeOut string  `xml:"i:type,attr,omitempty"`
	Name    string  `xml:"Name"`
	Value   *string `xml:"Value"`
	// The collections are wrapped in pointers because encoding/xml writes an
	// empty parent for a nil slice at an a>b path even with omitempty.
	AlternateMailboxes       *alternateMailboxesXML       `xml:"AlternateMailboxes,omitempty"`
	DocumentSharingLocations *documentSharingLocationsXML `xml:"DocumentSharingLocations,omitempty"`
	ProtocolConnections      *protocolConnectionsXML      `xml:"ProtocolConnections,omitempty"`
	WebClientURLs            *webClientURLsXML            `xml:"WebClientUrls,omitempty"`
}

type alternateMailboxesXML struct {
	Items []AlternateMailbox `xml:"AlternateMailbox"`
}

type documentSharingLocationsXML struct {
	Items []DocumentSharingLocation `xml:"DocumentSharingLocation"`
}

type protocolConnectionsXML struct {
	Items []ProtocolConnection `xml:"ProtocolConnection"`
}

type webClientURLsXML struct {
	Items []WebClientURL `xml:"WebClientUrl"`
}

// orEmpty keeps a present but empty collection distinguishable from an absent one.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// nillable is a string written as i:nil="true" when empty, as WCF does.
type nillable string

func (s nillable) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if s == "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "i:nil"}, Value: "true"})
	}
	return e.EncodeElement(string(s), start)
}

// localType strips a prefix from an i:type QName ("a:StringSetting").
func localType(q string) string {
	if i := strings.LastIndexByte(q, ':'); i >= 0 {
		return q[i+1:]
	}
	return q
}

func (s *settingXML) setting() Setting {
	out := Setting{
		Name: strings.TrimSpace(s.Name),
		Type: SettingType(localType(strings.TrimSpace(s.TypeIn))),
	}
	if p := s.AlternateMailboxes; p != nil {
		out.AlternateMailboxes = orEmpty(p.Items)
	}
	if p := s.DocumentSharingLocations; p != nil {
		out.DocumentSharingLocations = orEmpty(p.Items)
	}
	if p := s.ProtocolConnections; p != nil {
		out.ProtocolConnections = orEmpty(p.Items)
	}
	if p := s.WebClientURLs; p != nil {
		out.WebClientURLs = orEmpty(p.Items)
	}
	if s.Value != nil {
		out.Value = *s.Value
	}
	return out
}

func settingToXML(s Setting, domain bool) settingXML {
	x := settingXML{TypeOut: string(s.kind(domain)), Name: s.Name}
	if s.AlternateMailboxes != nil {
		x.AlternateMailboxes = &alternateMailboxesXML{s.AlternateMailboxes}
	}
	if s.DocumentSharingLocations != nil {
		x.DocumentSharingLocations = &documentSharingLocationsXML{s.DocumentSharingLocations}
	}
	if s.ProtocolConnections != nil {
		x.ProtocolConnections = &protocolConnectionsXML{s.ProtocolConnections}
	}
	if s.WebClientURLs != nil {
		x.WebClientURLs = &webClientURLsXML{s.WebClientURLs}
	}
	if k := s.kind(domain); k == StringSetting || k == DomainStringSetting {
		v := s.Value
		x.Value = &v
	}
	return x
}

func settingErrors(in []settingErrorXML) []*SettingError {
	var out []*SettingError
	for _, e := range in {
		out = append(out, &SettingError{Name: strings.TrimSpace(e.SettingName), Code: ErrorCode(strings.TrimSpace(string(e.ErrorCode))), Message: e.ErrorMessage})
	}
	return out
}

// codeError turns an ErrorCode/ErrorMessage pair into nil (NoError, or no
// code at all) or an *Error.
func codeError(code ErrorCode, msg, subject string) error {
	code = ErrorCode(strings.TrimSpace(string(code)))
	if code == "" || code == NoError {
		return nil
	}
	return &Error{Code: code, Message: strings.TrimSpace(msg), Subject: subject}
}
