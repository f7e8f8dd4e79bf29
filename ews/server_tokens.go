package ews

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/fedavail/fedavail/internal/ns"
)

// xmlNamespace is what the reserved prefix "xml" stands for.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// nsReader reads the tokens of an [xmlScanner] and does the two things
// encoding/xml's Token adds to RawToken: resolving namespace prefixes and
// checking that every end tag closes the element it should. It resolves
// names exactly as Token does (an unknown prefix stays as the name's Space;
// "xml" is the XML namespace), so what it decodes is what encoding/xml would
// decode. Names and text stay slices of the request; only what is kept
// (header blocks, decoded values) becomes strings.
type nsReader struct {
	s xmlScanner
	// space is the resolved namespace of the last start or end tag.
	space string
	// binds are the namespace declarations in scope, innermost last.
	binds []nsBinding
	// open are the elements not yet closed, innermost last.
	open []openElement
	// textBuf is text's result, reused from call to call.
	textBuf []byte
}

type nsBinding struct {
	prefix []byte // nil for the default namespace
	uri    string
}

type openElement struct {
	raw   rawName // the name as written
	binds int     // len(binds) before the element's own declarations
}

// elemName is a start tag's resolved name, valid until the next token.
type elemName struct {
	space string
	local []byte
}

func (n elemName) is(space, local string) bool {
	return n.space == space && string(n.local) == local
}

// errEndTag is the error of an end tag that does not close the open element.
var errEndTag = errors.New("ews: end tag does not match the open element")

func (r *nsReader) reset(data []byte) {
	r.s.reset(data)
	r.binds, r.open = r.binds[:0], r.open[:0]
}

// bind declares a namespace from an xmlns attribute of an enclosing
// element that is not part of the input.
func (r *nsReader) bind(decl xml.Attr) {
	var prefix []byte
	if decl.Name.Space == "xmlns" {
		prefix = []byte(decl.Name.Local)
	}
	r.binds = append(r.binds, nsBinding{prefix, decl.Value})
}

// next reads the next start tag, end tag or text.
func (r *nsReader) next() (tokenKind, error) {
	if err := r.s.next(); err != nil {
		if err == io.EOF && len(r.open) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	switch r.s.kind {
	case tokenStart:
		mark := len(r.binds)
		for _, a := range r.s.attrs {
			switch {
			case string(a.name.prefix) == "xmlns":
				r.binds = append(r.binds, nsBinding{a.name.local, internNamespace(a.value)})
			case a.name.prefix == nil && string(a.name.local) == "xmlns":
				r.binds = append(r.binds, nsBinding{nil, internNamespace(a.value)})
			}
		}
		r.open = append(r.open, openElement{raw: r.s.name, binds: mark})
		r.space = r.resolve(r.s.name, true)
	case tokenEnd:
		if len(r.open) == 0 {
			return 0, errEndTag
		}
		top := r.open[len(r.open)-1]
		if !top.raw.equal(r.s.name) {
			return 0, errEndTag
		}
		r.space = r.resolve(r.s.name, true)
		r.binds = r.binds[:top.binds]
		r.open = r.open[:len(r.open)-1]
	}
	return r.s.kind, nil
}

// name is the resolved name of the last start or end tag.
func (r *nsReader) name() elemName { return elemName{r.space, r.s.name.local} }

// startElement copies the last start tag out as encoding/xml's Token
// returns it: names resolved, attributes in order, nil when there are none.
func (r *nsReader) startElement() xml.StartElement {
	t := xml.StartElement{Name: xml.Name{Space: r.space, Local: string(r.s.name.local)}}
	if len(r.s.attrs) > 0 {
		t.Attr = make([]xml.Attr, len(r.s.attrs))
		for i, a := range r.s.attrs {
			t.Attr[i] = xml.Attr{Name: xml.Name{Space: r.resolve(a.name, false), Local: string(a.name.local)}, Value: string(a.value)}
		}
	}
	return t
}

// resolve mirrors encoding/xml's translation of a raw name.
func (r *nsReader) resolve(n rawName, element bool) string {
	switch {
	case string(n.prefix) == "xmlns":
		return "xmlns"
	case n.prefix == nil && !element:
		return ""
	case string(n.prefix) == "xml":
		return xmlNamespace
	case n.prefix == nil && string(n.local) == "xmlns":
		return ""
	}
	for i := len(r.binds) - 1; i >= 0; i-- {
		if bytes.Equal(r.binds[i].prefix, n.prefix) {
			return r.binds[i].uri
		}
	}
	return string(n.prefix) // an unbound prefix stays; no prefix means no namespace
}

// internNamespace returns the namespaces requests use without allocating.
func internNamespace(uri []byte) string {
	switch string(uri) {
	case TypesNS:
		return TypesNS
	case MessagesNS:
		return MessagesNS
	case ns.SOAP11:
		return ns.SOAP11
	case ns.SOAP12:
		return ns.SOAP12
	case ns.WSSE:
		return ns.WSSE
	case ns.XMLEnc:
		return ns.XMLEnc
	}
	return string(uri)
}

// offset is where the next token begins.
func (r *nsReader) offset() int { return r.s.pos }

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
// just read; f must consume the child to its end. Text between children is
// ignored, as encoding/xml does for struct fields.
func (r *nsReader) children(f func(elemName) error) error {
	for {
		kind, err := r.next()
		if err != nil {
			return err
		}
		switch kind {
		case tokenStart:
			if err := f(r.name()); err != nil {
				return err
			}
		case tokenEnd:
			return nil
		}
	}
}

// text reads the element whose start was just read and returns its own
// character data, skipping child elements, as encoding/xml does for
// simple-typed fields. The result is valid until the next call.
func (r *nsReader) text() ([]byte, error) {
	buf := r.textBuf[:0]
	depth := len(r.open)
	for {
		kind, err := r.next()
		if err != nil {
			return nil, err
		}
		switch kind {
		case tokenText:
			if len(r.open) == depth {
				buf = append(buf, r.s.text...)
			}
		case tokenEnd:
			if len(r.open) < depth {
				r.textBuf = buf
				return buf, nil
			}
		}
	}
}
