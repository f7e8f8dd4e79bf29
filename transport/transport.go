package transport

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Transport is the http.RoundTripper of the clients [New] builds. Wrap it
// to add behaviour (authentication, tracing), or use it in your own
// http.Client. It is safe for concurrent use.
//
// It keeps two connection pools: one for the hosts of
// Config.LegacyTLSHosts, whose TLS configuration accepts TLS 1.0 and 1.1,
// and one for every other host, which requires TLS 1.2. A single pool
// would have to lower the minimum version for all hosts, since
// http.Transport has one TLS configuration.
type Transport struct {
	modern      *http.Transport
	legacy      *http.Transport // nil without legacy hosts
	legacyHosts HostList
}

// New returns an *http.Client using a new [Transport] built from cfg and
// cfg.Timeout. Errors match [ErrInvalidConfig].
func New(cfg Config) (*http.Client, error) {
	t, err := NewTransport(cfg)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: t, Timeout: orDefault(cfg.Timeout, DefaultTimeout)}, nil
}

// NewTransport returns a new [Transport] built from cfg. It never uses or
// changes http.DefaultTransport. Errors match [ErrInvalidConfig].
func NewTransport(cfg Config) (*Transport, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var legacyHosts HostList
	for _, h := range cfg.LegacyTLSHosts {
		l, err := ParseHostList(h)
		if err != nil {
			return nil, &ConfigError{Field: "LegacyTLSHosts", Err: err}
		}
		legacyHosts.rules = append(legacyHosts.rules, l.rules...)
	}
	dial := cfg.DialContext
	if dial == nil {
		d := &net.Dialer{Timeout: orDefault(cfg.DialTimeout, DefaultDialTimeout), KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	r, err := newRouting(&cfg, dial)
	if err != nil {
		return nil, err
	}
	log.Debug("transport: configured", r.describe...)

	tlsCfg := modernTLS(&cfg)
	t := &Transport{modern: newHTTPTransport(&cfg, r, tlsCfg, !cfg.DisableHTTP2)}
	if legacyHosts.Len() > 0 {
		// HTTP/2 requires TLS 1.2 (RFC 9113 section 9.2), so legacy hosts get HTTP/1.1.
		t.legacy = newHTTPTransport(&cfg, r, legacyTLS(tlsCfg, &legacyWarner{log: log}), false)
		t.legacyHosts = legacyHosts
	}
	return t, nil
}

func newHTTPTransport(cfg *Config, r routing, tlsCfg *tls.Config, h2 bool) *http.Transport {
	t := &http.Transport{
		Proxy:                  r.proxy,
		DialContext:            r.dial,
		TLSClientConfig:        tlsCfg,
		TLSHandshakeTimeout:    orDefault(cfg.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout),
		ResponseHeaderTimeout:  orDefault(cfg.ResponseHeaderTimeout, DefaultResponseHeaderTimeout),
		IdleConnTimeout:        orDefault(cfg.IdleConnTimeout, DefaultIdleConnTimeout),
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           100,
		MaxConnsPerHost:        orDefault(cfg.MaxConnsPerHost, DefaultMaxConnsPerHost),
		MaxIdleConnsPerHost:    max(cfg.MaxIdleConnsPerHost, 0),
		MaxResponseHeaderBytes: 64 << 10,
		// A custom dialer or TLS configuration turns HTTP/2 off unless forced.
		ForceAttemptHTTP2: h2,
	}
	if t.MaxIdleConnsPerHost == 0 {
		t.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if !h2 {
		// A non-nil empty map is how http.Transport is told: no HTTP/2.
		t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return t
}

// RoundTrip sends req through the pool for its host.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.legacy != nil && req.URL.Scheme == "https" && t.legacyHosts.Match(req.URL.Hostname(), urlPort(req.URL)) {
		return t.legacy.RoundTrip(req)
	}
	return t.modern.RoundTrip(req)
}

// CloseIdleConnections closes the idle connections of both pools;
// http.Client.CloseIdleConnections calls it.
func (t *Transport) CloseIdleConnections() {
	t.modern.CloseIdleConnections()
	if t.legacy != nil {
		t.legacy.CloseIdleConnections()
	}
}
