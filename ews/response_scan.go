package ews

import (
	"bytes"
	"encoding/xml"
	"io"

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
// (soap.DecodeOptions.Scan): an xmlscan.Reader, the tokenizer the handler
// reads requests with, reads the envelope in place, several times faster
// than encoding/xml, and the hand-written decoders read the body. It
// vouches only for plain answers — an envelope with optional header blocks
// and a GetUserAvailabilityResponse as its only body element — and
// otherwise returns false, leaving r alone, so that soap.Decode decodes
// with encoding/xml. The Reader refuses exactly what encoding/xml refuses,
// so malformed input is declined too and encoding/xml reports what is
// wrong with it, as the client's errors always have.
func (r *GetUserAvailabilityResponse) scanEnvelope(data []byte) (soap.Version, xml.Name, bool) {
	if r.XMLName != (xml.Name{}) || r.FreeBusyResponses != nil || r.SuggestionsResponse != nil {
		return 0, xml.Name{}, false // decoding appends to what is there; leave that to encoding/xml
	}
	x := new(xmlscan.Reader)
	x.Reset(data)
	if !toRoot(x) || string(x.Name().Local) != "Envelope" {
		return 0, xml.Name{}, false
	}
	env := x.Name().Space
	var v soap.Version
	switch env {
	case ns.SOAP11:
		v = soap.V11
	case ns.SOAP12:
		v = soap.V12
	default:
		return 0, xml.Name{}, false
	}
	er := &elementReader{src: readerSource{x}}
	var body GetUserAvailabilityResponse
	gotBody := false
	for {
		k, err := x.Next()
		if err != nil {
			return 0, xml.Name{}, false
		}
		switch k {
		case xmlscan.CharData:
			if !blank(x.Text()) {
				return 0, xml.Name{}, false
			}
			continue
		case xmlscan.EndElement: // of the envelope
			if !gotBody || !atEnd(x) {
				return 0, xml.Name{}, false
			}
			*r = body
			return v, body.XMLName, true
		}
		name := x.Name()
		switch {
		case name.Space != env || gotBody:
			return 0, xml.Name{}, false
		case string(name.Local) == "Header":
			if !skipHeader(er, x) {
				return 0, xml.Name{}, false
			}
		case string(name.Local) == "Body":
			if !scanBody(er, x, &body) {
				return 0, xml.Name{}, false
			}
			gotBody = true
		default:
			return 0, xml.Name{}, false
		}
	}
}

// toRoot reads up to the root's start tag. Only white space may come
// before it (the Reader checks and skips the XML declaration, comments and
// processing instructions).
func toRoot(x *xmlscan.Reader) bool {
	for {
		switch k, err := x.Next(); {
		case err != nil:
			return false
		case k == xmlscan.StartElement:
			return true
		case k == xmlscan.CharData && !blank(x.Text()):
			return false
		}
	}
}

// atEnd reads after the root's end tag: only white space may follow (the
// Reader skips comments and processing instructions).
func atEnd(x *xmlscan.Reader) bool {
	for {
		switch k, err := x.Next(); {
		case err == io.EOF:
			return true
		case err != nil || k != xmlscan.CharData || !blank(x.Text()):
			return false
		}
	}
}

// skipHeader skips the header blocks; text between them must be blank,
// as soap.Decode requires.
func skipHeader(er *elementReader, x *xmlscan.Reader) bool {
	for {
		switch k, err := x.Next(); {
		case err != nil:
			return false
		case k == xmlscan.EndElement:
			return true
		case k == xmlscan.CharData && !blank(x.Text()):
			return false
		case k == xmlscan.StartElement && er.skip() != nil:
			return false
		}
	}
}

// scanBody decodes the body's only element into body.
func scanBody(er *elementReader, x *xmlscan.Reader, body *GetUserAvailabilityResponse) bool {
	decoded := false
	for {
		switch k, err := x.Next(); {
		case err != nil:
			return false
		case k == xmlscan.EndElement:
			return decoded
		case k == xmlscan.CharData && !blank(x.Text()):
			return false
		case k == xmlscan.StartElement:
			start := xml.StartElement{Name: x.XMLName()}
			if decoded || start.Name != getUserAvailabilityResponseName || body.decode(er, start) != nil {
				return false
			}
			decoded = true
		}
	}
}

// blank reports whether text is white space only.
func blank(text []byte) bool { return len(bytes.TrimLeft(text, " \t\n")) == 0 }
