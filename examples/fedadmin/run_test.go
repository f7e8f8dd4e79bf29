package main

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/admin/admintest"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/internal/pki"
)

// TestRun drives the command end to end for one organization against a
// broker and DNS server on loopback, as an administrator would type it,
// once over the broker's own registration API and once over
// ManageDelegation2.
func TestRun(t *testing.T) {
	for _, protocol := range []string{"", "ManageDelegation2"} {
		t.Run("protocol="+protocol, func(t *testing.T) { testRun(t, protocol) })
	}
}

func testRun(t *testing.T, protocol string) {
	env := admintest.New(t)
	env.Exist("contoso.test", "contoso.net")
	// Partners' Autodiscover services: fabrikam federated with the same
	// broker, plain.test not federated.
	env.Serve(&autodiscover.Handler{Federation: autodiscover.FederationInformation{
		ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.test", Domains: []string{"fabrikam.test", "fabrikam.net"},
		TokenIssuers: []autodiscover.TokenIssuer{{URI: admintest.BrokerURI}},
	}}, "autodiscover.fabrikam.test")
	env.Serve(&autodiscover.Handler{Federation: autodiscover.FederationInformation{
		ApplicationURI: "FYDIBOHF25SPDLT.tailspin.test", Domains: []string{"tailspin.test"},
		TokenIssuers: []autodiscover.TokenIssuer{{URI: "urn:federation:MicrosoftOnline"}},
	}}, "autodiscover.tailspin.test")
	env.Serve(&autodiscover.Handler{}, "autodiscover.plain.test")
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pki.CertPEM(env.CA.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "state")
	global := []string{"-dir", dir, "-ca", caFile, "-dns", env.DNS.Addr()}

	// publish puts the records domain-proof prints into DNS.
	publish := func(domain string) {
		t.Helper()
		org, err := admin.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		env.Publish(t, org, domain)
	}
	// An answering server of contoso's, saying what it has loaded.
	var loaded atomic.Value
	loaded.Store("organization certificate current: 00\n")
	env.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			io.WriteString(w, loaded.Load().(string))
		}
	}), "mail.contoso.test")
	serverLoadsNext := func() {
		t.Helper()
		org, err := admin.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range org.Certificates() {
			if c.Slot == keyring.Next {
				loaded.Store("organization certificate next: " + c.Thumbprint + "\n")
			}
		}
	}
	steps := []struct {
		name   string
		args   []string
		stdin  string
		before func()
		status int
		stdout string // substring expected
		stderr string // substring expected
		golden string // file under testdata holding all of stdout
	}{
		{name: "help", args: []string{"-h"}, status: exitOK, stderr: "usage: fedadmin"},
		{name: "subcommand help", args: []string{"trust", "-h"}, status: exitOK, stderr: "usage: fedadmin trust -broker URL -domain DOMAIN"},
		{name: "unknown subcommand", args: []string{"frobnicate"}, status: exitUsage, stderr: `unknown subcommand "frobnicate"`},
		{name: "trust before new-cert", args: []string{"trust", "-broker", env.URL, "-domain", "contoso.test"}, status: exitError, stderr: "run new-cert first"},
		{name: "new-cert", args: []string{"new-cert", "-cn", "contoso"}, status: exitOK, stdout: "created organization certificate"},
		{name: "new-cert twice", args: []string{"new-cert"}, status: exitError, stderr: "run rollover to replace it"},
		{name: "domain-proof", args: []string{"domain-proof", "contoso.test"}, status: exitOK, stdout: "DnsRecord  : contoso.test. 3600 IN TXT \""},
		{name: "domain-proof of a non-domain", args: []string{"domain-proof", "not a domain"}, status: exitError, stderr: "is not a domain name"},
		{name: "trust before the proof", args: []string{"trust", "-broker", env.URL, "-domain", "contoso.test"}, status: exitError,
			stderr: "TXT record for contoso.test not found yet: publish contoso.test. 3600 IN TXT"},
		{name: "trust, broker unreachable", args: []string{"trust", "-broker", "https://127.0.0.1:1", "-domain", "contoso.test"}, status: exitError,
			stderr: "check the broker URL and that the broker is running"},
		{name: "trust", args: []string{"trust", "-broker", env.URL, "-domain", "contoso.test"}, before: func() { publish("contoso.test") },
			status: exitOK, stdout: "federation trust created: FYDIBOHF25SPDLT.contoso.test is registered at"},
		{name: "trust show", args: []string{"trust", "show"}, status: exitOK, stdout: "ApplicationUri             : FYDIBOHF25SPDLT.contoso.test"},
		{name: "trust -microsoft with another endpoint", args: []string{"trust", "-microsoft", "-registration", env.URL, "-domain", "contoso.test"}, status: exitUsage,
			stderr: "-microsoft names the endpoints itself"},
		{name: "trust refresh", args: []string{"trust", "refresh"}, status: exitOK, stdout: "TokenIssuerCertificate: "},
		{name: "domain add before the proof", args: []string{"domain", "add", "contoso.net"}, status: exitError, stderr: "TXT record for contoso.net not found yet"},
		{name: "domain add", args: []string{"domain", "add", "contoso.net"}, before: func() { publish("contoso.net") }, status: exitOK, stdout: "contoso.net is federated"},
		{name: "domain remove unknown", args: []string{"domain", "remove", "contoso.org"}, status: exitError, stderr: "contoso.org is not a federated domain"},
		{name: "relationship add from federation information", args: []string{"relationship", "add", "Fabrikam", "-domain", "fabrikam.test"},
			status: exitOK, stdout: "TargetAutodiscoverEpr : https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc/WSSecurity"},
		{name: "relationship add, explicit values", args: []string{"relationship", "add", "-name", "Northwind", "-domains", "northwind.test", "-app-uri", "FYDIBOHF25SPDLT.northwind.test"},
			status: exitOK, stdout: `"Northwind" added`},
		{name: "relationship add, partner trusts another broker", args: []string{"relationship", "add", "Tailspin", "-domain", "tailspin.test", "-level", "LimitedDetails"},
			status: exitOK, stdout: "warning: FYDIBOHF25SPDLT.tailspin.test accepts tokens from urn:federation:MicrosoftOnline only, not from this organization's trust broker"},
		{name: "relationship add duplicate", args: []string{"relationship", "add", "Fabrikam", "-domain", "fabrikam.test"},
			status: exitError, stderr: "use relationship set to change it"},
		{name: "relationship add, partner not federated", args: []string{"relationship", "add", "Plain", "-domain", "plain.test"},
			status: exitError, stderr: "plain.test is not federated (its Autodiscover service answered NotFederated): ask plain.test's administrator"},
		{name: "relationship add, partner unreachable", args: []string{"relationship", "add", "Nowhere", "-domain", "nowhere.test"},
			status: exitError, stderr: "no Autodiscover service answered for nowhere.test"},
		{name: "relationship add without values", args: []string{"relationship", "add", "Nowhere"}, status: exitUsage, stderr: "give -domain DOMAIN"},
		{name: "relationship add, name twice", args: []string{"relationship", "add", "A", "B", "-domain", "fabrikam.test"}, status: exitUsage, stderr: "give the relationship's name once"},
		{name: "relationship set", args: []string{"relationship", "set", "Fabrikam", "-level", "LimitedDetails"}, status: exitOK, stdout: "changed"},
		{name: "relationship set bad level", args: []string{"relationship", "set", "-name", "Fabrikam", "-level", "Everything"}, status: exitUsage, stderr: "unknown access level"},
		{name: "relationship remove", args: []string{"relationship", "remove", "Tailspin"}, status: exitOK, stdout: `"Tailspin" removed`},
		{name: "relationship list", args: []string{"relationship", "list"}, status: exitOK, golden: "relationship-list.golden"},
		{name: "relationship remove unknown", args: []string{"relationship", "remove", "-name", "Nobody"}, status: exitError, stderr: `no organization relationship named "Nobody"`},
		{name: "rollover: next", args: []string{"rollover"}, status: exitOK, stdout: "next: publish these records"},
		{name: "rollover: switch before publishing", args: []string{"rollover"}, status: exitError, stderr: "publish contoso.test. 3600 IN TXT"},
		{name: "rollover: switch while a server lacks the next certificate", args: []string{"rollover", "-server", "https://mail.contoso.test"},
			before: func() { publish("contoso.test"); publish("contoso.net") }, status: exitError, stderr: "not switching: https://mail.contoso.test has not loaded the next certificate"},
		{name: "rollover: switch once every server has it", args: []string{"rollover", "-server", "https://mail.contoso.test"}, before: serverLoadsNext, status: exitOK, stdout: "switched"},
		{name: "rollover: finish at once", args: []string{"rollover"}, status: exitError, stderr: "not finishing yet: tokens encrypted to the previous certificate"},
		{name: "rollover: finish, forced", args: []string{"rollover", "-force"}, status: exitOK, stdout: "rollover finished"},
		{name: "defederate, not confirmed", args: []string{"defederate"}, stdin: "no\n", status: exitOK, stdout: "nothing changed"},
		{name: "defederate", args: []string{"defederate"}, stdin: "yes\n", status: exitOK, stdout: "de-federated"},
		{name: "trust show after", args: []string{"trust", "show"}, status: exitError, stderr: "has no federation trust"},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		var stdout, stderr bytes.Buffer
		args := append(append([]string(nil), global...), s.args...)
		if protocol != "" && len(s.args) > 1 && s.args[0] == "trust" && s.args[1] == "-broker" {
			args = append(args, "-protocol", protocol)
		}
		status := runDial(args, strings.NewReader(s.stdin), &stdout, &stderr, env.Dial)
		if status != s.status || !strings.Contains(stdout.String(), s.stdout) || !strings.Contains(stderr.String(), s.stderr) {
			t.Fatalf("%s: status %d, want %d\nstdout: %s\nstderr: %s", s.name, status, s.status, stdout.String(), stderr.String())
		}
		if s.golden != "" {
			golden.Check(t, s.golden, []byte(stdout.String()))
		}
		if s.name == "trust show" && protocol != "" && !strings.Contains(stdout.String(), "ManageDelegation2 gateway at "+env.URL+"/service/ManageDelegation2.asmx") {
			t.Errorf("trust show does not name the gateway:\n%s", &stdout)
		}
		if status == exitError && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
			t.Errorf("%s: error is more than one line:\n%s", s.name, stderr.String())
		}
		if strings.Contains(stdout.String()+stderr.String(), "PRIVATE KEY") {
			t.Errorf("%s: a private key was printed", s.name)
		}
	}
	if got := env.Registered("FYDIBOHF25SPDLT.contoso.test"); got != nil {
		t.Errorf("broker still has contoso after defederate: %v", got)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state directory mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}

// TestImportCert imports a CA-issued certificate from a PFX with a
// password file, then refuses a PEM certificate with another's key.
func TestImportCert(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	issue := func(end ...time.Time) (*x509.Certificate, *rsa.PrivateKey) {
		o := pki.Options{CommonName: "contoso federation", Parent: ca.Cert, ParentKey: ca.Key,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		if len(end) > 0 {
			o.NotAfter = end[0]
		}
		c, k, err := pki.New(o)
		if err != nil {
			t.Fatal(err)
		}
		return c, k
	}
	tmp := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c1, k1 := issue()
	_, k2 := issue()
	pfx, err := pkcs12.Modern.Encode(k1, c1, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	k2PEM, _ := pki.KeyPEM(k2)
	c3, k3 := issue(time.Now().Add(10 * 24 * time.Hour))
	k3PEM, _ := pki.KeyPEM(k3)
	dir := filepath.Join(tmp, "state")
	for _, s := range []struct {
		args           []string
		status         int
		stdout, stderr string
	}{
		{[]string{"import-cert", "-cert", write("c.pem", pki.CertPEM(c1)), "-key", write("k2.pem", k2PEM)}, exitError, "", "the private key does not belong to the certificate"},
		{[]string{"import-cert", "-cert", write("c.pfx", pfx), "-password-file", write("pw", []byte("pw\n"))}, exitOK, "imported organization certificate " + dnsproof.Thumbprint(c1), ""},
		{[]string{"new-cert"}, exitError, "", "already has organization certificate"},
		{[]string{"-dir", filepath.Join(tmp, "other"), "import-cert", "-cert", write("c3.pem", append(pki.CertPEM(c3), k3PEM...))}, exitOK, "warning: the certificate expires on", ""},
	} {
		var stdout, stderr bytes.Buffer
		status := runDial(append([]string{"-dir", dir}, s.args...), strings.NewReader(""), &stdout, &stderr, nil)
		if status != s.status || !strings.Contains(stdout.String(), s.stdout) || !strings.Contains(stderr.String(), s.stderr) {
			t.Errorf("%v: status %d\nstdout: %s\nstderr: %s", s.args, status, &stdout, &stderr)
		}
	}
}
