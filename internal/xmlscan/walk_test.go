package xmlscan

import (
	"slices"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/internal/xmlguard"
)

// checkSkip holds Skip, which resolves no names inside what it skips, to
// reading the same element with Next: at every start tag of data, both
// stop at the same offset with the same name, or both fail, and the
// Reader reads on alike; under limits too.
func checkSkip(t *testing.T, data []byte) {
	t.Helper()
	for _, l := range []*xmlguard.Limits{nil, {MaxDepth: 4, MaxDeclsInScope: 3}} {
		for at := 0; ; at++ {
			var skipped, read Reader
			found := false
			for _, r := range []*Reader{&skipped, &read} {
				if l != nil {
					_ = r.ResetLimits(data, *l)
				} else {
					r.Reset(data)
				}
				n := 0
				for {
					kind, err := r.Next()
					if err != nil {
						break
					}
					if kind == StartElement {
						if n == at {
							found = true
							break
						}
						n++
					}
				}
			}
			if !found {
				break
			}
			errSkip := skipped.Skip()
			depth := read.Depth()
			var errRead error
			for errRead == nil && read.Depth() >= depth {
				_, errRead = read.Next()
			}
			if (errSkip == nil) != (errRead == nil) {
				t.Fatalf("start tag %d: Skip %v, Next %v, for %q", at, errSkip, errRead, data)
			}
			if errSkip != nil {
				continue
			}
			if skipped.Offset() != read.Offset() || skipped.Name().Space != read.Name().Space || string(skipped.Name().Local) != string(read.Name().Local) || skipped.Depth() != read.Depth() {
				t.Fatalf("start tag %d: Skip ends at %d %v depth %d, Next at %d %v depth %d, for %q", at,
					skipped.Offset(), skipped.Name(), skipped.Depth(), read.Offset(), read.Name(), read.Depth(), data)
			}
			for {
				k1, err1 := skipped.Next()
				k2, err2 := read.Next()
				if k1 != k2 || (err1 == nil) != (err2 == nil) || k1 == StartElement && skipped.XMLName() != read.XMLName() {
					t.Fatalf("start tag %d: after Skip %v %v, after Next %v %v, for %q", at, k1, err1, k2, err2, data)
				}
				if err1 != nil {
					break
				}
			}
		}
	}
}

func TestSkip(t *testing.T) {
	for _, doc := range []string{
		`<r xmlns:p="urn:p"><p:H><p:S xmlns:p="urn:re"><e:Tok xmlns:e="urn:e" xmlns="urn:in"><e:a x="1"/>base64<b/></e:Tok><p:after/></p:S></p:H><p:B><x/></p:B></r>`,
		`<a><b><c xmlns:x="1"><d xmlns:y="2"><e xmlns:z="3"/></d></c></b></a>`,
		`<a><b><c><d><e><f/></e></d></c></b></a>`,
		`<a><b></c></a>`,
		`<a><b><!DOCTYPE x></b></a>`,
		`<a><b>&bad;</b></a>`,
		`<a><b>`,
	} {
		checkSkip(t, []byte(doc))
	}
}

// FuzzSkip holds Skip to Next on any input.
func FuzzSkip(f *testing.F) {
	f.Add([]byte(`<r xmlns:p="urn:p"><p:H><p:S xmlns:p="urn:re"><e:Tok xmlns:e="urn:e"><e:a x="1"/>t<b/></e:Tok><p:after/></p:S></p:H></r>`))
	f.Add([]byte(`<a><b><c xmlns:x="1"><d xmlns:y="2"><e xmlns:z="3"/></d></c></b></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		checkSkip(t, data)
	})
}

// TestReadString: ReadString returns an element's own text as ReadText
// does, references decoded and long values whole, and a value read again
// from the next document costs no allocation (it is interned).
func TestReadString(t *testing.T) {
	long := strings.Repeat("x", maxInternedLen+1)
	data := []byte(`<a><b>Sunday</b><c>a&amp;b<d>skipped</d>c</c><e>` + long + `</e><f/></a>`)
	var r Reader
	read := func() []string {
		r.Reset(data)
		var got []string
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if err := r.Children(func(Name) error {
			s, err := r.ReadString()
			got = append(got, s)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := read(), []string{"Sunday", "a&bc", long, ""}; !slices.Equal(got, want) {
		t.Fatalf("ReadString = %q, want %q", got, want)
	}
	data = []byte(`<a><b>Sunday</b></a>`)
	var got []string
	if allocs := testing.AllocsPerRun(10, func() { got = read() }); allocs > 1 { // the result slice
		t.Errorf("reading an interned value again: %v allocations, want at most 1", allocs)
	}
	if !slices.Equal(got, []string{"Sunday"}) {
		t.Errorf("ReadString = %q", got)
	}
}
