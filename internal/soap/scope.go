package soap

import (
	"bytes"
	"encoding/xml"
	"unicode/utf8"
)

// Scope is the set of namespace declarations in scope at an element: the
// declarations of one enclosing element (a frame) and the Scope of the
// element enclosing that one. Every element under a frame shares it, so a
// message with d declarations and h header blocks costs d + h, not d × h
// as copying the declarations into each block would (issue 12).
//
// A nil *Scope declares nothing. Scopes are immutable and safe for
// concurrent use.
type Scope struct {
	parent *Scope
	decls  []xml.Attr
	// index maps a prefix ("" for the default namespace) to its
	// position in decls, the last of a prefix winning; built only for
	// large frames, small ones are searched.
	index map[string]int
	// small holds decls when there are few (an envelope's one or two),
	// so that a frame costs one allocation, not two.
	small [smallFrame]xml.Attr
}

// smallFrame is how many declarations a Scope holds without a slice of
// their own.
const smallFrame = 2

// indexFrom is the frame size from which a Scope indexes its declarations.
const indexFrom = 8

// NewScope returns the scope inside an element with attributes attrs whose
// own scope is parent. When attrs declare no namespace it returns parent.
func NewScope(parent *Scope, attrs []xml.Attr) *Scope {
	n := 0
	for _, a := range attrs {
		if isDecl(a) {
			n++
		}
	}
	if n == 0 {
		return parent
	}
	s := &Scope{parent: parent}
	if n <= smallFrame {
		s.decls = s.small[:0:n]
	} else {
		s.decls = make([]xml.Attr, 0, n)
	}
	for _, a := range attrs {
		if isDecl(a) {
			s.decls = append(s.decls, a)
		}
	}
	decls := s.decls
	if len(decls) >= indexFrom {
		s.index = make(map[string]int, len(decls))
		for i, a := range decls {
			s.index[declPrefix(a)] = i
		}
	}
	return s
}

// Lookup returns the declaration of prefix ("" for the default namespace)
// that is in effect, the innermost winning.
func (s *Scope) Lookup(prefix string) (xml.Attr, bool) {
	for ; s != nil; s = s.parent {
		if s.index != nil {
			if i, ok := s.index[prefix]; ok {
				return s.decls[i], true
			}
			continue
		}
		for i := len(s.decls) - 1; i >= 0; i-- {
			if declPrefix(s.decls[i]) == prefix {
				return s.decls[i], true
			}
		}
	}
	return xml.Attr{}, false
}

// Declarations returns the declarations in effect, innermost frame first,
// one per prefix (within a frame the last, as encoding/xml resolves a
// prefix declared twice). It costs what is in scope: call it once per
// message, not per element.
func (s *Scope) Declarations() []xml.Attr {
	var out []xml.Attr
	seen := map[string]bool{}
	for ; s != nil; s = s.parent {
		for i := len(s.decls) - 1; i >= 0; i-- {
			a := s.decls[i]
			if p := declPrefix(a); !seen[p] {
				seen[p] = true
				out = append(out, a)
			}
		}
	}
	return out
}

func isDecl(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns"
}

// declPrefix is the prefix a declaration declares, "" for the default
// namespace.
func declPrefix(a xml.Attr) string {
	if a.Name.Space == "" {
		return ""
	}
	return a.Name.Local
}

// prefixesUsed calls f with every run of name characters that a colon
// follows in raw: every prefix raw uses in a name, and some that only look
// like one (in text, in URIs), which is harmless — they are looked up and
// dropped. Each byte is visited at most twice.
func prefixesUsed(raw []byte, f func(prefix []byte)) {
	for i := 0; ; {
		c := bytes.IndexByte(raw[i:], ':')
		if c < 0 {
			return
		}
		end := i + c
		start := end
		for start > i && isPrefixByte(raw[start-1]) {
			start--
		}
		if start < end {
			f(raw[start:end])
		}
		i = end + 1
	}
}

// isPrefixByte reports whether c may be part of a namespace prefix (an
// NCName); multi-byte characters are let through, the lookup decides.
func isPrefixByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '-' || c >= utf8.RuneSelf
}

// Equal reports whether s and o put the same declarations in effect,
// however they are split into frames (go-cmp uses it to compare messages).
func (s *Scope) Equal(o *Scope) bool {
	a, b := s.Declarations(), o.Declarations()
	if len(a) != len(b) {
		return false
	}
	for _, d := range a {
		if e, ok := o.Lookup(declPrefix(d)); !ok || e.Value != d.Value {
			return false
		}
	}
	return true
}
