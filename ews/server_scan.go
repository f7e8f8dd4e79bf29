package ews

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is the handler's XML tokenizer: a strict scanner over the
// request's bytes that accepts and refuses exactly what encoding/xml's
// Decoder.RawToken does in its default strict mode, and returns the same
// names, attribute values and character data, without copying them. RawToken
// reads a byte at a time through an io.ByteReader and allocates a string per
// name and value; that was nearly half of the handler's time.
//
// Each rule below is encoding/xml's, read off its source: names are runs of
// name bytes checked against XML's Name production; "a:b" splits at a single
// colon, a name with two is refused; attribute values must be quoted and may
// not hold '<'; text may not hold "]]>"; the five predefined entities and
// character references up to U+10FFFF are decoded (a surrogate becomes
// U+FFFD), any other '&' is refused; "\r\n" and "\r" become "\n"; text and
// values must be UTF-8 of XML characters; comments may not hold "--"; an
// <?xml?> declaration may name only version 1.0 and UTF-8. The differential
// test and fuzz target in server_decode_test.go hold it to encoding/xml.
//
// Directives (<!DOCTYPE and the like) are refused outright: encoding/xml
// returns them as tokens, but xmlguard.Check, which runs first, already
// refuses every document that has one.

// tokenKind is what a scanned token is. Comments and processing
// instructions are checked and skipped by the scanner: nothing reads them.
type tokenKind uint8

const (
	tokenStart tokenKind = iota + 1
	tokenEnd
	tokenText
)

// rawName is an element or attribute name as written; prefix is nil when
// there is none. Both alias the scanned document.
type rawName struct{ prefix, local []byte }

func (n rawName) equal(o rawName) bool {
	return bytes.Equal(n.prefix, o.prefix) && bytes.Equal(n.local, o.local)
}

// rawAttr is an attribute, its value decoded.
type rawAttr struct {
	name  rawName
	value []byte
}

// xmlSyntaxError is the scanner's error. Which rule a document breaks
// matters to no caller (every malformed request gets the same fault); the
// message is for the server's log.
type xmlSyntaxError struct {
	offset int
	what   string
}

func (e *xmlSyntaxError) Error() string {
	return "ews: XML syntax error at byte " + strconv.Itoa(e.offset) + ": " + e.what
}

// xmlScanner tokenizes one document. Its zero value is not usable; see
// reset.
type xmlScanner struct {
	data []byte
	pos  int
	// closing is set after a self-closing start tag, whose end tag is the
	// next token, as RawToken returns it.
	closing bool
	// Fields of the last token; slices alias data or the scratch buffers
	// and are valid until the next call.
	kind  tokenKind
	start int // offset of the token's first byte
	name  rawName
	attrs []rawAttr
	text  []byte
	// scratch holds decoded character data when it differs from the input.
	scratch []byte
}

func (s *xmlScanner) reset(data []byte) {
	s.data, s.pos, s.closing = data, 0, false
	s.attrs = s.attrs[:0]
}

func (s *xmlScanner) fail(what string) error {
	return &xmlSyntaxError{offset: s.pos, what: what}
}

// next scans the next token; io.EOF at the end of the input.
func (s *xmlScanner) next() error {
	if s.closing {
		s.closing = false
		s.kind, s.attrs = tokenEnd, s.attrs[:0]
		return nil
	}
	for {
		if s.pos >= len(s.data) {
			return io.EOF
		}
		s.start = s.pos
		if s.data[s.pos] != '<' {
			return s.charData()
		}
		s.pos++
		if s.pos >= len(s.data) {
			return s.fail("unexpected EOF")
		}
		switch s.data[s.pos] {
		case '/':
			s.pos++
			return s.endTag()
		case '?':
			s.pos++
			if err := s.procInst(); err != nil {
				return err
			}
		case '!':
			s.pos++
			skipped, err := s.bang()
			if err != nil || !skipped {
				return err
			}
		default:
			return s.startTag()
		}
	}
}

// charData scans text up to the next '<' or the end of the input.
func (s *xmlScanner) charData() error {
	i := s.pos
	plain := true
	for ; i < len(s.data); i++ {
		c := s.data[i]
		if c == '<' {
			break
		}
		switch {
		case c == '&' || c == '\r' || c >= utf8.RuneSelf || c < ' ' && c != '\t' && c != '\n':
			plain = false
		case c == '>' && i >= s.pos+2 && s.data[i-1] == ']' && s.data[i-2] == ']':
			s.pos = i
			return s.fail("unescaped ]]> not in CDATA section")
		}
	}
	s.kind, s.attrs = tokenText, s.attrs[:0]
	if plain {
		s.text, s.pos = s.data[s.pos:i], i
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
func (s *xmlScanner) decodeText(buf []byte, quote int) ([]byte, error) {
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
func (s *xmlScanner) entity(buf []byte) ([]byte, error) {
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

// checkChars refuses what is not UTF-8 or not an XML character.
func (s *xmlScanner) checkChars(b []byte) error {
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

// isInCharacterRange is XML's Char production.
func isInCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// space skips XML white space.
func (s *xmlScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\r', '\n', '\t':
			s.pos++
		default:
			return
		}
	}
}

// eat consumes c if it comes next.
func (s *xmlScanner) eat(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// readName reads a name (a run of name bytes and multi-byte characters)
// and checks it; ok is false when there is none or it is not a Name.
func (s *xmlScanner) readName() (name []byte, ok bool) {
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
func (s *xmlScanner) nsName() (rawName, bool) {
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

// endTag scans the rest of "</name>".
func (s *xmlScanner) endTag() error {
	name, ok := s.nsName()
	if !ok {
		return s.fail("expected element name after </")
	}
	s.space()
	if !s.eat('>') {
		return s.fail("invalid characters in end tag")
	}
	s.kind, s.name, s.attrs = tokenEnd, name, s.attrs[:0]
	return nil
}

// startTag scans "<name attr='value'...>" or "<name .../>".
func (s *xmlScanner) startTag() error {
	name, ok := s.nsName()
	if !ok {
		return s.fail("expected element name after <")
	}
	s.kind, s.name, s.attrs = tokenStart, name, s.attrs[:0]
	for {
		s.space()
		if s.pos >= len(s.data) {
			return s.fail("unexpected EOF")
		}
		switch s.data[s.pos] {
		case '/':
			s.pos++
			if !s.eat('>') {
				return s.fail("expected /> in element")
			}
			s.closing = true
			return nil
		case '>':
			s.pos++
			return nil
		}
		an, ok := s.nsName()
		if !ok {
			return s.fail("expected attribute name in element")
		}
		s.space()
		if !s.eat('=') {
			return s.fail("attribute name without = in element")
		}
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' && s.data[s.pos] != '\'' {
			return s.fail("unquoted or missing attribute value in element")
		}
		value, err := s.attrValue()
		if err != nil {
			return err
		}
		s.attrs = append(s.attrs, rawAttr{name: an, value: value})
	}
}

// attrValue scans a quoted value from its opening quote. A value without
// references or carriage returns aliases the input; others are decoded
// into a buffer of their own (the token's other values still use theirs).
func (s *xmlScanner) attrValue() ([]byte, error) {
	quote := s.data[s.pos]
	s.pos++
	end := bytes.IndexByte(s.data[s.pos:], quote)
	if end < 0 {
		// encoding/xml reads the value to the end of the input and then
		// fails for want of '>'.
		return nil, s.fail("unexpected EOF")
	}
	v := s.data[s.pos : s.pos+end]
	if bytes.IndexByte(v, '<') >= 0 {
		return nil, s.fail("unescaped < inside quoted string")
	}
	if bytes.IndexByte(v, '&') < 0 && bytes.IndexByte(v, '\r') < 0 {
		if err := s.checkChars(v); err != nil {
			return nil, err
		}
		s.pos += end + 1
		return v, nil
	}
	return s.decodeText(nil, int(quote))
}

// procInst checks and skips "<?target ...?>".
func (s *xmlScanner) procInst() error {
	target, ok := s.readName()
	if !ok {
		return s.fail("expected target name after <?")
	}
	s.space()
	end := bytes.Index(s.data[s.pos:], []byte("?>"))
	if end < 0 {
		return s.fail("unexpected EOF")
	}
	content := s.data[s.pos : s.pos+end]
	s.pos += end + 2
	if string(target) == "xml" {
		if v := procInstParam("version", content); v != "" && v != "1.0" {
			return s.fail("unsupported XML version")
		}
		if enc := procInstParam("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return s.fail("unsupported encoding")
		}
	}
	return nil
}

// procInstParam is encoding/xml's procInst: the quoted value after the
// first "param=" that is followed by a quote.
func procInstParam(param string, content []byte) string {
	s := string(content)
	param += "="
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || len(param)+k >= len(sub) {
			return ""
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

var errDirective = errors.New("ews: XML directives are not allowed")

// bang scans what follows "<!": a comment (checked and skipped) or a CDATA
// section (returned as text).
func (s *xmlScanner) bang() (skipped bool, err error) {
	rest := s.data[s.pos:]
	switch {
	case len(rest) == 0:
		return false, s.fail("unexpected EOF")
	case rest[0] == '-':
		if len(rest) < 2 || rest[1] != '-' {
			return false, s.fail("invalid sequence <!- not part of <!--")
		}
		body := rest[2:]
		i := bytes.Index(body, []byte("--"))
		if i < 0 || i+2 >= len(body) {
			return false, s.fail("unexpected EOF")
		}
		if body[i+2] != '>' {
			return false, s.fail(`invalid sequence "--" not allowed in comments`)
		}
		s.pos += 2 + i + 3
		return true, nil
	case rest[0] == '[':
		const open = "[CDATA["
		if !bytes.HasPrefix(rest, []byte(open)) {
			return false, s.fail("invalid <![ sequence")
		}
		body := rest[len(open):]
		i := bytes.Index(body, []byte("]]>"))
		if i < 0 {
			return false, s.fail("unexpected EOF in CDATA section")
		}
		text := body[:i]
		s.pos += len(open) + i + 3
		if bytes.IndexByte(text, '\r') >= 0 {
			buf := s.scratch[:0]
			for j, c := range text {
				switch {
				case c == '\r':
					buf = append(buf, '\n')
				case c == '\n' && j > 0 && text[j-1] == '\r':
				default:
					buf = append(buf, c)
				}
			}
			s.scratch, text = buf[:0], buf
		}
		if err := s.checkChars(text); err != nil {
			return false, err
		}
		s.kind, s.text, s.attrs = tokenText, text, s.attrs[:0]
		return false, nil
	}
	return false, errDirective
}
