package ews

import (
	"encoding/xml"

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

// readerSource reads tokens with an xmlscan.Reader.
type readerSource struct{ r *xmlscan.Reader }

func (s readerSource) next() (xmlscan.Kind, xml.StartElement, []byte, error) {
	kind, err := s.r.Next()
	switch {
	case err != nil:
		// io.EOF cannot happen: elementReader asks only inside an element.
		return 0, xml.StartElement{}, nil, err
	case kind == xmlscan.StartElement:
		return kind, xml.StartElement{Name: s.r.XMLName(), Attr: s.r.Attrs()}, nil, nil
	case kind == xmlscan.CharData:
		return kind, xml.StartElement{}, s.r.Text(), nil
	}
	return kind, xml.StartElement{}, nil, nil
}
