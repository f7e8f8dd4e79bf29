package xmlscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// plainByte tells the bytes that text may hold as they stand and that end
// or qualify nothing: not '<', '>' (which may close "]]>"), '&', '\r',
// other control characters than tab and newline, or the bytes of
// multi-byte UTF-8.
var plainByte = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '<' && c != '>' && c != '&'
	}
	t['\t'], t['\n'] = true, true
	return t
}()

// Constants of the word-at-a-time scan: each byte of a word, its low and
// its high bit.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// plainRun is how many bytes b begins with that are printable ASCII other
// than a, c and d (each a quote, '&', '<' or '>'): the run of text or of a
// value that needs no second look. It reads sixteen bytes at a time, the
// run being most of a token (its base64 above all): a cheap test
// (maybeSpecial) passes most words, and specialBytes finds the first other
// byte exactly in a word that fails it.
func plainRun(b []byte, a, c, d byte) int {
	wa, wc, wd := lowBits*uint64(a), lowBits*uint64(c), lowBits*uint64(d)
	i := 0
	// Long runs (a token's base64) go 32 bytes a step first: one test and
	// one branch for four words.
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		if maybeSpecial(binary.LittleEndian.Uint64(w))|maybeSpecial(binary.LittleEndian.Uint64(w[8:]))|
			maybeSpecial(binary.LittleEndian.Uint64(w[16:]))|maybeSpecial(binary.LittleEndian.Uint64(w[24:])) != 0 {
			break // the 16-byte loop finds where
		}
	}
	for ; i+16 <= len(b); i += 16 {
		x, y := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		if maybeSpecial(x)|maybeSpecial(y) == 0 {
			continue
		}
		if m := specialBytes(x, wa, wc, wd); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		if m := specialBytes(y, wa, wc, wd); m != 0 {
			return i + 8 + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if x := b[i]; x < ' ' || x >= utf8.RuneSelf || x == a || x == c || x == d {
			break
		}
	}
	return i
}

// maybeSpecial is zero if no byte of x is one plainRun stops at, whichever
// a, c and d: none is below '(' (which takes in the control characters,
// both quotes and '&'), none has its high bit set (not ASCII), and none is
// '<' or '>' (or'ed with 2, they alone become '>'). Base64 passes it
// throughout; text with spaces does not, and is tested again exactly.
func maybeSpecial(x uint64) uint64 {
	z := (x | lowBits*2) ^ lowBits*'>'
	return (x | (x - lowBits*'(') | (z-lowBits)&^z) & highBits
}

// specialBytes has the high bit set of the first byte of x (little-endian)
// that is not ASCII (its high bit), is below ' ' (it borrows from its own
// high bit) or equals a byte of wa, wc or wd (x^w has a zero byte, which
// borrows likewise), and perhaps of later bytes, for a borrow carries on:
// no byte before the first such is marked. It is zero if x has none.
func specialBytes(x, wa, wc, wd uint64) uint64 {
	ya, yc, yd := x^wa, x^wc, x^wd
	return (x | (x - lowBits*' ') | (ya-lowBits)&^ya | (yc-lowBits)&^yc | (yd-lowBits)&^yd) & highBits
}

// charData scans text up to the next '<' or the end of the input. Text
// without references or carriage returns is the input as it stands, even
// when it holds other characters than ASCII: those only need checking.
func (s *scanner) charData() error {
	data := s.data // local, for the loop to keep in registers
	i := s.pos
	plain, ascii := true, true
	for i < len(data) {
		i += plainRun(data[i:], '<', '>', '&') // most text, a token's base64 above all
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case plainByte[c]: // tab or newline
		case c == '<':
			goto end
		case c == '>':
			if i >= s.pos+2 && data[i-1] == ']' && data[i-2] == ']' {
				s.pos = i
				return s.fail("unescaped ]]> not in CDATA section")
			}
		case c == '&' || c == '\r':
			// decodeText reads the text again from its start, finding
			// its end and a "]]>" itself.
			plain = false
			goto end
		default: // not ASCII, or a control character
			ascii = false
			for i+1 < len(data) && data[i+1] >= utf8.RuneSelf { // the rest of a run of them
				i++
			}
		}
		i++
	}
end:
	s.kind, s.attrs = CharData, s.attrs[:0]
	if plain {
		text := data[s.pos:i]
		if !ascii {
			if err := s.checkChars(text); err != nil {
				return err
			}
		}
		s.text, s.pos = text, i
		return nil
	}
	var err error
	s.text, err = s.decodeText(s.scratch[:0], -1)
	s.scratch = s.text[:0]
	return err
}

// decodeText is encoding/xml's Decoder.text for ordinary text (quote < 0)
// and quoted attribute values, appending to buf from s.pos on. It stops
// before '<' in text, after the closing quote in a value, or at the end of
// the input (which a value's caller then refuses).
func (s *scanner) decodeText(buf []byte, quote int) ([]byte, error) {
	var b0, b1 byte
	for s.pos < len(s.data) {
		b := s.data[s.pos]
		s.pos++
		if quote < 0 && b0 == ']' && b1 == ']' && b == '>' {
			return nil, s.fail("unescaped ]]> not in CDATA section")
		}
		if b == '<' {
			if quote >= 0 {
				return nil, s.fail("unescaped < inside quoted string")
			}
			s.pos--
			break
		}
		if quote >= 0 && b == byte(quote) {
			break
		}
		if b == '&' {
			var err error
			if buf, err = s.entity(buf); err != nil {
				return nil, err
			}
			b0, b1 = 0, 0
			continue
		}
		switch {
		case b == '\r':
			buf = append(buf, '\n')
		case b1 == '\r' && b == '\n':
			// "\r\n": the '\n' is written already.
		default:
			buf = append(buf, b)
		}
		b0, b1 = b1, b
	}
	if err := s.checkChars(buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// entity decodes the reference after an '&' into buf. Strict mode: only
// the predefined entities and character references are known.
func (s *scanner) entity(buf []byte) ([]byte, error) {
	rest := s.data[s.pos:]
	if len(rest) > 0 && rest[0] == '#' {
		i, base := 1, 10
		if len(rest) > 1 && rest[1] == 'x' {
			i, base = 2, 16
		}
		j := i
		for j < len(rest) && isDigit(rest[j], base) {
			j++
		}
		if j < len(rest) && rest[j] == ';' {
			n, err := strconv.ParseUint(string(rest[i:j]), base, 64)
			if err == nil && n <= utf8.MaxRune {
				s.pos += j + 1
				return utf8.AppendRune(buf, rune(n)), nil
			}
		}
		return nil, s.fail("invalid character entity")
	}
	j := 0
	for j < len(rest) && isNameByteOrMultibyte(rest[j]) {
		j++
	}
	if j < len(rest) && rest[j] == ';' {
		var r byte
		switch string(rest[:j]) {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "apos":
			r = '\''
		case "quot":
			r = '"'
		}
		if r != 0 {
			s.pos += j + 1
			return append(buf, r), nil
		}
	}
	return nil, s.fail("invalid character entity")
}

func isDigit(b byte, base int) bool {
	return '0' <= b && b <= '9' || base == 16 && ('a' <= b && b <= 'f' || 'A' <= b && b <= 'F')
}

// checkChars refuses what is not UTF-8 or not an XML character. Most text
// passes the quick test: utf8.Valid refuses what DecodeRune would (bad
// sequences, surrogates, beyond U+10FFFF), which leaves of what
// isInCharacterRange refuses only U+FFFE, U+FFFF and the control
// characters; any of those, or tab, newline or CR, takes the loop.
func (s *scanner) checkChars(b []byte) error {
	if utf8.Valid(b) && !belowSpace(b) && !bytes.Contains(b, []byte("\uFFFE")) && !bytes.Contains(b, []byte("\uFFFF")) {
		return nil
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < ' ' && c != '\t' && c != '\n' && c != '\r' {
				return s.fail("illegal character code")
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return s.fail("invalid UTF-8")
		}
		if !isInCharacterRange(r) {
			return s.fail("illegal character code")
		}
		i += size
	}
	return nil
}

// belowSpace reports whether b holds a byte below ' ' (see specialBytes).
func belowSpace(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if x := binary.LittleEndian.Uint64(b[i:]); (x-lowBits*' ')&^x&highBits != 0 {
			return true
		}
	}
	for ; i < len(b); i++ {
		if b[i] < ' ' {
			return true
		}
	}
	return false
}

// isInCharacterRange is XML's Char production.
func isInCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
