package cli

import (
	"context"
	"crypto/tls"
	"flag"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
)

func TestHTTPClientCAErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "give a readable PEM file",
		notPEM:                            "has no PEM certificate",
	} {
		if _, err := HTTPClient(file, nil); err == nil || !strings.HasPrefix(err.Error(), "-ca") || !strings.Contains(err.Error(), want) {
			t.Errorf("HTTPClient(%s) = %v, want a -ca error saying %q", file, err, want)
		}
	}
	if _, err := HTTPClient("", nil); err != nil {
		t.Errorf("HTTPClient without -ca: %v", err)
	}
}

func TestResolver(t *testing.T) {
	if _, err := Resolver("192.0.2.53"); err == nil || !strings.Contains(err.Error(), "give host:port") {
		t.Errorf("Resolver without a port = %v, want a -dns error asking for host:port", err)
	}
	if r, err := Resolver("192.0.2.53:53"); err != nil || r == nil {
		t.Errorf("Resolver(192.0.2.53:53) = %v, %v", r, err)
	}
}

// The network flags as a command gets them: the -proxy carries requests to
// partners except those -proxy-bypass names, and the -ca file is trusted.
func TestNetworkProxy(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue("partner.test", "direct.test")
	if err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewUnstartedServer(&fedtest.Origin{})
	origin.TLS = &tls.Config{Certificates: []tls.Certificate{kp.TLSCertificate()}}
	origin.StartTLS()
	defer origin.Close()
	proxy, err := fedtest.NewConnectProxy(fedtest.ProxyOptions{Dial: map[string]string{"partner.test:443": origin.Listener.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pki.CertPEM(ca.Cert), 0o600); err != nil {
		t.Fatal(err)
	}

	var n Network
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	n.Register(fs)
	if err := fs.Parse([]string{"-ca", caFile, "-proxy", proxy.URL().String(), "-proxy-bypass", "direct.test", "-legacy-tls", "old.partner.test"}); err != nil {
		t.Fatal(err)
	}
	if got := n.LegacyTLS; len(got) != 1 || got[0] != "old.partner.test" {
		t.Errorf("-legacy-tls gave %v", got)
	}
	// direct.test bypasses the proxy: only the dialer is asked for it.
	var dialed []string
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		var d net.Dialer
		if addr == "direct.test:443" {
			addr = origin.Listener.Addr().String()
		}
		return d.DialContext(ctx, network, addr)
	}
	hc, err := n.Client(dial)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://partner.test/", "https://direct.test/"} {
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		resp.Body.Close()
	}
	if got := proxy.Targets(); len(got) != 1 || got[0] != "partner.test:443" {
		t.Errorf("the proxy carried %v, want only partner.test:443", got)
	}
	if !slices.Contains(dialed, "direct.test:443") || slices.Contains(dialed, "partner.test:443") {
		t.Errorf("dialled directly: %v; want direct.test only (partner.test through the proxy)", dialed)
	}

	if _, err := (&Network{ProxyBypass: "<local>"}).Client(nil); err == nil || !strings.Contains(err.Error(), "-proxy-bypass needs -proxy") {
		t.Errorf("-proxy-bypass without -proxy: %v", err)
	}
}

// Settings saved in a state directory fill the flags a command line leaves
// out, and never override the ones it gives.
func TestSettingsFile(t *testing.T) {
	dir := t.TempDir()
	saved := Network{CAFile: "ca.pem", DNS: "127.0.0.1:5353", Proxy: "http://u:secret@proxy.test:3128", ProxyBypass: "<local>", LegacyTLS: []string{"old.test"}}
	path, err := saved.Save(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("settings file mode: %v, %v; want 0600 (a proxy URL may hold a password)", st.Mode().Perm(), err)
	}
	var n Network
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	n.Register(fs)
	if err := fs.Parse([]string{"-dns", "127.0.0.1:53"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Load(dir, fs); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("ca.pem")
	want := Network{CAFile: abs, DNS: "127.0.0.1:53", Proxy: saved.Proxy, ProxyBypass: "<local>", LegacyTLS: []string{"old.test"}}
	if n.CAFile != want.CAFile || n.DNS != want.DNS || n.Proxy != want.Proxy || n.ProxyBypass != want.ProxyBypass || !slices.Equal(n.LegacyTLS, want.LegacyTLS) {
		t.Errorf("loaded %+v, want %+v (the command line's -dns kept)", n, want)
	}
	var none Network
	if err := none.Load(t.TempDir(), flag.NewFlagSet("y", flag.ContinueOnError)); err != nil || none.DNS != "" {
		t.Errorf("a directory without settings: %+v, %v", none, err)
	}
}
