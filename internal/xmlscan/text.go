package xmlscan

import (
	"bytes"
	"unicode/utf8"
)

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
