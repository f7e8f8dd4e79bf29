package token

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/xmlguard"
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// The token is read with xmlscan rather than etree's parser: xmlscan
// refuses exactly what encoding/xml (under etree) refuses and takes a
// fraction of its time, above all over the large base64 CipherValue. It
// returns resolved names; buildTree turns its tokens into the etree the
// rest of the package reads, and FuzzParseResolved and
// FuzzParseAssertionTree hold the result to etree's own parse.

// parseResolved parses the encrypted token into an etree whose names are
// resolved: every element carries its namespace as a default-namespace
// declaration and no prefix; attributes keep their local names, a prefixed
// one its namespace as Space. That is all decrypt and skiReference read
// (is, attr, children, text). The tree is never canonicalized.
func parseResolved(data []byte, l xmlguard.Limits, context string) (*etree.Element, error) {
	return buildTree(data, l, context, false)
}

// parseAssertionTree parses the decrypted assertion into an etree with
// names as written (prefixes and declarations), which canonicalization
// needs. Comments and processing instructions, which xmlscan skips and
// exclusive canonicalization drops, are refused (a reader and the signature
// could otherwise see different text); an XML declaration may open the
// document.
func parseAssertionTree(data []byte, l xmlguard.Limits) (*etree.Element, error) {
	root, err := buildTree(data, l, "assertion", true)
	if err != nil {
		return nil, err
	}
	// The document is well-formed, so "<!--" and "<?" can only start a
	// comment or processing instruction (or sit in CDATA, never in a
	// genuine token).
	body := data
	if bytes.HasPrefix(body, []byte("<?xml ")) {
		if end := bytes.Index(body, []byte("?>")); end > 0 {
			body = body[end+2:]
		}
	}
	if bytes.Contains(body, []byte("<!--")) || bytes.Contains(body, []byte("<?")) {
		return nil, formatErr("comment or processing instruction inside the assertion")
	}
	return root, nil
}

// readers keeps xmlscan Readers from token to token: a Reader keeps its
// stacks and its interned names and short attribute values (algorithm
// URIs, IDs; never character data, where the proof key is), which a fresh
// one would allocate again for every validation.
var readers = sync.Pool{New: func() any { return new(xmlscan.Reader) }}

// buildTree reads data into an etree, names as written or resolved. The
// prefix of each name is found again among the declarations in scope;
// a document where that is ambiguous (two prefixes bound to one namespace,
// an unbound prefix, a prefix bound to no namespace, a colon in a local
// name) or that repeats an attribute is refused: encoding/xml and etree
// would read such names differently, and no genuine token has one.
func buildTree(data []byte, l xmlguard.Limits, context string, asWritten bool) (*etree.Element, error) {
	if err := xmlguard.Check(data, l); err != nil {
		return nil, err
	}
	bad := func(err error) error { return &fedavail.XMLError{Context: context, Err: err} }
	r := readers.Get().(*xmlscan.Reader)
	defer func() {
		r.Reset(nil) // keep no reference to the (decrypted) document
		readers.Put(r)
	}()
	r.Reset(data)
	var root *etree.Element
	var open []*etree.Element
	var scope nsScope
	for {
		kind, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bad(err)
		}
		switch kind {
		case xmlscan.StartElement:
			if root != nil && len(open) == 0 {
				return nil, bad(errors.New("more than one root element"))
			}
			el, err := newElement(r, &scope, asWritten)
			if err != nil {
				return nil, err
			}
			if len(open) == 0 {
				root = el
			} else {
				open[len(open)-1].AddChild(el)
			}
			open = append(open, el)
		case xmlscan.EndElement:
			open = open[:len(open)-1]
			scope.pop()
		case xmlscan.CharData:
			if len(open) == 0 {
				if !isSpace(r.Text()) {
					return nil, bad(errors.New("text outside the root element"))
				}
				continue
			}
			open[len(open)-1].CreateText(string(r.Text()))
		}
	}
	if root == nil {
		return nil, bad(errors.New("no root element"))
	}
	return root, nil
}

// newElement makes the element of the start tag r just read, entering its
// declarations into scope.
func newElement(r *xmlscan.Reader, scope *nsScope, asWritten bool) (*etree.Element, error) {
	attrs := r.Attrs()
	scope.push()
	for _, a := range attrs {
		switch {
		case a.Name.Space == "xmlns":
			if a.Value == "" { // forbidden by Namespaces in XML 1.0
				return nil, malformed("prefix %s bound to no namespace", a.Name.Local)
			}
			scope.bind(a.Name.Local, a.Value)
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == "" && asWritten {
				// Undeclaring the default namespace is where
				// canonicalizers disagree (goxmldsig renders xmlns=""
				// where the spec does not); no genuine token does it.
				return nil, malformed("default namespace undeclared")
			}
			scope.bind("", a.Value)
		}
	}
	n := r.Name()
	if !ncName(n.Local) {
		return nil, malformed("element name %q is not an XML name", n.Local)
	}
	prefix, ok := scope.prefixOf(n.Space, true)
	// An unbound prefix resolves to itself, which may happen to be a bound
	// namespace (<p:a xmlns="p">): the prefix found must be the one written.
	if !ok || prefix != string(r.Prefix()) || bytes.IndexByte(n.Local, ':') >= 0 {
		return nil, malformed("element %s: its namespace prefix is unbound or ambiguous", n.Local)
	}
	el := etree.NewElement(string(n.Local))
	el.Attr = make([]etree.Attr, 0, len(attrs)+1)
	if asWritten {
		el.Space = prefix
	} else {
		el.Attr = append(el.Attr, etree.Attr{Key: "xmlns", Value: n.Space})
	}
	for i, a := range attrs {
		at := etree.Attr{Key: a.Name.Local, Value: a.Value}
		if !ncName([]byte(at.Key)) {
			// Canonicalizers order such names differently (goxmldsig puts
			// q:0 before p:x); no genuine token has them.
			return nil, malformed("attribute name %q is not an XML name", at.Key)
		}
		if strings.IndexByte(at.Key, ':') >= 0 {
			return nil, malformed("attribute name %s is not namespace-well-formed", at.Key)
		}
		switch {
		case a.Name.Space == "xmlns", a.Name.Space == "" && a.Name.Local == "xmlns":
			if !asWritten {
				continue // the resolved names carry the namespaces
			}
			at.Space = a.Name.Space
		case a.Name.Space != "":
			p, ok := scope.prefixOf(a.Name.Space, false)
			if !ok || p == "" || p != string(r.AttrPrefix(i)) {
				return nil, malformed("attribute %s: its namespace prefix is unbound or ambiguous", a.Name.Local)
			}
			if at.Space = a.Name.Space; asWritten {
				at.Space = p
			}
		}
		for _, seen := range el.Attr {
			if seen.Space == at.Space && seen.Key == at.Key {
				// encoding/xml reads both, etree keeps the last.
				return nil, formatErr("attribute %s repeated", at.FullKey())
			}
		}
		el.Attr = append(el.Attr, at)
	}
	if !canonicalOrderAgrees(attrs) {
		return nil, formatErr("element %s: its namespaced attributes sort differently by namespace and by name", n.Local)
	}
	return el, nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// nsScope is the namespace declarations in scope while parsing, to find
// the prefix a resolved name was written with.
type nsScope struct {
	binds []nsBind
	marks []int
}

type nsBind struct{ prefix, uri string }

func (s *nsScope) push() { s.marks = append(s.marks, len(s.binds)) }
func (s *nsScope) pop() {
	s.binds = s.binds[:s.marks[len(s.marks)-1]]
	s.marks = s.marks[:len(s.marks)-1]
}
func (s *nsScope) bind(prefix, uri string) { s.binds = append(s.binds, nsBind{prefix, uri}) }

// prefixOf returns the one prefix ("" for the default namespace, allowed
// for elements only) whose innermost binding is uri. An element in no
// namespace has no prefix, provided no default namespace is in force.
func (s *nsScope) prefixOf(uri string, element bool) (string, bool) {
	if uri == xmlNamespace {
		return "xml", true
	}
	found, n := "", 0
	for i := len(s.binds) - 1; i >= 0; i-- {
		b := s.binds[i]
		if b.prefix == "" && !element {
			continue
		}
		if s.shadowed(i) {
			continue
		}
		if b.uri == uri {
			found, n = b.prefix, n+1
		}
	}
	if uri == "" {
		// No namespace: unprefixed, and only if no default is in force
		// (xmlns="" undeclares it).
		for i := len(s.binds) - 1; i >= 0; i-- {
			if s.binds[i].prefix == "" {
				return "", s.binds[i].uri == ""
			}
		}
		return "", true
	}
	return found, n == 1
}

// shadowed reports whether binding i's prefix is bound again further in.
func (s *nsScope) shadowed(i int) bool {
	for j := i + 1; j < len(s.binds); j++ {
		if s.binds[j].prefix == s.binds[i].prefix {
			return true
		}
	}
	return false
}

const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// ncName reports whether b is a plausible XML name without a colon: a
// letter, '_' or a non-ASCII byte first, then those, digits, '-' and '.'.
// It is stricter than a scanner need be about what names start with, which
// is what lets the canonical order agree with goxmldsig's.
func ncName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= 0x80:
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// canonicalOrderAgrees reports whether an element's namespace-qualified
// attributes come out in the same order sorted by namespace URI then local
// name, as Exclusive XML Canonicalization orders them, and by local name
// then namespace URI, as goxmldsig orders them (found by
// FuzzParseAssertionTree: p:x with p="0" and q:A with q="1"). A signer and a
// verifier that disagree there would see different bytes; no genuine token
// has such an element, so it is refused rather than guessed.
func canonicalOrderAgrees(attrs []xml.Attr) bool {
	type qa struct{ uri, local string }
	var q []qa
	for _, a := range attrs {
		if a.Name.Space == "" || a.Name.Space == "xmlns" {
			continue
		}
		q = append(q, qa{a.Name.Space, a.Name.Local})
	}
	if len(q) < 2 {
		return true
	}
	byURI := slices.Clone(q)
	slices.SortFunc(byURI, func(a, b qa) int { return cmp.Or(strings.Compare(a.uri, b.uri), strings.Compare(a.local, b.local)) })
	byName := slices.Clone(q)
	slices.SortFunc(byName, func(a, b qa) int { return cmp.Or(strings.Compare(a.local, b.local), strings.Compare(a.uri, b.uri)) })
	return slices.Equal(byURI, byName)
}

// malformed is the error of an assertion that is not namespace-well-formed
// XML. Decrypted bytes that are not XML are what a tampered ciphertext or
// a wrong key gives (CBC has no integrity of its own), so the validator
// counts them as a decryption failure, as it counts a syntax error.
func malformed(format string, args ...any) error {
	return &fedavail.XMLError{Context: "SAML assertion", Err: fmt.Errorf(format, args...)}
}
