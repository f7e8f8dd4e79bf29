package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/fedtest"
)

func TestTestCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	var stdout, stderr bytes.Buffer
	if got := run([]string{"test-ca", "-out", dir, "sts.test", "mail.contoso.test"}, nil, &stdout, &stderr); got != exitOK {
		t.Fatalf("status %d: %s", got, &stderr)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.pem"), filepath.Join(dir, "tls-key.pem"))
	if err != nil {
		t.Fatalf("tls.pem and tls-key.pem do not load as a pair: %v", err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"sts.test", "mail.contoso.test"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("the certificate does not verify for %s with ca.pem: %v", host, err)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "tls-key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("tls-key.pem mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if got := run([]string{"test-ca", "-out", dir}, nil, &stdout, &stderr); got != exitUsage {
		t.Errorf("test-ca without hosts: status %d, want %d", got, exitUsage)
	}
}

// test-dns answers from its zone file and picks up lines appended to it,
// as the walkthrough publishes domain proofs.
func TestTestDNS(t *testing.T) {
	zone := filepath.Join(t.TempDir(), "zone.txt")
	if err := os.WriteFile(zone, []byte("; the walkthrough's zone\nsts.test A 127.0.0.1\n_autodiscover._tcp.contoso.test. 3600 IN SRV 0 0 443 mail.contoso.test.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var out fedtest.LogBuffer // safe to read while test-dns writes
	done := make(chan error, 1)
	fs := flag.NewFlagSet("test-dns", flag.ContinueOnError)
	testDNSFlags(fs)
	if err := fs.Parse([]string{"-zone", zone}); err != nil {
		t.Fatal(err)
	}
	go func() { done <- testDNS(ctx, &env{stdout: &out}, fs, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("test-dns: %v", err)
		}
	}()
	var addr string
	for range 100 {
		if m := regexp.MustCompile(`answering on (\S+)`).FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("test-dns printed no address: %q", out.String())
	}
	var d net.Dialer
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	if ips, err := res.LookupHost(t.Context(), "sts.test"); err != nil || !slices.Contains(ips, "127.0.0.1") {
		t.Errorf("sts.test: %v, %v; want 127.0.0.1", ips, err)
	}
	if _, srvs, err := res.LookupSRV(t.Context(), "autodiscover", "tcp", "contoso.test"); err != nil || len(srvs) != 1 || srvs[0].Port != 443 {
		t.Errorf("SRV: %v, %v", srvs, err)
	}
	// Publish a proof the way the walkthrough does: append a DnsRecord line.
	f, err := os.OpenFile(zone, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`contoso.test. 3600 IN TXT "abc\"def" "second part"` + "\n")
	f.Close()
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(zone, later, later) // a change the poller cannot miss, however coarse the clock
	var txt []string
	for range 100 {
		if txt, err = res.LookupTXT(t.Context(), "contoso.test"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if diff := cmp.Diff([]string{`abc"defsecond part`}, txt); diff != "" {
		t.Errorf("TXT after the zone grew (-want +got):\n%s (err %v)", diff, err)
	}
}

func TestZoneFields(t *testing.T) {
	for _, tt := range []struct{ line, name, typ, data string }{
		{"", "", "", ""},
		{"; comment", "", "", ""},
		{"sts.test A 127.0.0.1", "sts.test", "A", "127.0.0.1"},
		{`contoso.test. 3600 IN TXT "a  b" "c"`, "contoso.test", "TXT", `"a  b" "c"`},
		{"a.test in txt \"x\"", "a.test", "TXT", `"x"`},
	} {
		name, typ, data, err := zoneFields(tt.line)
		if err != nil || name != tt.name || typ != tt.typ || data != tt.data {
			t.Errorf("zoneFields(%q) = %q, %q, %q, %v; want %q, %q, %q", tt.line, name, typ, data, err, tt.name, tt.typ, tt.data)
		}
	}
	for _, bad := range []string{"sts.test A", "x 3600 IN"} {
		if _, _, _, err := zoneFields(bad); err == nil {
			t.Errorf("zoneFields(%q) accepted a line with no data", bad)
		}
	}
	if _, err := txtStrings(`"unclosed`); err == nil || !strings.Contains(err.Error(), "not closed") {
		t.Errorf("an unclosed quote: %v", err)
	}
}
