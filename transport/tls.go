package transport

import (
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"sync"
)

// modernTLS is the TLS configuration for every host not in LegacyTLSHosts.
func modernTLS(cfg *Config) *tls.Config {
	return &tls.Config{
		MinVersion:           tls.VersionTLS12,
		RootCAs:              cfg.RootCAs,
		Certificates:         cfg.Certificates,
		GetClientCertificate: cfg.GetClientCertificate,
	}
}

// legacyTLS is modern with TLS 1.0 and 1.1 allowed, for the legacy hosts
// only; w logs the first handshake with each.
func legacyTLS(modern *tls.Config, w *legacyWarner) *tls.Config {
	c := modern.Clone()
	c.MinVersion = tls.VersionTLS10
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		w.warn(cs)
		return nil
	}
	return c
}

// legacyWarner logs once per host that TLS below 1.2 is allowed for it.
type legacyWarner struct {
	log  *slog.Logger
	seen sync.Map // lower-case server name → struct{}
}

func (w *legacyWarner) warn(cs tls.ConnectionState) {
	host := strings.ToLower(cs.ServerName)
	if _, dup := w.seen.LoadOrStore(host, struct{}{}); dup {
		return
	}
	w.log.Warn("transport: TLS 1.0/1.1 allowed for legacy partner host",
		"host", host, "negotiated", tls.VersionName(cs.Version))
}

// serverTLS is the server's copy of base: TLS 1.2 or later, or with legacy
// 1.0 and 1.1 too, loudly.
func serverTLS(base *tls.Config, legacy bool, log *slog.Logger) *tls.Config {
	c := base.Clone()
	if !legacy {
		c.MinVersion = max(c.MinVersion, tls.VersionTLS12)
		return c
	}
	c.MinVersion = tls.VersionTLS10
	log.Warn("transport: the server accepts TLS 1.0 and 1.1 from clients (AcceptLegacyTLS); these versions have known weaknesses")
	w := &legacyClients{log: log}
	getConfig := c.GetConfigForClient
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		inner := c
		if getConfig != nil {
			// The caller's own choice per client, with the same floor.
			cc, err := getConfig(hello)
			if err != nil || cc == nil {
				return cc, err
			}
			inner = cc.Clone()
			inner.MinVersion = tls.VersionTLS10
		}
		per := inner.Clone()
		per.GetConfigForClient = nil
		addr := hello.Conn.RemoteAddr()
		verify := inner.VerifyConnection
		per.VerifyConnection = func(cs tls.ConnectionState) error {
			if cs.Version < tls.VersionTLS12 {
				w.warn(addr, cs.Version)
			}
			if verify != nil {
				return verify(cs)
			}
			return nil
		}
		return per, nil
	}
	return c
}

// maxLegacyClients bounds the client addresses remembered for the
// once-per-client warning, so that many clients cannot grow it.
const maxLegacyClients = 4096

// legacyClients logs the first old-version handshake from each client
// address, up to maxLegacyClients addresses.
type legacyClients struct {
	log  *slog.Logger
	mu   sync.Mutex
	seen map[string]struct{}
}

func (w *legacyClients) warn(addr net.Addr, version uint16) {
	host := addr.String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	w.mu.Lock()
	if w.seen == nil {
		w.seen = map[string]struct{}{}
	}
	_, dup := w.seen[host]
	full := len(w.seen) >= maxLegacyClients
	if !dup && !full {
		w.seen[host] = struct{}{}
	}
	w.mu.Unlock()
	if dup || full {
		return
	}
	w.log.Warn("transport: client connected with legacy TLS", "client", host, "negotiated", tls.VersionName(version))
}
