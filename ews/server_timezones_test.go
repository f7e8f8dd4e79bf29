package ews

import (
	"testing"
	"time"
)

// TestRequestZoneCache checks that cached request zones behave as freshly
// built ones and that clients cannot grow the cache without bound.
func TestRequestZoneCache(t *testing.T) {
	h := newTestHandler(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tz := TimeZoneFor(ny, 2024)
	summer := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	for range 2 { // built, then cached
		loc, err := h.requestZone(tz)
		if err != nil {
			t.Fatal(err)
		}
		if _, off := summer.In(loc).Zone(); off != -4*3600 {
			t.Errorf("July offset %d, want -4h", off)
		}
	}
	for bias := range 2 * maxRequestZones {
		if _, err := h.requestZone(SerializableTimeZone{Bias: bias % 1440}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	h.requestZones.Range(func(any, any) bool { n++; return true })
	if n > maxRequestZones {
		t.Errorf("%d zones cached, want at most %d", n, maxRequestZones)
	}
	if _, err := h.requestZone(SerializableTimeZone{Bias: 100000}); err == nil {
		t.Error("an impossible bias was accepted")
	}
}

func newTestHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
