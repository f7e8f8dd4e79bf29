package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/admin/admintest"
	"github.com/fedavail/fedavail/federation/diag"
	"github.com/fedavail/fedavail/internal/pki"
)

// TestRun federates an organization with fedadmin's library against a
// broker and DNS server on loopback, then runs fedcheck on its state
// directory as an administrator would.
func TestRun(t *testing.T) {
	env := admintest.New(t)
	env.Exist("contoso.test", "contoso.net")
	ctx := context.Background()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pki.CertPEM(env.CA.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "state")
	org, err := admin.Open(dir, env.Options())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.NewCertificate(ctx, admin.CertificateOptions{CommonName: "contoso"}); err != nil {
		t.Fatal(err)
	}
	env.Publish(t, org, "contoso.test")
	if _, err := org.Trust(ctx, admin.TrustOptions{BrokerURL: env.URL, Domain: "contoso.test"}); err != nil {
		t.Fatal(err)
	}
	// A second organization with a certificate and no trust yet.
	bare := filepath.Join(t.TempDir(), "bare")
	if o, err := admin.Open(bare, nil); err != nil {
		t.Fatal(err)
	} else if _, err := o.NewCertificate(ctx, admin.CertificateOptions{}); err != nil {
		t.Fatal(err)
	}
	global := []string{"-dir", dir, "-ca", caFile, "-dns", env.DNS.Addr()}

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
			"✗ Trust broker metadata: no metadata URL configured",
			"✓ Organization certificate",
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
