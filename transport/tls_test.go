package transport_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/http/httpproxy"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/transport"
)

// counter is a handler that counts the requests it answered.
type counter struct{ n atomic.Int32 }

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	io.WriteString(w, r.Host)
}

// dialTo maps every address to the server's.
func dialTo(s *httptest.Server) *recordingDialer {
	d := &recordingDialer{m: map[string]string{}}
	for _, h := range []string{legacyHost, modernHost} {
		d.m[net.JoinHostPort(h, "443")] = s.Listener.Addr().String()
	}
	return d
}

func TestLegacyTLS(t *testing.T) {
	k := testKeys(t)
	for _, version := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			h := &counter{}
			// One old server, known by two names; only one is listed as legacy.
			old := startTLS(t, h, func(s *httptest.Server) {
				s.TLS.MinVersion, s.TLS.MaxVersion = version, version
			})

			strict, err := transport.New(transport.Config{RootCAs: k.ca.Pool(), DialContext: dialTo(old).DialContext})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = get(t, strict, "https://"+legacyHost+"/")
			var uerr *url.Error
			var opErr *net.OpError
			if !errors.As(err, &uerr) || !errors.As(err, &opErr) || opErr.Op != "remote error" {
				t.Fatalf("default config: error %v, want a *url.Error around the server's TLS alert", err)
			}

			var logs fedtest.LogBuffer
			lenient, err := transport.New(transport.Config{
				RootCAs:        k.ca.Pool(),
				DialContext:    dialTo(old).DialContext,
				LegacyTLSHosts: []string{"LEGACY.partner.test"},
				Logger:         logs.Logger(),
			})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				resp, _, err := get(t, lenient, "https://"+legacyHost+"/")
				if err != nil {
					t.Fatalf("legacy host: %v", err)
				}
				if resp.TLS.Version != version {
					t.Errorf("negotiated %s, want %s", tls.VersionName(resp.TLS.Version), tls.VersionName(version))
				}
				lenient.CloseIdleConnections() // the next request makes a new handshake
			}
			if _, _, err := get(t, lenient, "https://"+modernHost+"/"); !errors.As(err, &opErr) {
				t.Errorf("host not listed as legacy: error %v, want a TLS alert", err)
			}
			if got := h.n.Load(); got != 3 {
				t.Errorf("server answered %d requests, want 3 (legacy host only)", got)
			}
			var warnings []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "level=WARN") {
					warnings = append(warnings, l)
				}
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "host="+legacyHost) || !strings.Contains(warnings[0], `negotiated="`+tls.VersionName(version)+`"`) {
				t.Errorf("want one warning naming the host and version, got %q", warnings)
			}
		})
	}
}

func TestClientCertificate(t *testing.T) {
	k := testKeys(t)
	srv := startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}), func(s *httptest.Server) {
		s.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		s.TLS.ClientCAs = k.ca.Pool()
	})
	cert := k.client.TLSCertificate()
	tests := []struct {
		name   string
		cfg    transport.Config
		wantCN string // "" when the handshake must fail
	}{
		{"none", transport.Config{}, ""},
		{"Certificates", transport.Config{Certificates: []tls.Certificate{cert}}, "fabrikam.test"},
		{"GetClientCertificate", transport.Config{GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &cert, nil
		}}, "fabrikam.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.RootCAs = k.ca.Pool()
			tt.cfg.DialContext = dialTo(srv).DialContext
			c, err := transport.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, cn, err := get(t, c, "https://"+modernHost+"/")
			if tt.wantCN == "" {
				if err == nil {
					t.Fatalf("no client certificate: got %q, want an error", cn)
				}
				return
			}
			if err != nil || cn != tt.wantCN {
				t.Errorf("server saw %q, %v; want %q", cn, err, tt.wantCN)
			}
		})
	}
}

func TestRootCAs(t *testing.T) {
	k := testKeys(t)
	srv := startTLS(t, &counter{}, nil)
	tests := []struct {
		name string
		pool *x509.CertPool
		ok   bool
	}{
		{"the server's CA", k.ca.Pool(), true},
		{"system roots", nil, false},
		{"another pool", x509.NewCertPool(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := transport.New(transport.Config{RootCAs: tt.pool, DialContext: dialTo(srv).DialContext})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, _, err = get(t, c, "https://"+modernHost+"/")
			var verr *tls.CertificateVerificationError
			if tt.ok && err != nil || !tt.ok && !errors.As(err, &verr) {
				t.Errorf("error %v; want ok=%v, else a *tls.CertificateVerificationError", err, tt.ok)
			}
		})
	}
}

func TestHTTP2(t *testing.T) {
	k := testKeys(t)
	srv := startTLS(t, &counter{}, func(s *httptest.Server) { s.EnableHTTP2 = true })
	for _, disable := range []bool{false, true} {
		c, err := transport.New(transport.Config{RootCAs: k.ca.Pool(), DialContext: dialTo(srv).DialContext, DisableHTTP2: disable})
		if err != nil {
			t.Fatal(err)
		}
		resp, _, err := get(t, c, "https://"+modernHost+"/")
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]int{false: 2, true: 1}[disable]
		if resp.ProtoMajor != want {
			t.Errorf("DisableHTTP2=%v: HTTP/%d, want HTTP/%d", disable, resp.ProtoMajor, want)
		}
		c.CloseIdleConnections()
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   transport.Config
		field string
	}{
		{"scheme", transport.Config{ProxyURL: "ftp://proxy:21"}, "ProxyURL"},
		{"no host", transport.Config{ProxyURL: "http://"}, "ProxyURL"},
		{"path", transport.Config{ProxyURL: "http://proxy:3128/x"}, "ProxyURL"},
		{"not a URL", transport.Config{ProxyURL: "http://u:p%zz@proxy"}, "ProxyURL"},
		{"bypass entry", transport.Config{ProxyURL: "http://proxy:3128", ProxyBypass: "<local>;https://x.example"}, "ProxyBypass"},
		{"bypass without proxy", transport.Config{ProxyBypass: "<local>"}, "ProxyBypass"},
		{"env with URL", transport.Config{ProxyURL: "http://proxy:3128", ProxyEnv: &httpproxy.Config{}}, "ProxyEnv"},
		{"valid", transport.Config{ProxyURL: "socks5://u:p@proxy", ProxyBypass: nhsBypass, LegacyTLSHosts: []string{"old.example:443"}}, ""},
		{"func with URL", transport.Config{ProxyURL: "http://proxy:3128", ProxyFunc: http.ProxyFromEnvironment}, "ProxyFunc"},
		{"direct with URL", transport.Config{ProxyURL: "http://proxy:3128", Direct: true}, "Direct"},
		{"legacy host", transport.Config{LegacyTLSHosts: []string{"old.example:http"}}, "LegacyTLSHosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := transport.New(tt.cfg)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("valid config: %v", err)
				}
				return
			}
			var ce *transport.ConfigError
			if !errors.Is(err, transport.ErrInvalidConfig) || !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *ConfigError matching ErrInvalidConfig", err)
			}
			if diff := cmp.Diff(tt.field, ce.Field); diff != "" {
				t.Errorf("Field (-want +got):\n%s", diff)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "transport: invalid Config."+tt.field+": ") || strings.Contains(msg, "u:p") {
				t.Errorf("message %q", msg)
			}
		})
	}
}
