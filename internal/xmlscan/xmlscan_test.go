package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tok is a token in a form both tokenizers can produce. Attributes are
// compared by local name and value: the scanner leaves prefixes
// unresolved.
type tok struct {
	Kind  Kind
	Name  xml.Name
	Attrs []xml.Attr
	Text  string
}

// scanAll returns the scanner's tokens, adjacent text merged.
func scanAll(data []byte) ([]tok, error) {
	s := New(data)
	var out []tok
	for {
		k, err := s.Next()
		if err != nil {
			return out, err
		}
		switch k {
		case EOF:
			return out, nil
		case StartElement:
			var attrs []xml.Attr
			for _, a := range s.Attrs() {
				attrs = append(attrs, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
			}
			out = append(out, tok{Kind: k, Name: s.Name(), Attrs: attrs})
		case EndElement:
			out = append(out, tok{Kind: k, Name: s.Name()})
		case CharData:
			out = appendText(out, string(s.Text()))
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
			var attrs []xml.Attr
			for _, a := range t.Attr {
				attrs = append(attrs, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
			}
			out = append(out, tok{Kind: StartElement, Name: t.Name, Attrs: attrs})
		case xml.EndElement:
			out = append(out, tok{Kind: EndElement, Name: t.Name})
		case xml.CharData:
			if len(out) > 0 { // text around the root is not a token of the scanner
				out = appendText(out, string(t))
			}
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

// trimTrailing drops text after the root element, which encoding/xml
// reports and the scanner does not.
func trimTrailing(ts []tok) []tok {
	if n := len(ts); n > 0 && ts[n-1].Kind == CharData {
		return ts[:n-1]
	}
	return ts
}

func TestScannerMatchesEncodingXML(t *testing.T) {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanAll([]byte(tt.doc))
			if err != nil {
				t.Fatalf("scanner: %v", err)
			}
			want, err := decodeAll([]byte(tt.doc))
			if err != nil {
				t.Fatalf("encoding/xml: %v", err)
			}
			if diff := cmp.Diff(trimTrailing(want), got); diff != "" {
				t.Errorf("tokens (-encoding/xml +scanner):\n%s", diff)
			}
		})
	}
}

// TestScannerDeclines lists input the scanner leaves to encoding/xml, valid
// or not.
func TestScannerDeclines(t *testing.T) {
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
		if _, err := scanAll([]byte(doc)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q: err = %v, want ErrUnsupported", doc, err)
		}
	}
}

// FuzzScanner checks the scanner's promise: whatever it reads to the end,
// encoding/xml reads too, to the same tokens.
func FuzzScanner(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="utf-8"?><s:E xmlns:s="urn:s"><s:B><A x="1">t&amp;<![CDATA[c]]></A><C/></s:B></s:E>`))
	f.Add([]byte(`<a xmlns="urn:1"><b xmlns=""/>&#233;</a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := scanAll(data)
		if err != nil {
			return
		}
		want, err := decodeAll(data)
		if err != nil {
			t.Fatalf("scanner read %q, encoding/xml: %v", data, err)
		}
		if diff := cmp.Diff(trimTrailing(want), got); diff != "" {
			t.Fatalf("%q (-encoding/xml +scanner):\n%s", data, diff)
		}
	})
}
