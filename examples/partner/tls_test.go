package main

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

// handshake makes a TLS handshake with version only, as an old Exchange
// server would, and reports whether the partner accepted it.
func handshake(t *testing.T, s *server, version uint16) error {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{}, "tcp", s.addr, &tls.Config{
		RootCAs: s.world.CA.Pool(), ServerName: "fabrikam.test", MinVersion: version, MaxVersion: version,
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	if got := conn.ConnectionState().Version; got != version {
		t.Errorf("negotiated %s, want %s", tls.VersionName(got), tls.VersionName(version))
	}
	return nil
}

// -accept-legacy-tls lets TLS 1.0 and 1.1 clients in, with warnings;
// without it they are refused.
func TestAcceptLegacyTLS(t *testing.T) {
	s := startPartner(t, loopback.New(t))
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if err := handshake(t, s, v); err == nil {
			t.Errorf("default partner accepted %s", tls.VersionName(v))
		}
	}
	if err := handshake(t, s, tls.VersionTLS12); err != nil {
		t.Errorf("default partner refused TLS 1.2: %v", err)
	}
	if strings.Contains(s.stderr.String(), "TLS 1.0 and 1.1") {
		t.Errorf("default partner warns about legacy TLS: %s", s.stderr)
	}

	s = startPartner(t, loopback.New(t), "-accept-legacy-tls")
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12} {
		if err := handshake(t, s, v); err != nil {
			t.Errorf("-accept-legacy-tls: %s refused: %v", tls.VersionName(v), err)
		}
	}
	for _, want := range []string{"accepts TLS 1.0 and 1.1", `client connected with legacy TLS" client=127.0.0.1 negotiated="TLS 1.0"`} {
		if !strings.Contains(s.stderr.String(), want) {
			t.Errorf("log has no %q:\n%s", want, s.stderr)
		}
	}
}

// -accepted-domain: GetFederationInformation for the accepted domain
// answers with the federated one, as Exchange does.
func TestAcceptedDomainFlag(t *testing.T) {
	w := loopback.New(t)
	startPartner(t, w, "-accepted-domain", "research.fabrikam.test")
	ac := &autodiscover.Client{HTTPClient: w.HTTP, CacheTTL: -1, Endpoint: "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"}
	fi, err := ac.GetFederationInformation(t.Context(), "research.fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fi.Domains, ","); fi.ApplicationURI != "FYDIBOHF25SPDLT.fabrikam.test" || got != "fabrikam.test" {
		t.Errorf("federation information for the accepted domain: %s %s", fi.ApplicationURI, got)
	}
	if _, err := ac.GetFederationInformation(t.Context(), "other.fabrikam.test"); !errors.Is(err, autodiscover.ErrInvalidDomain) {
		t.Errorf("a domain the organization does not have: %v, want InvalidDomain", err)
	}
}
