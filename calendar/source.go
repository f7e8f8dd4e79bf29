package calendar

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Source is the answering side's calendar store. Package calendartest
// checks an implementation against these rules; every Source in fedavail
// passes it.
//
//   - Mailbox addresses are compared without regard to case, as Exchange
//     compares SMTP addresses.
//   - An unknown mailbox is an error matching ErrMailboxNotFound
//     (errors.Is) from both methods. WorkingHours returning (nil, nil)
//     means "known, without working hours": the default Autodiscover
//     directory (package federation) takes WorkingHours' answer as the list
//     of mailboxes, so a source that answered (nil, nil) for anyone would
//     make every address exist.
//   - Events returns exactly the items overlapping [start, end) (see
//     [Event.Overlaps]), whole (not clipped to the window), with recurring
//     items expanded into occurrences, sorted by start then end. The
//     returned slice is the caller's: changing it changes nothing in the
//     source.
//   - A window holding more items than the source's limit (MaxEvents,
//     [DefaultMaxEvents] unless configured) is a *TooManyEventsError.
//   - A cancelled or expired ctx is an error wrapping ctx.Err(), from both
//     methods, even for a source that does no I/O.
//   - A store that cannot answer now but may later (a server answering 429
//     or 503, a database failing over) is a *fedavail.UnavailableError, with
//     RetryAfter when the store said how long to wait; the server answers
//     "retry later" rather than "failed".
//   - Implementations are safe for concurrent use.
type Source interface {
	// Events returns the items of mailbox that overlap [start, end), with
	// recurring items expanded into occurrences, sorted by start then end.
	Events(ctx context.Context, mailbox string, start, end time.Time) ([]Event, error)
	// WorkingHours returns the mailbox's working hours, or nil if it has
	// none; an unknown mailbox is ErrMailboxNotFound here too.
	WorkingHours(ctx context.Context, mailbox string) (*WorkingHours, error)
}

// Memory is a [Source] held in memory, for tests and for callers that load
// calendars from their own store. The zero value is an empty source ready to
// use; it is safe for concurrent use.
type Memory struct {
	// MaxEvents caps the items one window may hold; 0 means DefaultMaxEvents.
	MaxEvents int

	mu        sync.RWMutex
	mailboxes map[string]*memMailbox
}

type memMailbox struct {
	events       []Event // sorted by sortEvents
	workingHours *WorkingHours
}

// mailboxKey folds an address the way Exchange compares SMTP addresses.
func mailboxKey(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

func (m *Memory) mailbox(addr string, create bool) *memMailbox {
	key := mailboxKey(addr)
	if mb := m.mailboxes[key]; mb != nil || !create {
		return mb
	}
	if m.mailboxes == nil {
		m.mailboxes = map[string]*memMailbox{}
	}
	mb := &memMailbox{}
	m.mailboxes[key] = mb
	return mb
}

// Add creates mailbox if needed and adds events to it.
func (m *Memory) Add(mailbox string, events ...Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mb := m.mailbox(mailbox, true)
	mb.events = append(mb.events, events...)
	sortEvents(mb.events)
}

// SetWorkingHours creates mailbox if needed and sets its working hours.
func (m *Memory) SetWorkingHours(mailbox string, wh *WorkingHours) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mailbox(mailbox, true).workingHours = wh
}

// Remove deletes mailbox; it is then not found.
func (m *Memory) Remove(mailbox string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mailboxes, mailboxKey(mailbox))
}

// Events implements [Source].
func (m *Memory) Events(ctx context.Context, mailbox string, start, end time.Time) ([]Event, error) {
	var out []Event
	err := m.read(ctx, mailbox, func(mb *memMailbox) error {
		limit := maxEvents(m.MaxEvents)
		// Sorted by start: nothing from the first that starts at or after
		// end can overlap. Counted first, to allocate the answer once.
		last := sort.Search(len(mb.events), func(i int) bool { return !mb.events[i].Start.Before(end) })
		n := 0
		for i := range mb.events[:last] {
			if mb.events[i].Overlaps(start, end) {
				n++
			}
		}
		if n > limit {
			return &TooManyEventsError{Mailbox: mailbox, Limit: limit}
		}
		out = make([]Event, 0, n)
		for i := range mb.events[:last] {
			if mb.events[i].Overlaps(start, end) {
				out = append(out, mb.events[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WorkingHours implements [Source].
func (m *Memory) WorkingHours(ctx context.Context, mailbox string) (wh *WorkingHours, err error) {
	err = m.read(ctx, mailbox, func(mb *memMailbox) error {
		wh = mb.workingHours
		return nil
	})
	return wh, err
}

// read calls fn with mailbox under the read lock.
func (m *Memory) read(ctx context.Context, mailbox string, fn func(*memMailbox) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	mb := m.mailbox(mailbox, false)
	if mb == nil {
		return ErrMailboxNotFound
	}
	return fn(mb)
}

func maxEvents(n int) int {
	if n > 0 {
		return n
	}
	return DefaultMaxEvents
}

// sortEvents orders events by start, then end, then ID, so that results are
// deterministic.
func sortEvents(events []Event) {
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := a.End.Compare(b.End); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
