package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Defaults used for the zero values of [Config]'s fields.
const (
	DefaultDialTimeout           = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 60 * time.Second
	DefaultIdleConnTimeout       = 90 * time.Second
	DefaultTimeout               = 2 * time.Minute
	DefaultMaxConnsPerHost       = 32
	DefaultMaxIdleConnsPerHost   = 16
)

// Config describes the HTTP client fedavail uses for Autodiscover, the trust
// broker and EWS. The zero value is ready to use: proxies from the
// environment, the system's root certificates, TLS 1.2 or later, HTTP/2
// where the server offers it, and the Default... limits above.
//
// Durations: zero means the default, a negative value means no limit.
type Config struct {
	// ProxyURL is the proxy for every request whose host is not in
	// ProxyBypass: "http://host:port", "https://host:port" (TLS to the proxy
	// too), or "socks5://host:port" (also "socks5h"; either way host names
	// are resolved by the SOCKS server). User information in the URL, as in
	// "http://user:pass@proxy:3128", is the proxy's credentials: sent to the
	// proxy only (Proxy-Authorization, or RFC 1929 for SOCKS5), never to
	// servers, and never logged. Empty means the proxy environment, ProxyEnv.
	ProxyURL string
	// ProxyBypass lists the hosts reached directly rather than through
	// ProxyURL, in the WinHTTP syntax of [HostList], as "netsh winhttp set
	// proxy" takes it: "<local>;*.example.org;192.168.*". It needs ProxyURL;
	// the environment has NO_PROXY instead.
	ProxyBypass string
	// ProxyEnv is the proxy environment used when ProxyURL is empty
	// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, with httpproxy's rules: requests to
	// localhost and loopback addresses are never proxied). Nil reads the
	// process environment, once, in New.
	ProxyEnv *httpproxy.Config
	// ProxyFunc, when set, chooses the proxy for each request, as
	// http.Transport.Proxy does; it cannot be combined with the other Proxy
	// fields or Direct.
	ProxyFunc func(*http.Request) (*url.URL, error)
	// Direct disables proxies, the environment's included.
	Direct bool

	// RootCAs verifies servers' certificates; nil means the system's roots.
	// It also verifies an https:// proxy.
	RootCAs *x509.CertPool
	// Certificates are client certificates offered to servers that ask for
	// one: the first whose issuer the server accepts is sent. Partners that
	// require a certificate usually need only one.
	Certificates []tls.Certificate
	// GetClientCertificate, when set, chooses the client certificate instead
	// of Certificates, as in tls.Config.
	GetClientCertificate func(*tls.CertificateRequestInfo) (*tls.Certificate, error)
	// LegacyTLSHosts are partner hosts, as [HostList] entries (names,
	// wildcards, optional ports), for which TLS 1.0 and 1.1 are accepted.
	// Every other host needs TLS 1.2 or later. The first handshake with each
	// such host logs a warning. Leave it empty unless a partner still runs
	// such a server: these versions have known weaknesses.
	LegacyTLSHosts []string

	// DialContext opens TCP connections to servers and proxies; nil uses a
	// net.Dialer with DialTimeout and TCP keep-alives. Tests use it to map
	// host names to loopback ports.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTimeout bounds a TCP connect (only without DialContext).
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds a TLS handshake.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for a response's headers once
	// the request is sent.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout is how long an idle keep-alive connection stays open.
	IdleConnTimeout time.Duration
	// Timeout bounds a whole exchange, body included, as http.Client.Timeout;
	// contexts given to fedavail calls may end it sooner.
	Timeout time.Duration
	// MaxConnsPerHost caps the connections to one host, dialling, active
	// and idle; zero means DefaultMaxConnsPerHost, negative no limit.
	MaxConnsPerHost int
	// MaxIdleConnsPerHost caps the idle connections kept per host; zero or
	// negative means DefaultMaxIdleConnsPerHost.
	MaxIdleConnsPerHost int
	// DisableHTTP2 keeps every connection on HTTP/1.1.
	DisableHTTP2 bool

	// Logger gets a debug line describing the proxy set-up and the legacy
	// TLS warnings. Nil discards.
	Logger *slog.Logger
}

// orDefault applies the "zero means default, negative means none" rule.
func orDefault[T time.Duration | int | int64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
