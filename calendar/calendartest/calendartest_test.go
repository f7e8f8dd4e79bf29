package calendartest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/calendartest"
)

var day = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// aliceEvents overlap, touch end to start, include a zero-length item and
// one that crosses midnight; five of them, more than the limit of 4.
func aliceEvents() []calendar.Event {
	return []calendar.Event{
		{Start: at(9, 0), End: at(10, 0), BusyType: calendar.Busy, Subject: "standup", ID: "a1"},
		{Start: at(9, 30), End: at(11, 0), BusyType: calendar.Tentative, Subject: "review", ID: "a2"},
		{Start: at(11, 0), End: at(11, 30), BusyType: calendar.OOF, ID: "a3"},
		{Start: at(13, 0), End: at(13, 0), BusyType: calendar.Busy, Subject: "reminder", ID: "a4"},
		{Start: at(23, 0), End: at(25, 0), BusyType: calendar.Busy, Subject: "night shift", ID: "a5", IsPrivate: true},
	}
}

func bobEvents() []calendar.Event {
	return []calendar.Event{{Start: at(14, 0), End: at(15, 0), BusyType: calendar.WorkingElsewhere, Location: "home", ID: "b1"}}
}

func memory(maxEvents int) *calendar.Memory {
	m := &calendar.Memory{MaxEvents: maxEvents}
	m.Add("alice@example.com", aliceEvents()...)
	m.Add("bob@example.com", bobEvents()...)
	m.SetWorkingHours("carol@example.com", calendar.DefaultWorkingHours(time.UTC)) // no items at all
	return m
}

func config(maxEvents int) calendartest.Config {
	return calendartest.Config{
		MaxEvents: maxEvents,
		Mailboxes: []calendartest.Mailbox{
			{Address: "alice@example.com", Events: aliceEvents()},
			{Address: "bob@example.com", Events: bobEvents()},
			{Address: "carol@example.com"},
		},
	}
}

func TestMemory(t *testing.T) {
	if err := calendartest.TestSource(t.Context(), memory(4), config(4)); err != nil {
		t.Fatal(err)
	}
}

const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fedavail//calendartest//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:weekly\r\nDTSTART;TZID=Europe/London:20260302T090000\r\nDTEND;TZID=Europe/London:20260302T093000\r\nRRULE:FREQ=DAILY;COUNT=6\r\nSUMMARY:daily\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:one\r\nDTSTART:20260303T130000Z\r\nDTEND:20260303T150000Z\r\nSTATUS:TENTATIVE\r\nSUMMARY:workshop\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:allday\r\nDTSTART;VALUE=DATE:20260304\r\nDTEND;VALUE=DATE:20260305\r\nX-MICROSOFT-CDO-BUSYSTATUS:OOF\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestFolder(t *testing.T) {
	dir := t.TempDir()
	data := []byte(ics)
	for _, name := range []string{"alice@example.com.ics", "empty@example.com.ics"} {
		body := data
		if strings.HasPrefix(name, "empty") {
			body = []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fedavail//calendartest//EN\r\nEND:VCALENDAR\r\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// What the file holds, expanded the way the folder expands it.
	want, err := calendar.ParseICS(data, nil, day.AddDate(0, 0, -7), day.AddDate(0, 0, 14))
	if err != nil || len(want) != 8 {
		t.Fatalf("ParseICS = %d items, %v; want 8", len(want), err)
	}
	src := &calendar.Folder{Dir: dir, MaxEvents: 5}
	err = calendartest.TestSource(t.Context(), src, calendartest.Config{
		MaxEvents: 5,
		Mailboxes: []calendartest.Mailbox{
			{Address: "alice@example.com", Events: want},
			{Address: "empty@example.com"},
		},
		Unknown: []string{"nobody@example.com", "../alice@example.com", "alice", "", "a/b@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// broken breaks one rule of calendar.Source at a time, to show that the
// suite notices.
type broken struct {
	calendar.Source
	rule string
}

func (b broken) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	switch b.rule {
	case "ignores the context":
		ctx = context.Background()
	case "unknown mailbox is empty":
		if _, err := b.Source.WorkingHours(ctx, mailbox); errors.Is(err, calendar.ErrMailboxNotFound) {
			return nil, nil
		}
	case "case-sensitive":
		if mailbox != strings.ToLower(mailbox) {
			return nil, calendar.ErrMailboxNotFound
		}
	}
	events, err := b.Source.Events(ctx, mailbox, start, end)
	switch b.rule {
	case "unsorted":
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	case "clips items to the window":
		for i := range events {
			if events[i].Start.Before(start) {
				events[i].Start = start
			}
		}
	case "end is inclusive":
		if err == nil {
			extra, _ := b.Source.Events(ctx, mailbox, end, end.Add(time.Nanosecond))
			events = append(events, extra...)
		}
	}
	return events, err
}

func (b broken) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	wh, err := b.Source.WorkingHours(ctx, mailbox)
	if b.rule == "working hours of anyone" && errors.Is(err, calendar.ErrMailboxNotFound) {
		return nil, nil
	}
	if b.rule == "ignores the context" && errors.Is(err, context.Canceled) {
		return nil, nil
	}
	return wh, err
}

// sharedSlice returns its own slice, so a caller's change shows later.
type sharedSlice struct {
	calendar.Source
	last map[string][]calendar.Event
}

func (s *sharedSlice) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	k := mailbox + start.String() + end.String()
	if e, ok := s.last[k]; ok {
		return e, nil
	}
	e, err := s.Source.Events(ctx, mailbox, start, end)
	if err == nil {
		s.last[k] = e
	}
	return e, err
}

func TestSuiteFindsBrokenRules(t *testing.T) {
	tests := []struct {
		rule string
		src  calendar.Source
		want string // in the suite's error
	}{
		{"ignores the context", nil, "context.Canceled"},
		{"unknown mailbox is empty", nil, "unknown mailbox"},
		{"working hours of anyone", nil, "WorkingHours(\"calendartest-nobody@example.com\") of an unknown mailbox"},
		{"case-sensitive", nil, "without regard to case"},
		{"no limit", memory(0), "*calendar.TooManyEventsError"}, // the source's limit is not the one configured
		{"unsorted", nil, "not sorted"},
		{"clips items to the window", nil, "want {"},
		{"end is inclusive", nil, "unexpected {"},
		{"shares its slice", &sharedSlice{Source: memory(4), last: map[string][]calendar.Event{}}, "after the caller changed"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			src := tt.src
			if src == nil {
				src = broken{Source: memory(4), rule: tt.rule}
			}
			err := calendartest.TestSource(t.Context(), src, config(4))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("TestSource = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("limit never reached", func(t *testing.T) {
		err := calendartest.TestSource(t.Context(), memory(10), config(10))
		if err == nil || !strings.Contains(err.Error(), "window limit is untested") {
			t.Errorf("TestSource = %v, want the untested limit reported", err)
		}
	})
}
