package ews

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
)

// xmlNamespace is what the reserved prefix "xml" stands for.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// nsReader reads XML tokens with xml.Decoder.RawToken and does itself the
// two things Token would add: resolving namespace prefixes and checking that
// every end tag closes the element it should. It resolves names exactly as
// Token does (an unknown prefix stays as the name's Space; "xml" is the XML
// namespace), so what it decodes is what encoding/xml would decode. Token
// costs half as much again as RawToken for the same bytes: it keeps its
// namespaces in a map and copies every start element.
type nsReader struct {
	d *xml.Decoder
	// binds are the namespace declarations in scope, innermost last.
	binds []nsBinding
	// open are the elements not yet closed, innermost last.
	open []openElement
}

type nsBinding struct{ prefix, uri string }

type openElement struct {
	raw   xml.Name // the name as written, prefix in Space
	binds int      // len(binds) before the element's own declarations
}

// errEndTag is the error of an end tag that does not close the open element.
var errEndTag = errors.New("end tag does not match the open element")

func newNSReader(data []byte) *nsReader {
	return &nsReader{
		d:     xml.NewDecoder(bytes.NewReader(data)),
		binds: make([]nsBinding, 0, 8),
		open:  make([]openElement, 0, 16),
	}
}

// next returns the next token, names resolved. CharData is only valid until
// the next call.
func (r *nsReader) next() (xml.Token, error) {
	tok, err := r.d.RawToken()
	if err != nil {
		if err == io.EOF && len(r.open) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		mark := len(r.binds)
		for _, a := range t.Attr {
			switch {
			case a.Name.Space == "xmlns":
				r.binds = append(r.binds, nsBinding{a.Name.Local, a.Value})
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				r.binds = append(r.binds, nsBinding{"", a.Value})
			}
		}
		r.open = append(r.open, openElement{raw: t.Name, binds: mark})
		t.Name = r.resolve(t.Name, true)
		for i := range t.Attr {
			t.Attr[i].Name = r.resolve(t.Attr[i].Name, false)
		}
		if len(t.Attr) == 0 {
			t.Attr = nil
		}
		return t, nil
	case xml.EndElement:
		if len(r.open) == 0 {
			return nil, errEndTag
		}
		top := r.open[len(r.open)-1]
		if top.raw != t.Name {
			return nil, errEndTag
		}
		t.Name = r.resolve(t.Name, true)
		r.binds = r.binds[:top.binds]
		r.open = r.open[:len(r.open)-1]
		return t, nil
	}
	return tok, nil
}

// resolve mirrors encoding/xml's translation of a raw name.
func (r *nsReader) resolve(n xml.Name, element bool) xml.Name {
	switch {
	case n.Space == "xmlns":
		return n
	case n.Space == "" && !element:
		return n
	case n.Space == "xml":
		n.Space = xmlNamespace
		return n
	case n.Space == "" && n.Local == "xmlns":
		return n
	}
	for i := len(r.binds) - 1; i >= 0; i-- {
		if r.binds[i].prefix == n.Space {
			n.Space = r.binds[i].uri
			return n
		}
	}
	return n // an unbound prefix stays; no prefix means no namespace
}

// skip reads to the end of the element whose start was just read.
func (r *nsReader) skip() error {
	depth := len(r.open)
	for len(r.open) >= depth {
		if _, err := r.next(); err != nil {
			return err
		}
	}
	return nil
}

// children calls f for each child element of the element whose start was
// just read; f must consume the child to its end. Text and comments between
// children are ignored, as encoding/xml does for struct fields.
func (r *nsReader) children(f func(xml.StartElement) error) error {
	for {
		tok, err := r.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := f(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// text reads the element whose start was just read and returns its own
// character data, skipping child elements, as encoding/xml does for
// simple-typed fields.
func (r *nsReader) text() ([]byte, error) {
	var buf []byte
	depth := len(r.open)
	for {
		tok, err := r.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(r.open) == depth {
				buf = append(buf, t...)
			}
		case xml.EndElement:
			if len(r.open) < depth {
				return buf, nil
			}
		}
	}
}
