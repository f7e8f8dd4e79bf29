package ews

import (
	"bytes"
	"encoding/xml"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// envelopeScanner is implemented by answers with a fast path for
// soap.DecodeOptions.Scan.
type envelopeScanner interface {
	scanEnvelope(data []byte) (soap.Version, xml.Name, bool)
}

// scanEnvelope is the client's fast path for an answer
// (soap.DecodeOptions.Scan): xmlscan tokenizes the envelope in place,
// several times faster than encoding/xml, and the hand-written decoders
// read the body. It vouches only for plain answers — an envelope with
// optional header blocks and a GetUserAvailabilityResponse as its only body
// element — and otherwise returns false, leaving r alone, so that
// soap.Decode decodes with encoding/xml, which also reports what is wrong.
func (r *GetUserAvailabilityResponse) scanEnvelope(data []byte) (soap.Version, xml.Name, bool) {
	if r.XMLName != (xml.Name{}) || r.FreeBusyResponses != nil || r.SuggestionsResponse != nil {
		return 0, xml.Name{}, false // decoding appends to what is there; leave that to encoding/xml
	}
	s := xmlscan.New(data)
	if k, err := s.Next(); err != nil || k != xmlscan.StartElement || s.Name().Local != "Envelope" {
		return 0, xml.Name{}, false
	}
	env := s.Name().Space
	var v soap.Version
	switch env {
	case ns.SOAP11:
		v = soap.V11
	case ns.SOAP12:
		v = soap.V12
	default:
		return 0, xml.Name{}, false
	}
	er := &elementReader{src: scannerSource{s}}
	var body GetUserAvailabilityResponse
	gotBody := false
	for {
		k, err := s.Next()
		if err != nil {
			return 0, xml.Name{}, false
		}
		switch k {
		case xmlscan.CharData:
			if !blank(s.Text()) {
				return 0, xml.Name{}, false
			}
			continue
		case xmlscan.EndElement: // of the envelope
			if k, err := s.Next(); err != nil || k != xmlscan.EOF || !gotBody {
				return 0, xml.Name{}, false
			}
			*r = body
			return v, body.XMLName, true
		}
		name := s.Name()
		switch {
		case name.Space != env || gotBody:
			return 0, xml.Name{}, false
		case name.Local == "Header":
			if !skipHeader(er, s) {
				return 0, xml.Name{}, false
			}
		case name.Local == "Body":
			if !scanBody(er, s, &body) {
				return 0, xml.Name{}, false
			}
			gotBody = true
		default:
			return 0, xml.Name{}, false
		}
	}
}

// skipHeader skips the header blocks; text between them must be blank,
// as soap.Decode requires.
func skipHeader(er *elementReader, s *xmlscan.Scanner) bool {
	for {
		switch k, err := s.Next(); {
		case err != nil:
			return false
		case k == xmlscan.EndElement:
			return true
		case k == xmlscan.CharData && !blank(s.Text()):
			return false
		case k == xmlscan.StartElement && er.skip() != nil:
			return false
		}
	}
}

// scanBody decodes the body's only element into body.
func scanBody(er *elementReader, s *xmlscan.Scanner, body *GetUserAvailabilityResponse) bool {
	decoded := false
	for {
		switch k, err := s.Next(); {
		case err != nil:
			return false
		case k == xmlscan.EndElement:
			return decoded
		case k == xmlscan.CharData && !blank(s.Text()):
			return false
		case k == xmlscan.StartElement:
			start := xml.StartElement{Name: s.Name()}
			if decoded || start.Name != getUserAvailabilityResponseName || body.decode(er, start) != nil {
				return false
			}
			decoded = true
		}
	}
}

// blank reports whether text is white space only.
func blank(text []byte) bool { return len(bytes.TrimLeft(text, " \t\n")) == 0 }
