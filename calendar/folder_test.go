package calendar

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mod time.Time) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, ics(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	write("alice@example.com.ics", "BEGIN:VEVENT\nUID:1\nDTSTART:20240101T090000Z\nDTEND:20240101T100000Z\nEND:VEVENT", t0)
	write("broken@example.com.ics", "BEGIN:VEVENT\nUID:b\nEND:VEVENT", t0)
	f := &Folder{Dir: dir}
	ctx := context.Background()
	day := func(mailbox string) ([]Event, error) { return f.Events(ctx, mailbox, t0, t0.Add(24*time.Hour)) }

	got, err := day("Alice@Example.com")
	if err != nil || len(got) != 1 || got[0].ID != "1" {
		t.Fatalf("first read: %v, %v; want item 1", got, err)
	}

	// A changed file is read again.
	write("alice@example.com.ics", "BEGIN:VEVENT\nUID:2\nDTSTART:20240101T090000Z\nDTEND:20240101T100000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:3\nDTSTART:20240101T110000Z\nDTEND:20240101T120000Z\nEND:VEVENT", t0.Add(time.Minute))
	got, err = day("alice@example.com")
	if err != nil || len(got) != 2 || got[0].ID != "2" {
		t.Fatalf("after change: %v, %v; want items 2 and 3", got, err)
	}

	for _, mailbox := range []string{"nobody@example.com", "../alice@example.com", "alice", "", "a/b@example.com"} {
		if _, err := day(mailbox); !errors.Is(err, ErrMailboxNotFound) {
			t.Errorf("Events(%q) err = %v, want ErrMailboxNotFound", mailbox, err)
		}
		if _, err := f.WorkingHours(ctx, mailbox); !errors.Is(err, ErrMailboxNotFound) {
			t.Errorf("WorkingHours(%q) err = %v, want ErrMailboxNotFound", mailbox, err)
		}
	}

	var pe *ParseError
	if _, err := day("broken@example.com"); !errors.As(err, &pe) || pe.File != filepath.Join(dir, "broken@example.com.ics") {
		t.Errorf("broken file: err = %v, want *ParseError naming the file", err)
	}

	wh, err := f.WorkingHours(ctx, "alice@example.com")
	if err != nil || !wh.Contains(time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("working hours = %+v, %v; want the default Monday–Friday 08–17", wh, err)
	}
}

func TestMemory(t *testing.T) {
	var m Memory
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	m.Add("Bob@example.com",
		Event{Start: t0.Add(10 * time.Hour), End: t0.Add(11 * time.Hour), ID: "b"},
		Event{Start: t0.Add(-2 * time.Hour), End: t0.Add(1 * time.Hour), ID: "a"},
		Event{Start: t0.Add(30 * time.Hour), End: t0.Add(31 * time.Hour), ID: "c"},
	)
	ctx := context.Background()
	got, err := m.Events(ctx, "bob@example.com", t0, t0.Add(24*time.Hour))
	if err != nil || len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Fatalf("Events = %v, %v; want a, b", got, err)
	}
	if _, err := m.Events(ctx, "carol@example.com", t0, t0.Add(time.Hour)); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("unknown mailbox err = %v", err)
	}
	m.MaxEvents = 1
	var te *TooManyEventsError
	if _, err := m.Events(ctx, "bob@example.com", t0, t0.Add(24*time.Hour)); !errors.As(err, &te) {
		t.Errorf("over the limit err = %v, want *TooManyEventsError", err)
	}
	m.SetWorkingHours("bob@example.com", DefaultWorkingHours(time.UTC))
	if wh, _ := m.WorkingHours(ctx, "BOB@example.com"); wh == nil {
		t.Error("working hours not kept")
	}
	m.Remove("bob@example.com")
	if _, err := m.WorkingHours(ctx, "bob@example.com"); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("removed mailbox err = %v", err)
	}
}

func TestWorkingHoursContains(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	wh := DefaultWorkingHours(ny)
	at := func(d, h, m int) time.Time { return time.Date(2024, 3, d, h, m, 0, 0, ny) }
	tests := []struct {
		name       string
		start, end time.Time
		want       bool
	}{
		{"Monday morning", at(11, 9, 0), at(11, 10, 0), true},
		{"whole day", at(11, 8, 0), at(11, 17, 0), true},
		{"past five", at(11, 16, 30), at(11, 17, 30), false},
		{"Saturday", at(9, 9, 0), at(9, 10, 0), false},
		{"Friday after the DST change", at(15, 8, 0), at(15, 9, 0), true},
		{"across midnight", at(11, 23, 0), at(12, 1, 0), false},
	}
	for _, tt := range tests {
		if got := wh.Contains(tt.start, tt.end); got != tt.want {
			t.Errorf("%s: Contains = %v, want %v", tt.name, got, tt.want)
		}
	}
	if (*WorkingHours)(nil).Contains(at(11, 9, 0), at(11, 10, 0)) {
		t.Error("nil working hours contain time")
	}
}
