package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail/internal/xmlguard"
)

// tok is a token in a form both tokenizers can produce. No attributes
// compare equal however encoding/xml spells them (nil or empty).
type tok struct {
	Kind  Kind
	Name  xml.Name
	Attrs []xml.Attr
	Text  string
}

// readAll returns the Reader's tokens, adjacent text merged.
func readAll(data []byte) ([]tok, error) {
	var r Reader
	r.Reset(data)
	var out []tok
	for {
		k, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch k {
		case StartElement:
			out = append(out, tok{Kind: k, Name: r.XMLName(), Attrs: r.StartElement().Attr})
		case EndElement:
			out = append(out, tok{Kind: k, Name: r.XMLName()})
		case CharData:
			out = appendText(out, string(r.Text()))
		}
	}
}

// decodeAll returns encoding/xml's tokens in the same form.
func decodeAll(data []byte) ([]tok, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []tok
	for {
		t, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			out = append(out, tok{Kind: StartElement, Name: t.Name, Attrs: t.Attr})
		case xml.EndElement:
			out = append(out, tok{Kind: EndElement, Name: t.Name})
		case xml.CharData:
			out = appendText(out, string(t))
		}
	}
}

func appendText(out []tok, text string) []tok {
	if n := len(out); n > 0 && out[n-1].Kind == CharData {
		out[n-1].Text += text
		return out
	}
	return append(out, tok{Kind: CharData, Text: text})
}

// checkSameTokens requires the Reader to accept what encoding/xml accepts
// (of what xmlguard lets through, the Reader's precondition) and to read it
// to the same tokens.
func checkSameTokens(t *testing.T, data []byte) {
	t.Helper()
	if xmlguard.Check(data, xmlguard.Limits{}) != nil {
		return
	}
	got, gotErr := readAll(data)
	want, wantErr := decodeAll(data)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: Reader error %v, encoding/xml error %v", data, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("%q: tokens (-encoding/xml +Reader):\n%s", data, diff)
	}
}

func TestReaderMatchesEncodingXML(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"declaration and namespaces", `<?xml version="1.0" encoding="utf-8"?>
<s:E xmlns:s="urn:s" xmlns="urn:d"><s:B><A x="1" s:y='2'>t</A><C/></s:B></s:E>`},
		{"redeclared and undeclared default", `<a xmlns="urn:1"><b xmlns="urn:2"><c/></b><d xmlns=""><e/></d><f/></a>`},
		{"references", `<a>&lt;&gt;&amp;&apos;&quot;&#233;&#x1F600;caf&#xe9;</a>`},
		{"CDATA", `<a>x<![CDATA[<not> &markup;]]>y</a>`},
		{"white space in tags", "<a  b = \"1\"\t>\n<c\n/></a >"},
		{"UTF-8 text and attributes", `<a v="Zürich">Café ☕</a>`},
		{"repeated attribute", `<a v="1" v="2"/>`},
		{"no declaration", `<a/>`},
		// More declarations than resolve scans: the map, shadowing and
		// unshadowing as elements close.
		{"many declarations, shadowed and restored", `<r xmlns:a="urn:a1" xmlns:b="urn:b" xmlns:c="urn:c" xmlns:d="urn:d" xmlns:e="urn:e" xmlns:f="urn:f" xmlns:g="urn:g" xmlns:h="urn:h" xmlns:i="urn:i" xmlns="urn:d1">` +
			`<a:x xmlns:a="urn:a2" xmlns=""><a:y a:z="1"/><w/></a:x><a:x i:q="2"/><w/><j:u/></r>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Reader: %v", err)
			}
			want, err := decodeAll([]byte(tt.doc))
			if err != nil {
				t.Fatalf("encoding/xml: %v", err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("tokens (-encoding/xml +Reader):\n%s", diff)
			}
		})
	}
}

// TestReaderCorners is the input the client's former plain scanner left to
// encoding/xml, valid or not: comments, other declarations, processing
// instructions, carriage returns, unknown entities, undeclared prefixes,
// malformed markup. The Reader must agree with encoding/xml on each.
func TestReaderCorners(t *testing.T) {
	for _, doc := range []string{
		`<a><!-- comment --></a>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
		`<a><?pi x?></a>`,
		"<a>\r\n</a>",
		`<a>&nbsp;</a>`,
		`<a>&#0;</a>`,
		`<a>&#x110000;</a>`,
		`<a v="&amp;"/>`,
		`<a v=1/>`,
		`<a v/>`,
		`<a b="1"c="2"/>`,
		`<p:a/>`,
		`<a xmlns:p=""/>`,
		`<xml:a/>`,
		`<a></b>`,
		`<p:a xmlns:p="urn:1"></a>`,
		`<a>`,
		`<a>text`,
		`<a/><b/>`,
		`<a/>text`,
		"\ufeff<a/>",
		"<ä/>",
		`<a:b:c/>`,
		`<a>]]></a>`,
		"<a>\x01</a>",
		"<a>\xff</a>",
		`<a><![CDATA[x</a>`,
		``,
	} {
		checkSameTokens(t, []byte(doc))
	}
}

// FuzzScanner holds the Reader to encoding/xml on any input xmlguard lets
// through: both refuse it, or both read it to the same tokens.
func FuzzScanner(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="utf-8"?><s:E xmlns:s="urn:s"><s:B><A x="1">t&amp;<![CDATA[c]]></A><C/></s:B></s:E>`))
	f.Add([]byte(`<a xmlns="urn:1"><b xmlns=""/>&#233;</a>`))
	f.Add([]byte("<a p:x='1' xmlns:p=\"urn:p\">\r\n<!-- c --><?pi x?></a>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameTokens(t, data)
	})
}

func TestReaderMaxDepth(t *testing.T) {
	var r Reader
	r.MaxDepth = 2
	r.Reset([]byte(`<a><b/><b><c/></b></a>`))
	var err error
	for err == nil {
		_, err = r.Next()
	}
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	r.MaxDepth = 0
	r.Reset([]byte(`<a><b/><b><c/></b></a>`))
	for err = nil; err == nil; {
		_, err = r.Next()
	}
	if err != io.EOF {
		t.Fatalf("without a limit: err = %v, want io.EOF", err)
	}
}
