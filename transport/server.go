package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Defaults for the zero values of [ServerConfig]'s fields.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxBodyBytes      = 4 << 20
)

// ServerConfig bounds what one client can make an answering server
// (Autodiscover, EWS, the trust broker) hold: time and memory. Zero values
// mean the Default... constants above, negative values no limit.
type ServerConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers; it cuts off
	// clients that trickle headers to hold connections open (slow loris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the request's headers
	// to the end of the response.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps the size of a request's headers; larger requests
	// are answered 431. (net/http allows up to 4 KiB more, for buffering.)
	MaxHeaderBytes int
	// MaxBodyBytes caps a request's body: reading past it fails with an
	// *http.MaxBytesError and the connection is closed after the response.
	MaxBodyBytes int64
	// Logger receives the server's own error lines (TLS handshake errors,
	// handler panics) at level Warn. Nil discards them.
	Logger *slog.Logger

	// TLS, if set, is the server's TLS configuration (certificates, client
	// certificate policy): NewServer sets a clone as the server's TLSConfig,
	// with TLS 1.2 as the lowest version unless AcceptLegacyTLS. Nil leaves
	// TLSConfig unset, for plain HTTP behind a TLS terminator or a
	// configuration of the caller's own.
	TLS *tls.Config
	// AcceptLegacyTLS lets clients connect with TLS 1.0 and 1.1, for
	// partners whose Exchange servers still speak only those (NHSmail's
	// guide says its servers use TLS 1.0). Those versions have known
	// weaknesses: it is never the default, NewServer logs a warning when it
	// is set, and the first old-version handshake from each client address
	// logs another. It needs TLS.
	AcceptLegacyTLS bool
}

// NewServer returns an *http.Server for h with the limits of cfg. Start it
// with [Serve], or with its own methods. With cfg.TLS it serves TLS 1.2 or
// later (1.0 and 1.1 too with cfg.AcceptLegacyTLS).
func NewServer(h http.Handler, cfg ServerConfig) *http.Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if n := orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes); n > 0 {
		h = http.MaxBytesHandler(h, n)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDefault(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(cfg.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDefault(cfg.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    orDefault(cfg.MaxHeaderBytes, DefaultMaxHeaderBytes),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.TLS != nil {
		srv.TLSConfig = serverTLS(cfg.TLS, cfg.AcceptLegacyTLS, log)
	}
	return srv
}

// Serve runs srv on ln until ctx ends, then shuts it down gracefully: it
// stops accepting connections, closes idle ones, and lets requests in
// flight finish for up to grace before closing their connections too. With
// srv.TLSConfig set it serves TLS, with the certificates of TLSConfig.
//
// Serve returns nil after a graceful shutdown, an error wrapping
// context.DeadlineExceeded when requests were still running after grace,
// and any error that stopped the server before ctx ended.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("transport: serve: %w", err)
	case <-ctx.Done():
	}
	// The parent context has ended; the grace period needs its own.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// Out of patience: cut the connections still busy.
		_ = srv.Close()
		err = fmt.Errorf("transport: shutdown: requests still running after %v: %w", grace, err)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("transport: serve: %w", serr)
	}
	return err
}
