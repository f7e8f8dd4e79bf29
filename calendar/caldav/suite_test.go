package caldav_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/caldav"
	"github.com/fedavail/fedavail/calendar/calendartest"
	"github.com/fedavail/fedavail/internal/realparts"
)

// suiteEvents are alice's items, one object each: a daily series across
// the week, a tentative workshop, an all-day OOF.
var suiteEvents = [][]string{
	{"UID:daily", "DTSTART;TZID=Europe/London:20260302T090000", "DTEND;TZID=Europe/London:20260302T093000", "RRULE:FREQ=DAILY;COUNT=6", "SUMMARY:daily"},
	{"UID:one", "DTSTART:20260303T130000Z", "DTEND:20260303T150000Z", "STATUS:TENTATIVE", "SUMMARY:workshop"},
	{"UID:allday", "DTSTART;VALUE=DATE:20260304", "DTEND;VALUE=DATE:20260305", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"},
}

// TestSourceSuite runs the calendar.Source conformance suite against
// Radicale.
func TestSourceSuite(t *testing.T) {
	t.Parallel()
	rad := realparts.StartRadicale(t)
	rad.MakeCalendar(t, "alice", "work", false)
	rad.MakeCalendar(t, "empty", "work", false)
	var all strings.Builder
	all.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fedavail//test//EN\r\n")
	for _, lines := range suiteEvents {
		uid := strings.TrimPrefix(lines[0], "UID:")
		put(t, rad, "alice", "work", uid, lines[1:]...)
		all.WriteString("BEGIN:VEVENT\r\n" + strings.Join(lines, "\r\n") + "\r\nDTSTAMP:20260101T000000Z\r\nEND:VEVENT\r\n")
	}
	all.WriteString("END:VCALENDAR\r\n")
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	want, err := calendar.ParseICS([]byte(all.String()), nil, day.AddDate(0, 0, -7), day.AddDate(0, 0, 14))
	if err != nil || len(want) != 8 {
		t.Fatalf("ParseICS = %d items, %v; want 8", len(want), err)
	}
	src := newSource(t, caldav.Config{URL: rad.URL, MaxEvents: 5})
	err = calendartest.TestSource(t.Context(), src, calendartest.Config{
		MaxEvents: 5,
		Mailboxes: []calendartest.Mailbox{{Address: "alice@example.com", Events: want}, {Address: "empty@example.com"}},
		Unknown:   []string{"nobody@example.com", "../alice@example.com", "alice", "", "a/b@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
}
