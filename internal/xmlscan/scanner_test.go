package xmlscan

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
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
// word and double-word sizes, alone, after another special byte (whose
// borrow must not hide or invent the first) and before one.
func TestPlainRun(t *testing.T) {
	for _, stops := range [][3]byte{{'<', '>', '&'}, {'"', '<', '&'}, {'\'', '<', '&'}} {
		for n := 0; n <= 40; n++ {
			base := bytes.Repeat([]byte("Ab+/9="), 8)[:n]
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
	for _, special := range []string{"&amp;", "&#233;", "\r\n", "\r", "\t", "\n", "é", "\x01", "\xff", "]]>", "]]", ">", "'", `"`, "<", "&bogus;", "\u00a0", "\ufffe"} {
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
	for _, bad := range []string{"\x80", "\x9f", "\xa0", "\xc3", "\xff", "\xed\xa0\x80"} {
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
