package ews

import (
	"fmt"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/soap"
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
	if n := len(h.requestZones); n > maxRequestZones || n == 0 {
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

// TestContextZoneCacheBounded: TimeZoneContext headers are cached by their
// bytes, at most maxRequestZones of them, and a header past the bound is
// still answered with its own zone.
func TestContextZoneCacheBounded(t *testing.T) {
	h := newTestHandler(t)
	ids := []string{"Tokyo Standard Time", "UTC"}
	for i := range 2*maxRequestZones + 2 {
		id := ids[i%2]
		hdr := &soap.Element{Raw: []byte(fmt.Sprintf(`<t:TimeZoneContext xmlns:t="%s" n="%d"><t:TimeZoneDefinition Id="%s"/></t:TimeZoneContext>`, TypesNS, i, id))}
		for range 2 { // read, then perhaps cached
			z, fault := h.contextZone(hdr)
			if fault != nil {
				t.Fatal(fault)
			}
			if _, off := testDay.In(z.loc).Zone(); z.utc != (id == "UTC") || off != map[string]int{"UTC": 0, "Tokyo Standard Time": 9 * 3600}[id] {
				t.Fatalf("header %d (%s): offset %d, utc %v", i, id, off, z.utc)
			}
		}
	}
	if n := len(h.contextZones); n != maxRequestZones {
		t.Errorf("%d headers cached, want %d", n, maxRequestZones)
	}
}
