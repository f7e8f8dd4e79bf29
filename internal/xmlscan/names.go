package xmlscan

//go:generate go run gen_nametables.go

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Classes of a name's bytes, one table look-up per byte (nameClass): the
// bytes encoding/xml reads as part of a name, which of them may begin one,
// the colon nsName splits at, and the bytes of multi-byte characters, left
// to isXMLName.
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
//
// It classifies eight bytes at a time into a word of classes, whose first
// zero byte ends the name: a byte-by-byte loop's exit, at a length no
// branch predictor knows, cost more than the look-ups.
func (s *scanner) readName() (name []byte, colon, colons int, ok bool) {
	rest := s.data[s.pos:]
	n, colon := 0, -1
	var multi uint64
	for n+8 <= len(rest) {
		b := rest[n : n+8 : n+8]
		w := uint64(nameClass[b[0]]) | uint64(nameClass[b[1]])<<8 | uint64(nameClass[b[2]])<<16 | uint64(nameClass[b[3]])<<24 |
			uint64(nameClass[b[4]])<<32 | uint64(nameClass[b[5]])<<40 | uint64(nameClass[b[6]])<<48 | uint64(nameClass[b[7]])<<56
		k := 8
		if stop := (w - lowBits) &^ w & highBits; stop != 0 { // a byte of class 0
			k = bits.TrailingZeros64(stop) / 8
			w &= 1<<(8*k) - 1
		}
		if c := w & (lowBits * classColon); c != 0 {
			if colon < 0 {
				colon = n + bits.TrailingZeros64(c)/8
			}
			colons += bits.OnesCount64(c)
		}
		multi |= w & (lowBits * classMulti)
		if n += k; k < 8 {
			return s.checkName(rest[:n], colon, colons, multi != 0)
		}
	}
	for ; n < len(rest); n++ { // the last few bytes of the input
		c := nameClass[rest[n]]
		if c == 0 {
			break
		}
		if c&classColon != 0 {
			if colons++; colon < 0 {
				colon = n
			}
		}
		multi |= uint64(c & classMulti)
	}
	return s.checkName(rest[:n], colon, colons, multi != 0)
}

// checkName finishes readName: name must begin as a Name does, and one
// with multi-byte characters must be a Name by encoding/xml's tables.
func (s *scanner) checkName(name []byte, colon, colons int, multi bool) ([]byte, int, int, bool) {
	if len(name) == 0 || nameClass[name[0]]&(classStart|classMulti) == 0 {
		return nil, 0, 0, false
	}
	// Any name byte may follow the first: only multi-byte characters are
	// left to check.
	if multi && !isXMLName(name) {
		return nil, 0, 0, false
	}
	s.pos += len(name)
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

// isXMLName is encoding/xml's isName, for a name with multi-byte
// characters (readName checks ASCII names itself): UTF-8 whose first rune
// is in nameFirst and whose others are in nameFirst or nameSecond.
func isXMLName(b []byte) bool {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if !unicode.Is(nameFirst, r) && (i == 0 || !unicode.Is(nameSecond, r)) {
			return false
		}
		i += size
	}
	return len(b) > 0
}
