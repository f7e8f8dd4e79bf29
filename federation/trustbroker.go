package federation

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/fedavail/fedavail/federation/metadata"
)

// TrustBroker names the trust broker (security token service) an
// organization federates through: by its federation metadata, which
// [NewClient] and [NewHandler] fetch and keep current, or by explicit values.
// Set MetadataURL, or IssuerURI with TokenEndpoint (requesting side) and
// Certificates (answering side), not both.
type TrustBroker struct {
	// MetadataURL is the broker's 2006-12 federation metadata document, e.g.
	// "https://nexus.microsoftonline-p.com/FederationMetadata/2006-12/FederationMetadata.xml"
	// or an embedded broker's BaseURL + broker.MetadataPath. It is fetched
	// on first use and again after RefreshInterval.
	MetadataURL string
	// RefreshInterval is how long fetched metadata is used before it is
	// fetched again. Zero means metadata.DefaultInterval (12 hours).
	RefreshInterval time.Duration

	// IssuerURI is the broker's issuer URI, e.g. "urn:federation:MicrosoftOnline".
	IssuerURI string
	// TokenEndpoint is the broker's WS-Trust endpoint, e.g.
	// "https://login.microsoftonline.com/extSTS.srf".
	TokenEndpoint string
	// Certificates are the broker's token-signing certificates, current
	// first; the answering side accepts tokens signed by them only.
	Certificates []*x509.Certificate
}

// ErrBrokerUnavailable is matched by errors that come from not knowing the
// trust broker: its metadata could not be fetched and no earlier copy is at
// hand.
var ErrBrokerUnavailable = errors.New("federation: trust broker metadata unavailable")

// failedRetry is how long after a failed metadata fetch the next request
// triggers another, so a broker outage does not turn every request into a
// fetch.
const failedRetry = time.Minute

// brokerInfo is a [TrustBroker] resolved on demand: explicit values as
// given, or metadata fetched lazily on the caller's context and refreshed
// when stale. It implements token.BrokerTrust with the last good copy.
type brokerInfo struct {
	fixed     *metadata.Metadata // explicit configuration, never refreshed
	refresher *metadata.Refresher
	interval  time.Duration
	now       func() time.Time

	// sem serializes fetches; a channel rather than a mutex so waiters
	// give up when their context ends.
	sem     chan struct{}
	mu      sync.Mutex
	fetched time.Time // last successful fetch
	tried   time.Time // last attempt
	lastErr error
}

func newBrokerInfo(tb TrustBroker, hc *http.Client, now func() time.Time, log *slog.Logger) (*brokerInfo, error) {
	explicit := tb.IssuerURI != "" || tb.TokenEndpoint != "" || len(tb.Certificates) > 0
	switch {
	case tb.MetadataURL != "" && explicit:
		return nil, errors.New("federation: TrustBroker: set MetadataURL or the explicit IssuerURI, TokenEndpoint and Certificates, not both")
	case tb.MetadataURL == "" && tb.IssuerURI == "":
		return nil, errors.New("federation: TrustBroker: MetadataURL or IssuerURI is required")
	}
	b := &brokerInfo{now: now, sem: make(chan struct{}, 1)}
	if tb.MetadataURL == "" {
		b.fixed = &metadata.Metadata{IssuerURI: tb.IssuerURI, TokenEndpoint: tb.TokenEndpoint, Certs: tb.Certificates}
		return b, nil
	}
	r, err := metadata.NewRefresher(metadata.RefresherConfig{URL: tb.MetadataURL, HTTPClient: hc, Now: now, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("federation: TrustBroker: %w", err)
	}
	b.refresher = r
	b.interval = tb.RefreshInterval
	if b.interval <= 0 {
		b.interval = metadata.DefaultInterval
	}
	return b, nil
}

// get returns the broker's metadata, fetching it first when there is none
// yet or it is older than the refresh interval. A failed refresh keeps the
// old copy in use; without any copy, the error matches ErrBrokerUnavailable.
func (b *brokerInfo) get(ctx context.Context) (*metadata.Metadata, error) {
	if b.fixed != nil {
		return b.fixed, nil
	}
	if m, ok, err := b.cached(); ok {
		return m, err
	}
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-b.sem }()
	if m, ok, err := b.cached(); ok { // fetched (or failed) while we waited
		return m, err
	}
	err := b.refresher.Refresh(ctx)
	now := b.now()
	b.mu.Lock()
	// A fetch cut short by this caller's own context says nothing about the
	// broker: it does not hold back the next caller for failedRetry.
	if err == nil || ctx.Err() == nil {
		b.tried, b.lastErr = now, err
	}
	if err == nil {
		b.fetched = now
	}
	b.mu.Unlock()
	// A failed refresh with an old copy in hand is logged by the refresher;
	// the old copy serves.
	m := b.refresher.Metadata()
	switch {
	case m == nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case m == nil:
		return nil, fmt.Errorf("%w: %w", ErrBrokerUnavailable, err)
	}
	return m, nil
}

// cached answers without fetching when no fetch is due: the metadata is
// younger than the interval, or the last attempt failed less than
// failedRetry ago (then with the old copy, or the old error).
func (b *brokerInfo) cached() (*metadata.Metadata, bool, error) {
	m := b.refresher.Metadata()
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if m != nil && !b.fetched.IsZero() && now.Sub(b.fetched) < b.interval {
		return m, true, nil
	}
	if !b.tried.IsZero() && now.Sub(b.tried) < failedRetry {
		if m != nil {
			return m, true, nil
		}
		return nil, true, fmt.Errorf("%w: %w", ErrBrokerUnavailable, b.lastErr)
	}
	return nil, false, nil
}

// TrustedBroker implements token.BrokerTrust with the last good metadata.
func (b *brokerInfo) TrustedBroker() (string, []*x509.Certificate) {
	if b.fixed != nil {
		return b.fixed.IssuerURI, b.fixed.Certs
	}
	return b.refresher.TrustedBroker()
}
