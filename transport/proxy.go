package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"
	"golang.org/x/net/proxy"
)

// dialFunc is the signature of http.Transport.DialContext.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// routing is how requests reach servers: the http.Transport's Proxy and
// DialContext, and a description for the log that holds no credentials.
type routing struct {
	proxy    func(*http.Request) (*url.URL, error)
	dial     dialFunc
	describe []any
}

// newRouting derives the routing from the proxy fields of cfg; base dials
// TCP connections, to servers and to proxies.
func newRouting(cfg *Config, base dialFunc) (routing, error) {
	if cfg.ProxyFunc != nil {
		if cfg.ProxyURL != "" || cfg.ProxyBypass != "" || cfg.ProxyEnv != nil || cfg.Direct {
			return routing{}, &ConfigError{Field: "ProxyFunc", Err: errors.New("cannot be combined with ProxyURL, ProxyBypass, ProxyEnv or Direct")}
		}
		return routing{proxy: cfg.ProxyFunc, dial: base, describe: []any{"proxy", "ProxyFunc"}}, nil
	}
	if cfg.Direct {
		if cfg.ProxyURL != "" || cfg.ProxyBypass != "" || cfg.ProxyEnv != nil {
			return routing{}, &ConfigError{Field: "Direct", Err: errors.New("cannot be combined with ProxyURL, ProxyBypass or ProxyEnv")}
		}
		return routing{dial: base, describe: []any{"proxy", "none"}}, nil
	}
	if cfg.ProxyURL == "" {
		if cfg.ProxyBypass != "" {
			return routing{}, &ConfigError{Field: "ProxyBypass", Err: errors.New("needs ProxyURL; environment proxies take NO_PROXY")}
		}
		return envRouting(cfg.ProxyEnv, base), nil
	}
	if cfg.ProxyEnv != nil {
		return routing{}, &ConfigError{Field: "ProxyEnv", Err: errors.New("cannot be combined with ProxyURL")}
	}
	u, err := parseProxyURL(cfg.ProxyURL)
	if err != nil {
		return routing{}, &ConfigError{Field: "ProxyURL", Err: err}
	}
	bypass, err := ParseHostList(cfg.ProxyBypass)
	if err != nil {
		return routing{}, &ConfigError{Field: "ProxyBypass", Err: err}
	}
	describe := []any{"proxy", u.Redacted(), "bypass", bypass.String()}
	if u.Scheme == "socks5" || u.Scheme == "socks5h" {
		return routing{dial: socksDial(u, bypass, base), describe: describe}, nil
	}
	pick := func(req *http.Request) (*url.URL, error) {
		if bypass.Match(req.URL.Hostname(), urlPort(req.URL)) {
			return nil, nil
		}
		return u, nil
	}
	return routing{proxy: pick, dial: base, describe: describe}, nil
}

// envRouting uses the proxy environment, read now when env is nil so that
// later changes to the process environment do not change a built client.
func envRouting(env *httpproxy.Config, base dialFunc) routing {
	if env == nil {
		env = httpproxy.FromEnvironment()
	}
	pf := env.ProxyFunc()
	return routing{
		proxy: func(req *http.Request) (*url.URL, error) { return pf(req.URL) },
		dial:  base,
		// The environment's values may hold credentials: say where they come from only.
		describe: []any{"proxy", "environment"},
	}
}

func parseProxyURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a URL") // url.Error would repeat the credentials
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, errors.New("scheme must be http, https, socks5 or socks5h")
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, errors.New("a proxy URL has no path or query")
	}
	return u, nil
}

// socksDial dials through the SOCKS5 proxy at u, except addresses in bypass.
// golang.org/x/net/proxy sends host names to the proxy unresolved, so names
// that only the proxy's side can resolve work.
func socksDial(u *url.URL, bypass HostList, base dialFunc) dialFunc {
	var auth *proxy.Auth
	if u.User != nil {
		pw, _ := u.User.Password()
		auth = &proxy.Auth{User: u.User.Username(), Password: pw}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "1080")
	}
	// SOCKS5 only fails for a nil or unsupported network, neither possible here.
	d, _ := proxy.SOCKS5("tcp", addr, auth, contextDialer(base))
	socks := d.(proxy.ContextDialer)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if bypass.matchAddr(addr) {
			return base(ctx, network, addr)
		}
		return socks.DialContext(ctx, network, addr)
	}
}

// contextDialer adapts a dialFunc to proxy.Dialer and proxy.ContextDialer.
type contextDialer dialFunc

func (d contextDialer) Dial(network, addr string) (net.Conn, error) {
	return d(context.Background(), network, addr)
}

func (d contextDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d(ctx, network, addr)
}

// urlPort is u's port, or its scheme's default.
func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch u.Scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}
