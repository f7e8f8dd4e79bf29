package calendar

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/teambition/rrule-go"
)

// randomRule returns an RRULE value with a random frequency, interval and
// BYxxx lists, as a fuzzer of the entry logic.
func randomRule(r *rand.Rand) string {
	freqs := []string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"}
	f := r.IntN(len(freqs))
	rule := "FREQ=" + freqs[f] + fmt.Sprintf(";INTERVAL=%d", 1+r.IntN(4))
	list := func(name string, n, lo, hi int) {
		if r.IntN(3) != 0 {
			return
		}
		rule += ";" + name + "="
		for i := range 1 + r.IntN(n) {
			if i > 0 {
				rule += ","
			}
			rule += fmt.Sprint(lo + r.IntN(hi-lo+1))
		}
	}
	list("BYMONTH", 3, 1, 12)
	list("BYMONTHDAY", 3, 1, 28)
	list("BYHOUR", 3, 0, 23)
	list("BYMINUTE", 2, 0, 59)
	if r.IntN(3) == 0 {
		days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
		rule += ";BYDAY=" + days[r.IntN(7)] + "," + days[r.IntN(7)]
	}
	if r.IntN(4) == 0 {
		rule += ";WKST=" + []string{"MO", "SU", "WE"}[r.IntN(3)]
	}
	if r.IntN(5) == 0 {
		rule += fmt.Sprintf(";BYSETPOS=%d", []int{1, -1, 2}[r.IntN(3)])
	}
	return rule
}

// TestEntryKeepsOccurrences compares the occurrences of rules entered near
// a window with rrule-go's walk from the first occurrence.
func TestEntryKeepsOccurrences(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 5))
	for i := range 120 {
		value := randomRule(r)
		dtstart := time.Date(1995+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, time.UTC)
		opt, err := rrule.StrToROption(value)
		if err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		opt.Dtstart = dtstart
		rec, err := newRecurrence(*opt)
		if errors.Is(err, errNeverMatches) {
			continue // rrule-go would loop forever
		}
		if err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		full, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatalf("%s: %v", value, err)
		}
		from := dtstart.Add(time.Duration(r.Int64N(int64(20 * 365 * 24 * time.Hour))))
		to := from.Add(time.Duration(1+r.IntN(60)) * 24 * time.Hour)
		want := full.Between(from, to, true)
		var got []time.Time
		next := rec.iterator(from)
		for w, ok := next(); ok && !w.After(to); w, ok = next() {
			if !w.Before(from) {
				got = append(got, w)
			}
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("case %d: %s from %v, window %v–%v (-walked +entered):\n%s", i, value, dtstart, from, to, diff)
		}
	}
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestOldSeries shows that a series begun centuries ago shows in today's
// window (rrule-go alone stops 290 years after DTSTART) and costs about
// what a new one costs.
func TestOldSeries(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 42)
	for _, freq := range []string{"YEARLY;BYMONTH=1,2", "MONTHLY;BYMONTHDAY=3,17", "WEEKLY;BYDAY=MO,TH", "DAILY;BYHOUR=9,15", "HOURLY;BYHOUR=9,10;BYMINUTE=0"} {
		t.Run(freq, func(t *testing.T) {
			file := func(year int) []byte {
				return ics(fmt.Sprintf("BEGIN:VEVENT\nUID:s\nDTSTART:%04d0101T090000Z\nDURATION:PT15M\nRRULE:FREQ=%s\nEND:VEVENT", year, freq))
			}
			oldCal, err := parseICS(file(1601), nil)
			if err != nil {
				t.Fatal(err)
			}
			newCal, err := parseICS(file(2023), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			oldEvents, err := oldCal.events(ctx, "", start, end, DefaultMaxEvents)
			if err != nil {
				t.Fatal(err)
			}
			newEvents, err := newCal.events(ctx, "", start, end, DefaultMaxEvents)
			if err != nil {
				t.Fatal(err)
			}
			if len(oldEvents) == 0 || len(oldEvents) != len(newEvents) {
				t.Fatalf("series from 1601: %d items, from 2023: %d; want the same, more than none", len(oldEvents), len(newEvents))
			}
			// Cost is compared in allocated bytes, not time: entering near the
			// window makes the old series cost what the new one does; 1.5×
			// leaves room for the longer walk inside the first period.
			oldCost := allocated(func() { _, _ = oldCal.events(ctx, "", start, end, DefaultMaxEvents) })
			newCost := allocated(func() { _, _ = newCal.events(ctx, "", start, end, DefaultMaxEvents) })
			if oldCost > newCost*3/2 {
				t.Errorf("series from 1601 allocates %d bytes, from 2023 %d: more than 1.5×", oldCost, newCost)
			}
		})
	}
}

// TestRecurrenceBudget covers the rules of issue 12.5: dense rules fail
// with the per-mailbox error after a bounded expansion, and a cancelled
// request stops.
func TestRecurrenceBudget(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 42)
	every := func(n int) string {
		s := "0"
		for i := 1; i < n; i++ {
			s += fmt.Sprintf(",%d", i)
		}
		return s
	}
	dense := ics("BEGIN:VEVENT\nUID:d\nDTSTART:19900101T000000Z\nDURATION:PT1S\nRRULE:FREQ=DAILY;BYHOUR=" + every(24) + ";BYMINUTE=" + every(60) + ";BYSECOND=" + every(60) + "\nEND:VEVENT")
	cal, err := parseICS(dense, nil)
	if err != nil {
		t.Fatal(err)
	}
	var te *TooManyEventsError
	var cost uint64
	cost = allocated(func() { _, err = cal.events(t.Context(), "m@example.com", start, end, DefaultMaxEvents) })
	if !errors.As(err, &te) || te.Mailbox != "m@example.com" || te.Limit != DefaultMaxEvents {
		t.Fatalf("dense rule: err = %v, want *TooManyEventsError", err)
	}
	// The budget is stepsPerEvent occurrences per item allowed; rrule-go
	// allocates a few hundred bytes per occurrence and one period's set.
	if limit := uint64(stepsPerEvent*DefaultMaxEvents*512 + 8<<20); cost > limit {
		t.Errorf("dense rule allocated %d bytes, over %d", cost, limit)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	hourly, err := parseICS(ics("BEGIN:VEVENT\nUID:h\nDTSTART:16010101T000000Z\nDURATION:PT1M\nRRULE:FREQ=HOURLY\nEND:VEVENT"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hourly.events(ctx, "", start, start.Add(24*time.Hour), DefaultMaxEvents); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: err = %v, want context.Canceled", err)
	}
	got, err := hourly.events(t.Context(), "", start, start.Add(24*time.Hour), DefaultMaxEvents)
	if err != nil || len(got) != 24 {
		t.Errorf("hourly rule from 1601, one day: %d items, %v; want 24", len(got), err)
	}
}

// TestExhaustedRule: a rule whose filters never match again is walked to
// rrule-go's last year once, then remembered as exhausted.
func TestExhaustedRule(t *testing.T) {
	cal, err := parseICS(ics("BEGIN:VEVENT\nUID:x\nDTSTART:20240101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\nEND:VEVENT"), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for range 2 {
		got, err := cal.events(t.Context(), "", start, start.AddDate(0, 0, 42), DefaultMaxEvents)
		if err != nil || len(got) != 0 {
			t.Fatalf("got %v, %v; want nothing", got, err)
		}
	}
	if r := cal.recurring[0].rule; !r.dead(start.AddDate(1, 0, 0)) {
		t.Error("the exhausted rule is not remembered")
	}
}

// TestUnsupportedYears: years rrule-go cannot expand are a *ParseError, not
// a panic (FuzzParseICS found DTSTART:00000101T000000 with FREQ=WEEKLY).
func TestUnsupportedYears(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, body := range []string{
		"BEGIN:VEVENT\nUID:0\nDTSTART:00000101T000000\nRRULE:FREQ=WEEKLY\nX-A:1\nX-B:2\nEND:VEVENT",
		"BEGIN:VEVENT\nUID:0\nDTSTART:00001231T230000Z\nRRULE:FREQ=DAILY;COUNT=3\nEND:VEVENT",
		// Ordinals past the month: rrule-go indexes out of range
		// (FuzzRecurrenceEntry found the first).
		"BEGIN:VEVENT\nUID:0\nDTSTART:20240101T000000Z\nRRULE:FREQ=MONTHLY;BYDAY=10FR;BYSETPOS=1\nEND:VEVENT",
		"BEGIN:VEVENT\nUID:0\nDTSTART:20240101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=12;BYDAY=-9MO\nEND:VEVENT",
		// Not a year, but the other way rrule-go never returns.
		"BEGIN:VEVENT\nUID:0\nDTSTART:20240101T000000Z\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=9\nEND:VEVENT",
	} {
		_, err := ParseICS(ics(body), nil, start, start.AddDate(0, 0, 42))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.UID != "0" {
			t.Errorf("%q: err = %v, want *ParseError for event 0", body, err)
		}
	}
}
