package federation

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/token"
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

// Back-off after failed metadata fetches: the first retry after
// failedRetry, then twice as long after each further failure, up to the
// refresh interval (and never longer than maxBackoff). A broker outage does
// not turn every request into a fetch.
const (
	failedRetry = time.Minute
	maxBackoff  = time.Hour
)

// refetchEvery bounds the fetches that tokens signed by an unknown
// certificate trigger (after a broker key rollover): at most one in this
// time, so forged tokens cannot make the server hammer the broker.
const refetchEvery = 30 * time.Second

// fetchTimeout bounds one fetch; it runs on no caller's context, so a caller
// that gives up does not cut it short.
const fetchTimeout = 30 * time.Second

// BrokerStatus is what a [Client] or [Handler] knows of its trust broker's
// metadata: when it was last fetched and tried, the last error, and when the
// next fetch is due. fedcheck and readiness probes show it.
type BrokerStatus struct {
	// MetadataURL is where the metadata is fetched; empty for a broker
	// configured with explicit values (never fetched, always fresh).
	MetadataURL string
	// IssuerURI and Certificates are those of the copy in use (none before
	// the first successful fetch).
	IssuerURI    string
	Certificates []*x509.Certificate
	// Fetched is the time of the last successful fetch; Tried of the last
	// attempt; Next when the next fetch is due.
	Fetched, Tried, Next time.Time
	// Err is the last attempt's error, nil if it succeeded.
	Err error
	// Failures counts the failed attempts since the last success.
	Failures int
	// Fetching is true while a fetch is in flight.
	Fetching bool
	// Fresh is true when a copy is in use and it was fetched within twice
	// the refresh interval: a readiness probe's "metadata fresh".
	Fresh bool
}

// brokerInfo is a [TrustBroker] resolved in the background: explicit values
// as given, or metadata fetched by one goroutine at a time, never on a
// request's context. Requests use the last good copy and at most start a
// fetch when one is due (with jitter, and back-off after failures); only a
// caller with no copy at all waits, bounded by its context. It implements
// token.BrokerTrust with the last good copy.
type brokerInfo struct {
	fixed     *metadata.Metadata // explicit configuration, never refreshed
	url       string
	refresher *metadata.Refresher
	interval  time.Duration
	now       func() time.Time

	mu         sync.Mutex
	fetching   chan struct{} // non-nil while a fetch runs; closed when it ends
	fetched    time.Time     // last successful fetch
	tried      time.Time     // last attempt
	next       time.Time     // when the next fetch is due; zero: at once
	lastErr    error
	failures   int
	lastForced time.Time // last fetch for an unknown signer
}

func newBrokerInfo(tb TrustBroker, hc *http.Client, now func() time.Time, log *slog.Logger) (*brokerInfo, error) {
	explicit := tb.IssuerURI != "" || tb.TokenEndpoint != "" || len(tb.Certificates) > 0
	switch {
	case tb.MetadataURL != "" && explicit:
		return nil, errors.New("federation: TrustBroker: set MetadataURL or the explicit IssuerURI, TokenEndpoint and Certificates, not both")
	case tb.MetadataURL == "" && tb.IssuerURI == "":
		return nil, errors.New("federation: TrustBroker: MetadataURL or IssuerURI is required")
	}
	b := &brokerInfo{now: now}
	if tb.MetadataURL == "" {
		b.fixed = &metadata.Metadata{IssuerURI: tb.IssuerURI, TokenEndpoint: tb.TokenEndpoint, Certs: tb.Certificates}
		return b, nil
	}
	r, err := metadata.NewRefresher(metadata.RefresherConfig{URL: tb.MetadataURL, HTTPClient: hc, Now: now, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("federation: TrustBroker: %w", err)
	}
	b.url, b.refresher = tb.MetadataURL, r
	b.interval = tb.RefreshInterval
	if b.interval <= 0 {
		b.interval = metadata.DefaultInterval
	}
	return b, nil
}

// current returns the last good copy (nil before the first) without
// waiting, and starts a background fetch when one is due.
func (b *brokerInfo) current() *metadata.Metadata {
	if b.fixed != nil {
		return b.fixed
	}
	b.mu.Lock()
	due := b.fetching == nil && !b.now().Before(b.next)
	b.mu.Unlock()
	if due {
		b.start()
	}
	return b.refresher.Metadata()
}

// get returns the broker's metadata: the last good copy at once (starting a
// fetch in the background when one is due). Only without any copy does it
// wait for a fetch, bounded by ctx; after a failure it answers at once with
// the failure until the back-off has passed. Errors without a copy match
// ErrBrokerUnavailable (or are ctx's).
func (b *brokerInfo) get(ctx context.Context) (*metadata.Metadata, error) {
	if m := b.current(); m != nil {
		return m, nil
	}
	b.mu.Lock()
	wait, lastErr := b.fetching, b.lastErr
	b.mu.Unlock()
	if wait == nil {
		if m := b.refresher.Metadata(); m != nil { // fetched just now
			return m, nil
		}
		// None running and none due: we are backing off after a failure.
		return nil, fmt.Errorf("%w: %w", ErrBrokerUnavailable, lastErr)
	}
	select {
	case <-wait:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if m := b.refresher.Metadata(); m != nil {
		return m, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return nil, fmt.Errorf("%w: %w", ErrBrokerUnavailable, b.lastErr)
}

// start begins a fetch unless one is running, and returns the channel
// closed when the running fetch ends.
func (b *brokerInfo) start() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fetching != nil {
		return b.fetching
	}
	done := make(chan struct{})
	b.fetching = done
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		err := b.refresher.Refresh(ctx) // a failure is logged by the refresher
		cancel()
		now := b.now()
		b.mu.Lock()
		defer b.mu.Unlock()
		b.fetching = nil
		b.tried, b.lastErr = now, err
		if err == nil {
			b.fetched, b.failures = now, 0
			// Jitter: replicas started together do not fetch together.
			b.next = now.Add(b.interval - rand.N(b.interval/10+1))
			return
		}
		b.failures++
		wait := failedRetry << min(b.failures-1, 16)
		wait = min(wait, b.interval, maxBackoff)
		b.next = now.Add(wait - rand.N(wait/10+1))
	}()
	return done
}

// copy returns the metadata in use, to tell later whether it changed.
func (b *brokerInfo) copy() *metadata.Metadata {
	if b.fixed != nil {
		return b.fixed
	}
	return b.refresher.Metadata()
}

// refetch is the path of a token signed by an unknown certificate, which was
// checked against seen: if the metadata changed since, it reports true at
// once (check again); otherwise one fetch (joining one in flight), at most
// once per refetchEvery, waited for within ctx, and whether it brought a
// new copy.
func (b *brokerInfo) refetch(ctx context.Context, seen *metadata.Metadata) bool {
	if b.fixed != nil {
		return false
	}
	if b.refresher.Metadata() != seen {
		return true
	}
	now := b.now()
	b.mu.Lock()
	allowed := b.fetching != nil || now.Sub(b.lastForced) >= refetchEvery || b.lastForced.IsZero()
	if allowed && b.fetching == nil {
		b.lastForced = now
	}
	b.mu.Unlock()
	if !allowed {
		return false
	}
	select {
	case <-b.start():
	case <-ctx.Done():
		return false
	}
	return b.refresher.Metadata() != seen
}

// run fetches whenever a fetch is due until ctx ends: the background
// refresher of Client.Run and Handler.Run.
func (b *brokerInfo) run(ctx context.Context) error {
	if b.fixed != nil {
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		b.current()
		b.mu.Lock()
		wait, next := b.fetching, b.next
		b.mu.Unlock()
		var timer <-chan time.Time
		if wait == nil {
			// The clock may be a test's: look again at least every second.
			d := min(max(next.Sub(b.now()), 10*time.Millisecond), time.Second)
			timer = time.After(d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait:
		case <-timer:
		}
	}
}

// status reports the state of the metadata.
func (b *brokerInfo) status() BrokerStatus {
	if b.fixed != nil {
		return BrokerStatus{IssuerURI: b.fixed.IssuerURI, Certificates: b.fixed.Certs, Fresh: true}
	}
	m := b.refresher.Metadata()
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	st := BrokerStatus{MetadataURL: b.url, Fetched: b.fetched, Tried: b.tried, Next: b.next, Err: b.lastErr,
		Failures: b.failures, Fetching: b.fetching != nil}
	if m != nil {
		st.IssuerURI, st.Certificates = m.IssuerURI, m.Certs
		st.Fresh = now.Sub(b.fetched) < 2*b.interval
	}
	return st
}

// TrustedBroker implements token.BrokerTrust with the last good metadata.
func (b *brokerInfo) TrustedBroker() (string, []*x509.Certificate) {
	if b.fixed != nil {
		return b.fixed.IssuerURI, b.fixed.Certs
	}
	return b.refresher.TrustedBroker()
}

// refetchingValidator validates tokens against the last good metadata and,
// when a token's signer (or issuer) is not the trusted broker's, has the
// metadata fetched once (rate-limited, single flight) before refusing it:
// after a broker key rollover the first token signed with the new key brings
// the new certificate in, instead of every token being refused until the
// next scheduled fetch.
type refetchingValidator struct {
	v *token.Validator
	b *brokerInfo
}

// ValidateToken implements fedavail.TokenValidator.
func (r refetchingValidator) ValidateToken(ctx context.Context, data []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	seen := r.b.copy()
	req, err := r.v.ValidateToken(ctx, data, offer)
	var ve *token.ValidationError
	if err != nil && errors.As(err, &ve) && ve.Reason == token.InvalidTrustBroker && r.b.refetch(ctx, seen) {
		return r.v.ValidateToken(ctx, data, offer)
	}
	return req, err
}
