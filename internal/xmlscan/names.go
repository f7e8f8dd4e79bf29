package xmlscan

import (
	"bytes"
	"encoding/xml"
)

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

// intern returns b as a string, allocating once per distinct value.
func (s *Scanner) intern(b []byte) string {
	if v, ok := s.names[string(b)]; ok {
		return v
	}
	v := string(b)
	s.names[v] = v
	return v
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
