package ews

import "encoding/xml"

// requestServerVersion is the SOAP header naming the schema version a
// client speaks.
type requestServerVersion struct {
	XMLName xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/types RequestServerVersion"`
	Version string   `xml:"Version,attr"`
}

// serverVersionInfo is the answer's SOAP header describing the server, in
// attributes.
type serverVersionInfo struct {
	XMLName          xml.Name `xml:"http://schemas.microsoft.com/exchange/services/2006/types ServerVersionInfo"`
	MajorVersion     int      `xml:"MajorVersion,attr,omitempty"`
	MinorVersion     int      `xml:"MinorVersion,attr,omitempty"`
	MajorBuildNumber int      `xml:"MajorBuildNumber,attr,omitempty"`
	MinorBuildNumber int      `xml:"MinorBuildNumber,attr,omitempty"`
	Version          string   `xml:"Version,attr,omitempty"`
}
