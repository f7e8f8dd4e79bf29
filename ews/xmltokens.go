package ews

import (
	"encoding/xml"
	"io"

	"github.com/fedavail/fedavail/internal/xmlscan"
)

// tokenSource yields the tokens an elementReader needs: start elements
// (whose attributes are only valid until the next call), end elements and
// character data (only valid until the next call). Other tokens are
// skipped.
type tokenSource interface {
	next() (kind xmlscan.Kind, start xml.StartElement, text []byte, err error)
}

// decoderSource reads tokens with xml.Decoder.Token.
type decoderSource struct{ d *xml.Decoder }

func (s decoderSource) next() (xmlscan.Kind, xml.StartElement, []byte, error) {
	for {
		tok, err := s.d.Token()
		if err != nil {
			return 0, xml.StartElement{}, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return xmlscan.StartElement, t, nil, nil
		case xml.EndElement:
			return xmlscan.EndElement, xml.StartElement{}, nil, nil
		case xml.CharData:
			return xmlscan.CharData, xml.StartElement{}, t, nil
		}
	}
}

// scannerSource reads tokens with an xmlscan.Scanner.
type scannerSource struct{ s *xmlscan.Scanner }

func (s scannerSource) next() (xmlscan.Kind, xml.StartElement, []byte, error) {
	kind, err := s.s.Next()
	switch {
	case err != nil:
		return 0, xml.StartElement{}, nil, err
	case kind == xmlscan.StartElement:
		return kind, xml.StartElement{Name: s.s.Name(), Attr: s.s.Attrs()}, nil, nil
	case kind == xmlscan.CharData:
		return kind, xml.StartElement{}, s.s.Text(), nil
	case kind == xmlscan.EOF:
		// Only asked for inside an element, where the input cannot end.
		return 0, xml.StartElement{}, nil, io.ErrUnexpectedEOF
	}
	return kind, xml.StartElement{}, nil, nil
}
