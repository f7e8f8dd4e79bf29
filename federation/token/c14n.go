package token

import (
	"errors"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Exclusive XML canonicalization 1.0 without comments and without an
// inclusive prefix list, the only form delegation tokens use, written
// straight from the tree: no copy of the tree, no namespace map per
// element, and the tree left as it was. goxmldsig's canonicalizer, which
// this replaces on the validation path, transforms the tree in place and
// then serializes a copy of it. TestC14NMatchesGoxmldsig and
// FuzzParseAssertionTree hold the two to the same bytes.

// errC14N is the refusal of a tree canonicalization cannot render: a
// prefix with no declaration in scope, or a reserved one redeclared.
var errC14N = errors.New("token: the element cannot be canonicalized")

// c14n is one canonicalization's state: the namespace declarations the
// output has made, innermost last, and scratch space for sorting.
type c14n struct {
	out      []byte
	rendered []nsBind
	attrs    []c14nAttr
}

type c14nAttr struct {
	uri  string // the attribute's namespace; "" for none
	attr etree.Attr
}

// canonicalize returns the exclusive canonical form of el, which may sit
// inside a larger tree: declarations in scope from its ancestors count,
// as the spec's document subset does. sizeHint is the expected size of the
// result (the canonical form is about as long as the parsed text).
func canonicalize(el *etree.Element, sizeHint int) ([]byte, error) {
	c := c14n{out: make([]byte, 0, sizeHint)}
	if err := c.element(el); err != nil {
		return nil, err
	}
	return c.out, nil
}

// lookup finds the namespace prefix ("" for the default) stands for at el.
func lookup(el *etree.Element, prefix string) (string, bool) {
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if (prefix == "" && a.Space == "" && a.Key == "xmlns") || (prefix != "" && a.Space == "xmlns" && a.Key == prefix) {
				return a.Value, true
			}
		}
	}
	return "", prefix == ""
}

// renderedURI is the namespace the output last declared for prefix, and
// whether it declared one.
func (c *c14n) renderedURI(prefix string) (string, bool) {
	for i := len(c.rendered) - 1; i >= 0; i-- {
		if c.rendered[i].prefix == prefix {
			return c.rendered[i].uri, true
		}
	}
	return "", false
}

func (c *c14n) element(el *etree.Element) error {
	mark := len(c.rendered)
	defer func() { c.rendered = c.rendered[:mark] }()

	// The namespaces el visibly uses: its own prefix and its prefixed
	// attributes' (xml: is never declared). Sorted by prefix, the default
	// namespace first, which is the canonical order of declarations.
	var used [8]string
	prefixes := append(used[:0], el.Space)
	// c.attrs is scratch space: the attributes are written before any
	// child is visited.
	c.attrs = c.attrs[:0]
	for _, a := range el.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		ca := c14nAttr{attr: a}
		if a.Space != "" && a.Space != "xml" {
			uri, ok := lookup(el, a.Space)
			if !ok {
				return errC14N
			}
			ca.uri = uri
			if !slices.Contains(prefixes, a.Space) {
				prefixes = append(prefixes, a.Space)
			}
		} else if a.Space == "xml" {
			ca.uri = xmlNamespace
		}
		c.attrs = append(c.attrs, ca)
	}
	attrs := c.attrs
	slices.Sort(prefixes)

	c.out = append(c.out, '<')
	c.out = appendQName(c.out, el.Space, el.Tag)
	for _, p := range prefixes {
		if p == "xml" || p == "xmlns" {
			if p == "xmlns" {
				return errC14N
			}
			continue
		}
		uri, ok := lookup(el, p)
		if !ok {
			return errC14N
		}
		have, declared := c.renderedURI(p)
		if p == "" && !declared {
			// Nothing rendered above: an empty default needs no
			// undeclaration.
			have, declared = "", true
		}
		if declared && have == uri {
			continue
		}
		c.rendered = append(c.rendered, nsBind{p, uri})
		if p == "" {
			c.out = append(c.out, ` xmlns="`...)
		} else {
			c.out = append(c.out, ` xmlns:`...)
			c.out = append(c.out, p...)
			c.out = append(c.out, `="`...)
		}
		c.out = appendEscaped(c.out, uri, true)
		c.out = append(c.out, '"')
	}
	// Attributes in canonical order: by namespace URI (none first), then
	// by local name.
	slices.SortFunc(attrs, func(x, y c14nAttr) int {
		if n := strings.Compare(x.uri, y.uri); n != 0 {
			return n
		}
		return strings.Compare(x.attr.Key, y.attr.Key)
	})
	for _, a := range attrs {
		c.out = append(c.out, ' ')
		c.out = appendQName(c.out, a.attr.Space, a.attr.Key)
		c.out = append(c.out, `="`...)
		c.out = appendEscaped(c.out, a.attr.Value, true)
		c.out = append(c.out, '"')
	}
	c.out = append(c.out, '>')
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			if err := c.element(t); err != nil {
				return err
			}
		case *etree.CharData:
			c.out = appendEscaped(c.out, t.Data, false)
		case *etree.Comment, *etree.ProcInst:
			// dropped, as without comments; the parser refuses both
		default:
			return errC14N
		}
	}
	c.out = append(c.out, "</"...)
	c.out = appendQName(c.out, el.Space, el.Tag)
	c.out = append(c.out, '>')
	return nil
}

func appendQName(b []byte, prefix, local string) []byte {
	if prefix != "" {
		b = append(b, prefix...)
		b = append(b, ':')
	}
	return append(b, local...)
}

// appendEscaped escapes text or an attribute value as Canonical XML 1.0
// does (§2.3): &, <, > in text, &, <, " and the white space characters in
// attribute values, and carriage returns everywhere.
func appendEscaped(b []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '&':
			b = append(b, "&amp;"...)
		case ch == '<':
			b = append(b, "&lt;"...)
		case ch == '>' && !attr:
			b = append(b, "&gt;"...)
		case ch == '"' && attr:
			b = append(b, "&quot;"...)
		case ch == '\t' && attr:
			b = append(b, "&#x9;"...)
		case ch == '\n' && attr:
			b = append(b, "&#xA;"...)
		case ch == '\r':
			b = append(b, "&#xD;"...)
		default:
			b = append(b, ch)
		}
	}
	return b
}
