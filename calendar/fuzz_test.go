package calendar

import (
	"errors"
	"testing"
	"time"
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
