// Package xmlscan is a fast pull scanner for the plain XML that SOAP
// services send: elements, attributes, namespaces, text with the predefined
// and numeric character references, and CDATA sections, all in UTF-8.
//
// It exists because encoding/xml tokenizes at a few tens of megabytes a
// second, which dominates decoding a large free/busy answer. The scanner
// works on the bytes in place, allocates only for names it has not seen
// before, and gives up on everything else: comments, processing
// instructions other than a plain XML declaration, unknown entities,
// carriage returns, non-ASCII names, undeclared prefixes, malformed markup.
// Giving up (ErrUnsupported) is the signal to decode with encoding/xml,
// which either reads the input or says precisely what is wrong with it, so
// the scanner never needs to produce an error a user sees.
//
// What the scanner accepts, encoding/xml accepts too and tokenizes to the
// same names and text; the ews package's differential tests and fuzz target
// hold it to that. Safety limits are not its business: run xmlguard.Check
// first.
package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"unicode/utf8"
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

// resolve splits a qualified element name and looks its prefix up.
func (s *Scanner) resolve(qname []byte) (xml.Name, bool) {
	prefix, local := []byte(nil), qname
	if i := bytes.IndexByte(qname, ':'); i >= 0 {
		prefix, local = qname[:i], qname[i+1:]
	}
	if string(prefix) == "xml" || string(prefix) == "xmlns" || (prefix == nil && string(local) == "xmlns") {
		return xml.Name{}, false
	}
	name := xml.Name{Local: s.intern(local)}
	for i := len(s.scope) - 1; i >= 0; i-- {
		if s.scope[i].prefix == string(prefix) {
			name.Space = s.scope[i].uri
			return name, true
		}
	}
	// Without a declaration an unprefixed name has no namespace; an
	// undeclared prefix is an error.
	return name, prefix == nil
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

func (s *Scanner) charData() (Kind, error) {
	if len(s.open) == 0 {
		return 0, ErrUnsupported
	}
	end := bytes.IndexByte(s.data[s.pos:], '<')
	if end < 0 {
		return 0, ErrUnsupported
	}
	raw := s.data[s.pos : s.pos+end]
	if !validText(raw) || bytes.Contains(raw, []byte("]]>")) {
		return 0, ErrUnsupported
	}
	s.pos += end
	if bytes.IndexByte(raw, '&') < 0 {
		s.text = raw
		return CharData, nil
	}
	s.buf = s.buf[:0]
	for len(raw) > 0 {
		amp := bytes.IndexByte(raw, '&')
		if amp < 0 {
			s.buf = append(s.buf, raw...)
			break
		}
		s.buf = append(s.buf, raw[:amp]...)
		semi := bytes.IndexByte(raw[amp:], ';')
		if semi < 0 {
			return 0, ErrUnsupported
		}
		r, ok := reference(raw[amp+1 : amp+semi])
		if !ok {
			return 0, ErrUnsupported
		}
		s.buf = utf8.AppendRune(s.buf, r)
		raw = raw[amp+semi+1:]
	}
	s.text = s.buf
	return CharData, nil
}

func (s *Scanner) cdata() (Kind, error) {
	if len(s.open) == 0 {
		return 0, ErrUnsupported
	}
	body := s.data[s.pos+len("<![CDATA["):]
	end := bytes.Index(body, []byte("]]>"))
	if end < 0 || !validText(body[:end]) {
		return 0, ErrUnsupported
	}
	s.text = body[:end]
	s.pos += len("<![CDATA[") + end + len("]]>")
	return CharData, nil
}

// intern returns b as a string, allocating once per distinct value.
func (s *Scanner) intern(b []byte) string {
	if v, ok := s.names[string(b)]; ok {
		return v
	}
	v := string(b)
	s.names[v] = v
	return v
}

// reference decodes the inside of a character or entity reference.
func reference(ref []byte) (rune, bool) {
	switch string(ref) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(ref) < 2 || ref[0] != '#' || len(ref) > 8 {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*rune(base) + d
	}
	// '\r' by reference is kept by encoding/xml but it is rare enough not
	// to bother; the rest must be XML characters.
	return r, r != '\r' && isChar(r)
}

// scanName reads an ASCII name, with at most one colon between non-empty
// parts, at p.
func scanName(data []byte, p int) ([]byte, int, bool) {
	start, colon := p, -1
	for p < len(data) {
		c := data[p]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9', c == '-', c == '.':
			if p == start || p == colon+1 {
				return nil, 0, false
			}
		case c == ':':
			if colon >= 0 || p == start {
				return nil, 0, false
			}
			colon = p
		default:
			if p == start || p == colon+1 {
				return nil, 0, false
			}
			return data[start:p], p, true
		}
		p++
	}
	return nil, 0, false
}

// validText reports whether b is UTF-8 made of XML characters other than
// '\r' (which encoding/xml would normalize).
func validText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || !isChar(r) {
			return false
		}
		i += size
	}
	return true
}

// isChar is XML 1.0's Char production.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }
