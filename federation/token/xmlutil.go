package token

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/beevik/etree"
)

// is reports whether el is the element {space}local, resolving its prefix.
func is(el *etree.Element, space, local string) bool {
	return el != nil && el.Tag == local && el.NamespaceURI() == space
}

// children returns el's child elements named {space}local; nil el has none.
func children(el *etree.Element, space, local string) []*etree.Element {
	if el == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, space, local) {
			out = append(out, c)
		}
	}
	return out
}

// child returns el's only child named {space}local, or nil when there is
// none or more than one: a repeated element is never silently chosen.
func child(el *etree.Element, space, local string) *etree.Element {
	cs := children(el, space, local)
	if len(cs) != 1 {
		return nil
	}
	return cs[0]
}

// attr returns the unprefixed attribute key of el, or "" (also for nil el).
func attr(el *etree.Element, key string) string {
	if el == nil {
		return ""
	}
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value
		}
	}
	return ""
}

var errMixedContent = errors.New("token: claim value has child elements")

// text returns all character data of el, which must have no child elements.
// Unlike etree's Text, which stops at the first comment, it never returns a
// prefix of the value.
func text(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.CharData:
			b.WriteString(t.Data)
		case *etree.Element:
			return "", errMixedContent
		}
	}
	return b.String(), nil
}

// decodeBase64 decodes standard base64, ignoring the line breaks and spaces
// that XML serializers put into long values.
func decodeBase64(s string) ([]byte, error) {
	// The decoder skips line breaks itself; only spaces and tabs need a
	// copy of the value, and the values seen in practice (a CipherValue of
	// several kilobytes on every validation) have none.
	if strings.IndexByte(s, ' ') >= 0 || strings.IndexByte(s, '\t') >= 0 {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n':
				return -1
			}
			return r
		}, s)
	}
	return base64.StdEncoding.DecodeString(s)
}
