package googlecal_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/calendartest"
	"github.com/fedavail/fedavail/calendar/googlecal"
)

// TestSourceSuite runs the calendar.Source conformance suite against the
// fake Google: the items the fake lists are exactly the events the suite
// expects back.
func TestSourceSuite(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var want []calendar.Event
	var items []string
	for i := range 7 {
		e := calendar.Event{
			Start: day.AddDate(0, 0, i%5).Add(time.Duration(9+i) * time.Hour), ID: fmt.Sprintf("ev%d", i),
			Subject: fmt.Sprintf("item %d", i), BusyType: calendar.Busy, IsRecurring: i < 3,
		}
		e.End = e.Start.Add(90 * time.Minute)
		item := fmt.Sprintf(`{"id":%q,"summary":%q,"start":{"dateTime":%q},"end":{"dateTime":%q}`,
			e.ID, e.Subject, e.Start.Format(time.RFC3339), e.End.Format(time.RFC3339))
		if e.IsRecurring {
			item += `,"recurringEventId":"series"`
		}
		switch i {
		case 4:
			e.BusyType, item = calendar.Tentative, item+`,"status":"tentative"`
		case 5:
			e.BusyType, item = calendar.OOF, item+`,"eventType":"outOfOffice"`
		}
		want = append(want, e)
		items = append(items, item+"}")
	}
	f := &fakeGoogle{events: map[string][]string{
		"alice@example.com": {strings.Join(items[:4], ","), strings.Join(items[4:], ",")},
		"empty@example.com": {""},
	}}
	src := newSource(t, f, googlecal.Config{MaxEvents: 5})
	err := calendartest.TestSource(t.Context(), src, calendartest.Config{
		MaxEvents: 5,
		Mailboxes: []calendartest.Mailbox{{Address: "alice@example.com", Events: want}, {Address: "empty@example.com"}},
		Unknown:   []string{"nobody@example.com", "alice"},
	})
	if err != nil {
		t.Fatal(err)
	}
}
