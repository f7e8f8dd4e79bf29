package admin_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/fedtest"
)

// TestFederationInformation asks partners' Autodiscover services on
// loopback (TLS, SRV records in the DNS server) for their federation
// information, and checks what a relationship is made from and the advice
// when there is none.
func TestFederationInformation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.open(t)
	fabrikam := &autodiscover.Handler{Federation: autodiscover.FederationInformation{
		ApplicationURI: appURI("fabrikam.test"),
		Domains:        []string{"fabrikam.test", "fabrikam.net"},
		TokenIssuers:   []autodiscover.TokenIssuer{{URI: brokerURI, Endpoint: w.URL + "/extSTS.srf"}},
	}}
	w.Serve(fabrikam, "autodiscover.fabrikam.test", "autodiscover.fabrikam.org")
	// fabrikam.net has no autodiscover host: its SRV record names fabrikam.test's.
	w.Serve(fabrikam, "mail.fabrikam.test")
	w.DNS.AddSRV("_autodiscover._tcp.fabrikam.net", fedtest.SRV{Port: 443, Target: "mail.fabrikam.test"})
	w.Serve(&autodiscover.Handler{}, "autodiscover.plain.test") // not federated

	wantFabrikam := func(endpoint string) admin.FederationInformation {
		return admin.FederationInformation{
			ApplicationURI: appURI("fabrikam.test"), DomainNames: []string{"fabrikam.test", "fabrikam.net"},
			TargetAutodiscoverEpr: endpoint, TokenIssuerURIs: []string{brokerURI},
		}
	}
	tests := []struct {
		domain string
		want   admin.FederationInformation
		kind   error
		msg    string // substring of the error message
	}{
		{domain: "fabrikam.test", want: wantFabrikam("https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc/WSSecurity")},
		{domain: "Fabrikam.NET", want: wantFabrikam("https://mail.fabrikam.test/autodiscover/autodiscover.svc/WSSecurity")},
		{domain: "plain.test", kind: admin.ErrNotFederated, msg: "plain.test is not federated (its Autodiscover service answered NotFederated): ask plain.test's administrator to create a federation trust"},
		{domain: "fabrikam.org", kind: admin.ErrNotFederated, msg: "(InvalidDomain): check the spelling, or ask fabrikam.org's administrator which of its domains is federated"},
		{domain: "nowhere.test", kind: admin.ErrPartnerUnreachable, msg: "no Autodiscover service answered for nowhere.test (tried https://autodiscover.nowhere.test/autodiscover/autodiscover.svc: Post "},
		{domain: "nowhere.test", kind: admin.ErrPartnerUnreachable, msg: "connection refused; https://nowhere.test/autodiscover/autodiscover.svc: "}, // each URL with its reason
		{domain: "nowhere.test", kind: admin.ErrPartnerUnreachable, msg: "or create the relationship with the values the partner's administrator gives you (-app-uri, -domains, -autodiscover)"},
		{domain: "fabrikam", kind: admin.ErrUnknownDomain, msg: "give an SMTP domain"},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			got, err := o.FederationInformation(ctx, tc.domain)
			if tc.kind != nil {
				if !errors.Is(err, tc.kind) {
					t.Fatalf("err = %v, want %v", err, tc.kind)
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("message %q does not say %q", err, tc.msg)
				}
				oneLine(t, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("federation information (-want +got):\n%s", diff)
			}
			if !got.AcceptsIssuer(brokerURI) || got.AcceptsIssuer("urn:federation:MicrosoftOnline") {
				t.Errorf("AcceptsIssuer wrong for %v", got.TokenIssuerURIs)
			}
		})
	}

	// Without an HTTP client nothing is asked.
	offline, err := admin.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := offline.FederationInformation(ctx, "fabrikam.test"); !errors.Is(err, admin.ErrInvalid) {
		t.Errorf("without HTTP client: %v", err)
	}
}
