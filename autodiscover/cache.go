package autodiscover

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultCacheTTL is how long answers are kept when Client.CacheTTL is zero.
// Autodiscover answers change when an organization moves mailboxes or
// servers, which is rare; an hour matches what Exchange's own availability
// service keeps.
const DefaultCacheTTL = time.Hour

// cache keeps successful answers for a while and merges concurrent identical
// look-ups into one (a single-flight group with a TTL).
type cache[V any] struct {
	ttl time.Duration // <= 0: keep nothing, but still merge concurrent calls
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cacheEntry[V]
	flights map[string]*flight[V]
	// sweepAt is the size at which put drops expired entries, so that
	// entries never looked up again do not pile up.
	sweepAt int
}

// minSweep is the smallest map size at which put sweeps expired entries.
const minSweep = 1024

type cacheEntry[V any] struct {
	v       V
	expires time.Time
}

type flight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func newCache[V any](ttl time.Duration, now func() time.Time) *cache[V] {
	return &cache[V]{ttl: ttl, now: now, entries: map[string]cacheEntry[V]{}, flights: map[string]*flight[V]{}, sweepAt: minSweep}
}

// get returns a fresh entry.
func (c *cache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v under key.
func (c *cache[V]) put(key string, v V) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= c.sweepAt {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		c.sweepAt = max(minSweep, 2*len(c.entries))
	}
	c.entries[key] = cacheEntry[V]{v: v, expires: now.Add(c.ttl)}
}

// forget drops key (an endpoint that stopped answering).
func (c *cache[V]) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// do returns the cached value for key, or runs fn once for all concurrent
// callers with the same key. fn runs with the first caller's ctx; a caller
// whose own ctx ends stops waiting, and a caller that joined a look-up which
// failed only because its first caller's ctx ended tries again with its own
// fn. Only successes are cached when store is true (callers that cache parts
// of the value themselves pass false).
func (c *cache[V]) do(ctx context.Context, key string, store bool, fn func() (V, error)) (V, error) {
	for {
		v, joined, err := c.do1(ctx, key, store, fn)
		if joined && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			continue // the first caller gave up, not this one
		}
		return v, err
	}
}

// do1 is one attempt of do; joined reports whether another caller ran fn.
func (c *cache[V]) do1(ctx context.Context, key string, store bool, fn func() (V, error)) (_ V, joined bool, _ error) {
	if v, ok := c.get(key); ok {
		return v, false, nil
	}
	c.mu.Lock()
	f, running := c.flights[key]
	if !running {
		f = &flight[V]{done: make(chan struct{})}
		c.flights[key] = f
	}
	c.mu.Unlock()
	if !running {
		func() {
			defer func() {
				c.mu.Lock()
				delete(c.flights, key)
				c.mu.Unlock()
				close(f.done)
			}()
			f.v, f.err = fn()
			if f.err == nil && store {
				c.put(key, f.v)
			}
		}()
	}
	select {
	case <-f.done:
		return f.v, running, f.err
	case <-ctx.Done():
		var zero V
		return zero, running, ctx.Err()
	}
}
