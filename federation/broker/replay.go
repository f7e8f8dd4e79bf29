package broker

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
)

// ReplayCache remembers the signed requests a broker has answered, so that
// each is answered once: a captured token or registration request sent again
// within its validity is refused. Keys are the requests' signature values;
// the broker remembers each until the request would be refused as expired
// anyway.
type ReplayCache interface {
	// Add records key until expires and reports whether it was new; false
	// means the request was seen before and must be refused. An error means
	// the cache cannot tell, and the request is refused too.
	Add(ctx context.Context, key []byte, expires time.Time) (fresh bool, err error)
}

// DefaultReplayEntries is the size of a [MemoryReplayCache] whose MaxEntries
// is zero: a signed request every 3.5 ms for the longest window (the hour a
// WS-Trust timestamp may span, plus the clock skew), at about 100 bytes an
// entry (100 MB at most). Only requests whose signature verified are added.
const DefaultReplayEntries = 1 << 20

// MemoryReplayCache is a [ReplayCache] for one process, bounded in size:
// expired entries are dropped as new ones arrive, and when it is full of
// entries that have not expired it refuses new requests (with a
// *fedavail.LimitError) rather than forget one that could be replayed. The
// zero value is ready to use.
type MemoryReplayCache struct {
	// MaxEntries bounds the entries held; zero means DefaultReplayEntries.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	seen    map[[32]byte]struct{}
	expires expiryHeap
}

var _ ReplayCache = (*MemoryReplayCache)(nil)

// Add records the hash of key until expires.
func (c *MemoryReplayCache) Add(_ context.Context, key []byte, expires time.Time) (bool, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	k := sha256.Sum256(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[[32]byte]struct{}{}
	}
	for len(c.expires) > 0 && !c.expires[0].at.After(now) {
		delete(c.seen, heap.Pop(&c.expires).(expiry).key)
	}
	if _, dup := c.seen[k]; dup {
		return false, nil
	}
	limit := c.MaxEntries
	if limit <= 0 {
		limit = DefaultReplayEntries
	}
	if len(c.seen) >= limit {
		return false, &fedavail.LimitError{What: "replay cache entries", Limit: int64(limit)}
	}
	c.seen[k] = struct{}{}
	heap.Push(&c.expires, expiry{at: expires, key: k})
	return true, nil
}

// Len returns the number of entries held, expired ones included until the
// next Add drops them.
func (c *MemoryReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

type expiry struct {
	at  time.Time
	key [32]byte
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
