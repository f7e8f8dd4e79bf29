package diag_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

func TestDomainProof(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	proof, err := dnsproof.Proof(contoso.Key.Key, "contoso.test")
	if err != nil {
		t.Fatal(err)
	}
	w.DNS.AddA("bare.contoso.test", net.IPv4(127, 0, 0, 1)) // exists, without TXT
	w.DNS.AddTXT("stale.contoso.test", "v=spf1 -all")
	w.DNS.AddTXT("contoso.test", proof)
	w.DNS.Fail("broken.contoso.test", true)

	tests := []struct {
		domain string
		want   want
		fix    string // a phrase the fix must contain
	}{
		{"contoso.test", want{diag.StepDomainProof, diag.Pass, ""}, ""},
		{"bare.contoso.test", want{diag.StepDomainProof, diag.Fail, "TXT record missing"}, `bare.contoso.test. 3600 IN TXT "`},
		{"stale.contoso.test", want{diag.StepDomainProof, diag.Fail, "present but not matching"}, `stale.contoso.test. 3600 IN TXT "`},
		{"missing.contoso.test", want{diag.StepDomainProof, diag.Fail, "does not exist in DNS"}, "check the domain name"},
		{"broken.contoso.test", want{diag.StepDomainProof, diag.Fail, "DNS did not answer usefully"}, "try again later"},
		{"not a domain", want{diag.StepDomainName, diag.Fail, "not a valid domain name"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			r := checkerFor(w, contoso).TestDomainProof(context.Background(), tt.domain)
			checkStep(t, r, tt.want)
			if s := r.Step(tt.want.step); !strings.Contains(s.Fix, tt.fix) {
				t.Errorf("fix %q does not contain %q", s.Fix, tt.fix)
			}
		})
	}
	// The line to publish carries the proof itself.
	r := checkerFor(w, contoso).TestDomainProof(context.Background(), "bare.contoso.test")
	want, _ := dnsproof.Proof(contoso.Key.Key, "bare.contoso.test")
	if s := r.Step(diag.StepDomainProof); !strings.Contains(s.Fix, want) {
		t.Errorf("fix %q does not carry the proof %q", s.Fix, want)
	}
}
