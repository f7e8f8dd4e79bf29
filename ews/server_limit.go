package ews

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
)

// Limiter decides whether the handler serves a request now. The handler
// asks it once per authenticated request, keyed by the requester's
// organization (its e-mail domain, lower case), and answers a refusal the
// way Exchange does: an ErrorServerBusy SOAP fault whose MessageXml carries
// BackOffMilliseconds, which clients (ours included) wait out before
// retrying. Implementations must be safe for concurrent use.
type Limiter interface {
	// Allow reports whether one more request from domain may be served at
	// now; when it may not, wait is how long the caller should back off.
	Allow(domain string, now time.Time) (ok bool, wait time.Duration)
}

// CostLimiter is a [Limiter] that can also charge a request by its work.
// The handler takes one unit with Allow before reading a request, and
// then, once the access policy has said which mailboxes will be read,
// AllowN for the rest of a GetUserAvailability request's work: one unit
// per distinct mailbox whose calendar is read, twice that with
// suggestions, less the unit already taken. A mailbox the requester may
// not see costs nothing, so a partner with no relationship spends its
// budget on requests, not on the server's work.
type CostLimiter interface {
	Limiter
	// AllowN is Allow for n units at once (n ≥ 1).
	AllowN(domain string, now time.Time, n int) (ok bool, wait time.Duration)
}

// PartnerLimiter is a [Limiter] and [CostLimiter] with one token bucket per organization:
// each domain may send Burst requests at once and Rate requests per second
// on average, independently of every other domain, so one partner's flood
// does not slow anyone else. Create it with [NewPartnerLimiter].
//
// It is written here rather than built on golang.org/x/time/rate because
// the handler needs, besides the per-domain map, the exact wait to put in
// BackOffMilliseconds for a refusal that consumes nothing; with rate that
// takes a reservation and its cancellation per refusal.
type PartnerLimiter struct {
	rate  float64 // tokens per second
	burst float64
	// maxDomains bounds the buckets kept; full buckets are dropped first.
	maxDomains int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// DefaultMaxLimitedDomains is how many organizations' buckets a
// [PartnerLimiter] keeps before it forgets the idle ones.
const DefaultMaxLimitedDomains = 10000

// NewPartnerLimiter returns a limiter allowing each organization perSecond
// requests per second on average and burst at once (at least 1).
func NewPartnerLimiter(perSecond float64, burst int) *PartnerLimiter {
	return &PartnerLimiter{
		rate:       math.Max(perSecond, 0),
		burst:      math.Max(float64(burst), 1),
		maxDomains: DefaultMaxLimitedDomains,
		buckets:    map[string]*bucket{},
	}
}

// Allow implements [Limiter].
func (l *PartnerLimiter) Allow(domain string, now time.Time) (bool, time.Duration) {
	return l.AllowN(domain, now, 1)
}

// AllowN implements [CostLimiter]. A charge larger than the burst takes the
// whole burst, so that a large request is slowed, not refused forever.
func (l *PartnerLimiter) AllowN(domain string, now time.Time, n int) (bool, time.Duration) {
	need := math.Min(math.Max(float64(n), 1), l.burst)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[domain]
	if !ok {
		if len(l.buckets) >= l.maxDomains {
			l.forgetIdle(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[domain] = b
	}
	if now.After(b.last) {
		b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	}
	if b.tokens >= need {
		b.tokens -= need
		return true, 0
	}
	if l.rate == 0 {
		return false, time.Hour // never refilled: tell the caller to stay away
	}
	wait := time.Duration((need - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Millisecond)
}

// forgetIdle drops the buckets that would be full by now: forgetting them
// changes nothing for their domains. If all are busy, it drops them all
// rather than grow without bound.
func (l *PartnerLimiter) forgetIdle(now time.Time) {
	for d, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, d)
		}
	}
	if len(l.buckets) >= l.maxDomains {
		clear(l.buckets)
	}
}

// throttle asks the configured limiter about a requester and returns the
// ErrorServerBusy fault to answer when it refuses.
func (h *Handler) throttle(who *fedavail.Requester) *fedavail.Fault {
	if h.cfg.Limiter == nil {
		return nil
	}
	ok, wait := h.cfg.Limiter.Allow(strings.ToLower(who.Domain), h.cfg.Now())
	if ok {
		return nil
	}
	return serverBusy(wait)
}

// charge takes the work of a request beyond its first unit from a
// [CostLimiter]; other limiters count requests only.
func (h *Handler) charge(who *fedavail.Requester, work int) *fedavail.Fault {
	l, ok := h.cfg.Limiter.(CostLimiter)
	if !ok || work <= 1 {
		return nil
	}
	ok, wait := l.AllowN(strings.ToLower(who.Domain), h.cfg.Now(), work-1)
	if ok {
		return nil
	}
	return serverBusy(wait)
}

// serverBusy is Exchange's throttling fault: the code ErrorServerBusy in
// the types namespace and the back-off in MessageXml.
func serverBusy(wait time.Duration) *fedavail.Fault {
	return &fedavail.Fault{
		Code:          string(ErrorServerBusy),
		CodeNamespace: TypesNS,
		Reason:        "The server cannot service this request right now. Try again later.",
		ResponseCode:  string(ErrorServerBusy),
		Values:        map[string]string{"BackOffMilliseconds": backOffMilliseconds(wait)},
	}
}

// backOffXML is a response message's MessageXml asking to wait.
func backOffXML(wait time.Duration) *MessageXML {
	return &MessageXML{Values: []fedavail.MessageValue{{Name: "BackOffMilliseconds", Value: backOffMilliseconds(wait)}}}
}

// backOffMilliseconds renders wait as BackOffMilliseconds, rounded up so
// that a short wait is never zero.
func backOffMilliseconds(wait time.Duration) string {
	ms := (wait + time.Millisecond - 1) / time.Millisecond
	return strconv.FormatInt(int64(ms), 10)
}
