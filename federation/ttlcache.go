package federation

import (
	"sync"
	"time"
)

// ttlCache is a small map whose entries expire. Expired entries are dropped
// when looked up and swept when the map has grown past sweepAt, so the map
// stays bounded by the entries of one TTL.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	m       map[K]ttlEntry[V]
	sweepAt int
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, now: now, m: map[K]ttlEntry[V]{}, sweepAt: 1024}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && c.now().Before(e.expires) {
		return e.v, true
	}
	delete(c.m, k)
	var zero V
	return zero, false
}

func (c *ttlCache[K, V]) put(k K, v V) {
	if c.ttl <= 0 {
		return // caching is off
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.m) >= c.sweepAt {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		c.sweepAt = max(1024, 2*len(c.m))
	}
	c.m[k] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
}
