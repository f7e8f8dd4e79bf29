package federation

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
)

// CacheOptions configure [NewTokenCache]. The zero value is ready to use.
type CacheOptions struct {
	// RefreshAhead is how long before a token stops being usable the cache
	// fetches a new one. Zero means 30 seconds.
	RefreshAhead time.Duration
	// MaxEntries bounds the number of cached tokens; zero means 1024. When
	// full, expired tokens go first, then the one that expires soonest.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger gets a debug line when a refresh fails and the old token is
	// served instead; never tokens. Nil discards.
	Logger *slog.Logger
}

// TokenCache is a [fedavail.TokenSource] that reuses tokens. Create it with
// [NewTokenCache]; it is safe for concurrent use.
type TokenCache struct {
	src  fedavail.TokenSource
	opts CacheOptions

	mu       sync.Mutex
	entries  map[fedavail.TokenRequest]*cacheEntry
	inflight map[fedavail.TokenRequest]*fetch
}

type cacheEntry struct {
	tok *fedavail.Token
	// usableUntil is when a partner stops accepting the token: its
	// expiry, or its issue time plus the offer's maximum age if earlier.
	usableUntil time.Time
}

// fetch is one request to the source shared by every caller that wants the
// same token meanwhile. It runs on a context that keeps the first caller's
// values but not its cancellation, and is canceled only when every waiter
// has given up.
type fetch struct {
	done    chan struct{}
	tok     *fedavail.Token
	err     error
	waiters int
	cancel  context.CancelFunc
}

var _ fedavail.TokenSource = (*TokenCache)(nil)

// NewTokenCache returns a source that asks src only when it has no usable
// token for a request. A token is reused while it is within both its own
// lifetime and the offer's maximum age (5 minutes for free/busy, 8 hours for
// Autodiscover, see [fedavail.Offer.MaxAge]), less RefreshAhead. Concurrent
// callers for the same request share one call to src. Errors are not cached.
func NewTokenCache(src fedavail.TokenSource, opts CacheOptions) *TokenCache {
	if opts.RefreshAhead <= 0 {
		opts.RefreshAhead = 30 * time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 1024
	}
	return &TokenCache{
		src:      src,
		opts:     opts,
		entries:  map[fedavail.TokenRequest]*cacheEntry{},
		inflight: map[fedavail.TokenRequest]*fetch{},
	}
}

// Token returns a cached token for req or fetches one. If a refresh fails
// while the cached token is still usable, the cached token is returned.
func (c *TokenCache) Token(ctx context.Context, req fedavail.TokenRequest) (*fedavail.Token, error) {
	now := c.now()
	c.mu.Lock()
	old := c.entries[req]
	if old != nil && now.Before(old.usableUntil.Add(-c.opts.RefreshAhead)) {
		c.mu.Unlock()
		return old.tok, nil
	}
	f := c.inflight[req]
	if f == nil {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &fetch{done: make(chan struct{}), cancel: cancel}
		c.inflight[req] = f
		go c.run(fctx, req, f)
	}
	f.waiters++
	c.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Nobody wants this fetch any more: cancel it and forget it,
			// so that a later caller starts a fresh one instead of joining
			// a fetch that is bound to fail with context.Canceled.
			f.cancel()
			if c.inflight[req] == f {
				delete(c.inflight, req)
			}
		}
		c.mu.Unlock()
		return nil, ctx.Err()
	}
	if f.err != nil {
		if old != nil && c.now().Before(old.usableUntil) {
			c.logger().DebugContext(ctx, "federation: token refresh failed, using the cached token", "audience", req.Audience, "offer", req.Offer, "err", f.err)
			return old.tok, nil
		}
		return nil, f.err
	}
	return f.tok, nil
}

// run calls the source and stores the result for the waiters and the cache.
func (c *TokenCache) run(ctx context.Context, req fedavail.TokenRequest, f *fetch) {
	defer f.cancel()
	start := c.now()
	tok, err := c.src.Token(ctx, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[req] == f {
		delete(c.inflight, req)
	}
	f.tok, f.err = tok, err
	if err == nil && tok != nil {
		c.store(req, tok, start)
	} else if err == nil {
		f.err = errNilToken
	}
	close(f.done)
}

var errNilToken = errors.New("federation: token source returned no token and no error")

// store caches tok; c.mu is held.
func (c *TokenCache) store(req fedavail.TokenRequest, tok *fedavail.Token, fetched time.Time) {
	issued := tok.Created
	if issued.IsZero() {
		issued = fetched
	}
	until := tok.Expires
	if age := req.Offer.MaxAge(); age > 0 && (until.IsZero() || issued.Add(age).Before(until)) {
		until = issued.Add(age)
	}
	if until.IsZero() || !until.After(c.now()) {
		return // nothing to reuse
	}
	if _, ok := c.entries[req]; !ok && len(c.entries) >= c.opts.MaxEntries {
		c.evict()
	}
	c.entries[req] = &cacheEntry{tok: tok, usableUntil: until}
}

// evict drops expired entries, or else the one expiring soonest; c.mu is held.
func (c *TokenCache) evict() {
	now := c.now()
	var (
		soonest    fedavail.TokenRequest
		soonestEnd time.Time
		found      bool
	)
	for k, e := range c.entries {
		if !now.Before(e.usableUntil) {
			delete(c.entries, k)
			continue
		}
		if !found || e.usableUntil.Before(soonestEnd) {
			soonest, soonestEnd, found = k, e.usableUntil, true
		}
	}
	if len(c.entries) >= c.opts.MaxEntries && found {
		delete(c.entries, soonest)
	}
}

// Len returns the number of cached tokens.
func (c *TokenCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *TokenCache) now() time.Time {
	if c.opts.Now != nil {
		return c.opts.Now()
	}
	return time.Now()
}

func (c *TokenCache) logger() *slog.Logger {
	if c.opts.Logger != nil {
		return c.opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}
