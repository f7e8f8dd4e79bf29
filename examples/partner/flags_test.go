package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
)

// TestCommandLine checks the command line is refused, with a reason, before
// anything is served.
func TestCommandLine(t *testing.T) {
	// A certificate and a key of two different pairs, and a certificate
	// without the Client Authentication usage.
	dir := t.TempDir()
	a, err := fedtest.NewOrgCert("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := fedtest.NewOrgCert("b")
	if err != nil {
		t.Fatal(err)
	}
	sc, sk, err := pki.New(pki.Options{CommonName: "server only", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyOf := func(k *rsa.PrivateKey) []byte {
		data, err := pki.KeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	aCert, bKey := write("a.pem", pki.CertPEM(a.Cert)), write("b.key", keyOf(b.Key))
	sCert, sKey := write("s.pem", pki.CertPEM(sc)), write("s.key", keyOf(sk))
	serveArgs := func(cert, key string) []string {
		return []string{"-calendars", t.TempDir(), "-cert", cert, "-key", key, "-domain", "d.test", "-broker-metadata", "https://b", "-sharing", "s"}
	}
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, exitOK, "usage: partner (-calendars DIR | -caldav URL | -google-key FILE)"},
		{"no calendars", []string{"-dir", "x"}, exitUsage, "-calendars DIR, -caldav URL or -google-key FILE is required"},
		{"two calendar sources", []string{"-dir", "x", "-calendars", "c", "-caldav", "http://dav.test/"}, exitUsage, "give one of -calendars, -caldav and -google-key"},
		{"three calendar sources", []string{"-dir", "x", "-calendars", "c", "-caldav", "http://dav.test/", "-google-key", "k.json"}, exitUsage, "give one of -calendars, -caldav and -google-key"},
		{"ldap without base", []string{"-dir", "x", "-calendars", "c", "-ldap", "ldap://dc.test"}, exitUsage, "-ldap-base is required with -ldap"},
		{"bind without password", []string{"-dir", "x", "-calendars", "c", "-ldap", "ldap://dc.test", "-ldap-base", "dc=test", "-ldap-bind", "cn=x"}, exitUsage, "-ldap-password-file is required"},
		{"no identity", []string{"-calendars", "c"}, exitUsage, "-dir STATE, or -cert FILE -key FILE"},
		{"half TLS", []string{"-calendars", "c", "-dir", "x", "-tls-cert", "a.pem"}, exitUsage, "give both -tls-cert and -tls-key"},
		{"legacy TLS without TLS", []string{"-calendars", "c", "-dir", "x", "-accept-legacy-tls"}, exitUsage, "-accept-legacy-tls needs -tls-cert"},
		{"files without domain", []string{"-calendars", "c", "-cert", "a", "-key", "b"}, exitUsage, "-domain is required without -dir"},
		{"bad access level", []string{"-internal-access", "Everything"}, exitUsage, "invalid value"},
		{"no EWS burst", []string{"-calendars", "c", "-dir", "x", "-ews-burst", "0"}, exitUsage, "-ews-burst 1 or more"},
		{"not a state directory", []string{"-calendars", t.TempDir(), "-dir", t.TempDir()}, exitFail, "not a fedadmin state directory"},
		{"key of another certificate", serveArgs(aCert, bKey), exitFail, "-cert " + aCert + " and -key " + bKey + ": keyring: the private key does not belong to the certificate"},
		{"certificate without client authentication", serveArgs(sCert, sKey), exitFail, "Client Authentication"},
		{"missing certificate file", []string{"-calendars", t.TempDir(), "-cert", "testdata/none.pem", "-key", "k", "-domain", "d.test", "-broker-metadata", "https://b", "-sharing", "s"}, exitFail, "-cert: open testdata/none.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := (&app{}).run(context.Background(), tt.args, &stdout, &stderr); got != tt.status {
				t.Errorf("status %d, want %d\n%s", got, tt.status, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, &stderr)
			}
		})
	}
}
