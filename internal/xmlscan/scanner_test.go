package xmlscan

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// plainRunByByte is plainRun one byte at a time, as its doc states it.
func plainRunByByte(b []byte, a, c, d byte) int {
	for i, x := range b {
		if x < ' ' || x >= utf8.RuneSelf || x == a || x == c || x == d {
			return i
		}
	}
	return len(b)
}

// TestPlainRun holds the word-at-a-time scan to the byte-at-a-time rule:
// every byte value at every offset of runs of every length around the
// word, double-word and 32-byte step sizes, alone, after another special
// byte (whose borrow must not hide or invent the first) and before one.
func TestPlainRun(t *testing.T) {
	for _, stops := range [][3]byte{{'<', '>', '&'}, {'"', '<', '&'}, {'\'', '<', '&'}} {
		for n := 0; n <= 72; n++ {
			base := bytes.Repeat([]byte("Ab+/9="), 12)[:n]
			for p := 0; p < n; p++ {
				for v := range 256 {
					for _, second := range []int{-1, p - 1, p + 1, n - 1} {
						b := bytes.Clone(base)
						b[p] = byte(v)
						if second >= 0 && second < n && second != p {
							b[second] = 0x1f
						}
						want := plainRunByByte(b, stops[0], stops[1], stops[2])
						if got := plainRun(b, stops[0], stops[1], stops[2]); got != want {
							t.Fatalf("plainRun(%q, %q) = %d, want %d", b, stops[:], got, want)
						}
					}
				}
			}
		}
	}
}

// TestScannerMatchesEncodingXML covers what the fast paths of names,
// values, text and the declaration must leave to the general ones, each at
// both sides of the word boundaries of the text scan.
func TestScannerMatchesEncodingXML(t *testing.T) {
	long := strings.Repeat("abcdefgh", 3)
	var docs []string
	for _, special := range []string{"&amp;", "&#233;", "\r\n", "\r", "\t", "\n", "é", "\x01", "\xff", "]]>", "]]", ">", "'", `"`, "<", "&bogus;", "\u00a0", "\ufffe",
		// Runs of multi-byte characters, which text skips whole and
		// checks after, with what follows them.
		"会議室", "会議室&amp;", "会議室\r\n", "会議室]]>", "会議\ufffe室", "会議\x01室", "é\t會",
		// "]]>" after what sends text down the general path, which must
		// find it alone.
		"&amp;x]]>", "\r]]>", "]]&amp;>", "]]\r>", "&amp;]]", "会議室&amp;]]>",
		// The edges of XML's Char production beyond ASCII.
		"\ufffd", "\uffff", "會\uffff", "\ud7ff", "\ue000", "\U00010000", "\U0010ffff"} {
		for _, pad := range []string{"", "x", long[:7], long[:8], long[:9], long[:15], long[:16], long[:17]} {
			docs = append(docs,
				"<a>"+pad+special+pad+"</a>",
				`<a v="`+pad+special+pad+`"/>`,
				`<a v='`+pad+special+pad+`'/>`,
				`<a v="`+pad+special+pad+`" w='`+special+`'>`+special+`</a>`,
			)
		}
	}
	docs = append(docs,
		// Names: colons, non-ASCII characters, bad first characters.
		`<a:b:c/>`, `<:a/>`, `<a:/>`, `<a::b/>`, `<é:b xmlns:é="urn:x"/>`, `<a é="1"/>`, `<1a/>`, `<-a/>`, `<.a/>`, `<a b:c:d="1"/>`,
		"<a\u00b7/>", "<\u00b7a/>", "<a\u0300/>", "<\u0300a/>", `<a></a:b>`, `<a:b></a>`,
		// Declarations: versions, encodings, quoting.
		`<?xml version="1.0" encoding="utf-8"?><a/>`,
		`<?xml version='1.0' encoding='UTF-8'?><a/>`,
		`<?xml version="1.1"?><a/>`,
		`<?xml version=""?><a/>`,
		`<?xml version=1.1?><a/>`,
		`<?xml version = "1.1"?><a/>`,
		`<?xml encoding="latin1" version="1.0"?><a/>`,
		`<?xml versionx="1.1" version="1.0"?><a/>`,
		`<?xml version="1.0" encoding="utf8"?><a/>`,
		`<?xml version="1.0" encoding=""?><a/>`,
		`<?xml version="1.0" encoding="utf-8`,
		`<?xml version="1.0?><a/>`,
		`<?xmlx version="2"?><a/>`,
	)
	for _, doc := range docs {
		checkSameTokens(t, []byte(doc))
	}
}

// TestScannerRefusesBadUTF8 checks without xmlguard in front (which
// refuses these first) that the Reader itself refuses bytes that are not
// UTF-8 wherever the fast paths read them, as encoding/xml does.
func TestScannerRefusesBadUTF8(t *testing.T) {
	long := strings.Repeat("abcdefgh", 3)
	for _, bad := range []string{"\x80", "\x9f", "\xa0", "\xc3", "\xff", "\xed\xa0\x80", "会議\xff室", "会議\xe4\xbc室", "会議\xed\xa0\x80", "会\xc3", "\xf4\x90\x80\x80", "\xc0\xaf"} {
		for _, pad := range []string{"", long[:7], long[:8], long[:16], long[:17]} {
			for _, doc := range []string{"<a>" + pad + bad + pad + "</a>", `<a v="` + pad + bad + pad + `"/>`, `<a v='` + bad + pad + `'/>`} {
				if _, err := readAll([]byte(doc)); err == nil {
					t.Errorf("%q: Reader accepts it", doc)
				}
				if _, err := decodeAll([]byte(doc)); err == nil {
					t.Errorf("%q: encoding/xml accepts it", doc)
				}
			}
		}
	}
}

// TestReaderDeclarationsAcrossLinearBinds reads declarations that fill the
// linear scan, spill into the map, shadow one another at every depth and
// unwind, again and again as siblings open and close, and holds every
// resolved name to encoding/xml's.
func TestReaderDeclarationsAcrossLinearBinds(t *testing.T) {
	var b strings.Builder
	uses := func(level int) {
		for p := range 5 {
			fmt.Fprintf(&b, `<p%d:u a="1" p%d:v="2"/><w/>`, p, (p+level)%5)
		}
	}
	var open func(level int)
	open = func(level int) {
		for sibling := range 2 {
			fmt.Fprintf(&b, `<p%d:e%d xmlns="urn:d%d.%d"`, level%5, level, level, sibling)
			for k := range 3 {
				p := (level*3 + k + sibling) % 5
				fmt.Fprintf(&b, ` xmlns:p%d="urn:p%d.%d.%d"`, p, p, level, sibling)
			}
			b.WriteString(`>`)
			uses(level)
			if level < 5 {
				open(level + 1)
			}
			uses(level)
			fmt.Fprintf(&b, `</p%d:e%d>`, level%5, level)
		}
	}
	b.WriteString(`<root xmlns:p0="urn:p0" xmlns:p1="urn:p1" xmlns:p2="urn:p2" xmlns:p3="urn:p3" xmlns:p4="urn:p4">`)
	open(0)
	b.WriteString(`</root>`)
	doc := []byte(b.String())
	got, err := readAll(doc)
	if err != nil {
		t.Fatalf("Reader: %v", err)
	}
	want, err := decodeAll(doc)
	if err != nil {
		t.Fatalf("encoding/xml: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("tokens (-encoding/xml +Reader):\n%s", diff)
	}
}

// TestInternCollisions interns values that share the bytes intern's cache
// hashes (length; first, quarter, middle, three-quarter and last byte), so
// that they contend for one set of slots, and requires each back
// unchanged, and the same string for the same bytes while the table keeps
// it.
func TestInternCollisions(t *testing.T) {
	var r Reader
	var vals []string
	for i := range 300 {
		v := []byte("a0q00m00z0b") // bytes 0, 2, 5, 8 and 10 are hashed
		v[3], v[4], v[6] = '0'+byte(i/100), '0'+byte(i/10%10), '0'+byte(i%10)
		vals = append(vals, string(v))
	}
	for round := range 3 {
		for _, v := range vals {
			got := r.intern([]byte(v))
			if got != v {
				t.Fatalf("round %d: intern(%q) = %q", round, v, got)
			}
			if again := r.intern([]byte(v)); unsafe.StringData(again) != unsafe.StringData(got) {
				t.Fatalf("round %d: intern(%q) twice made two strings", round, v)
			}
		}
	}
	if got := r.intern(nil); got != "" {
		t.Fatalf("intern(nil) = %q", got)
	}
}

// TestReaderReuseAllocatesNothing reads the benchmark's request and answer
// with one Reader, attributes resolved: once it has seen them, reading them
// again allocates nothing (the declaration included).
func TestReaderReuseAllocatesNothing(t *testing.T) {
	for _, doc := range []string{benchRequest(benchToken()), benchAnswer()} {
		data := []byte(doc)
		var r Reader
		read := func() {
			if err := readThrough(&r, data, true); err != nil {
				t.Fatal(err)
			}
		}
		read()
		if n := testing.AllocsPerRun(20, read); n != 0 {
			t.Errorf("%d allocations per document read again, want 0", int(n))
		}
	}
}

// TestNamesAcrossWords reads names of every length around the eight-byte
// words readName classifies, with colons and multi-byte characters at
// every offset, as element and attribute names and up to the end of the
// input, against encoding/xml.
func TestNamesAcrossWords(t *testing.T) {
	const letters = "abcdefghijklmnopqrst"
	for n := 1; n <= len(letters); n++ {
		base := letters[:n]
		names := []string{base}
		for p := range n {
			names = append(names,
				base[:p]+":"+base[p:],      // one colon anywhere, ends too
				base[:p]+":"+base[p:]+":",  // two
				base[:p]+"é"+base[p:],      // a letter
				base[:p]+"\u00b7"+base[p:], // a name character that may not begin one
				base[:p]+"-."+base[p:],     // punctuation of names
				base[:p]+"\u2028"+base[p:], // not a name character
			)
		}
		for _, name := range names {
			for _, doc := range []string{
				"<" + name + "/>",
				"<" + name + " " + name + `="v"></` + name + ">",
				"<a " + name + `='v'/>`,
				"<a></" + name,
				"<" + name,
			} {
				checkSameTokens(t, []byte(doc))
			}
		}
	}
}

// nameByEncodingXML asks encoding/xml whether b is a Name, as the target of
// a processing instruction, which it reads as a plain Name: the scanner did
// so itself before it had the tables.
func nameByEncodingXML(b []byte) bool {
	d := xml.NewDecoder(io.MultiReader(strings.NewReader("<?"), bytes.NewReader(b), strings.NewReader(" ?>")))
	tok, err := d.RawToken()
	pi, ok := tok.(xml.ProcInst)
	return err == nil && ok && pi.Target == string(b)
}

// TestNameTables holds isXMLName to encoding/xml for every rune of the
// Basic Multilingual Plane (where the tables' ranges all lie) and a sample
// beyond, alone, after a letter and before one, and for broken UTF-8.
func TestNameTables(t *testing.T) {
	check := func(b []byte) {
		t.Helper()
		if got, want := isXMLName(b), nameByEncodingXML(b); got != want {
			t.Fatalf("isXMLName(%q) = %v, encoding/xml says %v", b, got, want)
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r > 0xFFFF && r%251 != 0 || !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		check([]byte(s))
		check([]byte("é" + s)) // after a multi-byte letter: ASCII too
		check([]byte(s + "é"))
	}
	for _, b := range []string{"a\xff", "\xc3", "é\xc3", "\xed\xa0\x80", "a\xef\xbf\xbd"} {
		check([]byte(b))
	}
}
