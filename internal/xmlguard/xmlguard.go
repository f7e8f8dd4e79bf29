// Package xmlguard enforces the safety limits every XML parser in fedavail
// applies before it parses anything: a maximum size, no document type or
// entity declarations, a maximum nesting depth and a maximum attribute size.
//
// The check is one pass over the bytes, much cheaper than tokenizing, so it
// runs in front of encoding/xml and etree without doubling their cost.
package xmlguard

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
)

// Default limits. They are far above what any real Autodiscover, EWS or
// WS-Trust message needs (a 100-mailbox, 42-day detailed free/busy answer is a
// few megabytes) and far below what hurts a server.
const (
	DefaultMaxBytes     = 16 << 20
	DefaultMaxDepth     = 64
	DefaultMaxAttrBytes = 64 << 10
)

// Limits configures [Check] and [ReadAll]. Zero fields take the defaults.
type Limits struct {
	MaxBytes     int64
	MaxDepth     int
	MaxAttrBytes int
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return DefaultMaxBytes
}

func (l Limits) maxDepth() int {
	if l.MaxDepth > 0 {
		return l.MaxDepth
	}
	return DefaultMaxDepth
}

func (l Limits) maxAttr() int {
	if l.MaxAttrBytes > 0 {
		return l.MaxAttrBytes
	}
	return DefaultMaxAttrBytes
}

// ReadAll reads r to the end, failing with a *fedavail.LimitError as soon as
// more than the size limit has arrived (it never buffers more than limit+1 bytes).
func ReadAll(r io.Reader, l Limits) ([]byte, error) {
	max := l.maxBytes()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &fedavail.LimitError{What: "body size", Limit: max}
	}
	return data, nil
}

var errUnterminated = errors.New("unexpected end of input")

// Check scans data and returns fedavail.ErrDTD for a document type or entity
// declaration, a *fedavail.LimitError when the size, nesting depth or an
// attribute value is over the limit, and a *fedavail.XMLError for markup so
// broken that the depth cannot be counted. Well-formedness in general is left
// to the parser that runs next.
func Check(data []byte, l Limits) error {
	if int64(len(data)) > l.maxBytes() {
		return &fedavail.LimitError{What: "body size", Limit: l.maxBytes()}
	}
	maxDepth, maxAttr := l.maxDepth(), l.maxAttr()
	depth := 0
	n := len(data)
	for i := 0; i < n; {
		lt := bytes.IndexByte(data[i:], '<')
		if lt < 0 {
			return nil
		}
		i += lt
		rest := data[i:]
		var next byte
		if len(rest) > 1 {
			next = rest[1]
		}
		// Dispatch on the byte after '<': this loop runs once per tag of
		// multi-megabyte answers, in front of every parser.
		switch {
		case next == '!' && bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return malformed(errUnterminated)
			}
			i += 4 + end + 3
		case next == '!' && bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return malformed(errUnterminated)
			}
			i += 9 + end + 3
		case next == '?':
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return malformed(errUnterminated)
			}
			i += 2 + end + 2
		case next == '!':
			// <!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST, <!NOTATION: all declarations.
			return fedavail.ErrDTD
		case next == '/':
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return malformed(errUnterminated)
			}
			depth--
			i += end + 1
		default:
			j, selfClosing, err := startTag(rest, maxAttr)
			if err != nil {
				return err
			}
			if !selfClosing {
				depth++
				if depth > maxDepth {
					return &fedavail.LimitError{What: "nesting depth", Limit: int64(maxDepth)}
				}
			}
			i += j + 1
		}
	}
	return nil
}

// startTag finds the '>' that ends the start tag at the beginning of rest,
// skipping quoted attribute values, which may hold '>' or '/', and checking
// their size.
func startTag(rest []byte, maxAttr int) (end int, selfClosing bool, err error) {
	// Most tags have no attributes, or short ones: if no quote comes before
	// the first '>', that is the end.
	if gt := bytes.IndexByte(rest, '>'); gt > 0 && bytes.IndexAny(rest[:gt], `"'`) < 0 {
		return gt, rest[gt-1] == '/', nil
	}
	j := 1
	var quote byte
	valStart := 0
	for ; j < len(rest); j++ {
		c := rest[j]
		if quote != 0 {
			if c == quote {
				if j-valStart > maxAttr {
					return 0, false, &fedavail.LimitError{What: "attribute size", Limit: int64(maxAttr)}
				}
				quote = 0
			}
			continue
		}
		if c == '"' || c == '\'' {
			quote, valStart = c, j+1
			continue
		}
		if c == '>' {
			return j, rest[j-1] == '/', nil
		}
	}
	if quote != 0 && len(rest)-valStart > maxAttr {
		return 0, false, &fedavail.LimitError{What: "attribute size", Limit: int64(maxAttr)}
	}
	return 0, false, malformed(errUnterminated)
}

func malformed(err error) error {
	return &fedavail.XMLError{Context: "XML", Err: err}
}

// ParseEtree checks data against the limits and parses it into an etree
// document. Parse errors come back as *fedavail.XMLError.
func ParseEtree(data []byte, l Limits, context string) (*etree.Document, error) {
	if err := Check(data, l); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, &fedavail.XMLError{Context: context, Err: err}
	}
	if doc.Root() == nil {
		return nil, &fedavail.XMLError{Context: context, Err: fmt.Errorf("no root element")}
	}
	if err := oneRoot(doc); err != nil {
		return nil, &fedavail.XMLError{Context: context, Err: err}
	}
	return doc, nil
}

// oneRoot refuses what etree reads without complaint but XML forbids: a
// second root element or text outside the root. Callers look at Root(),
// the first element; a parser elsewhere might take the last, and that
// difference is what signature wrapping feeds on.
func oneRoot(doc *etree.Document) error {
	roots := 0
	for _, tok := range doc.Child {
		switch tok := tok.(type) {
		case *etree.Element:
			if roots++; roots > 1 {
				return fmt.Errorf("more than one root element")
			}
		case *etree.CharData:
			if len(bytes.TrimSpace([]byte(tok.Data))) > 0 {
				return fmt.Errorf("text outside the root element")
			}
		}
	}
	return nil
}
