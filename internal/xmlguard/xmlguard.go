// Package xmlguard enforces the safety limits every XML parser in fedavail
// applies before it parses anything: a maximum size, no document type or
// entity declarations, a maximum nesting depth, a maximum attribute size,
// and maximum counts of namespace declarations — per element, in scope at
// once, and in the whole document.
//
// The declaration counts matter because namespace handling multiplies:
// every element a parser resolves looks through the declarations in scope,
// and a decoder that copies them per element (soap's header blocks once
// did) pays declarations × elements for a document the size of their sum.
//
// The check is one pass over the bytes, much cheaper than tokenizing, so it
// runs in front of encoding/xml and etree without doubling their cost.
package xmlguard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

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
	// Real messages declare a handful of prefixes on their root and
	// redeclare the default namespace on a few elements per mailbox (an
	// Exchange availability answer has about five per mailbox, so ~500 at
	// 100 mailboxes); SAML tokens and federation metadata a dozen.
	DefaultMaxDeclsPerElement = 64
	DefaultMaxDeclsInScope    = 256
	DefaultMaxDecls           = 4096
)

// Limits configures [Check] and [ReadAll]. Zero fields take the defaults.
type Limits struct {
	MaxBytes     int64
	MaxDepth     int
	MaxAttrBytes int
	// MaxDeclsPerElement caps the namespace declarations (xmlns and
	// xmlns:prefix attributes) of one start tag.
	MaxDeclsPerElement int
	// MaxDeclsInScope caps the declarations in scope at once: those of an
	// element and of all its ancestors.
	MaxDeclsInScope int
	// MaxDecls caps the declarations of the whole document.
	MaxDecls int
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return DefaultMaxBytes
}

// Depth is the nesting depth limit in effect: MaxDepth, or the default.
func (l Limits) Depth() int { return l.maxDepth() }

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
// A request body cut short by http.MaxBytesReader (the server's own, lower
// limit) is over the limit too: its *http.MaxBytesError comes back as a
// *fedavail.LimitError, so every handler answers it with HTTP 413.
func ReadAll(r io.Reader, l Limits) ([]byte, error) {
	max := l.maxBytes()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, BodyError(err)
	}
	if int64(len(data)) > max {
		return nil, &fedavail.LimitError{What: "body size", Limit: max}
	}
	return data, nil
}

// maxPresized is the largest Content-Length ReadBody trusts for the size
// of its buffer; it is under the default limit.
const maxPresized = 1 << 20

// ReadBody is ReadAll for a request's body with the buffer allocated once,
// at the size the Content-Length announces (up to 1 MiB), instead of grown
// by doubling, which allocates about twice the body. A body longer than
// announced is read on within the limit, as ReadAll reads it.
func ReadBody(r *http.Request, l Limits) ([]byte, error) {
	return ReadBodyInto(r, l, nil)
}

// ReadBodyInto is ReadBody into buf's storage when it is large enough, for
// a caller that recycles its buffers; the body may start at &buf[0]. Like
// ReadAll, it never holds more than the size limit plus one byte.
func ReadBodyInto(r *http.Request, l Limits, buf []byte) ([]byte, error) {
	max := l.maxBytes()
	data := buf[:0]
	if n := r.ContentLength; n > 0 && n <= maxPresized && n <= max && int64(cap(data)) < n+1 {
		data = make([]byte, 0, n+1) // +1: room to see the end without growing
	}
	limit := int(max) + 1 // one byte past the limit tells that it is over
	for {
		if len(data) == cap(data) {
			data = slices.Grow(data, 512) // as io.ReadAll grows
		}
		room := data[len(data):min(cap(data), limit)]
		m, err := r.Body.Read(room)
		data = data[:len(data)+m]
		switch {
		case int64(len(data)) > max:
			return nil, &fedavail.LimitError{What: "body size", Limit: max}
		case err == io.EOF:
			return data, nil
		case err != nil:
			return nil, BodyError(err)
		}
	}
}

// BodyError returns err, or for an *http.MaxBytesError in its chain the
// *fedavail.LimitError for the body size, which handlers answer with
// HTTP 413.
func BodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return &fedavail.LimitError{What: "body size", Limit: mb.Limit}
	}
	return err
}

var errUnterminated = errors.New("unexpected end of input")

// Check scans data and returns fedavail.ErrDTD for a document type or entity
// declaration, a *fedavail.LimitError when the size, nesting depth or an
// attribute value is over the limit, and a *fedavail.XMLError for markup so
// broken that the depth cannot be counted. Well-formedness in general is left
// to the parser that runs next.
func Check(data []byte, l Limits) error {
	if err := l.SizeError(len(data)); err != nil {
		return err
	}
	maxAttr := l.maxAttr()
	t := tags{l: l}
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
			t.end()
			i += end + 1
		default:
			j, selfClosing, decls, err := startTag(rest, maxAttr)
			if err == nil {
				err = t.start(decls, selfClosing)
			}
			if err != nil {
				return err
			}
			i += j + 1
		}
	}
	return nil
}

// tags counts what Check limits as start and end tags go by: the depth
// and the namespace declarations.
type tags struct {
	l     Limits
	depth int
	// inScope[d] is the declarations in scope inside the open element at
	// depth d+1 (its own and its ancestors'); total counts the document's.
	inScope []int
	total   int
}

func (t *tags) start(decls int, selfClosing bool) error {
	scope := decls
	if t.depth > 0 && t.depth <= len(t.inScope) {
		scope += t.inScope[t.depth-1]
	}
	if decls > 0 {
		t.total += decls
		if err := t.l.DeclsError(decls, scope, t.total); err != nil {
			return err
		}
	}
	if selfClosing {
		return nil
	}
	t.depth++
	if err := t.l.DepthError(t.depth); err != nil {
		return err
	}
	if t.depth == len(t.inScope)+1 {
		t.inScope = append(t.inScope, scope)
	}
	return nil
}

// DeclsError is Check's verdict on the namespace declarations of one start
// tag: decls of its own, inScope in scope inside it (its own and its
// ancestors'), total in the document up to and including it. It is nil
// within the limits. A reader that enforces the limits itself (xmlscan's)
// asks it, so that both refuse alike.
func (l Limits) DeclsError(decls, inScope, total int) error {
	perElement := orDefault(l.MaxDeclsPerElement, DefaultMaxDeclsPerElement)
	maxInScope := orDefault(l.MaxDeclsInScope, DefaultMaxDeclsInScope)
	maxTotal := orDefault(l.MaxDecls, DefaultMaxDecls)
	switch {
	case decls > perElement:
		return &fedavail.LimitError{What: "namespace declarations per element", Limit: int64(perElement)}
	case inScope > maxInScope:
		return &fedavail.LimitError{What: "namespace declarations in scope", Limit: int64(maxInScope)}
	case total > maxTotal:
		return &fedavail.LimitError{What: "namespace declarations", Limit: int64(maxTotal)}
	}
	return nil
}

// DepthError is Check's verdict on an element that opens at depth (1 for
// the root): nil within the limit.
func (l Limits) DepthError(depth int) error {
	if max := l.maxDepth(); depth > max {
		return &fedavail.LimitError{What: "nesting depth", Limit: int64(max)}
	}
	return nil
}

// SizeError is Check's verdict on a document of n bytes: nil within the
// limit.
func (l Limits) SizeError(n int) error {
	if int64(n) > l.maxBytes() {
		return &fedavail.LimitError{What: "body size", Limit: l.maxBytes()}
	}
	return nil
}

// AttrSize is the attribute size limit in effect: MaxAttrBytes, or the
// default.
func (l Limits) AttrSize() int { return l.maxAttr() }

// AttrsError is Check's verdict on the attribute values of the start tag
// at the beginning of tag (from its '<'): nil when none is over the limit.
// It costs a pass over the tag, so a reader asks only about tags longer
// than the limit, the only ones that can hold such a value.
func (l Limits) AttrsError(tag []byte) error {
	_, _, _, err := startTag(tag, l.maxAttr())
	var le *fedavail.LimitError
	if errors.As(err, &le) {
		return err
	}
	return nil
}

// Refused reports whether err is one of the refusals Check makes for a
// limit — a *fedavail.LimitError or fedavail.ErrDTD — which a reader that
// enforces the limits itself returns as they are, and its callers pass on
// unwrapped, as they pass on Check's.
func Refused(err error) bool {
	var le *fedavail.LimitError
	return err == fedavail.ErrDTD || errors.As(err, &le)
}

func (t *tags) end() {
	t.depth--
	if t.depth >= 0 && t.depth < len(t.inScope) {
		t.inScope = t.inScope[:t.depth]
	}
}

// startTag finds the '>' that ends the start tag at the beginning of rest,
// skipping quoted attribute values, which may hold '>' or '/', and checking
// their size. It counts the namespace declarations among the attributes.
func startTag(rest []byte, maxAttr int) (end int, selfClosing bool, decls int, err error) {
	// Most tags have no attributes, or short ones: if no quote comes before
	// the first '>', that is the end (and there are no attributes).
	if gt := bytes.IndexByte(rest, '>'); gt > 0 && bytes.IndexAny(rest[:gt], `"'`) < 0 {
		return gt, rest[gt-1] == '/', 0, nil
	}
	j := 1
	var quote byte
	valStart := 0
	for ; j < len(rest); j++ {
		c := rest[j]
		if quote != 0 {
			if c == quote {
				if j-valStart > maxAttr {
					return 0, false, 0, &fedavail.LimitError{What: "attribute size", Limit: int64(maxAttr)}
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
			return j, rest[j-1] == '/', decls, nil
		}
		// An attribute name follows white space or, as encoding/xml
		// reads it, directly the closing quote of the value before.
		if c == 'x' && (isSpace(rest[j-1]) || rest[j-1] == '"' || rest[j-1] == '\'') && isDeclaration(rest[j:]) {
			decls++
		}
	}
	if quote != 0 && len(rest)-valStart > maxAttr {
		return 0, false, 0, &fedavail.LimitError{What: "attribute size", Limit: int64(maxAttr)}
	}
	return 0, false, 0, malformed(errUnterminated)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isDeclaration reports whether an attribute name starting at b is xmlns
// or xmlns:prefix.
func isDeclaration(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("xmlns")) || len(b) == 5 {
		return false
	}
	c := b[5]
	return c == ':' || c == '=' || isSpace(c)
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
