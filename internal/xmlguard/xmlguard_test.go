package xmlguard

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		in   string
		l    Limits
		want error // nil, fedavail.ErrDTD, or a *fedavail.LimitError / *fedavail.XMLError template
	}{
		{"plain", `<a><b c="1"/><d>text</d></a>`, Limits{}, nil},
		{"declaration and comment", `<?xml version="1.0"?><!-- <a><a><a> --><a/>`, Limits{}, nil},
		{"gt inside attribute", `<a x="1 > 0 /"><b></b></a>`, Limits{MaxDepth: 1}, &fedavail.LimitError{What: "nesting depth", Limit: 1}},
		{"cdata does not count", `<a><![CDATA[<b><c><d>]]></a>`, Limits{MaxDepth: 1}, nil},
		{"depth exactly at limit", `<a><b><c/></b></a>`, Limits{MaxDepth: 2}, nil},
		{"depth over", `<a><b><c></c></b></a>`, Limits{MaxDepth: 2}, &fedavail.LimitError{What: "nesting depth", Limit: 2}},
		{"doctype", `<!DOCTYPE a><a/>`, Limits{}, fedavail.ErrDTD},
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>`, Limits{}, fedavail.ErrDTD},
		{"size", strings.Repeat("a", 11), Limits{MaxBytes: 10}, &fedavail.LimitError{What: "body size", Limit: 10}},
		{"huge attribute", `<a v='` + strings.Repeat("x", 100) + `'/>`, Limits{MaxAttrBytes: 99}, &fedavail.LimitError{What: "attribute size", Limit: 99}},
		{"unterminated huge attribute", `<a v='` + strings.Repeat("x", 100), Limits{MaxAttrBytes: 99}, &fedavail.LimitError{What: "attribute size", Limit: 99}},
		{"unterminated tag", `<a`, Limits{}, &fedavail.XMLError{}},
		{"declarations per element at limit", `<a xmlns="urn:a" xmlns:b='urn:b'/>`, Limits{MaxDeclsPerElement: 2}, nil},
		{"declarations per element over", `<a xmlns="urn:a" xmlns:b='urn:b'` + "\n\txmlns:c=\"urn:c\"/>", Limits{MaxDeclsPerElement: 2}, &fedavail.LimitError{What: "namespace declarations per element", Limit: 2}},
		{"declarations with no space between them", `<a xmlns:a="1"xmlns:b='2'xmlns="3"/>`, Limits{MaxDeclsPerElement: 2}, &fedavail.LimitError{What: "namespace declarations per element", Limit: 2}},
		{"attributes that only look like declarations", `<a xmlnsx="1" axmlns:b="2" v="xmlns:c='3'"/>`, Limits{MaxDeclsPerElement: 1, MaxDecls: 1}, nil},
		{"declarations in scope over", `<a xmlns:a="1"><b xmlns:b="2"><c xmlns:c="3"/></b></a>`, Limits{MaxDeclsInScope: 2}, &fedavail.LimitError{What: "namespace declarations in scope", Limit: 2}},
		{"declarations in scope end with their element", `<a xmlns:a="1"><b xmlns:b="2"/><c xmlns:c="3"/><d><e xmlns:e="5"/></d></a>`, Limits{MaxDeclsInScope: 2}, nil},
		{"declarations in the document over", `<a xmlns:a="1"><b xmlns:b="2"/><c xmlns:c="3"/></a>`, Limits{MaxDecls: 2}, &fedavail.LimitError{What: "namespace declarations", Limit: 2}},
		{"default limit per element", `<a` + strings.Repeat(` xmlns:p="u"`, DefaultMaxDeclsPerElement+1) + `/>`, Limits{}, &fedavail.LimitError{What: "namespace declarations per element", Limit: DefaultMaxDeclsPerElement}},
		{"unterminated cdata", `<a><![CDATA[x`, Limits{}, &fedavail.XMLError{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.in), tc.l)
			switch w := tc.want.(type) {
			case nil:
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
			case *fedavail.LimitError:
				var le *fedavail.LimitError
				if !errors.As(err, &le) || *le != *w {
					t.Fatalf("Check = %v, want %v", err, w)
				}
			case *fedavail.XMLError:
				var xe *fedavail.XMLError
				if !errors.As(err, &xe) {
					t.Fatalf("Check = %v, want XMLError", err)
				}
			default:
				if !errors.Is(err, w) {
					t.Fatalf("Check = %v, want %v", err, w)
				}
			}
		})
	}
}

func TestReadAll(t *testing.T) {
	if _, err := ReadAll(strings.NewReader(strings.Repeat("x", 101)), Limits{MaxBytes: 100}); err == nil {
		t.Fatal("ReadAll accepted 101 bytes with a limit of 100")
	}
	b, err := ReadAll(strings.NewReader(strings.Repeat("x", 100)), Limits{MaxBytes: 100})
	if err != nil || len(b) != 100 {
		t.Fatalf("ReadAll = %d bytes, %v", len(b), err)
	}
}

func TestReadAllMaxBytesReader(t *testing.T) {
	// A server's http.MaxBytesReader below the decoder's own limit.
	r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(strings.Repeat("x", 101))), 100)
	_, err := ReadAll(r, Limits{MaxBytes: 1000})
	var le *fedavail.LimitError
	if !errors.As(err, &le) || *le != (fedavail.LimitError{What: "body size", Limit: 100}) {
		t.Fatalf("ReadAll = %v, want the body size LimitError", err)
	}
	if err := BodyError(io.ErrUnexpectedEOF); err != io.ErrUnexpectedEOF {
		t.Errorf("BodyError changed an unrelated error: %v", err)
	}
}

func TestParseEtree(t *testing.T) {
	doc, err := ParseEtree([]byte(`<a xmlns="urn:x"><b>1</b></a>`), Limits{}, "test")
	if err != nil || doc.Root().Tag != "a" || doc.Root().NamespaceURI() != "urn:x" {
		t.Fatalf("ParseEtree = %v, %v", doc, err)
	}
	var xe *fedavail.XMLError
	if _, err := ParseEtree([]byte(`<a><b></a>`), Limits{}, "test"); !errors.As(err, &xe) || xe.Context != "test" {
		t.Fatalf("malformed: %v", err)
	}
	if _, err := ParseEtree([]byte(`<!DOCTYPE a><a/>`), Limits{}, "test"); !errors.Is(err, fedavail.ErrDTD) {
		t.Fatalf("doctype: %v", err)
	}
	if _, err := ParseEtree([]byte(`   `), Limits{}, "test"); !errors.As(err, &xe) {
		t.Fatalf("empty: %v", err)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(`<a x="1"><b/><!-- c --><![CDATA[d]]></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Check(data, Limits{MaxDepth: 8, MaxAttrBytes: 16})
	})
}
