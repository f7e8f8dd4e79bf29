package autodiscover

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Entries that are never looked up again are swept once the map grows, so
// a long-running client asked about many domains stays bounded.
func TestCacheSweepsExpired(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newCache[int](time.Minute, func() time.Time { return now })
	for round := range 5 {
		for i := range minSweep {
			c.put(fmt.Sprintf("%d-%d", round, i), i)
		}
		now = now.Add(2 * time.Minute)
	}
	if n := len(c.entries); n > 2*minSweep {
		t.Errorf("%d entries after 5 rounds of %d expired ones, want at most %d", n, minSweep, 2*minSweep)
	}
}

// A caller that joined a look-up whose first caller gave up does not get the
// first caller's context error: it looks up again itself.
func TestCacheJoinerOutlivesFirstCaller(t *testing.T) {
	c := newCache[string](time.Minute, time.Now)
	first, cancel := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.do(first, "k", true, func() (string, error) {
			close(started)
			<-release
			return "", first.Err()
		})
		firstDone <- err
	}()
	<-started
	second := make(chan error, 1)
	var ran bool
	go func() {
		v, err := c.do(context.Background(), "k", true, func() (string, error) { ran = true; return "v", nil })
		if err == nil && v != "v" {
			err = fmt.Errorf("value %q", v)
		}
		second <- err
	}()
	// Give the second caller time to join the first's look-up. Were it late,
	// it would start its own and the test would pass without exercising the
	// join; it cannot fail because of timing.
	time.Sleep(50 * time.Millisecond)
	cancel()
	close(release)
	<-firstDone
	if err := <-second; err != nil {
		t.Errorf("joined caller: %v, want the value", err)
	}
	if !ran {
		t.Error("the joined caller did not look up again")
	}
}
