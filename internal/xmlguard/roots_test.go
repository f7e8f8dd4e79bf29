package xmlguard

import (
	"errors"
	"testing"

	"github.com/fedavail/fedavail"
)

// TestParseEtreeOneRoot is the regression test for documents with more than
// one root element, which etree reads without complaint. A delegation token
// whose plaintext was a signed assertion followed by a forged one was
// accepted: claims came from the first, but another parser may take the
// last, and no protocol here has such documents.
func TestParseEtreeOneRoot(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"one root", `<?xml version="1.0"?><!-- c --><a><b/></a>`, true},
		{"one root, white space around", " \n<a/>\n\t", true},
		{"one root, comment and processing instruction after", `<a/><!-- c --><?pi x?>`, true},
		{"two roots", `<a/><b/>`, false},
		{"signed then forged", `<Assertion ID="1"><Signature/></Assertion><Assertion ID="2"/>`, false},
		{"text after the root", `<a/>trailing`, false},
		{"text before the root", `leading<a/>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseEtree([]byte(tc.in), Limits{}, "test")
			if tc.ok {
				if err != nil || doc.Root() == nil {
					t.Fatalf("ParseEtree = %v, want a document", err)
				}
				return
			}
			var xe *fedavail.XMLError
			if !errors.As(err, &xe) {
				t.Fatalf("ParseEtree error = %v, want *fedavail.XMLError", err)
			}
		})
	}
}
