package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/sharing"
)

// TestRun federates an organization with fedadmin's library against the
// loopback World's broker and DNS server, then runs fedcheck on its state
// directory as an administrator would, with -ca and -dns.
func TestRun(t *testing.T) {
	w := loopback.New(t)
	ctx := context.Background()
	w.DNS.AddA("contoso.net", net.IPv4(127, 0, 0, 1)) // exists, without a proof
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pki.CertPEM(w.CA.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := w.AdminOrg(t, "contoso.test").Dir()
	// A second organization with a certificate and no trust yet.
	bare := filepath.Join(t.TempDir(), "bare")
	if o, err := admin.Open(bare, nil); err != nil {
		t.Fatal(err)
	} else if _, err := o.NewCertificate(ctx, admin.CertificateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := (&app{}).run
	global := []string{"-dir", dir, "-ca", caFile, "-dns", w.DNS.Addr()}

	tests := []struct {
		name   string
		args   []string
		status int
		stdout []string // substrings expected
		stderr string
	}{
		{name: "help", args: []string{"-h"}, status: exitOK, stderr: "usage: fedcheck"},
		{name: "unknown check", args: append(global, "frobnicate"), status: exitUsage, stderr: `unknown check "frobnicate"`},
		{name: "missing argument", args: append(global, "domain"), status: exitUsage, stderr: "want 1 argument(s), got 0"},
		{name: "relationship without -user", args: append(global, "relationship", "Fabrikam"), status: exitUsage, stderr: "-user ADDRESS"},
		{name: "no state directory", args: []string{"-dir", filepath.Join(t.TempDir(), "none"), "trust"}, status: exitFail, stderr: "give the directory fedadmin keeps"},
		{name: "trust passes", args: append(global, "trust"), status: exitOK, stdout: []string{
			"Test-FederationTrust FYDIBOHF25SPDLT.contoso.test",
			"✓ Trust broker metadata",
			"✓ Stored broker certificates",
			"✓ Token validation",
			"result: PASS",
		}},
		{name: "domain proof present", args: append(global, "domain", "contoso.test"), status: exitOK, stdout: []string{"✓ Domain proof in DNS: TXT record found"}},
		{name: "domain proof missing", args: append(global, "domain", "contoso.net"), status: exitFail, stdout: []string{
			"✗ Domain proof in DNS",
			"cause: TXT record missing",
			`fix:   publish this TXT record at contoso.net: contoso.net. 3600 IN TXT "`,
			"result: FAIL",
		}},
		{name: "trust not created", args: []string{"-dir", bare, "-ca", caFile, "trust"}, status: exitFail, stdout: []string{
			"✗ Federation trust configuration: missing: ApplicationUri, TokenIssuerMetadataEpr",
			"fix:   create the trust with fedadmin trust -broker URL -domain DOMAIN",
			"- Trust broker metadata: the federation trust is not configured",
		}},
		{name: "relationship missing", args: append(global, "relationship", "Fabrikam", "-user", "bob@fabrikam.test"), status: exitFail, stdout: []string{
			`cause: no organization relationship named "Fabrikam" on our side`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(ctx, tt.args, &stdout, &stderr); got != tt.status {
				t.Errorf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.status, &stdout, &stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, &stdout)
				}
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, &stderr)
			}
		})
	}

	// -json prints the same report for programs.
	var stdout, stderr bytes.Buffer
	if got := run(ctx, append(global, "-json", "domain", "contoso.net"), &stdout, &stderr); got != exitFail {
		t.Fatalf("status %d, want %d: %s", got, exitFail, &stderr)
	}
	var r diag.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("-json output: %v\n%s", err, &stdout)
	}
	if s := r.Step(diag.StepDomainProof); s == nil || s.Status != diag.Fail || s.Cause != "TXT record missing" {
		t.Errorf("-json DomainProof step = %+v", s)
	}
}

// TestAll runs every check of a configuration: the trust, each domain's
// proof and each relationship, end to end where a partner mailbox is given.
func TestAll(t *testing.T) {
	w := loopback.New(t)
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Mailboxes: []string{"bob"}, Relationships: []sharing.OrganizationRelationship{{
		Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}})
	contoso := w.AdminOrg(t, "contoso.test")
	if err := contoso.AddRelationship(loopback.Relationship("Fabrikam", fabrikam)); err != nil {
		t.Fatal(err)
	}
	a := &app{httpClient: w.HTTP}
	args := []string{"-dir", contoso.Dir(), "-dns", w.DNS.Addr(), "all", "-user", "bob@fabrikam.test"}

	var stdout, stderr bytes.Buffer
	if got := a.run(context.Background(), args, &stdout, &stderr); got != exitOK {
		t.Fatalf("status %d, want %d\n%s%s", got, exitOK, &stdout, &stderr)
	}
	for _, want := range []string{
		"Test-FederationTrust FYDIBOHF25SPDLT.contoso.test",
		"✓ Domain proof in DNS: TXT record found",
		"Test-OrganizationRelationship Fabrikam",
		"✓ Free/busy from the partner",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, &stdout)
		}
	}

	// A relationship with a partner that does not exist fails the whole run;
	// without a mailbox there, its federation information is what is checked.
	northwind := sharing.OrganizationRelationship{Name: "Northwind", DomainNames: []string{"northwind.test"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly, TargetApplicationURI: "FYDIBOHF25SPDLT.northwind.test"}
	if err := contoso.AddRelationship(northwind); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if got := a.run(context.Background(), append(args, "-json"), &stdout, &stderr); got != exitFail {
		t.Fatalf("status %d, want %d\n%s%s", got, exitFail, &stdout, &stderr)
	}
	var reports []diag.Report
	if err := json.Unmarshal(stdout.Bytes(), &reports); err != nil {
		t.Fatalf("-json: %v\n%s", err, &stdout)
	}
	var got []string
	for _, r := range reports {
		got = append(got, fmt.Sprintf("%s %s %v", r.Test, r.Subject, r.Failed()))
	}
	want := []string{
		"Test-FederationTrust FYDIBOHF25SPDLT.contoso.test false",
		"Test-FederatedDomainProof contoso.test false",
		"Test-OrganizationRelationship Fabrikam false",
		"Get-FederationInformation northwind.test true",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reports (-want +got):\n%s", d)
	}
}
