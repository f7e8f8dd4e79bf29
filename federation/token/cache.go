package token

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"hash/maphash"
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
	// digests remembers the SHA-256 of tokens accepted recently, with
	// their bytes, filed by index (a seeded hash of their ends): a partner
	// sends the same token with every request for minutes, and digesting
	// its 6 KB again was nearly all the cost of a warm validation. A token is
	// recognized only when its bytes are equal to the remembered ones, so
	// the key is the one SHA-256 would give; at most maxDigestBytes of
	// token bytes are kept. Refused tokens, which anyone can send, are
	// not remembered.
	seed        maphash.Seed
	digests     map[uint64]digest
	digestBytes int
}

// digest is a token's bytes and their SHA-256.
type digest struct {
	data []byte
	key  [sha256.Size]byte
}

// Bounds of the remembered digests: real tokens are 5–7 KB.
const (
	maxDigestBytes = 8 << 20
	maxDigestToken = 64 << 10
)

func newCache(max int) *cache {
	return &cache{max: max, m: make(map[[sha256.Size]byte]entry), seed: maphash.MakeSeed(), digests: make(map[uint64]digest)}
}

// key returns the SHA-256 of data, remembered if data is a token accepted
// recently.
func (c *cache) key(data []byte) [sha256.Size]byte {
	h := c.index(data)
	c.mu.Lock()
	d, ok := c.digests[h]
	c.mu.Unlock()
	if ok && bytes.Equal(d.data, data) {
		return d.key
	}
	return sha256.Sum256(data)
}

// indexEnds is how much of each end of a token index hashes.
const indexEnds = 256

// index is where a token's digest is filed: a seeded hash of its length
// and its ends, where tokens differ (the end of a token is the end of its
// ciphertext, random for every token). Only finding the entry depends on
// it: key compares the whole token, so bytes that share an index with a
// remembered token, by chance or design, are digested as before.
func (c *cache) index(data []byte) uint64 {
	if len(data) <= 2*indexEnds {
		return maphash.Bytes(c.seed, data)
	}
	var h maphash.Hash
	h.SetSeed(c.seed)
	_, _ = h.Write(data[:indexEnds])
	_, _ = h.Write(data[len(data)-indexEnds:])
	return h.Sum64() ^ uint64(len(data))
}

// remember keeps data (copied) and k, its SHA-256, for key, within the
// bounds: one entry per cache entry and maxDigestBytes in all.
func (c *cache) remember(data []byte, k [sha256.Size]byte) {
	if len(data) > maxDigestToken {
		return
	}
	h := c.index(data)
	d := digest{data: bytes.Clone(data), key: k}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.digests[h]; ok {
		delete(c.digests, h)
		c.digestBytes -= len(old.data)
	}
	for victim, old := range c.digests { // arbitrary ones make room
		if len(c.digests) < c.max && c.digestBytes+len(d.data) <= maxDigestBytes {
			break
		}
		delete(c.digests, victim)
		c.digestBytes -= len(old.data)
	}
	c.digests[h] = d
	c.digestBytes += len(d.data)
}

func (c *cache) get(k [sha256.Size]byte, now time.Time) (entry, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && !now.Before(e.expires) {
		delete(c.m, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
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
