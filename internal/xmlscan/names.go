package xmlscan

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"unicode/utf8"
)

// Classes of a name's bytes, one table look-up per byte (nameClass): the
// bytes encoding/xml reads as part of a name, which of them may begin one,
// the colon nsName splits at, and the bytes of multi-byte characters, left
// to isXMLNameSlow.
const (
	className  = 1 << iota // may be part of a name
	classStart             // may also begin one (ASCII)
	classColon             // ':'
	classMulti             // a byte of a multi-byte character
)

var nameClass = func() (t [256]uint8) {
	for c := range 256 {
		switch b := byte(c); {
		case b >= utf8.RuneSelf:
			t[c] = className | classMulti
		case 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '_':
			t[c] = className | classStart
		case b == ':':
			t[c] = className | classStart | classColon
		case '0' <= b && b <= '9' || b == '.' || b == '-':
			t[c] = className
		}
	}
	return t
}()

// readName reads a name (a run of name bytes and multi-byte characters)
// and checks it; ok is false when there is none or it is not a Name. colon
// is the offset of its first colon, -1 for none, and colons how many it has.
func (s *scanner) readName() (name []byte, colon, colons int, ok bool) {
	// One pass over a local slice, which the loop keeps in registers (it
	// reloads s.data on every byte otherwise): names are most of what the
	// scanner reads.
	rest := s.data[s.pos:]
	n, colon := 0, -1
	var seen uint8
	for ; n < len(rest); n++ {
		c := nameClass[rest[n]]
		if c == 0 {
			break
		}
		if c&classColon != 0 {
			if colons++; colon < 0 {
				colon = n
			}
		}
		seen |= c
	}
	if n == 0 || nameClass[rest[0]]&(classStart|classMulti) == 0 {
		return nil, 0, 0, false
	}
	name = rest[:n]
	// Any name byte may follow the first: only multi-byte characters are
	// left to check.
	if seen&classMulti != 0 && !isXMLNameSlow(name) {
		return nil, 0, 0, false
	}
	s.pos += n
	return name, colon, colons, true
}

// nsName reads a name into n and splits it at its colon, as encoding/xml
// does: a name with more than one colon is refused, one with an empty
// prefix or local part is all local. It writes n in place, for a name is
// nine words and tags are most of what the scanner reads.
func (s *scanner) nsName(n *rawName) bool {
	b, i, colons, ok := s.readName()
	switch {
	case !ok || colons > 1:
		return false
	case i <= 0 || i == len(b)-1:
		n.qname, n.prefix, n.local = b, nil, b
	default:
		n.qname, n.prefix, n.local = b, b[:i], b[i+1:]
	}
	return true
}

func isNameByteOrMultibyte(c byte) bool { return nameClass[c] != 0 }

// isXMLNameSlow is encoding/xml's isName for a run of name bytes and
// multi-byte characters: ASCII names, all that real documents use, are
// checked by readName, and for the others encoding/xml itself is asked, so
// that its Unicode tables need not be copied. It checks b as the target of
// a processing instruction, which encoding/xml reads as a plain Name.
func isXMLNameSlow(b []byte) bool {
	d := xml.NewDecoder(io.MultiReader(strings.NewReader("<?"), bytes.NewReader(b), strings.NewReader(" ?>")))
	tok, err := d.RawToken()
	pi, ok := tok.(xml.ProcInst)
	return err == nil && ok && pi.Target == string(b)
}
