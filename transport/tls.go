package transport

import (
	"crypto/tls"
	"log/slog"
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
