package xmlscan

import (
	"encoding/xml"
	"errors"
	"io"
	"slices"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// xmlNamespace is what the reserved prefix "xml" stands for.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// Reader reads a document's start tags, end tags and character data. It
// does on top of its tokenizer what encoding/xml's Token adds to RawToken:
// it resolves namespace prefixes exactly as Token does (an unknown prefix
// stays as the name's Space; "xml" is the XML namespace) and checks that
// every end tag closes the element it should.
//
// The zero value is ready for [Reader.Reset]. A Reader can be reused for
// one document after another, keeping its stacks, buffers and interned
// strings; it is not safe for concurrent use.
type Reader struct {
	s scanner
	// guarded is set by ResetLimits: Next then enforces limits as
	// xmlguard.Check would (see guard).
	guarded bool
	limits  xmlguard.Limits
	// maxDepth and maxAttr are the limits' depth and attribute size,
	// resolved once per document: guard runs on every start tag.
	maxDepth, maxAttr int
	// decls counts the document's namespace declarations read so far.
	decls int
	// space is the resolved namespace of the last start or end tag.
	space string
	// binds are the namespace declarations in scope, innermost last.
	binds []binding
	// top maps a prefix ("" for the default namespace) to the index in
	// binds of its innermost declaration, so that resolving a name costs
	// the same however many declarations are in scope. It is kept only
	// while there are more than linearBinds (see bind).
	top map[string]int
	// open are the elements not yet closed, innermost last.
	open []openElement
	// attrs is Attrs's result, reused from token to token.
	attrs []xml.Attr
	// textBuf is ReadText's result, reused from call to call.
	textBuf []byte
	// names interns namespaces, names and short attribute values: documents
	// repeat a few dozen of them thousands of times, and so do the requests
	// a server reads with one pooled Reader after another.
	names map[string]string
	// recent are the strings intern returned last, by a hash of their
	// bytes, in sets of two.
	recent [1 << recentBits]string
}

type binding struct {
	prefix string // "" for the default namespace
	uri    string
	// shadows is the index in binds of the declaration of the same prefix
	// this one hides, -1 for none; only unbind reads it, for declarations
	// beyond linearBinds, and it is -1 for the others.
	shadows int
}

type openElement struct {
	// name and nameLen locate the name as written in the document: as
	// offsets, not a slice, so that pushing an element copies one pointer
	// (space), which matters while the GC's write barrier is on.
	name, nameLen int
	space         string // the name's namespace, resolved at the start tag
	binds         int    // len(binds) before the element's own declarations
	// scope counts the declarations in scope inside the element, as
	// xmlguard counts them; kept only under ResetLimits.
	scope int
}

// Name is a resolved element name. Local is only valid until the next call
// to Next.
type Name struct {
	Space string
	Local []byte
}

// Is reports whether n is the element local in namespace space.
func (n Name) Is(space, local string) bool {
	return n.Space == space && string(n.Local) == local
}

// errEndTag is the error of an end tag that does not close the open element.
var errEndTag = errors.New("xmlscan: end tag does not match the open element")

// Reset starts reading data, which must not change while it is read,
// with no limits: a caller runs xmlguard.Check first, or uses ResetLimits.
func (r *Reader) Reset(data []byte) {
	r.s.reset(data)
	r.binds, r.open = r.binds[:0], r.open[:0]
	clear(r.top)
	r.guarded, r.decls = false, 0
}

// ResetLimits is Reset for a document xmlguard.Check has not seen: Next
// then refuses what Check refuses, with the same errors (passed on as they
// are, not as syntax errors), as the tokens that break a limit come —
// the size at once (ResetLimits returns it), then a directive
// (fedavail.ErrDTD), and on each start tag an attribute value, the
// namespace declarations (per element, in scope, in the document) and the
// nesting depth (a *fedavail.LimitError). A document read to its end
// under these limits has passed Check; one refused partway has cost only
// what was read. The limits hold until the next Reset.
func (r *Reader) ResetLimits(data []byte, l xmlguard.Limits) error {
	r.Reset(data)
	r.guarded, r.limits = true, l
	r.maxDepth, r.maxAttr = l.Depth(), l.AttrSize()
	return l.SizeError(len(data))
}

// bind declares prefix ("" for the default namespace) as uri. While
// binds holds no more than linearBinds, resolve scans it and top is not
// kept: most documents never need the map, and keeping it cost a map
// write per declaration and another when its element closed.
func (r *Reader) bind(prefix, uri string) {
	shadows := -1
	if len(r.binds) < linearBinds {
		r.binds = append(r.binds, binding{prefix, uri, shadows})
		return
	}
	if r.top == nil {
		r.top = make(map[string]int)
	}
	if len(r.binds) == linearBinds { // the map starts now, from scratch
		clear(r.top)
		for i, b := range r.binds {
			r.top[b.prefix] = i
		}
	}
	if i, ok := r.top[prefix]; ok {
		shadows = i
	}
	r.top[prefix] = len(r.binds)
	r.binds = append(r.binds, binding{prefix, uri, shadows})
}

// unbind drops the declarations from binds[mark] on, restoring in top
// those whose removal leaves it in use (more than linearBinds in binds).
func (r *Reader) unbind(mark int) {
	for i := len(r.binds) - 1; i >= mark && i > linearBinds; i-- {
		if b := r.binds[i]; b.shadows >= 0 {
			r.top[b.prefix] = b.shadows
		} else {
			delete(r.top, b.prefix)
		}
	}
	r.binds = r.binds[:mark]
}

// Bind declares a namespace, given as its xmlns attribute, from an
// enclosing element that is not part of the document: a header block read
// on its own, say.
func (r *Reader) Bind(decl xml.Attr) {
	var prefix string
	if decl.Name.Space == "xmlns" {
		prefix = decl.Name.Local
	}
	r.bind(prefix, decl.Value)
}

// Next reads the next start tag, end tag or character data. At the end of
// the input it returns io.EOF, or io.ErrUnexpectedEOF if an element is
// still open. Any other error means the document is not well-formed XML
// that encoding/xml would read.
func (r *Reader) Next() (Kind, error) { return r.next(true) }

// next is Next; without resolve, a start tag's declarations are not bound
// and its name not resolved (Name's Space is empty), which nothing can
// tell while skipping an element: the checks — well-formedness, end tags,
// limits — are the same.
func (r *Reader) next(resolve bool) (Kind, error) {
	if err := r.s.next(); err != nil {
		switch {
		case err == io.EOF && len(r.open) > 0:
			err = io.ErrUnexpectedEOF
		case err == errDirective && r.guarded:
			err = fedavail.ErrDTD
		}
		return 0, err
	}
	switch r.s.kind {
	case StartElement:
		scope := 0
		if r.guarded {
			var err error
			if scope, err = r.guard(); err != nil {
				return 0, err
			}
		}
		mark := len(r.binds)
		r.space = ""
		if resolve {
			for _, a := range r.s.attrs {
				switch {
				case string(a.name.prefix) == "xmlns":
					r.bind(r.intern(a.name.local), r.intern(a.value))
				case a.name.prefix == nil && string(a.name.local) == "xmlns":
					r.bind("", r.intern(a.value))
				}
			}
			r.space = r.resolve(&r.s.name, true)
		}
		// The scanner reads a start tag's name right after its '<'.
		r.open = append(r.open, openElement{name: r.s.start + 1, nameLen: len(r.s.name.qname), space: r.space, binds: mark, scope: scope})
	case EndElement:
		if len(r.open) == 0 {
			return 0, errEndTag
		}
		top := r.open[len(r.open)-1]
		if string(r.s.data[top.name:top.name+top.nameLen]) != string(r.s.name.qname) {
			return 0, errEndTag
		}
		r.space = top.space // the declarations in scope are the start tag's
		r.unbind(top.binds)
		r.open = r.open[:len(r.open)-1]
	}
	return r.s.kind, nil
}

// guard checks the start tag just scanned against the limits, in the order
// xmlguard.Check checks a tag, before its declarations are bound, and
// returns the declarations in scope inside it.
func (r *Reader) guard() (scope int, err error) {
	// Only a tag longer than the limit can hold a value over it.
	if r.s.pos-r.s.start > r.maxAttr {
		if err := r.limits.AttrsError(r.s.data[r.s.start:r.s.pos]); err != nil {
			return 0, err
		}
	}
	decls := 0
	for _, a := range r.s.attrs { // most tags have none or few
		// xmlguard counts every attribute named xmlns or xmlns:…,
		// "xmlns:" included, which declares nothing.
		if q := a.name.qname; len(q) >= 5 && string(q[:5]) == "xmlns" && (len(q) == 5 || q[5] == ':') {
			decls++
		}
	}
	scope = decls
	if len(r.open) > 0 {
		scope += r.open[len(r.open)-1].scope
	}
	if decls > 0 {
		r.decls += decls
		if err := r.limits.DeclsError(decls, scope, r.decls); err != nil {
			return 0, err
		}
	}
	if r.s.closing || len(r.open) < r.maxDepth {
		return scope, nil // a self-closing element opens nothing, as Check counts it
	}
	return scope, r.limits.DepthError(len(r.open) + 1)
}

// Name is the resolved name of the last start or end tag.
func (r *Reader) Name() Name { return Name{r.space, r.s.name.local} }

// Prefix is the namespace prefix the last start or end tag was written
// with (nil for none): Name resolves it, and an unbound one stays as the
// namespace, as encoding/xml leaves it, so callers that must tell "bound"
// from "written that way" compare the two. Valid until the next call to Next.
func (r *Reader) Prefix() []byte { return r.s.name.prefix }

// AttrPrefix is the prefix attribute i of the last start tag (in Attrs'
// order) was written with, nil for none.
func (r *Reader) AttrPrefix(i int) []byte { return r.s.attrs[i].name.prefix }

// XMLName is Name as encoding/xml has it, in interned strings.
func (r *Reader) XMLName() xml.Name {
	return xml.Name{Space: r.space, Local: r.intern(r.s.name.local)}
}

// Attrs are the attributes of the last start tag, in order and resolved as
// encoding/xml's Token resolves them, namespace declarations included. The
// slice is only valid until the next call to Next.
func (r *Reader) Attrs() []xml.Attr {
	r.attrs = r.attrs[:0]
	for i := range r.s.attrs {
		a := &r.s.attrs[i]
		r.attrs = append(r.attrs, xml.Attr{
			Name:  xml.Name{Space: r.resolve(&a.name, false), Local: r.intern(a.name.local)},
			Value: r.intern(a.value),
		})
	}
	return r.attrs
}

// StartElement is the last start tag as encoding/xml's Token returns it:
// names resolved, attributes in order, nil when there are none. It is the
// caller's to keep.
func (r *Reader) StartElement() xml.StartElement {
	t := xml.StartElement{Name: r.XMLName()}
	if attrs := r.Attrs(); len(attrs) > 0 {
		t.Attr = slices.Clone(attrs)
	}
	return t
}

// Text is the last character data, references decoded and line ends
// normalized. It is only valid until the next call to Next.
func (r *Reader) Text() []byte { return r.s.text }

// Depth is the number of elements open: 1 after the root's start tag, 0
// after its end tag.
func (r *Reader) Depth() int { return len(r.open) }

// TokenOffset is where the last token began in the document.
func (r *Reader) TokenOffset() int { return r.s.start }

// Offset is where the next token begins.
func (r *Reader) Offset() int { return r.s.pos }

// resolve mirrors encoding/xml's translation of a raw name.
func (r *Reader) resolve(n *rawName, element bool) string {
	switch {
	case string(n.prefix) == "xmlns":
		return "xmlns"
	case n.prefix == nil && !element:
		return ""
	case string(n.prefix) == "xml":
		return xmlNamespace
	case n.prefix == nil && string(n.local) == "xmlns":
		return ""
	}
	if len(r.binds) <= linearBinds {
		// A few declarations, as real documents have: a scan beats hashing.
		for i := len(r.binds) - 1; i >= 0; i-- {
			if r.binds[i].prefix == string(n.prefix) {
				return r.binds[i].uri
			}
		}
	} else if i, ok := r.top[string(n.prefix)]; ok { // string(n.prefix) allocates nothing here
		return r.binds[i].uri
	}
	return string(n.prefix) // an unbound prefix stays; no prefix means no namespace
}

// linearBinds is how many declarations in scope resolve scans before it
// looks prefixes up in its map instead.
const linearBinds = 8

// Bounds of the intern table, which outlives documents: strings longer
// than maxInternedLen are not worth a lookup next time, and a table that
// reaches maxInterned entries (a document of ever-new names) starts over.
const (
	maxInterned    = 512
	maxInternedLen = 128
)

// intern returns b as a string, allocating once per distinct value. The
// strings it returned last are looked up first by a hash of five of b's
// bytes and its length, which costs a comparison or two where the map
// costs hashing all of b (namespaces are long and every element may
// declare one). Each hash picks a set of two slots, the latest first: a
// federated request's eighty-odd lookups of some fifty strings then all
// hit (one slot per hash and 64 slots missed 14 of them).
func (r *Reader) intern(b []byte) string {
	if len(b) > maxInternedLen {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	n := len(b)
	x := uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16 | uint64(n)<<24 | uint64(b[n/4])<<32 | uint64(b[n-1-n/4])<<40
	set := (*[2]string)(r.recent[(x*0x9e3779b97f4a7c15)>>(64-recentBits)&^1:])
	if set[0] == string(b) {
		return set[0]
	}
	if set[1] == string(b) {
		return set[1]
	}
	v, ok := r.names[string(b)]
	if !ok {
		switch {
		case r.names == nil:
			r.names = make(map[string]string, 64)
		case len(r.names) >= maxInterned:
			clear(r.names)
		}
		v = string(b)
		r.names[v] = v
	}
	set[1], set[0] = set[0], v
	return v
}

// recentBits is the log2 of how many strings intern keeps at hand
// (4 KB of string headers a Reader).
const recentBits = 8
