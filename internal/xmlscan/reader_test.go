package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail"
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

// readLimited reads data to its end under ResetLimits, with r as a
// reused Reader would be.
func readLimited(r *Reader, data []byte, l xmlguard.Limits) error {
	if err := r.ResetLimits(data, l); err != nil {
		return err
	}
	for {
		if _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// checkSameLimits holds ResetLimits to xmlguard.Check: a document the
// Reader reads to its end under the limits passes Check, and on any
// document the Reader reads without limits (or up to a directive) both
// refuse with the same error or both accept.
func checkSameLimits(t *testing.T, r *Reader, data []byte, l xmlguard.Limits) {
	t.Helper()
	want := xmlguard.Check(data, l)
	got := readLimited(r, data, l)
	if got == nil && want != nil {
		t.Fatalf("read under limits %+v, Check refuses: %v, for %q", l, want, data)
	}
	_, plain := readAll(data)
	if plain != nil && !errors.Is(plain, errDirective) {
		return // malformed: Check may find a limit past where the Reader stops
	}
	if !xmlguard.Refused(want) && want != nil {
		t.Fatalf("Check = %v on a document the Reader reads, for %q", want, data)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("under limits %+v: Reader %v, Check %v, for %q", l, got, want, data)
	}
	if xmlguard.Refused(got) {
		// The Reader stays usable, and ResetLimits forgets what was counted.
		l.MaxBytes = 0
		if err := readLimited(r, []byte(`<a xmlns:a="1"/>`), l); err != nil {
			t.Fatalf("next document after %v: %v", got, err)
		}
	}
}

// limitCases are documents at and over each limit.
var limitCases = []struct {
	doc string
	l   xmlguard.Limits
	// want is the error both Check and the Reader return.
	want error
}{
	{`<a><b c="1"/><d>text</d></a>`, xmlguard.Limits{}, nil},
	{`<?xml version="1.0"?><!-- <a><a><a> --><a/>`, xmlguard.Limits{MaxDepth: 1}, nil},
	{`<a x="1 > 0 /"><b></b></a>`, xmlguard.Limits{MaxDepth: 1}, &fedavail.LimitError{What: "nesting depth", Limit: 1}},
	{`<a><![CDATA[<b><c><d>]]></a>`, xmlguard.Limits{MaxDepth: 1}, nil},
	{`<a><b><c/></b></a>`, xmlguard.Limits{MaxDepth: 2}, nil},
	{`<a><b><c></c></b></a>`, xmlguard.Limits{MaxDepth: 2}, &fedavail.LimitError{What: "nesting depth", Limit: 2}},
	{strings.Repeat(`<a>`, 65) + strings.Repeat(`</a>`, 65), xmlguard.Limits{}, &fedavail.LimitError{What: "nesting depth", Limit: 64}},
	{`<!DOCTYPE a><a/>`, xmlguard.Limits{}, fedavail.ErrDTD},
	{`<a><!ENTITY x "y"></a>`, xmlguard.Limits{}, fedavail.ErrDTD},
	{`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>`, xmlguard.Limits{}, fedavail.ErrDTD},
	{`<a>` + strings.Repeat("a", 10) + `</a>`, xmlguard.Limits{MaxBytes: 10}, &fedavail.LimitError{What: "body size", Limit: 10}},
	{`<a v='` + strings.Repeat("x", 99) + `'/>`, xmlguard.Limits{MaxAttrBytes: 99}, nil},
	{`<a v='` + strings.Repeat("x", 100) + `'/>`, xmlguard.Limits{MaxAttrBytes: 99}, &fedavail.LimitError{What: "attribute size", Limit: 99}},
	{`<a w="1" v='` + strings.Repeat("&amp;", 20) + `'/>`, xmlguard.Limits{MaxAttrBytes: 99}, &fedavail.LimitError{What: "attribute size", Limit: 99}},
	{`<a w="1" v='` + strings.Repeat("x", 60) + `' u="` + strings.Repeat("x", 60) + `"/>`, xmlguard.Limits{MaxAttrBytes: 99}, nil},
	{`<a xmlns="urn:a" xmlns:b='urn:b'/>`, xmlguard.Limits{MaxDeclsPerElement: 2}, nil},
	{`<a xmlns="urn:a" xmlns:b='urn:b'` + "\n\txmlns:c=\"urn:c\"/>", xmlguard.Limits{MaxDeclsPerElement: 2}, &fedavail.LimitError{What: "namespace declarations per element", Limit: 2}},
	{`<a xmlns:a="1"xmlns:b='2'xmlns="3"/>`, xmlguard.Limits{MaxDeclsPerElement: 2}, &fedavail.LimitError{What: "namespace declarations per element", Limit: 2}},
	{`<a xmlnsx="1" axmlns:b="2" v="xmlns:c='3'"/>`, xmlguard.Limits{MaxDeclsPerElement: 1, MaxDecls: 1}, nil},
	{`<a xmlns:="1" xmlns:b="2"/>`, xmlguard.Limits{MaxDeclsPerElement: 1}, &fedavail.LimitError{What: "namespace declarations per element", Limit: 1}},
	{`<a xmlns:a="1"><b xmlns:b="2"><c xmlns:c="3"/></b></a>`, xmlguard.Limits{MaxDeclsInScope: 2}, &fedavail.LimitError{What: "namespace declarations in scope", Limit: 2}},
	{`<a xmlns:="1"><b xmlns:b="2"><c xmlns:c="3"/></b></a>`, xmlguard.Limits{MaxDeclsInScope: 2}, &fedavail.LimitError{What: "namespace declarations in scope", Limit: 2}},
	{`<a xmlns:a="1"><b xmlns:b="2"/><c xmlns:c="3"/><d><e xmlns:e="5"/></d></a>`, xmlguard.Limits{MaxDeclsInScope: 2}, nil},
	{`<a xmlns:a="1"><b xmlns:b="2"/><c xmlns:c="3"/></a>`, xmlguard.Limits{MaxDecls: 2}, &fedavail.LimitError{What: "namespace declarations", Limit: 2}},
	{`<a` + strings.Repeat(` xmlns:p="u"`, xmlguard.DefaultMaxDeclsPerElement+1) + `/>`, xmlguard.Limits{}, &fedavail.LimitError{What: "namespace declarations per element", Limit: xmlguard.DefaultMaxDeclsPerElement}},
}

// TestResetLimits checks each limit at and over its value, and holds the
// Reader's verdicts to Check's.
func TestResetLimits(t *testing.T) {
	var r Reader
	for _, tc := range limitCases {
		err := readLimited(&r, []byte(tc.doc), tc.l)
		if !reflect.DeepEqual(err, tc.want) {
			t.Errorf("%.60q under %+v: %v, want %v", tc.doc, tc.l, err, tc.want)
		}
		checkSameLimits(t, &r, []byte(tc.doc), tc.l)
	}
	// Reset lifts the limits again.
	r.Reset([]byte(`<!DOCTYPE a><a/>`))
	if _, err := r.Next(); !errors.Is(err, errDirective) {
		t.Errorf("after Reset, a directive: %v, want the syntax error", err)
	}
}

// FuzzLimits holds ResetLimits to xmlguard.Check on any input, under tight
// limits that fuzzed documents reach.
func FuzzLimits(f *testing.F) {
	for _, tc := range limitCases {
		f.Add([]byte(tc.doc))
	}
	var r Reader
	tight := xmlguard.Limits{MaxBytes: 4096, MaxDepth: 3, MaxAttrBytes: 8, MaxDeclsPerElement: 2, MaxDeclsInScope: 3, MaxDecls: 4}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameLimits(t, &r, data, tight)
		checkSameLimits(t, &r, data, xmlguard.Limits{})
	})
}
