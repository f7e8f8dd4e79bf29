package federation

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// source hands out numbered tokens valid for life from the clock's now.
type source struct {
	clk   *clock
	life  time.Duration
	calls atomic.Int32
	fail  atomic.Bool
	gate  chan struct{} // if not nil, each call waits for a value
	ctxs  chan context.Context
}

var errBroker = errors.New("broker down")

func (s *source) Token(ctx context.Context, req fedavail.TokenRequest) (*fedavail.Token, error) {
	n := s.calls.Add(1)
	if s.ctxs != nil {
		s.ctxs <- ctx
	}
	if s.gate != nil {
		<-s.gate
	}
	if s.fail.Load() {
		return nil, errBroker
	}
	now := s.clk.Now()
	return &fedavail.Token{AssertionID: string(rune('A' + n - 1)), Created: now, Expires: now.Add(s.life)}, nil
}

var (
	fb = fedavail.TokenRequest{Requester: "alice@contoso.com", Audience: "FYDIBOHF25SPDLT.fabrikam.com", Offer: fedavail.OfferFreeBusy}
	ad = fedavail.TokenRequest{Requester: "alice@contoso.com", Audience: "FYDIBOHF25SPDLT.fabrikam.com", Offer: fedavail.OfferAutodiscover}
)

func TestTokenCacheReuse(t *testing.T) {
	type step struct {
		advance time.Duration
		req     fedavail.TokenRequest
		wantID  string
	}
	tests := []struct {
		name  string
		life  time.Duration
		steps []step
	}{
		{"free/busy reused within 5 minutes less refresh-ahead", 15 * 24 * time.Hour, []step{
			{0, fb, "A"}, {4 * time.Minute, fb, "A"}, {29 * time.Second, fb, "A"}, {2 * time.Second, fb, "B"}, {time.Minute, fb, "B"},
		}},
		{"autodiscover reused for hours", 15 * 24 * time.Hour, []step{
			{0, ad, "A"}, {7 * time.Hour, ad, "A"}, {time.Hour, ad, "B"},
		}},
		{"token's own expiry wins when shorter", 2 * time.Minute, []step{
			{0, fb, "A"}, {time.Minute, fb, "A"}, {time.Minute, fb, "B"},
		}},
		{"requests are cached separately", time.Hour, []step{
			{0, fb, "A"}, {0, ad, "B"}, {0, fb, "A"}, {0, fedavail.TokenRequest{Requester: "bob@contoso.com", Audience: fb.Audience, Offer: fb.Offer}, "C"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
			c := NewTokenCache(&source{clk: clk, life: tc.life}, CacheOptions{Now: clk.Now})
			for i, s := range tc.steps {
				clk.Add(s.advance)
				tok, err := c.Token(context.Background(), s.req)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if tok.AssertionID != s.wantID {
					t.Errorf("step %d: token %s, want %s", i, tok.AssertionID, s.wantID)
				}
			}
		})
	}
}

func TestTokenCacheErrors(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	src := &source{clk: clk, life: time.Hour}
	c := NewTokenCache(src, CacheOptions{Now: clk.Now})
	src.fail.Store(true)
	if _, err := c.Token(context.Background(), fb); !errors.Is(err, errBroker) {
		t.Fatalf("err = %v", err)
	}
	src.fail.Store(false)
	if tok, err := c.Token(context.Background(), fb); err != nil || tok.AssertionID != "B" {
		t.Fatalf("errors must not be cached: %v, %v", tok, err)
	}
	// In the refresh window a failed refresh serves the still-usable token.
	clk.Add(4*time.Minute + 45*time.Second)
	src.fail.Store(true)
	if tok, err := c.Token(context.Background(), fb); err != nil || tok.AssertionID != "B" {
		t.Fatalf("refresh failure: %v, %v; want the cached token", tok, err)
	}
	// Once it is no longer usable, the error comes through.
	clk.Add(time.Minute)
	if _, err := c.Token(context.Background(), fb); !errors.Is(err, errBroker) {
		t.Fatalf("err = %v, want the broker's", err)
	}
}

// waitFor yields until cond holds; it asserts no timing, only progress.
func waitFor(cond func() bool) {
	for !cond() {
		runtime.Gosched()
	}
}

func (c *TokenCache) waiters(req fedavail.TokenRequest) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.inflight[req]; f != nil {
		return f.waiters
	}
	return 0
}

func TestTokenCacheSharesInflight(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	src := &source{clk: clk, life: time.Hour, gate: make(chan struct{})}
	c := NewTokenCache(src, CacheOptions{Now: clk.Now})
	const n = 10
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			tok, err := c.Token(context.Background(), fb)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = tok.AssertionID
		})
	}
	waitFor(func() bool { return c.waiters(fb) == n })
	close(src.gate)
	wg.Wait()
	if got := src.calls.Load(); got != 1 {
		t.Errorf("%d calls to the source, want 1", got)
	}
	for i, id := range ids {
		if id != "A" {
			t.Errorf("caller %d got %q", i, id)
		}
	}
}

func TestTokenCacheCanceledWaiter(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	src := &source{clk: clk, life: time.Hour, gate: make(chan struct{}), ctxs: make(chan context.Context, 2)}
	c := NewTokenCache(src, CacheOptions{Now: clk.Now})

	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := c.Token(ctx1, fb); first <- err }()
	fetchCtx := <-src.ctxs
	second := make(chan *fedavail.Token, 1)
	go func() { tok, _ := c.Token(context.Background(), fb); second <- tok }()
	waitFor(func() bool { return c.waiters(fb) == 2 })

	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled waiter: %v", err)
	}
	if fetchCtx.Err() != nil {
		t.Error("one waiter's cancellation canceled the shared fetch")
	}
	close(src.gate)
	if tok := <-second; tok == nil || tok.AssertionID != "A" {
		t.Errorf("remaining waiter got %v", tok)
	}
}

func TestTokenCacheAllWaitersGone(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	src := &source{clk: clk, life: time.Hour, gate: make(chan struct{}, 2), ctxs: make(chan context.Context, 2)}
	c := NewTokenCache(src, CacheOptions{Now: clk.Now})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Token(ctx, fb); done <- err }()
	fetchCtx := <-src.ctxs
	cancel()
	<-done
	<-fetchCtx.Done() // the fetch is abandoned once nobody waits

	// A caller arriving afterwards must not join the canceled fetch (and
	// fail with context.Canceled): it starts a new one.
	second := make(chan error, 1)
	go func() {
		tok, err := c.Token(context.Background(), fb)
		if err == nil && tok == nil {
			err = errors.New("no token")
		}
		second <- err
	}()
	waitFor(func() bool { return c.waiters(fb) == 1 })
	src.gate <- struct{}{} // release the abandoned fetch
	src.gate <- struct{}{} // and the new one
	if err := <-second; err != nil {
		t.Errorf("caller after an abandoned fetch: %v", err)
	}
	if got := src.calls.Load(); got != 2 {
		t.Errorf("%d calls to the source, want 2 (the second caller joined the abandoned fetch)", got)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	c := NewTokenCache(&source{clk: clk, life: time.Hour}, CacheOptions{Now: clk.Now, MaxEntries: 2})
	for _, who := range []string{"a@contoso.com", "b@contoso.com", "c@contoso.com", "d@contoso.com"} {
		if _, err := c.Token(context.Background(), fedavail.TokenRequest{Requester: who, Audience: "x", Offer: fedavail.OfferAutodiscover}); err != nil {
			t.Fatal(err)
		}
		if n := c.Len(); n > 2 {
			t.Fatalf("%d entries, limit 2", n)
		}
	}
	if n := c.Len(); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}
