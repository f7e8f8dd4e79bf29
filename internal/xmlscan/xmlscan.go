// Package xmlscan is a fast pull scanner for the plain XML that SOAP
// services send: elements, attributes, namespaces, text with the predefined
// and numeric character references, and CDATA sections, all in UTF-8.
//
// It exists because encoding/xml tokenizes at a few tens of megabytes a
// second, which dominates decoding a large free/busy answer. The scanner
// works on the bytes in place, allocates only for names and attribute
// values it has not seen before, and gives up on everything else:
// comments, processing instructions other than a plain XML declaration,
// unknown entities, carriage returns, non-ASCII names, undeclared
// prefixes, malformed markup. Giving up (ErrUnsupported) is the signal to
// decode with encoding/xml, which either reads the input or says precisely
// what is wrong with it, so the scanner never needs to produce an error a
// user sees.
//
// What the scanner accepts, encoding/xml accepts too and tokenizes to the
// same names and text; FuzzScanner, and the ews package's differential
// tests and fuzz target, hold it to that. Safety limits are not its
// business: run xmlguard.Check first.
package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
)

// ErrUnsupported is returned for input outside what the scanner reads,
// including all malformed input.
var ErrUnsupported = errors.New("xmlscan: input needs encoding/xml")

// Kind is the kind of a token.
type Kind uint8

// Token kinds. A self-closing element is a StartElement then an EndElement.
const (
	StartElement Kind = iota + 1
	EndElement
	CharData
	EOF
)

// Scanner reads tokens from a byte slice. Create it with New.
type Scanner struct {
	data []byte
	pos  int
	// names interns names, namespace URIs and attribute values: a document
	// repeats a few dozen of them thousands of times.
	names map[string]string
	open  []frame
	scope []binding
	// The current token.
	name  xml.Name
	attrs []xml.Attr
	text  []byte
	buf   []byte
	// selfClosing is set after a StartElement written as <x/>: the next
	// token is its EndElement.
	selfClosing bool
	started     bool
}

// frame is an open element: its name as written, for matching the end
// tag, its resolved name, and how many bindings were in scope outside it.
type frame struct {
	qname []byte
	name  xml.Name
	outer int
}

// binding is one namespace declaration in scope.
type binding struct {
	prefix, uri string
}

// New returns a scanner over data, which must not change while it is used.
func New(data []byte) *Scanner {
	return &Scanner{data: data, names: make(map[string]string, 64)}
}

// Name is the resolved name of the current StartElement or EndElement.
func (s *Scanner) Name() xml.Name { return s.name }

// Attrs are the attributes of the current StartElement, namespace
// declarations included. A name's Space is its prefix as written, not
// resolved. The slice is only valid until the next call to Next.
func (s *Scanner) Attrs() []xml.Attr { return s.attrs }

// Text is the current CharData with references replaced. It is only valid
// until the next call to Next.
func (s *Scanner) Text() []byte { return s.text }

// Next advances to the next token. After the root element's end it returns
// EOF. Any problem is ErrUnsupported.
func (s *Scanner) Next() (Kind, error) {
	if !s.started {
		s.started = true
		if !s.prolog() {
			return 0, ErrUnsupported
		}
	}
	if s.selfClosing {
		s.selfClosing = false
		return s.pop()
	}
	if len(s.open) == 0 {
		if s.started && s.name.Local != "" {
			// The root has ended: only white space may follow.
			if len(bytes.TrimLeft(s.data[s.pos:], " \t\n")) != 0 {
				return 0, ErrUnsupported
			}
			return EOF, nil
		}
	}
	if s.pos >= len(s.data) {
		return 0, ErrUnsupported
	}
	if s.data[s.pos] != '<' {
		return s.charData()
	}
	rest := s.data[s.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		return s.cdata()
	case len(rest) > 1 && rest[1] == '/':
		return s.endTag()
	case len(rest) > 1 && (rest[1] == '!' || rest[1] == '?'):
		return 0, ErrUnsupported // comments, processing instructions
	}
	return s.startTag()
}

// prolog skips an optional plain XML declaration and white space before
// the root element.
func (s *Scanner) prolog() bool {
	for _, decl := range []string{
		`<?xml version="1.0" encoding="utf-8"?>`,
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<?xml version="1.0"?>`,
	} {
		if bytes.HasPrefix(s.data, []byte(decl)) {
			s.pos = len(decl)
			break
		}
	}
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
	return s.pos < len(s.data) && s.data[s.pos] == '<'
}

func (s *Scanner) startTag() (Kind, error) {
	p := s.pos + 1
	qname, p, ok := scanName(s.data, p)
	if !ok {
		return 0, ErrUnsupported
	}
	s.attrs = s.attrs[:0]
	outer := len(s.scope)
	for {
		start := p
		for p < len(s.data) && isSpace(s.data[p]) {
			p++
		}
		if p >= len(s.data) {
			return 0, ErrUnsupported
		}
		if c := s.data[p]; c == '>' || c == '/' {
			if c == '/' {
				if p+1 >= len(s.data) || s.data[p+1] != '>' {
					return 0, ErrUnsupported
				}
				s.selfClosing = true
				p++
			}
			p++
			break
		}
		if p == start { // attributes must be separated by white space
			return 0, ErrUnsupported
		}
		var a xml.Attr
		if a, p, ok = s.attr(p); !ok {
			return 0, ErrUnsupported
		}
		s.attrs = append(s.attrs, a)
		if a.Name.Space == "xmlns" {
			if a.Value == "" || a.Name.Local == "xml" || a.Name.Local == "xmlns" {
				return 0, ErrUnsupported
			}
			s.scope = append(s.scope, binding{a.Name.Local, a.Value})
		} else if a.Name.Space == "" && a.Name.Local == "xmlns" {
			s.scope = append(s.scope, binding{"", a.Value})
		}
	}
	name, ok := s.resolve(qname)
	if !ok {
		return 0, ErrUnsupported
	}
	s.pos = p
	s.name = name
	s.open = append(s.open, frame{qname: qname, name: name, outer: outer})
	return StartElement, nil
}

// attr reads name="value" at p.
func (s *Scanner) attr(p int) (xml.Attr, int, bool) {
	qname, p, ok := scanName(s.data, p)
	if !ok {
		return xml.Attr{}, 0, false
	}
	for p < len(s.data) && isSpace(s.data[p]) {
		p++
	}
	if p >= len(s.data) || s.data[p] != '=' {
		return xml.Attr{}, 0, false
	}
	p++
	for p < len(s.data) && isSpace(s.data[p]) {
		p++
	}
	if p >= len(s.data) || (s.data[p] != '"' && s.data[p] != '\'') {
		return xml.Attr{}, 0, false
	}
	quote := s.data[p]
	end := bytes.IndexByte(s.data[p+1:], quote)
	if end < 0 {
		return xml.Attr{}, 0, false
	}
	val := s.data[p+1 : p+1+end]
	// References and '<' are left to encoding/xml, and so is '\r', which
	// it normalizes.
	if bytes.ContainsAny(val, "&<") || !validText(val) {
		return xml.Attr{}, 0, false
	}
	var a xml.Attr
	if i := bytes.IndexByte(qname, ':'); i >= 0 {
		a.Name = xml.Name{Space: s.intern(qname[:i]), Local: s.intern(qname[i+1:])}
	} else {
		a.Name.Local = s.intern(qname)
	}
	a.Value = s.intern(val)
	return a, p + 1 + end + 1, true
}

func (s *Scanner) endTag() (Kind, error) {
	p := s.pos + 2
	qname, p, ok := scanName(s.data, p)
	if !ok || len(s.open) == 0 || !bytes.Equal(qname, s.open[len(s.open)-1].qname) {
		return 0, ErrUnsupported
	}
	for p < len(s.data) && isSpace(s.data[p]) {
		p++
	}
	if p >= len(s.data) || s.data[p] != '>' {
		return 0, ErrUnsupported
	}
	s.pos = p + 1
	return s.pop()
}

// pop closes the innermost open element.
func (s *Scanner) pop() (Kind, error) {
	f := s.open[len(s.open)-1]
	s.open = s.open[:len(s.open)-1]
	s.scope = s.scope[:f.outer]
	s.name = f.name
	return EndElement, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }
