package calendar

import (
	"errors"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

// FuzzParseICS checks that no input makes the iCalendar reader panic, hang
// or fail with anything but its documented errors.
func FuzzParseICS(f *testing.F) {
	f.Add(ics("BEGIN:VEVENT\nUID:1\nDTSTART;TZID=Europe/London:20240321T090000\nDTEND;TZID=Europe/London:20240321T100000\nRRULE:FREQ=WEEKLY;COUNT=3\nEXDATE;TZID=Europe/London:20240328T090000\nEND:VEVENT"))
	f.Add(ics(windowsVTimezone + "\nBEGIN:VEVENT\nUID:2\nDTSTART;TZID=W. Europe Standard Time:20241024T090000\nDURATION:PT1H\nRRULE:FREQ=DAILY\nEND:VEVENT"))
	f.Add(ics("BEGIN:VEVENT\nUID:3\nRECURRENCE-ID:20240102T100000Z\nDTSTART;VALUE=DATE:20240102\nSTATUS:CANCELLED\nEND:VEVENT"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 42)
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := ParseICS(data, nil, start, end)
		var pe *ParseError
		var te *TooManyEventsError
		if err != nil && !errors.As(err, &pe) && !errors.As(err, &te) {
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
		for i := range events {
			if !events[i].Overlaps(start, end) {
				t.Fatalf("event %d (%v–%v) outside the window", i, events[i].Start, events[i].End)
			}
			if i > 0 && events[i].Start.Before(events[i-1].Start) {
				t.Fatal("events not sorted")
			}
		}
	})
}

// FuzzRecurrenceEntry checks that entering a rule near a window yields the
// occurrences rrule-go finds walking from DTSTART, for any rule text.
func FuzzRecurrenceEntry(f *testing.F) {
	f.Add("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", int64(0), int64(400))
	f.Add("FREQ=MONTHLY;BYDAY=-1FR;BYSETPOS=1", int64(86400*31), int64(9000))
	f.Add("FREQ=HOURLY;INTERVAL=5;BYHOUR=1,6,11", int64(3600*7), int64(700))
	f.Add("FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=SU;WKST=SU", int64(86400*400), int64(3650))
	dtstart := time.Date(2001, 3, 4, 5, 6, 7, 0, time.UTC)
	f.Fuzz(func(t *testing.T, rule string, offset, days int64) {
		opt, err := rrule.StrToROption(rule)
		if err != nil || opt.Count > 0 || opt.Freq > rrule.HOURLY {
			return
		}
		offset, days = offset%(86400*365*50), days%120
		if offset < 0 || days <= 0 {
			return
		}
		opt.Dtstart = dtstart
		opt.Until = time.Time{}
		rec, err := newRecurrence(*opt)
		if err != nil {
			return
		}
		full, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatalf("newRecurrence accepted what rrule-go refuses: %v", err)
		}
		from := dtstart.Add(time.Duration(offset) * time.Second)
		to := from.AddDate(0, 0, int(days))
		// Walk only while the walk is cheap: a bounded number of steps.
		var want []time.Time
		next := full.Iterator()
		for i := 0; i < 200000; i++ {
			w, ok := next()
			if !ok || w.After(to) {
				break
			}
			if !w.Before(from) {
				want = append(want, w)
			}
			if i == 199999 {
				return
			}
		}
		var got []time.Time
		next = rec.iterator(from)
		for w, ok := next(); ok && !w.After(to); w, ok = next() {
			if !w.Before(from) {
				got = append(got, w)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s from %v over %v–%v: entered %d occurrences, walked %d", rule, dtstart, from, to, len(got), len(want))
		}
		for i := range got {
			if !got[i].Equal(want[i]) {
				t.Fatalf("%s: occurrence %d entered %v, walked %v", rule, i, got[i], want[i])
			}
		}
	})
}
