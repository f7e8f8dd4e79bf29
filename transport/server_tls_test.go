package transport_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/transport"
)

// Inbound TLS: 1.2 or later by default; 1.0 and 1.1 only with
// AcceptLegacyTLS, which logs when set and on the first old handshake from
// each client. Real handshakes from real clients on loopback.
func TestServerLegacyTLS(t *testing.T) {
	k := testKeys(t)
	versions := []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}
	tests := []struct {
		name   string
		legacy bool
		base   func(*tls.Config)
		ok     map[uint16]bool
		// warnings are the WARN lines the server must log, in any order.
		warnings []string
	}{
		{"default", false, nil, map[uint16]bool{tls.VersionTLS12: true, tls.VersionTLS13: true}, nil},
		{"default raises a lower minimum", false, func(c *tls.Config) { c.MinVersion = tls.VersionTLS10 }, map[uint16]bool{tls.VersionTLS12: true, tls.VersionTLS13: true}, nil},
		{"default keeps a higher minimum", false, func(c *tls.Config) { c.MinVersion = tls.VersionTLS13 }, map[uint16]bool{tls.VersionTLS13: true}, nil},
		{"legacy", true, nil, map[uint16]bool{tls.VersionTLS10: true, tls.VersionTLS11: true, tls.VersionTLS12: true, tls.VersionTLS13: true}, []string{
			"accepts TLS 1.0 and 1.1",
			`client connected with legacy TLS" client=127.0.0.1 negotiated="TLS 1.0"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs fedtest.LogBuffer
			base := &tls.Config{Certificates: []tls.Certificate{k.server.TLSCertificate()}}
			if tt.base != nil {
				tt.base(base)
			}
			min := base.MinVersion
			srv := transport.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, tls.VersionName(r.TLS.Version))
			}), transport.ServerConfig{TLS: base, AcceptLegacyTLS: tt.legacy, Logger: logs.Logger()})
			if base.MinVersion != min || base.GetConfigForClient != nil {
				t.Fatal("NewServer changed the caller's tls.Config")
			}
			addr, _ := serve(t, t.Context(), srv, 0)
			for _, v := range versions {
				// Twice each: the second old handshake from the same
				// address must not log again.
				for range 2 {
					c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
						RootCAs: k.ca.Pool(), MinVersion: v, MaxVersion: v, ServerName: "127.0.0.1",
					}}}
					resp, err := c.Get("https://" + addr + "/")
					if !tt.ok[v] {
						if err == nil {
							resp.Body.Close()
							t.Errorf("%s: accepted, want refused", tls.VersionName(v))
						}
						continue
					}
					if err != nil {
						t.Errorf("%s: %v", tls.VersionName(v), err)
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(body) != tls.VersionName(v) {
						t.Errorf("%s: the handler saw %s", tls.VersionName(v), body)
					}
					c.CloseIdleConnections()
				}
			}
			var warns []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "level=WARN") && !strings.Contains(l, "handshake error") {
					warns = append(warns, l)
				}
			}
			if len(warns) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d lines: %q", warns, len(tt.warnings), tt.warnings)
			}
			for _, want := range tt.warnings {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("no warning containing %q in %q", want, warns)
				}
			}
		})
	}
}
