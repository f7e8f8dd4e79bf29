package ews

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

// fakeClock is a settable clock for the handler.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestPartnerLimiter(t *testing.T) {
	t0 := testNow
	type step struct {
		domain string
		at     time.Duration // after t0
		ok     bool
		wait   time.Duration
	}
	tests := []struct {
		name      string
		perSecond float64
		burst     int
		steps     []step
	}{
		{"burst then refill", 2, 2, []step{
			{"a", 0, true, 0},
			{"a", 0, true, 0},
			{"a", 0, false, 500 * time.Millisecond},
			{"a", 250 * time.Millisecond, false, 250 * time.Millisecond},
			{"a", 500 * time.Millisecond, true, 0},
			{"a", 500 * time.Millisecond, false, 500 * time.Millisecond},
		}},
		{"domains are independent", 1, 1, []step{
			{"a", 0, true, 0},
			{"a", 0, false, time.Second},
			{"b", 0, true, 0},
			{"b", 0, false, time.Second},
			{"a", time.Second, true, 0},
		}},
		{"refill is capped at the burst", 10, 1, []step{
			{"a", time.Hour, true, 0},
			{"a", time.Hour, false, 100 * time.Millisecond},
		}},
		{"a clock going back refills nothing", 1, 1, []step{
			{"a", time.Second, true, 0},
			{"a", 0, false, time.Second},
		}},
		{"zero rate never refills", 0, 1, []step{
			{"a", 0, true, 0},
			{"a", 24 * time.Hour, false, time.Hour},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewPartnerLimiter(tt.perSecond, tt.burst)
			for i, s := range tt.steps {
				ok, wait := l.Allow(s.domain, t0.Add(s.at))
				if ok != s.ok || wait != s.wait {
					t.Errorf("step %d (%s at +%v): Allow = %v, %v; want %v, %v", i, s.domain, s.at, ok, wait, s.ok, s.wait)
				}
			}
		})
	}
}

func TestPartnerLimiterBoundsItsMemory(t *testing.T) {
	l := NewPartnerLimiter(1, 1)
	l.maxDomains = 3
	for i, d := range []string{"a", "b", "c", "d", "e"} {
		l.Allow(d, testNow.Add(time.Duration(i)*time.Millisecond))
		if n := len(l.buckets); n > 3 {
			t.Fatalf("%d buckets kept, limit 3", n)
		}
	}
	// An idle domain was forgotten, which must not cost a busy one its state.
	if ok, _ := l.Allow("e", testNow.Add(4*time.Millisecond)); ok {
		t.Error("the newest domain's empty bucket was reset")
	}
}

// TestThrottling drives the handler with two partners under one limiter:
// the one over its rate gets Exchange's ErrorServerBusy fault with the
// back-off, the other is served as before, and the throttled one is served
// again once the back-off has passed on the injected clock.
func TestThrottling(t *testing.T) {
	clock := &fakeClock{now: testNow}
	ts := newTestServer(t, func(c *HandlerConfig) {
		c.Now = clock.Now
		c.Limiter = NewPartnerLimiter(0.5, 2) // one request per 2 s, 2 at once
	})
	body := availability(ViewFreeBusy, "alice@example.com")
	partner := call{body: body}
	other := call{body: body, token: otherToken}
	internal := call{body: body, path: "/EWS/Exchange.asmx", token: "-", basic: true}
	// served returns the fault a call got, nil when it was served.
	served := func(c call) *fedavail.Fault {
		t.Helper()
		r := ts.do(t, c, nil)
		switch {
		case r.fault != nil && r.status != http.StatusInternalServerError:
			t.Fatalf("a fault with status %d", r.status)
		case r.fault == nil && r.status != http.StatusOK:
			t.Fatalf("status %d: %s", r.status, r.data)
		}
		return r.fault
	}
	for i := range 2 {
		if f := served(partner); f != nil {
			t.Fatalf("request %d within the burst refused: %v", i, f)
		}
	}
	f := served(partner)
	if f == nil {
		t.Fatal("the third request at once was served")
	}
	want := &fedavail.Fault{Code: "ErrorServerBusy", CodeNamespace: TypesNS, ResponseCode: "ErrorServerBusy"}
	got := &fedavail.Fault{Code: f.Code, CodeNamespace: f.CodeNamespace, ResponseCode: f.ResponseCode}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fault (-want +got):\n%s", diff)
	}
	if f.BackOff() != 2*time.Second {
		t.Errorf("BackOff() = %v, want 2s", f.BackOff())
	}
	// Other organizations are not affected: another partner and the
	// internal users each have their own bucket.
	for _, c := range []call{other, other, internal, internal} {
		if f := served(c); f != nil {
			t.Errorf("another organization was throttled: %v", f)
		}
	}
	clock.Advance(time.Second)
	if f := served(partner); f == nil || f.BackOff() != time.Second {
		t.Errorf("half-way through the back-off: fault %v, want ErrorServerBusy with 1s left", f)
	}
	clock.Advance(time.Second)
	if f := served(partner); f != nil {
		t.Errorf("after the back-off: %v", f)
	}
}

// TestServerBusyFault pins the fault's bytes (Exchange's form, as in
// exchangelib's test_error_server_busy fixture) and checks that a back-off
// is never announced shorter than it is.
func TestServerBusyFault(t *testing.T) {
	golden(t, "server-fault-serverbusy.xml", soap.FaultBytes(soap.V11, serverBusy(2*time.Second)))
	f := serverBusy(time.Second + 1500*time.Microsecond)
	if got := f.Values["BackOffMilliseconds"]; got != "1002" {
		t.Errorf("BackOffMilliseconds = %s, want 1002", got)
	}
}
