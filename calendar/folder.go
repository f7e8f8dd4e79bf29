package calendar

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Folder is a [Source] reading one iCalendar file per mailbox from a
// directory: the calendar of alice@example.com is Dir/alice@example.com.ics
// (the address in lower case). A file is parsed when first needed and parsed
// again when its size or modification time changes, so calendars can be
// replaced while the server runs (write a new file and rename it over the
// old one).
//
// Set the fields before first use and do not copy a Folder after it. It is
// safe for concurrent use.
type Folder struct {
	// Dir is the directory holding the .ics files.
	Dir string
	// Location is the zone of times without a TZID ("floating" times) and of
	// all-day items; nil means UTC.
	Location *time.Location
	// Hours are every mailbox's working hours (iCalendar has no way
	// to say them); nil means DefaultWorkingHours(Location).
	Hours *WorkingHours
	// MaxEvents caps the items one window may hold; 0 means DefaultMaxEvents.
	MaxEvents int

	mu    sync.Mutex
	cache map[string]*folderEntry
}

type folderEntry struct {
	size    int64
	modTime time.Time
	cal     *icsCalendar
	err     error // a parse error is cached too, until the file changes
}

// path returns the file of mailbox, refusing addresses that could name
// anything but a file directly inside Dir.
func (f *Folder) path(mailbox string) (string, error) {
	addr := mailboxKey(mailbox)
	if addr == "" || !strings.Contains(addr, "@") || strings.ContainsAny(addr, `/\`+"\x00") || strings.HasPrefix(addr, ".") {
		return "", ErrMailboxNotFound
	}
	return filepath.Join(f.Dir, addr+".ics"), nil
}

// load returns the parsed calendar of mailbox, from cache if its file did
// not change.
func (f *Folder) load(mailbox string) (*icsCalendar, error) {
	p, err := f.path(mailbox)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrMailboxNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if e := f.cache[p]; e != nil && e.size == fi.Size() && e.modTime.Equal(fi.ModTime()) {
		return e.cal, e.err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	cal, err := parseICS(data, f.Location)
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.File = p
	}
	if f.cache == nil {
		f.cache = map[string]*folderEntry{}
	}
	f.cache[p] = &folderEntry{size: fi.Size(), modTime: fi.ModTime(), cal: cal, err: err}
	return cal, err
}

// Events implements [Source]. A file that cannot be parsed is a *ParseError.
func (f *Folder) Events(ctx context.Context, mailbox string, start, end time.Time) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cal, err := f.load(mailbox)
	if err != nil {
		return nil, err
	}
	return cal.events(ctx, mailbox, start, end, maxEvents(f.MaxEvents))
}

// WorkingHours implements [Source].
func (f *Folder) WorkingHours(ctx context.Context, mailbox string) (*WorkingHours, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := f.path(mailbox)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrMailboxNotFound
		}
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if f.Hours != nil {
		return f.Hours, nil
	}
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	return DefaultWorkingHours(loc), nil
}

// ParseICS parses an iCalendar stream and returns its items overlapping
// [start, end), expanded and sorted, as a [Folder] would. floating is the
// zone of times without a TZID and of all-day items (nil means UTC). Errors
// are *ParseError and *TooManyEventsError (over DefaultMaxEvents).
func ParseICS(data []byte, floating *time.Location, start, end time.Time) ([]Event, error) {
	cal, err := parseICS(data, floating)
	if err != nil {
		return nil, err
	}
	return cal.events(context.Background(), "", start, end, DefaultMaxEvents)
}
