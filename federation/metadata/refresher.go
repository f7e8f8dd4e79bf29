package metadata

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/required"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// DefaultInterval is how often [Refresher.Run] re-fetches the document.
const DefaultInterval = 12 * time.Hour

// RefresherConfig configures a [Refresher].
type RefresherConfig struct {
	// URL is the metadata document's address (for the MFG,
	// https://nexus.microsoftonline-p.com/FederationMetadata/2006-12/FederationMetadata.xml).
	URL string
	// HTTPClient fetches the document. Required: the refresher never falls
	// back to a shared default client.
	HTTPClient *http.Client
	// Interval is the time between fetches in Run; zero means DefaultInterval.
	Interval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives fetch failures and rollover warnings; nil discards them.
	Logger *slog.Logger
}

// Refresher keeps a trust broker's metadata current. It is safe for
// concurrent use and implements token.BrokerTrust.
type Refresher struct {
	cfg     RefresherConfig
	logger  *slog.Logger
	current atomic.Pointer[Metadata]
}

// NewRefresher returns a Refresher that has fetched nothing yet; call
// [Refresher.Refresh] (or [Refresher.Run]) before relying on it.
func NewRefresher(cfg RefresherConfig) (*Refresher, error) {
	req := required.For("metadata: RefresherConfig")
	req.Need(cfg.URL != "", "URL")
	req.Need(cfg.HTTPClient != nil, "HTTPClient")
	if err := req.Err(); err != nil {
		return nil, err
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	r := &Refresher{cfg: cfg, logger: cfg.Logger}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// Metadata returns the last good document, or nil before the first success.
func (r *Refresher) Metadata() *Metadata { return r.current.Load() }

// TrustedBroker implements token.BrokerTrust. Before the first successful
// fetch it returns no issuer and no certificates, so every token is refused.
func (r *Refresher) TrustedBroker() (string, []*x509.Certificate) {
	if m := r.current.Load(); m != nil {
		return m.IssuerURI, m.Certs
	}
	return "", nil
}

// Refresh fetches and parses the document now. On failure the last good
// copy stays in use and the error is returned.
func (r *Refresher) Refresh(ctx context.Context) error {
	m, err := r.fetch(ctx)
	if err != nil {
		r.logger.WarnContext(ctx, "metadata: refresh failed; keeping the last good copy", "url", r.cfg.URL, "err", err)
		return err
	}
	r.current.Store(m)
	return nil
}

// Run refreshes on the configured interval until ctx is done, and returns
// ctx's error. It refreshes once at the start.
func (r *Refresher) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		_ = r.Refresh(ctx) // logged; the last good copy stays
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (r *Refresher) fetch(ctx context.Context) (*Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.cfg.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	resp, err := r.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, fedavail.MaxErrorBody))
		return nil, &fedavail.HTTPError{Method: req.Method, URL: r.cfg.URL, StatusCode: resp.StatusCode,
			Status: resp.Status, Header: resp.Header, Body: body}
	}
	data, err := xmlguard.ReadAll(resp.Body, xmlguard.Limits{MaxBytes: 1 << 20})
	if err != nil {
		return nil, err
	}
	now := time.Now
	if r.cfg.Now != nil {
		now = r.cfg.Now
	}
	return Parse(data, now(), r.logger)
}
