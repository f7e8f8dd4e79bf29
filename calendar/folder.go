package calendar

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
)

// Folder is a [Source] reading one iCalendar file per mailbox from a
// directory: the calendar of alice@example.com is Dir/alice@example.com.ics
// (the address in lower case). A file is parsed when first needed and parsed
// again when its size or modification time changes, so calendars can be
// replaced while the server runs (write a new file and rename it over the
// old one).
//
// Only regular files are read: a FIFO, a device, a directory or a symbolic
// link leading out of Dir is a *ParseError naming the file. No lock is held
// while a file is read: different mailboxes load in parallel, and requests
// for the same mailbox share one load. A request waits for a load only as
// long as its context allows, so one stalled file (a stuck network file
// system) holds up only the requests for that mailbox.
//
// Parsed calendars are kept within a memory budget, least recently used
// first out (see MaxCacheBytes).
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
	// MaxCacheBytes bounds the memory, estimated, of the parsed calendars
	// kept between requests; 0 means DefaultCacheBytes. A calendar larger
	// than the whole budget is parsed for each request.
	MaxCacheBytes int64
	// MaxFileSize bounds one file; 0 means DefaultMaxFileSize. A larger
	// file is a *ParseError wrapping a *fedavail.LimitError.
	MaxFileSize int64
	// Logger gets one warning per file (each time it is parsed) that holds
	// neither events nor free/busy periods, which would otherwise show as
	// a free calendar; nil means slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	cache   map[string]*list.Element // of *folderEntry, by path
	lru     list.List                // most recently used first
	bytes   int64                    // the cached entries' estimated size
	flights map[string]*flight       // loads under way, by path
}

// DefaultCacheBytes is the default memory budget of a [Folder]'s parsed
// calendars: about 3,300 Outlook-style calendars of 50 items and a series
// (19 KB each, measured by BenchmarkFolderRetained); touching 10,000 such
// mailboxes keeps the heap near 60 MB (BenchmarkFolderScale).
const DefaultCacheBytes = 64 << 20

// DefaultMaxFileSize is the default size limit of one calendar file.
const DefaultMaxFileSize = 64 << 20

type folderEntry struct {
	path    string
	size    int64
	modTime time.Time
	cal     *icsCalendar
	err     error // a parse error is cached too, until the file changes
	cost    int64
}

// flight is one load of a file that every request for it waits on.
type flight struct {
	done chan struct{}
	cal  *icsCalendar
	err  error
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
// not change. It waits for the file system no longer than ctx allows.
func (f *Folder) load(ctx context.Context, mailbox string) (*icsCalendar, error) {
	p, err := f.path(mailbox)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	fl := f.flights[p]
	if fl == nil {
		fl = &flight{done: make(chan struct{})}
		if f.flights == nil {
			f.flights = map[string]*flight{}
		}
		f.flights[p] = fl
		// The load is not tied to one request's context: the others waiting
		// for it still want its result, and a later request can use it.
		go f.fly(p, fl)
	}
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.cal, fl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fly runs one load of p and lands it.
func (f *Folder) fly(p string, fl *flight) {
	fl.cal, fl.err = f.read(p)
	f.mu.Lock()
	delete(f.flights, p)
	f.mu.Unlock()
	close(fl.done)
}

// read checks p, and parses it unless the cache has it unchanged.
func (f *Folder) read(p string) (*icsCalendar, error) {
	var data []byte
	var fi fs.FileInfo
	// The file opened must be the one checked: a link swapped to point out
	// of the folder between the two is refused. A file renamed over in
	// between (a calendar being replaced) is checked again, once.
	for attempt := 0; ; attempt++ {
		checked, err := f.check(p)
		if err != nil {
			return nil, err
		}
		if e := f.cached(p, checked); e != nil {
			return e.cal, e.err
		}
		if testHookRead != nil {
			testHookRead(p)
		}
		data, fi, err = readRegular(p, f.maxFileSize())
		if err != nil {
			return nil, &ParseError{File: p, Err: err}
		}
		if os.SameFile(checked, fi) {
			break
		}
		if attempt == 1 {
			return nil, &ParseError{File: p, Err: errors.New("the file changed while it was read; try again")}
		}
	}
	cal, err := parseICS(data, f.Location)
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.File = p
	}
	if cal != nil && cal.empty {
		f.logger().Warn("calendar: file has no VEVENT or VFREEBUSY: the mailbox shows as free", "file", p)
	}
	e := &folderEntry{path: p, size: fi.Size(), modTime: fi.ModTime(), cal: cal, err: err, cost: int64(len(p)) + 256}
	if cal != nil {
		e.cost += cal.size
	}
	f.store(e)
	return cal, err
}

// testHookRead, when set by a test, runs before a file is read: a stand-in
// for a stalled file system.
var testHookRead func(path string)

// errNotRegular refuses what is not a plain file inside Dir.
var errNotRegular = errors.New("not a regular file inside the calendar folder")

// check stats p: a regular file, or a symbolic link to one inside Dir.
func (f *Folder) check(p string) (fs.FileInfo, error) {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrMailboxNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrMailboxNotFound
		}
		if err != nil {
			return nil, &ParseError{File: p, Err: err}
		}
		dir, err := filepath.EvalSymlinks(f.Dir)
		if err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
		if rel, err := filepath.Rel(dir, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, &ParseError{File: p, Err: errNotRegular}
		}
		if fi, err = os.Stat(target); err != nil {
			return nil, &ParseError{File: p, Err: err}
		}
	}
	if !fi.Mode().IsRegular() {
		return nil, &ParseError{File: p, Err: errNotRegular}
	}
	return fi, nil
}

// readRegular reads p, at most limit bytes, refusing it if it is no longer
// a regular file, and returns what the open file says of itself.
func readRegular(p string, limit int64) ([]byte, fs.FileInfo, error) {
	file, err := openNonblocking(p)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	now, err := file.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !now.Mode().IsRegular() {
		return nil, nil, errNotRegular
	}
	if now.Size() > limit {
		return nil, nil, &fedavail.LimitError{What: "calendar file size", Limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit {
		return nil, nil, &fedavail.LimitError{What: "calendar file size", Limit: limit}
	}
	return data, now, nil
}

// cached returns p's entry if the file did not change, marking it used.
func (f *Folder) cached(p string, fi fs.FileInfo) *folderEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	el := f.cache[p]
	if el == nil {
		return nil
	}
	e := el.Value.(*folderEntry)
	if e.size != fi.Size() || !e.modTime.Equal(fi.ModTime()) {
		return nil
	}
	f.lru.MoveToFront(el)
	return e
}

// store caches e, dropping the least recently used entries over budget.
func (f *Folder) store(e *folderEntry) {
	budget := f.MaxCacheBytes
	if budget <= 0 {
		budget = DefaultCacheBytes
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if el := f.cache[e.path]; el != nil {
		f.drop(el)
	}
	if e.cost > budget {
		return
	}
	if f.cache == nil {
		f.cache = map[string]*list.Element{}
	}
	f.cache[e.path] = f.lru.PushFront(e)
	f.bytes += e.cost
	for f.bytes > budget {
		f.drop(f.lru.Back())
	}
}

func (f *Folder) drop(el *list.Element) {
	e := f.lru.Remove(el).(*folderEntry)
	delete(f.cache, e.path)
	f.bytes -= e.cost
}

// CacheBytes returns the estimated size of the calendars the folder keeps,
// and how many there are.
func (f *Folder) CacheBytes() (bytes int64, calendars int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bytes, f.lru.Len()
}

func (f *Folder) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

func (f *Folder) maxFileSize() int64 {
	if f.MaxFileSize > 0 {
		return f.MaxFileSize
	}
	return DefaultMaxFileSize
}

// Events implements [Source]. A file that cannot be parsed, or is not a
// regular file, is a *ParseError.
func (f *Folder) Events(ctx context.Context, mailbox string, start, end time.Time) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cal, err := f.load(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	return cal.events(ctx, mailbox, start, end, maxEvents(f.MaxEvents))
}

// WorkingHours implements [Source]: Hours (or the default) for every
// mailbox that has a file, even one that cannot be parsed.
func (f *Folder) WorkingHours(ctx context.Context, mailbox string) (*WorkingHours, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, err := f.load(ctx, mailbox)
	var pe *ParseError
	if err != nil && !errors.As(err, &pe) {
		return nil, err
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
