package calendartest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/calendartest"
)

// A source checks itself with a small limit and one mailbox holding more
// items than it.
func ExampleTestSource() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var events []calendar.Event
	for i := range 3 {
		s := start.Add(time.Duration(i) * time.Hour)
		events = append(events, calendar.Event{Start: s, End: s.Add(30 * time.Minute), BusyType: calendar.Busy, ID: fmt.Sprint(i)})
	}
	src := &calendar.Memory{MaxEvents: 2}
	src.Add("alice@example.com", events...)

	err := calendartest.TestSource(context.Background(), src, calendartest.Config{
		MaxEvents: 2,
		Mailboxes: []calendartest.Mailbox{{Address: "alice@example.com", Events: events}},
	})
	fmt.Println("conforms:", err == nil)
	// Output: conforms: true
}
