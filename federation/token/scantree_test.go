package token

import (
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail/internal/testshared"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// serialize writes el as etree writes it: names as written, attributes in
// order, text escaped. Two trees that serialize alike canonicalize alike.
func serialize(t testing.TB, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sameTree checks parseAssertionTree against etree's own parse of b: it
// must accept only what etree accepts, and build the same tree.
func sameTree(t *testing.T, b []byte) {
	t.Helper()
	got, err := parseAssertionTree(b, xmlguard.Limits{MaxBytes: 1 << 16})
	if err != nil {
		return
	}
	doc, err := xmlguard.ParseEtree(b, xmlguard.Limits{MaxBytes: 1 << 16}, "assertion")
	if err != nil {
		t.Fatalf("parseAssertionTree accepts what etree refuses (%v):\n%q", err, b)
	}
	if g, w := serialize(t, got), serialize(t, doc.Root()); g != w {
		t.Fatalf("trees differ:\nxmlscan: %s\netree:   %s", g, w)
	}
}

var treeInputs = []string{
	`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="a"><saml:Conditions/></saml:Assertion>`,
	`<?xml version="1.0" encoding="utf-8"?><a xmlns="urn:x" b="1"><c xmlns="urn:y" xml:lang="en"> t &amp; &lt;x&gt; &#65;&#x42; </c><d/></a>`,
	"<a xmlns:p=\"urn:p\"><p:b p:c=\"v&#9;\r\nw\">x\r\ny<![CDATA[<z>&]]></p:b><e/></a>",
	`<p:a xmlns:p="urn:p"><p:b xmlns:p="urn:q"><p:c/></p:b><p:d/></p:a>`,
	`<a xmlns:p="urn:z" xmlns:q="urn:a"><b p:k="1" q:k="2" q:j="3" z="4"/><c xmlns:r="urn:m" r:k="5" p:k="6"/></a>`,
}

func TestParseAssertionTreeMatchesEtree(t *testing.T) {
	inputs := append([]string{string(testshared.Sample(t, mfgAssertion))}, treeInputs...)
	for _, in := range inputs {
		if _, err := parseAssertionTree([]byte(in), xmlguard.Limits{}); err != nil {
			t.Errorf("refused %q: %v", in, err)
			continue
		}
		sameTree(t, []byte(in))
	}
	// Refused: what a reader and the signature could see differently, and
	// names whose prefix cannot be told.
	for _, in := range []string{
		`<a><b>x<!-- -->y</b></a>`,
		`<a><?pi x?></a>`,
		`<a/><!-- after -->`,
		`<p:a xmlns:p="urn:p" xmlns:q="urn:p"/>`, // two prefixes, one namespace
		`<a xmlns="urn:p" xmlns:q="urn:p"><q:b/></a>`,
		`<p:a/>`,                      // unbound
		`<p:a xmlns="p"></p:a>`,       // unbound, though its name resolves to the default namespace (fuzz)
		`<a xmlns:x="q" q:b="1"></a>`, // the same for an attribute
		`<a xmlns:p="0" xmlns:q="1"><A p:x="" q:0=""/></a>`, // not an XML name: canonical orders differ (fuzz)
		`<a xmlns:p="0" xmlns:q="1"><A p:x="" q:A=""/></a>`, // URI order and name order disagree (fuzz)
		`<0a/>`,
		`<a q:b="1"/>`,
		`<a/><b/>`,
		`<!DOCTYPE a><a/>`,
		`<a b="1" b="2"/>`,
		`<a xmlns="urn:a"><b xmlns=""/></a>`,
		`<a xmlns:p="urn:p" xmlns:q="urn:q" p:b="1" q:b="2" p:b="3"/>`,
	} {
		if _, err := parseAssertionTree([]byte(in), xmlguard.Limits{}); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

// FuzzParseAssertionTree holds parseAssertionTree to etree's parse, and
// canonicalize to goxmldsig's canonicalization of the tree.
func FuzzParseAssertionTree(f *testing.F) {
	f.Add(testshared.Sample(f, mfgAssertion))
	for _, in := range treeInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameTree(t, b)
		sameC14N(t, b)
	})
}

// resolvedDump lists what decrypt reads of a tree: each element's
// namespace and local name, its unprefixed attributes and its text.
func resolvedDump(el *etree.Element, b *strings.Builder) {
	fmt.Fprintf(b, "<{%s}%s", el.NamespaceURI(), el.Tag)
	for _, a := range el.Attr {
		if a.Space == "" && a.Key != "xmlns" {
			fmt.Fprintf(b, " %s=%q", a.Key, a.Value)
		}
	}
	b.WriteString(">")
	for _, c := range el.Child {
		switch c := c.(type) {
		case *etree.Element:
			resolvedDump(c, b)
		case *etree.CharData:
			fmt.Fprintf(b, "%q", c.Data)
		}
	}
	b.WriteString("</>")
}

// FuzzParseResolved holds the encrypted token's reader to etree's parse:
// it accepts only what etree accepts, and decrypt reads the same names,
// attributes and text from both.
func FuzzParseResolved(f *testing.F) {
	k := mustKeys(f)
	tok, err := testIssuer(f, k).Issue(testClaims(), k.org.Cert)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok.EncryptedData)
	f.Add([]byte(`<e:EncryptedData xmlns:e="http://www.w3.org/2001/04/xmlenc#"><e:CipherData><e:CipherValue>QUJD&#x44;</e:CipherValue></e:CipherData></e:EncryptedData>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l := xmlguard.Limits{MaxBytes: 1 << 16}
		got, err := parseResolved(b, l, "token")
		if err != nil {
			return
		}
		doc, err := xmlguard.ParseEtree(b, l, "token")
		if err != nil {
			t.Fatalf("parseResolved accepts what etree refuses (%v): %q", err, b)
		}
		var g, w strings.Builder
		resolvedDump(got, &g)
		resolvedDump(doc.Root(), &w)
		if g.String() != w.String() {
			t.Fatalf("trees differ:\nxmlscan: %s\netree:   %s", g.String(), w.String())
		}
	})
}
