package calendar

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchEvents returns n non-aligned items spread over a 42-day window.
func benchEvents(n int, start time.Time) []Event {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]Event, n)
	span := int64(42 * 24 * time.Hour / time.Minute)
	for i := range out {
		s := start.Add(time.Duration(r.Int64N(span)) * time.Minute)
		out[i] = Event{Start: s, End: s.Add(time.Duration(15+r.IntN(120)) * time.Minute), BusyType: BusyType(r.IntN(5))}
	}
	return out
}

// BenchmarkMergedFreeBusy shows the cost is linear in items: compare the
// ns/op of the 1k and 10k cases (the interval count is fixed). The "day"
// case is a typical answer's: three items in one day.
func BenchmarkMergedFreeBusy(b *testing.B) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Run("day", func(b *testing.B) {
		events := []Event{
			{Start: start.Add(9 * time.Hour), End: start.Add(10 * time.Hour), BusyType: Busy},
			{Start: start.Add(11 * time.Hour), End: start.Add(12 * time.Hour), BusyType: Busy},
			{Start: start.Add(14 * time.Hour), End: start.Add(15 * time.Hour), BusyType: Tentative},
		}
		for b.Loop() {
			if _, err := MergedFreeBusy(events, start, start.Add(24*time.Hour), 30*time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	end := start.AddDate(0, 0, 42)
	for _, n := range []int{1000, 10000} {
		events := benchEvents(n, start)
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := MergedFreeBusy(events, start, end, 30*time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSuggest rates a 42-day window for three attendees whose items
// add up to the given count.
func BenchmarkSuggest(b *testing.B) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 42)
	for _, n := range []int{1000, 10000} {
		events := benchEvents(n, start)
		atts := []Attendee{
			{Events: events[:n/3], WorkingHours: DefaultWorkingHours(time.UTC)},
			{Events: events[n/3 : 2*n/3], WorkingHours: DefaultWorkingHours(time.UTC)},
			{Events: events[2*n/3:]},
		}
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Suggest(atts, SuggestionOptions{Start: start, End: end, MaxNonWorkHourResultsPerDay: 2}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemoryEvents reads one day with three items from a mailbox of
// Memory, as an answer does.
func BenchmarkMemoryEvents(b *testing.B) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var m Memory
	for h := range 3 {
		m.Add("a@example.com", Event{Start: start.Add(time.Duration(9+2*h) * time.Hour), End: start.Add(time.Duration(10+2*h) * time.Hour), BusyType: Busy})
	}
	for b.Loop() {
		if _, err := m.Events(b.Context(), "a@example.com", start, start.Add(24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
