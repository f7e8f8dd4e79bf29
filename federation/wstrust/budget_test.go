package wstrust

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/allocbudget"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// amplify adds decls namespace declarations to the root of an envelope
// whose Header starts with header, and count header blocks each with
// decls of their own after it.
func amplify(t *testing.T, env []byte, header string, decls, count int) []byte {
	t.Helper()
	d := allocbudget.Declarations(decls)
	i := bytes.Index(env, []byte(header))
	if i < 0 {
		t.Fatalf("no %s in the envelope", header)
	}
	blocks := strings.Repeat(`<x:H xmlns:x="urn:x"`+d+`>x</x:H>`, count)
	out := append(bytes.Clone(env[:i+len(header)]), blocks...)
	out = append(out, env[i+len(header):]...)
	return bytes.Replace(out, []byte(":Envelope "), []byte(":Envelope"+d+" "), 1)
}

// TestDecoderAllocationBudget holds both WS-Trust decoders — the client's
// RSTR (a hostile broker's answer) and the broker's RST (a hostile
// requester's request) — to allocbudget.Multiple bytes per input byte on
// envelopes multiplying namespace declarations by header blocks, under the
// default limits and with the declaration limits lifted.
func TestDecoderAllocationBudget(t *testing.T) {
	testKeys(t)
	rst, err := testClient(t, orgA).NewRequest(freeBusy).Marshal(Signing{Key: orgA.Key, SKI: orgA.SKI()})
	if err != nil {
		t.Fatal(err)
	}
	rstr := readTestdata(t, "rstr.xml")
	for _, size := range []struct{ decls, count int }{{30, 30}, {300, 300}} {
		for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
			lifted := l == allocbudget.LiftedLimits
			name := fmt.Sprintf("%dx%d/lifted=%v", size.decls, size.count, lifted)
			t.Run("RSTR/"+name, func(t *testing.T) {
				data := amplify(t, rstr, "<S:Header>", size.decls, size.count)
				var err error
				allocbudget.Check(t, "ParseResponse", len(data), allocbudget.Multiple, func() { _, err = ParseResponse(data, fedavail.Limits(l)) })
				if err != nil && (lifted || !errors.As(err, new(*fedavail.LimitError))) {
					t.Fatal(err)
				}
			})
			// The answer's body read child by child (soap.Children), as a
			// hostile broker would have it: count unknown children.
			t.Run("RSTR body/"+name, func(t *testing.T) {
				data := amplify(t, rstr, "<S:Header>", size.decls, 0)
				extra := strings.Repeat(`<x:J xmlns:x="urn:x">x</x:J>`, size.count)
				data = bytes.Replace(data, []byte("<wst:RequestSecurityTokenResponse>"), []byte("<wst:RequestSecurityTokenResponse>"+extra), 1)
				var err error
				allocbudget.Check(t, "ParseResponse", len(data), allocbudget.Multiple, func() { _, err = ParseResponse(data, fedavail.Limits(l)) })
				if err != nil && (lifted || !errors.As(err, new(*fedavail.LimitError))) {
					t.Fatal(err)
				}
			})
			t.Run("RST/"+name, func(t *testing.T) {
				data := amplify(t, rst, "<s:Header>", size.decls, size.count)
				v := newVerifier(orgA)
				v.Limits = fedavail.Limits(l)
				var err error
				allocbudget.Check(t, "Verify", len(data), allocbudget.Multiple, func() { _, err = v.Verify(data) })
				// Header blocks outside the signed parts are allowed, as
				// WS-Security allows them: verified, or a *VerifyError.
				if err != nil && !errors.As(err, new(*VerifyError)) {
					t.Fatalf("error %T: %v", err, err)
				}
				if lifted && err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// FuzzParseResponseBudget fails when reading a broker's answer allocates
// more than allocbudget's multiple of its size.
func FuzzParseResponseBudget(f *testing.F) {
	f.Add(readTestdata(f, "rstr.xml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range []xmlguard.Limits{{}, allocbudget.LiftedLimits} {
			allocbudget.Check(t, "ParseResponse", len(data), allocbudget.Multiple, func() { _, _ = ParseResponse(data, fedavail.Limits(l)) })
		}
	})
}
