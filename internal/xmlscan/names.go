package xmlscan

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"unicode/utf8"
)

// readName reads a name (a run of name bytes and multi-byte characters)
// and checks it; ok is false when there is none or it is not a Name.
func (s *scanner) readName() (name []byte, ok bool) {
	i := s.pos
	for i < len(s.data) && isNameByteOrMultibyte(s.data[i]) {
		i++
	}
	name = s.data[s.pos:i]
	if len(name) == 0 || !isXMLName(name) {
		return nil, false
	}
	s.pos = i
	return name, true
}

// nsName reads a name and splits it at its colon, as encoding/xml does: a
// name with more than one colon is refused, one with an empty prefix or
// local part is all local.
func (s *scanner) nsName() (rawName, bool) {
	b, ok := s.readName()
	if !ok {
		return rawName{}, false
	}
	switch i := bytes.IndexByte(b, ':'); {
	case i < 0 || i == 0 || i == len(b)-1:
		if i >= 0 && bytes.IndexByte(b[i+1:], ':') >= 0 {
			return rawName{}, false
		}
		return rawName{local: b}, true
	case bytes.IndexByte(b[i+1:], ':') >= 0:
		return rawName{}, false
	default:
		return rawName{prefix: b[:i], local: b[i+1:]}, true
	}
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

func isNameByteOrMultibyte(c byte) bool { return c >= utf8.RuneSelf || isNameByte(c) }

// isXMLName is encoding/xml's isName. ASCII names, all that real requests
// use, are checked here; for the others encoding/xml itself is asked, so
// that its Unicode tables need not be copied.
func isXMLName(b []byte) bool {
	c := b[0]
	if c >= utf8.RuneSelf || !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':') {
		return c >= utf8.RuneSelf && isXMLNameSlow(b)
	}
	for _, c := range b[1:] {
		if c >= utf8.RuneSelf {
			return isXMLNameSlow(b)
		}
	}
	return true // the rest are name bytes: readName stopped at the others
}

// isXMLNameSlow checks b as the target of a processing instruction, which
// encoding/xml reads as a plain Name.
func isXMLNameSlow(b []byte) bool {
	d := xml.NewDecoder(io.MultiReader(strings.NewReader("<?"), bytes.NewReader(b), strings.NewReader(" ?>")))
	tok, err := d.RawToken()
	pi, ok := tok.(xml.ProcInst)
	return err == nil && ok && pi.Target == string(b)
}
