package soap

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decl(prefix, uri string) xml.Attr {
	if prefix == "" {
		return xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: uri}
	}
	return xml.Attr{Name: xml.Name{Space: "xmlns", Local: prefix}, Value: uri}
}

// TestScope covers lookup through frames, small and indexed, shadowing,
// and the frames NewScope skips.
func TestScope(t *testing.T) {
	var big []xml.Attr
	for i := range indexFrom + 2 {
		big = append(big, decl(fmt.Sprintf("p%d", i), fmt.Sprintf("urn:outer%d", i)))
	}
	outer := NewScope(nil, append(big, decl("", "urn:default")))
	if NewScope(outer, []xml.Attr{{Name: xml.Name{Local: "id"}, Value: "1"}}) != outer {
		t.Error("a frame without declarations was not skipped")
	}
	inner := NewScope(outer, []xml.Attr{decl("p1", "urn:inner"), {Name: xml.Name{Local: "id"}, Value: "1"}})
	tests := []struct {
		prefix string
		want   string
		ok     bool
	}{
		{"p1", "urn:inner", true},
		{"p0", "urn:outer0", true},
		{"p9", "urn:outer9", true},
		{"", "urn:default", true},
		{"q", "", false},
	}
	for _, tt := range tests {
		a, ok := inner.Lookup(tt.prefix)
		if ok != tt.ok || a.Value != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.prefix, a.Value, ok, tt.want, tt.ok)
		}
	}
	if got := len(inner.Declarations()); got != len(big)+1 {
		t.Errorf("%d declarations in effect, want %d", got, len(big)+1)
	}
	var none *Scope
	if _, ok := none.Lookup(""); ok || none.Declarations() != nil {
		t.Error("a nil Scope declares something")
	}
	// Equal compares what is in effect, not how it is split into frames.
	flat := NewScope(nil, append(append([]xml.Attr{decl("", "urn:default"), decl("p1", "urn:inner")}, big[:1]...), big[2:]...))
	if !cmp.Equal(inner, flat) || cmp.Equal(inner, outer) {
		t.Error("Equal does not compare the declarations in effect")
	}
}

// TestStandaloneAddsOnlyWhatIsUsed: the prefixes a part uses in names,
// attribute values and text, and the default namespace, are declared on
// it; the others in scope are not.
func TestStandaloneAddsOnlyWhatIsUsed(t *testing.T) {
	scope := NewScope(nil, []xml.Attr{decl("", "urn:d"), decl("a", "urn:a"), decl("b", "urn:b"), decl("t", "urn:t"), decl("unused", "urn:u")})
	el := Element{Raw: []byte(`<a:X b:y="t:Q">a:b</a:X>`), Scope: scope}
	want := `<a:X xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xmlns:t="urn:t" b:y="t:Q">a:b</a:X>`
	if got := string(el.Standalone()); got != want {
		t.Errorf("Standalone = %s\nwant         %s", got, want)
	}
	own := Element{Raw: []byte(`<a:X xmlns:a="urn:own"/>`), Attr: []xml.Attr{decl("a", "urn:own")}, Scope: NewScope(nil, []xml.Attr{decl("a", "urn:a")})}
	if got := string(own.Standalone()); got != `<a:X xmlns:a="urn:own"/>` {
		t.Errorf("a redeclared prefix was added: %s", got)
	}
}

// TestAppendStandalone: AppendStandalone appends exactly Standalone's bytes
// after what the buffer holds, also past the prefixes the set keeps in its
// array (a part using many prefixes), and copies Raw when nothing is added.
func TestAppendStandalone(t *testing.T) {
	var decls []xml.Attr
	var raw, want strings.Builder
	raw.WriteString(`<p0:X>`)
	want.WriteString(`<p0:X`)
	for i := range 40 {
		p := fmt.Sprintf("p%d", i)
		decls = append(decls, decl(p, "urn:"+p))
		fmt.Fprintf(&raw, `<%s:Y/>`, p)
		fmt.Fprintf(&want, ` xmlns:%s="urn:%s"`, p, p)
	}
	raw.WriteString(`<p0:Y/><p39:Y/></p0:X>`)
	want.WriteString(raw.String()[len(`<p0:X`):])
	decls = append(decls, decl("amp", `urn:a&"b`))
	el := Element{Raw: []byte(raw.String()), Scope: NewScope(nil, decls)}
	if got := string(el.AppendStandalone([]byte("head"))); got != "head"+want.String() {
		t.Errorf("AppendStandalone = %s\nwant              head%s", got, want.String())
	}
	if got := string(el.Standalone()); got != want.String() {
		t.Errorf("Standalone = %s\nwant       %s", got, want.String())
	}
	esc := Element{Raw: []byte(`<amp:X/>`), Scope: el.Scope}
	if got, wantEsc := string(esc.AppendStandalone(nil)), `<amp:X xmlns:amp="urn:a&amp;&#34;b"/>`; got != wantEsc {
		t.Errorf("escaped: %s, want %s", got, wantEsc)
	}
	bare := Element{Raw: []byte(`<X/>`)}
	buf := bare.AppendStandalone(make([]byte, 0, 8))
	if string(buf) != `<X/>` || &buf[0] == &bare.Raw[0] {
		t.Errorf("AppendStandalone without a scope = %q (must copy Raw)", buf)
	}
}

// inheritedByLookup is appendInherited without the candidates' fast path:
// every prefix-like run of Raw looked up in the scope, as prefixesUsed
// finds them. The fast path must add the same declarations in the same
// order.
func inheritedByLookup(e *Element) []byte {
	done := prefixSet{own: e.Attr}
	b := e.appendDecl(nil, &done, nil)
	prefixesUsed(e.Raw, func(p []byte) { b = e.appendDecl(b, &done, p) })
	return b
}

// TestInheritedCandidatesMatchLookup holds appendInherited's fast path
// to the lookup of every run, over parts made of a few prefixes (runs that
// are, contain or end with one), colons in a row, and scopes with shadowed,
// own and too many declarations.
func TestInheritedCandidatesMatchLookup(t *testing.T) {
	pieces := []string{"a", "ab", "b", "xa", "a.b", "s", "xmlns", ":", "::", " ", "<", "=\"", "é", "-a", "a-", "_"}
	rnd := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := range 20000 {
		var raw strings.Builder
		raw.WriteString("<x")
		for range rnd.IntN(24) {
			raw.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		var outer, inner, own []xml.Attr
		for _, p := range []string{"", "a", "ab", "b", "s", "xa", "xmlns", "a.b"} {
			switch rnd.IntN(4) {
			case 0:
				outer = append(outer, decl(p, "urn:o:"+p))
			case 1:
				inner = append(inner, decl(p, "urn:i:"+p))
			case 2:
				own = append(own, decl(p, "urn:own:"+p))
			}
		}
		if i%7 == 0 { // more prefixes than the fast path takes
			for k := range maxCandidates {
				outer = append(outer, decl(fmt.Sprintf("p%d", k), "urn:p"))
			}
		}
		e := Element{Raw: []byte(raw.String()), Attr: own, Scope: NewScope(NewScope(nil, outer), inner)}
		var c candidates
		if c.collect(e.Scope, &prefixSet{own: own}) {
			fast++
		}
		if got, want := string(e.appendInherited(nil)), string(inheritedByLookup(&e)); got != want {
			t.Fatalf("raw %q own %v outer %v inner %v:\nappendInherited %s\nby lookup       %s", raw.String(), own, outer, inner, got, want)
		}
	}
	if fast == 0 || fast == 20000 {
		t.Errorf("fast path taken %d times of 20000: both paths must be exercised", fast)
	}
}
