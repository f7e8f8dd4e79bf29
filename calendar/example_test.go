package calendar_test

import (
	"context"
	"fmt"
	"time"

	"github.com/fedavail/fedavail/calendar"
)

func ExampleMergedFreeBusy() {
	var src calendar.Memory
	day := time.Date(2024, 3, 11, 9, 0, 0, 0, time.UTC)
	src.Add("alice@example.com",
		calendar.Event{Start: day, End: day.Add(time.Hour), BusyType: calendar.Busy},
		calendar.Event{Start: day.Add(90 * time.Minute), End: day.Add(2 * time.Hour), BusyType: calendar.Tentative},
	)
	events, err := src.Events(context.Background(), "alice@example.com", day, day.Add(3*time.Hour))
	if err != nil {
		fmt.Println(err)
		return
	}
	fb, err := calendar.MergedFreeBusy(events, day, day.Add(3*time.Hour), 30*time.Minute)
	fmt.Println(fb, err)
	// Output: 220100 <nil>
}

func ExampleParseICS() {
	data := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//example//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:standup\r\nDTSTART;TZID=Europe/London:20240330T090000\r\n" +
		"DURATION:PT15M\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Standup\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n")
	start := time.Date(2024, 3, 30, 0, 0, 0, 0, time.UTC)
	events, err := calendar.ParseICS(data, nil, start, start.AddDate(0, 0, 7))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		fmt.Println(e.Start.UTC().Format(time.DateTime), e.BusyType, e.Subject)
	}
	// Output:
	// 2024-03-30 09:00:00 Busy Standup
	// 2024-03-31 08:00:00 Busy Standup
	// 2024-04-01 08:00:00 Busy Standup
}
