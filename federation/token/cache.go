package token

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"
)

// entry is what the cache remembers of a token: its claims and the broker
// certificate that signed it, or the error it was refused with.
type entry struct {
	claims  *Claims
	signer  *x509.Certificate
	err     *ValidationError
	expires time.Time
}

// cache maps the SHA-256 of a token's bytes to the outcome of its
// validation. It is bounded: when full, expired entries are swept (at most
// once a second) and otherwise an arbitrary entry makes room, which under a
// flood of distinct junk tokens costs far less than the RSA work each of
// them already caused.
type cache struct {
	mu        sync.Mutex
	max       int
	m         map[[sha256.Size]byte]entry
	lastSweep time.Time
}

func newCache(max int) *cache {
	return &cache{max: max, m: make(map[[sha256.Size]byte]entry)}
}

func (c *cache) get(k [sha256.Size]byte, now time.Time) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return entry{}, false
	}
	if !now.Before(e.expires) {
		delete(c.m, k)
		return entry{}, false
	}
	return e, true
}

func (c *cache) put(k [sha256.Size]byte, e entry, now time.Time) {
	if !now.Before(e.expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		if now.Sub(c.lastSweep) >= time.Second {
			c.lastSweep = now
			for k, e := range c.m {
				if !now.Before(e.expires) {
					delete(c.m, k)
				}
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[k] = e
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
