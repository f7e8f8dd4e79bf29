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
	// One pass over a local slice, which the loop keeps in registers (it
	// reloads s.data on every byte otherwise): names are most of what the
	// scanner reads.
	rest := s.data[s.pos:]
	n, multibyte := 0, false
	for ; n < len(rest); n++ {
		if c := rest[n]; c >= utf8.RuneSelf {
			multibyte = true
		} else if !isNameByte(c) {
			break
		}
	}
	name = rest[:n]
	if n == 0 || !isXMLName(name, multibyte) {
		return nil, false
	}
	s.pos += n
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
		return rawName{qname: b, local: b}, true
	case bytes.IndexByte(b[i+1:], ':') >= 0:
		return rawName{}, false
	default:
		return rawName{qname: b, prefix: b[:i], local: b[i+1:]}, true
	}
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

func isNameByteOrMultibyte(c byte) bool { return c >= utf8.RuneSelf || isNameByte(c) }

// isXMLName is encoding/xml's isName for a run of name bytes and
// multi-byte characters. ASCII names, all that real documents use, are
// checked here; for the others encoding/xml itself is asked, so that its
// Unicode tables need not be copied.
func isXMLName(b []byte, multibyte bool) bool {
	c := b[0]
	if c < utf8.RuneSelf && !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':') {
		return false
	}
	// Any name byte may follow the first: only multi-byte characters are
	// left to check.
	return !multibyte || isXMLNameSlow(b)
}

// isXMLNameSlow checks b as the target of a processing instruction, which
// encoding/xml reads as a plain Name.
func isXMLNameSlow(b []byte) bool {
	d := xml.NewDecoder(io.MultiReader(strings.NewReader("<?"), bytes.NewReader(b), strings.NewReader(" ?>")))
	tok, err := d.RawToken()
	pi, ok := tok.(xml.ProcInst)
	return err == nil && ok && pi.Target == string(b)
}
