package soap

import (
	"encoding/xml"
	"fmt"
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
