package autodiscover

import "encoding/xml"

// requestedServerVersion is the SOAP request header naming the schema
// version, as text.
type requestedServerVersion struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover RequestedServerVersion"`
	Version string   `xml:",chardata"`
}

// serverVersionInfo is the answer's SOAP header; unlike EWS's, its fields
// are child elements.
type serverVersionInfo struct {
	XMLName          xml.Name `xml:"http://schemas.microsoft.com/exchange/2010/Autodiscover ServerVersionInfo"`
	MajorVersion     int      `xml:"MajorVersion,omitempty"`
	MinorVersion     int      `xml:"MinorVersion,omitempty"`
	MajorBuildNumber int      `xml:"MajorBuildNumber,omitempty"`
	MinorBuildNumber int      `xml:"MinorBuildNumber,omitempty"`
	Version          string   `xml:"Version,omitempty"`
}
