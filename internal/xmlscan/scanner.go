package xmlscan

import (
	"bytes"
	"io"
	"strconv"
)

// The scanner below is a strict tokenizer, the counterpart of
// encoding/xml's Decoder.RawToken. Each rule is encoding/xml's, read off its
// source: names are runs of name bytes checked against XML's Name
// production; "a:b" splits at a single colon, a name with two is refused;
// attribute values must be quoted and may not hold '<'; text may not hold
// "]]>"; the five predefined entities and character references up to
// U+10FFFF are decoded (a surrogate becomes U+FFFD), any other '&' is
// refused; "\r\n" and "\r" become "\n"; text and values must be UTF-8 of
// XML characters; comments may not hold "--"; an <?xml?> declaration may
// name only version 1.0 and UTF-8.
//
// Directives (<!DOCTYPE and the like) are refused outright: encoding/xml
// returns them as tokens, but xmlguard.Check, which runs first, already
// refuses every document that has one.

// Kind is the kind of a token. Comments and processing instructions are
// checked and skipped: nothing reads them.
type Kind uint8

// Token kinds. A self-closing element is a StartElement then an
// EndElement, as encoding/xml returns it.
const (
	StartElement Kind = iota + 1
	EndElement
	CharData
)

// rawName is an element or attribute name as written, whole and split;
// prefix is nil when there is none. All alias the scanned document.
type rawName struct{ qname, prefix, local []byte }

// rawAttr is an attribute, its value decoded.
type rawAttr struct {
	name  rawName
	value []byte
}

// syntaxError is the scanner's error. Which rule a document breaks
// matters to no caller (the server answers every malformed request with the
// same fault, the client asks encoding/xml for its error); the message is
// for logs.
type syntaxError struct {
	offset int
	what   string
}

func (e *syntaxError) Error() string {
	return "xmlscan: XML syntax error at byte " + strconv.Itoa(e.offset) + ": " + e.what
}

// scanner tokenizes one document. Its zero value is ready for reset.
type scanner struct {
	data []byte
	pos  int
	// closing is set after a self-closing start tag, whose end tag is the
	// next token, as RawToken returns it.
	closing bool
	// Fields of the last token; slices alias data or the scratch buffers
	// and are valid until the next call.
	kind  Kind
	start int // offset of the token's first byte
	name  rawName
	attrs []rawAttr
	text  []byte
	// scratch holds decoded character data when it differs from the input.
	scratch []byte
}

func (s *scanner) reset(data []byte) {
	s.data, s.pos, s.closing = data, 0, false
	s.attrs = s.attrs[:0]
}

func (s *scanner) fail(what string) error {
	return &syntaxError{offset: s.pos, what: what}
}

// next scans the next token; io.EOF at the end of the input.
func (s *scanner) next() error {
	if s.closing {
		s.closing = false
		s.kind, s.attrs = EndElement, s.attrs[:0]
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

// space skips XML white space.
func (s *scanner) space() {
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
func (s *scanner) eat(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// endTag scans the rest of "</name>".
func (s *scanner) endTag() error {
	if !s.nsName(&s.name) {
		return s.fail("expected element name after </")
	}
	s.space()
	if !s.eat('>') {
		return s.fail("invalid characters in end tag")
	}
	s.kind, s.attrs = EndElement, s.attrs[:0]
	return nil
}

// startTag scans "<name attr='value'...>" or "<name .../>".
func (s *scanner) startTag() error {
	if !s.nsName(&s.name) {
		return s.fail("expected element name after <")
	}
	s.kind, s.attrs = StartElement, s.attrs[:0]
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
		s.attrs = append(s.attrs, rawAttr{})
		a := &s.attrs[len(s.attrs)-1]
		if !s.nsName(&a.name) {
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
		var err error
		if a.value, err = s.attrValue(); err != nil {
			return err
		}
	}
}

// attrValue scans a quoted value from its opening quote. A value without
// references or carriage returns aliases the input; others are decoded
// into a buffer of their own (the token's other values still use theirs).
func (s *scanner) attrValue() ([]byte, error) {
	quote := s.data[s.pos]
	s.pos++
	// Most values are printable ASCII through and through: one pass finds
	// their end and vouches for every byte. Anything else takes the
	// general path from the value's start.
	rest := s.data[s.pos:]
	if i := plainRun(rest, quote, '<', '&'); i < len(rest) && rest[i] == quote {
		s.pos += i + 1
		return rest[:i], nil
	}
	end := bytes.IndexByte(rest, quote)
	if end < 0 {
		// encoding/xml reads the value to the end of the input and then
		// fails for want of '>'.
		return nil, s.fail("unexpected EOF")
	}
	v := rest[:end]
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
