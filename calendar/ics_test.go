package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ics wraps VEVENT (and VTIMEZONE) text in a VCALENDAR with CRLF lines.
func ics(body string) []byte {
	s := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//fedavail//test//EN\n" + strings.TrimSpace(body) + "\nEND:VCALENDAR\n"
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// span is what the tests compare: an occurrence's local times and status.
type span struct {
	Start, End string
	Busy       BusyType
}

func spans(events []Event, loc *time.Location) []span {
	var out []span
	for _, e := range events {
		out = append(out, span{e.Start.In(loc).Format("2006-01-02 15:04 MST"), e.End.In(loc).Format("2006-01-02 15:04 MST"), e.BusyType})
	}
	return out
}

const windowsVTimezone = `BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE`

func TestParseICSRecurrence(t *testing.T) {
	london := mustLoad(t, "Europe/London")
	newYork := mustLoad(t, "America/New_York")
	berlin := mustLoad(t, "Europe/Berlin")
	tests := []struct {
		name       string
		body       string
		loc        *time.Location // for display and floating times
		start, end time.Time
		want       []span
	}{
		{
			name: "weekly across the London DST change stays at 09:00 local",
			body: `BEGIN:VEVENT
UID:w1
DTSTART;TZID=Europe/London:20240321T090000
DTEND;TZID=Europe/London:20240321T100000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Standup
END:VEVENT`,
			loc:   london,
			start: time.Date(2024, 3, 18, 0, 0, 0, 0, time.UTC),
			end:   time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC),
			want: []span{
				{"2024-03-21 09:00 GMT", "2024-03-21 10:00 GMT", Busy},
				{"2024-03-28 09:00 GMT", "2024-03-28 10:00 GMT", Busy},
				{"2024-04-04 09:00 BST", "2024-04-04 10:00 BST", Busy},
			},
		},
		{
			name: "daily across the New York DST change, EXDATE and an override",
			body: `BEGIN:VEVENT
UID:d1
DTSTART;TZID=America/New_York:20240308T083000
DTEND;TZID=America/New_York:20240308T090000
RRULE:FREQ=DAILY;UNTIL=20240312T133000Z
EXDATE;TZID=America/New_York:20240309T083000
END:VEVENT
BEGIN:VEVENT
UID:d1
RECURRENCE-ID;TZID=America/New_York:20240311T083000
DTSTART;TZID=America/New_York:20240311T150000
DTEND;TZID=America/New_York:20240311T160000
STATUS:TENTATIVE
END:VEVENT`,
			loc:   newYork,
			start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			end:   time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC),
			want: []span{
				{"2024-03-08 08:30 EST", "2024-03-08 09:00 EST", Busy},
				{"2024-03-10 08:30 EDT", "2024-03-10 09:00 EDT", Busy},
				{"2024-03-11 15:00 EDT", "2024-03-11 16:00 EDT", Tentative},
				{"2024-03-12 08:30 EDT", "2024-03-12 09:00 EDT", Busy},
			},
		},
		{
			name: "cancelled override removes the occurrence",
			body: `BEGIN:VEVENT
UID:c1
DTSTART:20240101T100000Z
DURATION:PT1H
RRULE:FREQ=DAILY;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:c1
RECURRENCE-ID:20240102T100000Z
DTSTART:20240102T100000Z
DURATION:PT1H
STATUS:CANCELLED
END:VEVENT`,
			loc:   time.UTC,
			start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
			end:   time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC),
			want: []span{
				{"2024-01-01 10:00 UTC", "2024-01-01 11:00 UTC", Busy},
				{"2024-01-03 10:00 UTC", "2024-01-03 11:00 UTC", Busy},
			},
		},
		{
			name: "Windows zone name defined only by its VTIMEZONE",
			body: windowsVTimezone + `
BEGIN:VEVENT
UID:v1
DTSTART;TZID=W. Europe Standard Time:20241024T090000
DTEND;TZID=W. Europe Standard Time:20241024T093000
RRULE:FREQ=WEEKLY;COUNT=2
END:VEVENT`,
			loc:   berlin,
			start: time.Date(2024, 10, 20, 0, 0, 0, 0, time.UTC),
			end:   time.Date(2024, 11, 10, 0, 0, 0, 0, time.UTC),
			want: []span{
				{"2024-10-24 09:00 CEST", "2024-10-24 09:30 CEST", Busy},
				{"2024-10-31 09:00 CET", "2024-10-31 09:30 CET", Busy},
			},
		},
		{
			name: "all-day item in the floating zone, transparent and tentative items",
			body: `BEGIN:VEVENT
UID:a1
DTSTART;VALUE=DATE:20240610
DTEND;VALUE=DATE:20240612
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:a2
DTSTART:20240610T120000
DTEND:20240610T130000
STATUS:TENTATIVE
END:VEVENT
BEGIN:VEVENT
UID:a3
DTSTART:20240610T140000
DTEND:20240610T150000
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:a4
DTSTART:20240611T090000
DTEND:20240611T170000
X-MICROSOFT-CDO-BUSYSTATUS:OOF
END:VEVENT`,
			loc:   newYork,
			start: time.Date(2024, 6, 10, 0, 0, 0, 0, newYork),
			end:   time.Date(2024, 6, 12, 0, 0, 0, 0, newYork),
			want: []span{
				{"2024-06-10 00:00 EDT", "2024-06-12 00:00 EDT", Free},
				{"2024-06-10 12:00 EDT", "2024-06-10 13:00 EDT", Tentative},
				{"2024-06-11 09:00 EDT", "2024-06-11 17:00 EDT", OOF},
			},
		},
		{
			name: "an item partly inside the window is returned whole",
			body: `BEGIN:VEVENT
UID:p1
DTSTART:20240101T230000Z
DTEND:20240102T020000Z
END:VEVENT
BEGIN:VEVENT
UID:p2
DTSTART:20240101T200000Z
DTEND:20240101T230000Z
END:VEVENT`,
			loc:   time.UTC,
			start: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
			end:   time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC),
			want:  []span{{"2024-01-01 23:00 UTC", "2024-01-02 02:00 UTC", Busy}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseICS(ics(tt.body), tt.loc, tt.start, tt.end)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, spans(got, tt.loc)); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseICSDetails(t *testing.T) {
	body := `BEGIN:VEVENT
UID:priv
DTSTART:20240101T090000Z
DTEND:20240101T100000Z
SUMMARY:Doctor
LOCATION:Clinic
CLASS:PRIVATE
END:VEVENT
BEGIN:VEVENT
UID:meet
DTSTART:20240101T110000Z
DTEND:20240101T120000Z
SUMMARY:Review
LOCATION:Room 1
ATTENDEE:mailto:bob@example.com
RRULE:FREQ=DAILY;COUNT=1
BEGIN:VALARM
ACTION:DISPLAY
TRIGGER:-PT15M
DESCRIPTION:Review
END:VALARM
END:VEVENT`
	got, err := ParseICS(ics(body), nil, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{BusyType: Busy, ID: "priv", Subject: "Doctor", Location: "Clinic", IsPrivate: true},
		{BusyType: Busy, ID: "meet/20240101T110000Z", Subject: "Review", Location: "Room 1", IsMeeting: true, IsRecurring: true, IsReminderSet: true},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Event{}, "Start", "End")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestParseICSErrors(t *testing.T) {
	tests := []struct {
		name, data string
		uid        string
	}{
		{"not iCalendar", "hello world", ""},
		{"unterminated", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", ""},
		{"no DTSTART", string(ics("BEGIN:VEVENT\nUID:x\nSUMMARY:s\nEND:VEVENT")), "x"},
		{"bad date", string(ics("BEGIN:VEVENT\nUID:y\nDTSTART:2024-01-01\nEND:VEVENT")), "y"},
		{"unknown zone", string(ics("BEGIN:VEVENT\nUID:z\nDTSTART;TZID=Mars/Olympus:20240101T090000\nEND:VEVENT")), "z"},
		{"ends before it starts", string(ics("BEGIN:VEVENT\nUID:e\nDTSTART:20240101T090000Z\nDTEND:20240101T080000Z\nEND:VEVENT")), "e"},
		{"minutely rule", string(ics("BEGIN:VEVENT\nUID:m\nDTSTART:20240101T090000Z\nRRULE:FREQ=MINUTELY\nEND:VEVENT")), "m"},
		{"bad rule", string(ics("BEGIN:VEVENT\nUID:r\nDTSTART:20240101T090000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT")), "r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseICS([]byte(tt.data), nil, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if pe.UID != tt.uid {
				t.Errorf("UID = %q, want %q", pe.UID, tt.uid)
			}
			if !strings.HasPrefix(err.Error(), "calendar: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseICSLimit(t *testing.T) {
	body := ics(`BEGIN:VEVENT
UID:h
DTSTART:20240101T000000Z
DURATION:PT30M
RRULE:FREQ=HOURLY
END:VEVENT`)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := ParseICS(body, nil, start, start.AddDate(0, 0, 42*10))
	var te *TooManyEventsError
	if !errors.As(err, &te) || te.Limit != DefaultMaxEvents {
		t.Fatalf("err = %v, want *TooManyEventsError with limit %d", err, DefaultMaxEvents)
	}
	got, err := ParseICS(body, nil, start, start.Add(24*time.Hour))
	if err != nil || len(got) != 24 {
		t.Fatalf("one day: %d events, err %v; want 24", len(got), err)
	}
}
