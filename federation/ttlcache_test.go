package federation

import (
	"testing"
	"time"
)

func TestTTLCacheOff(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	on := newTTLCache[string, string](time.Hour, clock)
	off := newTTLCache[string, string](-1, clock)
	on.put("k", "v")
	off.put("k", "v")
	if v, ok := on.get("k"); !ok || v != "v" {
		t.Errorf("cache with a TTL lost its entry: %q, %v", v, ok)
	}
	if _, ok := off.get("k"); ok || len(off.m) != 0 {
		t.Errorf("cache with a negative TTL kept an entry (%d stored)", len(off.m))
	}
	now = now.Add(time.Hour)
	if _, ok := on.get("k"); ok {
		t.Error("entry still there after its TTL")
	}
}
