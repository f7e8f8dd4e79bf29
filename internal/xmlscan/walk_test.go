package xmlscan

import (
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tokenTrace reads data to its end and records every token's kind, resolved
// name and offset, calling skip instead of reading on at the start tag of
// the element named at.
func tokenTrace(t *testing.T, data []byte, at string, skip func(r *Reader) error) []string {
	t.Helper()
	var r Reader
	r.Reset(data)
	var trace []string
	for {
		kind, err := r.Next()
		if err == io.EOF {
			return trace
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if kind == CharData {
			continue
		}
		trace = append(trace, string(rune('0'+kind))+" {"+r.Name().Space+"}"+string(r.Name().Local))
		if kind == StartElement && string(r.Name().Local) == at {
			if err := skip(&r); err != nil {
				t.Fatalf("skip: %v", err)
			}
			trace = append(trace, "skipped to "+string(rune('0'+len(r.open))), string(data[r.Offset():][:1]))
		}
	}
}

// TestSkipKnown holds SkipKnown to Skip: jumping over a known element
// inside the skipped one leaves the Reader where Skip does, declarations
// unwound, and a span that matches no start tag changes nothing.
func TestSkipKnown(t *testing.T) {
	const known = `<e:Tok xmlns:e="urn:e" xmlns="urn:inner"><e:a x="1"/>base64base64<b/></e:Tok>`
	data := []byte(`<r xmlns:p="urn:p"><p:H><p:S xmlns:p="urn:redeclared">` + known + `<p:after/></p:S></p:H><p:Body><x/></p:Body></r>`)
	start := len(`<r xmlns:p="urn:p"><p:H><p:S xmlns:p="urn:redeclared">`)
	end := start + len(known)
	want := tokenTrace(t, data, "S", (*Reader).Skip)
	for _, tt := range []struct {
		name       string
		start, end int
	}{
		{"known", start, end},
		{"no such start", start + 1, end},
		{"empty", 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tokenTrace(t, data, "S", func(r *Reader) error { return r.SkipKnown(tt.start, tt.end) })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("trace (-Skip +SkipKnown):\n%s", diff)
			}
		})
	}
	// The jump really happens: a known span over malformed bytes is not
	// read (the caller vouches for it).
	bad := []byte(string(data[:start]) + "<e:Tok>" + "<<<" + "</e:Tok>" + string(data[end:]))
	var r Reader
	r.Reset(bad)
	for {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if string(r.Name().Local) == "S" {
			break
		}
	}
	if err := r.SkipKnown(start, start+len("<e:Tok><<<</e:Tok>")); err != nil {
		t.Fatalf("SkipKnown over a vouched-for span: %v", err)
	}
}
