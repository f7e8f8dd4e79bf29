package main

import "testing"

// TestRun drives the organization briefly at low concurrency. It asserts
// counts only: every request answered, goroutines back to where they were,
// and a heap that did not grow without bound.
func TestRun(t *testing.T) {
	// Bounded by count, not time, so a slow machine cannot make it fail.
	cfg := config{Requests: 40, Concurrency: 4, Mailboxes: 5, Tokens: 3}
	rep, err := run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != cfg.Requests {
		t.Fatalf("%d requests completed, want %d", rep.Requests, cfg.Requests)
	}
	if rep.Errors != 0 {
		t.Errorf("%d of %d requests failed; first: %s", rep.Errors, rep.Requests, rep.FirstError)
	}
	if rep.GoroutinesAfter > rep.GoroutinesBefore {
		t.Errorf("goroutines: %d after, %d before", rep.GoroutinesAfter, rep.GoroutinesBefore)
	}
	// Generous: caches (token validation, time zones, TLS sessions) may
	// keep a few MiB; a leak per request would exceed it.
	if limit := 4*rep.HeapBefore + 32<<20; rep.HeapAfter > limit {
		t.Errorf("heap in use %d bytes after, %d before (limit %d)", rep.HeapAfter, rep.HeapBefore, limit)
	}
}
