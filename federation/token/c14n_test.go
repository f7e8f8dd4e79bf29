package token

import (
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/testshared"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// referenceC14N is goxmldsig's exclusive canonicalization of el as the
// signature code used it: a subtree is detached with the declarations in
// scope, then transformed and serialized.
func referenceC14N(el *etree.Element) ([]byte, error) {
	cp := el
	if el.Parent() != nil {
		ctx, err := etreeutils.NSBuildParentContext(el)
		if err != nil {
			return nil, err
		}
		if cp, err = etreeutils.NSDetatch(ctx, el); err != nil {
			return nil, err
		}
	} else {
		cp = el.Copy()
	}
	return dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(cp)
}

// sameC14N checks canonicalize against goxmldsig on the tree parsed from
// b and on every subtree: where goxmldsig gives bytes, ours must be the
// same bytes or a refusal (stricter is allowed, different is not).
func sameC14N(t *testing.T, b []byte) {
	t.Helper()
	root, err := parseAssertionTree(b, xmlguard.Limits{MaxBytes: 1 << 16})
	if err != nil {
		return
	}
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		want, werr := referenceC14N(el)
		got, gerr := canonicalize(el, 0)
		switch {
		case gerr == nil && werr != nil:
			t.Fatalf("canonicalize renders what goxmldsig refuses (%v): %s", werr, got)
		case gerr == nil && string(got) != string(want):
			t.Fatalf("canonical forms differ for %s:\nours:      %s\ngoxmldsig: %s", el.FullTag(), got, want)
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(root)
}

func TestC14NMatchesGoxmldsig(t *testing.T) {
	k := mustKeys(t)
	inputs := [][]byte{testshared.Sample(t, mfgAssertion), signedBy(t, k, 0)}
	for _, in := range treeInputs {
		inputs = append(inputs, []byte(in))
	}
	for _, in := range inputs {
		sameC14N(t, in)
		root, err := parseAssertionTree(in, xmlguard.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := canonicalize(root, 0); err != nil {
			t.Errorf("canonicalize refuses %s: %v", in, err)
		}
	}
	// The signed SignedInfo of the real token canonicalizes with the
	// declaration it inherits.
	root, err := parseAssertionTree(testshared.Sample(t, mfgAssertion), xmlguard.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	si := child(child(root, ns.DSig, "Signature"), ns.DSig, "SignedInfo")
	got, err := canonicalize(si, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := `<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><CanonicalizationMethod`; string(got[:len(want)]) != want {
		t.Errorf("SignedInfo canonicalizes as %s", got)
	}
}
