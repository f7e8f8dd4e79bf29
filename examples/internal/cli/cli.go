// Package cli holds what the example commands share about their command
// lines: the network flags (-ca, -dns, -proxy, -proxy-bypass, -legacy-tls)
// and the HTTP client and resolver they make.
package cli

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fedavail/fedavail/transport"
)

// DialFunc opens network connections, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// HTTPClient returns a client from transport.New that trusts the PEM
// certificates of caFile as well as the system's (caFile "" adds none) and
// opens connections with dial (nil dials as usual; tests reach partners'
// host names on loopback with it). Errors name the flag -ca and say what to
// give instead.
func HTTPClient(caFile string, dial DialFunc) (*http.Client, error) {
	return httpClient(caFile, transport.Config{DialContext: dial})
}

func httpClient(caFile string, tc transport.Config) (*http.Client, error) {
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("-ca: %w: give a readable PEM file", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-ca: %s has no PEM certificate: give the CA's certificate in PEM form", caFile)
		}
		tc.RootCAs = pool
	}
	return transport.New(tc)
}

// Resolver returns a resolver that sends every query to the DNS server at
// addr, a -dns flag's "host:port". Callers keep the system resolver when the
// flag is empty rather than calling Resolver with "": the packages take a
// nil resolver to mean the system's, which a nil *net.Resolver in an
// interface would not be.
func Resolver(addr string) (*net.Resolver, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("-dns %q: %v: give host:port, e.g. 192.0.2.53:53", addr, err)
	}
	var d net.Dialer
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}, nil
}

// DialVia returns a DialFunc that looks host names up with res, so that a
// -dns server also decides where connections go (a walkthrough on one
// machine names its servers in its own DNS).
func DialVia(res *net.Resolver) DialFunc {
	d := &net.Dialer{Resolver: res, Timeout: 30 * time.Second}
	return d.DialContext
}

// Network is the command-line settings every command that connects out
// shares: CA file, DNS server, proxy, proxy bypass list and the hosts
// allowed old TLS versions. Declare them with Register, build the client
// with Client.
type Network struct {
	CAFile      string   // -ca
	DNS         string   // -dns
	Proxy       string   // -proxy
	ProxyBypass string   // -proxy-bypass
	LegacyTLS   []string // -legacy-tls, repeatable
}

// Register declares the flags on fs.
func (n *Network) Register(fs *flag.FlagSet) {
	fs.StringVar(&n.CAFile, "ca", n.CAFile, "PEM `FILE` of CA certificates to trust, in addition to the system's")
	fs.StringVar(&n.DNS, "dns", n.DNS, "DNS server `host:port` to look names up with (TXT, SRV and the hosts connected to), instead of the system resolver")
	fs.StringVar(&n.Proxy, "proxy", n.Proxy, "proxy `URL` for every outbound request: http://, https:// or socks5://[user:pass@]host:port "+
		"(default: the environment's HTTPS_PROXY, HTTP_PROXY and NO_PROXY)")
	fs.StringVar(&n.ProxyBypass, "proxy-bypass", n.ProxyBypass, "`HOSTS` reached without -proxy, in WinHTTP's syntax: \"<local>;*.example.org;10.*\"")
	fs.Func("legacy-tls", "a partner `HOST` (or domain: its hosts too) whose servers speak only TLS 1.0 or 1.1, as some Exchange 2010 servers do; repeatable, never the default", func(v string) error {
		n.LegacyTLS = append(n.LegacyTLS, strings.TrimSpace(v))
		return nil
	})
}

// Resolver returns the -dns resolver, or nil for the system's.
func (n *Network) Resolver() (*net.Resolver, error) {
	if n.DNS == "" {
		return nil, nil
	}
	return Resolver(n.DNS)
}

// Client returns the HTTP client of these settings; dial, if not nil, opens
// its connections (tests), else -dns decides where host names go.
func (n *Network) Client(dial DialFunc) (*http.Client, error) {
	if dial == nil && n.DNS != "" {
		res, err := n.Resolver()
		if err != nil {
			return nil, err
		}
		dial = DialVia(res)
	}
	if n.ProxyBypass != "" && n.Proxy == "" {
		return nil, fmt.Errorf("-proxy-bypass needs -proxy (with the environment's proxy, set NO_PROXY instead)")
	}
	var hosts []string
	for _, h := range n.LegacyTLS {
		hosts = append(hosts, h, "*."+strings.TrimPrefix(h, "*."))
	}
	return httpClient(n.CAFile, transport.Config{DialContext: dial, ProxyURL: n.Proxy, ProxyBypass: n.ProxyBypass, LegacyTLSHosts: hosts})
}

// ServeMetrics serves /metrics (the registry, in Prometheus' text format)
// and /healthz (200 "ok" while the process runs) on addr, a listener of its
// own so that partners and organizations never reach it, until ctx ends.
// It returns the address it listens on.
func ServeMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("-metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return ln.Addr().String(), nil
}

// SettingsFile is the name, in a state directory, of the network settings
// the commands read when their flags do not say otherwise, so that -ca,
// -dns, -proxy … need not be repeated on every command line.
const SettingsFile = "settings.json"

// settings is SettingsFile's content.
type settings struct {
	CA          string   `json:"ca,omitempty"`
	DNS         string   `json:"dns,omitempty"`
	Proxy       string   `json:"proxy,omitempty"`
	ProxyBypass string   `json:"proxy_bypass,omitempty"`
	LegacyTLS   []string `json:"legacy_tls,omitempty"`
}

// Load fills the settings fs was not given from dir's SettingsFile, if the
// directory has one; a relative CA path there is relative to dir.
func (n *Network) Load(dir string, fs *flag.FlagSet) error {
	if dir == "" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, SettingsFile))
	if errors.Is(err, iofs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var s settings
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, SettingsFile), err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["ca"] && s.CA != "" {
		n.CAFile = s.CA
		if !filepath.IsAbs(n.CAFile) {
			n.CAFile = filepath.Join(dir, n.CAFile)
		}
	}
	if !given["dns"] && s.DNS != "" {
		n.DNS = s.DNS
	}
	if !given["proxy"] && s.Proxy != "" {
		n.Proxy = s.Proxy
	}
	if !given["proxy-bypass"] && s.ProxyBypass != "" {
		n.ProxyBypass = s.ProxyBypass
	}
	if !given["legacy-tls"] && len(s.LegacyTLS) > 0 {
		n.LegacyTLS = s.LegacyTLS
	}
	return nil
}

// Save writes the settings to dir's SettingsFile (mode 0600: a proxy URL
// may carry credentials), a CA path made absolute.
func (n *Network) Save(dir string) (string, error) {
	s := settings{CA: n.CAFile, DNS: n.DNS, Proxy: n.Proxy, ProxyBypass: n.ProxyBypass, LegacyTLS: n.LegacyTLS}
	if s.CA != "" {
		abs, err := filepath.Abs(s.CA)
		if err != nil {
			return "", err
		}
		s.CA = abs
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, SettingsFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(data, '\n'), 0o600)
}
