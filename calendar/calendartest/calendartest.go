package calendartest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail/calendar"
)

// Mailbox is what the source under test holds for one mailbox.
type Mailbox struct {
	// Address is the mailbox's SMTP address.
	Address string
	// Events are every item the source holds for the mailbox, recurring
	// items expanded into the occurrences the suite's windows can reach,
	// in any order. The suite's windows lie within a day of them.
	Events []calendar.Event
}

// Config says what the source under test holds.
type Config struct {
	// Mailboxes are mailboxes the source knows, with their items. At least
	// one is required, and at least one must hold more than MaxEvents
	// items within a week, so that the window limit is tested.
	Mailboxes []Mailbox
	// Unknown are addresses the source must not know. Empty means
	// "calendartest-nobody@" and the domain of the first mailbox, plus an
	// address that is not an address at all.
	Unknown []string
	// MaxEvents is the source's window limit; 0 means
	// calendar.DefaultMaxEvents.
	MaxEvents int
}

// maxWindows bounds the windows asked per mailbox, so that a large
// calendar does not make the suite slow.
const maxWindows = 200

// TestSource checks src against cfg. ctx bounds the whole run; the suite
// cancels contexts of its own to check cancellation. It returns every
// misbehaviour found, joined, or nil.
func TestSource(ctx context.Context, src calendar.Source, cfg Config) error {
	t := &tester{ctx: ctx, src: src, limit: cfg.MaxEvents}
	if t.limit <= 0 {
		t.limit = calendar.DefaultMaxEvents
	}
	if len(cfg.Mailboxes) == 0 {
		return errors.New("calendartest: Config.Mailboxes is required")
	}
	unknown := cfg.Unknown
	if len(unknown) == 0 {
		a := cfg.Mailboxes[0].Address
		unknown = []string{"calendartest-nobody@" + a[strings.LastIndexByte(a, '@')+1:], "not an address"}
	}
	limitTested := false
	for _, mb := range cfg.Mailboxes {
		if t.checkMailbox(mb) {
			limitTested = true
		}
	}
	if !limitTested {
		t.errorf("no window held more than MaxEvents (%d) items: the window limit is untested; configure the source with a small limit and give a mailbox more items than it", t.limit)
	}
	for _, addr := range unknown {
		t.checkUnknown(addr)
	}
	t.checkCancelled(cfg.Mailboxes[0].Address)
	t.checkConcurrent(cfg.Mailboxes)
	return errors.Join(t.errs...)
}

type tester struct {
	ctx   context.Context
	src   calendar.Source
	limit int

	mu   sync.Mutex
	errs []error
}

func (t *tester) errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, fmt.Errorf("calendartest: "+format, args...))
}

// window is a time window the suite asks for.
type window struct{ start, end time.Time }

func (w window) String() string {
	return "[" + w.start.UTC().Format(time.RFC3339) + ", " + w.end.UTC().Format(time.RFC3339) + ")"
}

// windows returns the windows to ask about events: the span, a far-away
// one, and around each item (exactly, just before, just after, partly).
func windows(events []calendar.Event) []window {
	if len(events) == 0 {
		now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		return []window{{now, now.AddDate(0, 0, 7)}}
	}
	lo, hi := events[0].Start, events[0].End
	for _, e := range events {
		if e.Start.Before(lo) {
			lo = e.Start
		}
		if e.End.After(hi) {
			hi = e.End
		}
	}
	ws := []window{
		{lo.Add(-time.Hour), hi.Add(time.Hour)},
		{hi.Add(24 * time.Hour), hi.Add(48 * time.Hour)}, // nothing there
	}
	for _, e := range events {
		if len(ws) >= maxWindows {
			break
		}
		ws = append(ws,
			window{e.Start, e.End},
			window{e.Start.Add(-time.Minute), e.Start}, // ends where e starts
			window{e.End, e.End.Add(time.Minute)},      // starts where e ends
		)
		if d := e.End.Sub(e.Start); d > time.Minute {
			ws = append(ws, window{e.Start.Add(d / 2), e.End.Add(time.Hour)}) // e partly inside
		}
	}
	return ws
}

// overlapping returns the events overlapping w, sorted by start then end.
func overlapping(events []calendar.Event, w window) []calendar.Event {
	var out []calendar.Event
	for _, e := range events {
		if e.Overlaps(w.start, w.end) {
			out = append(out, e)
		}
	}
	sortEvents(out)
	return out
}

func sortEvents(events []calendar.Event) {
	slices.SortStableFunc(events, func(a, b calendar.Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := a.End.Compare(b.End); c != 0 {
			return c
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	})
}

// checkMailbox asks for every window of mb and reports whether one of them
// exceeded the limit.
func (t *tester) checkMailbox(mb Mailbox) (limitTested bool) {
	for _, w := range windows(mb.Events) {
		want := overlapping(mb.Events, w)
		got, err := t.src.Events(t.ctx, mb.Address, w.start, w.end)
		if len(want) > t.limit {
			limitTested = true
			var tm *calendar.TooManyEventsError
			if !errors.As(err, &tm) {
				t.errorf("Events(%s, %s): %d items, more than the limit of %d: got %d items and error %v, want a *calendar.TooManyEventsError", mb.Address, w, len(want), t.limit, len(got), err)
			}
			continue
		}
		if err != nil {
			t.errorf("Events(%s, %s): %v", mb.Address, w, err)
			continue
		}
		t.compare(fmt.Sprintf("Events(%s, %s)", mb.Address, w), got, want)
	}
	span := windows(mb.Events)[0]
	want := overlapping(mb.Events, span)
	if len(want) <= t.limit {
		// Addresses compare without regard to case.
		upper := strings.ToUpper(mb.Address)
		got, err := t.src.Events(t.ctx, upper, span.start, span.end)
		if err != nil {
			t.errorf("Events(%s, %s): %v; addresses compare without regard to case", upper, span, err)
		} else {
			t.compare(fmt.Sprintf("Events(%s, %s)", upper, span), got, want)
		}
		// The caller owns the slice: changing it changes nothing in the source.
		got, err = t.src.Events(t.ctx, mb.Address, span.start, span.end)
		if err == nil && len(got) > 0 {
			for i := range got {
				got[i].Subject, got[i].Start = "calendartest: changed by the caller", got[i].Start.Add(time.Hour)
			}
			again, err := t.src.Events(t.ctx, mb.Address, span.start, span.end)
			if err == nil {
				t.compare(fmt.Sprintf("Events(%s, %s) after the caller changed an earlier answer", mb.Address, span), again, want)
			}
		}
	}
	for _, addr := range []string{mb.Address, strings.ToUpper(mb.Address)} {
		if _, err := t.src.WorkingHours(t.ctx, addr); err != nil {
			t.errorf("WorkingHours(%s): %v, want the working hours or nil", addr, err)
		}
	}
	return limitTested
}

// compare checks that got holds exactly want, sorted by start then end.
func (t *tester) compare(call string, got, want []calendar.Event) {
	if !slices.IsSortedFunc(got, func(a, b calendar.Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.End.Compare(b.End)
	}) {
		t.errorf("%s: items not sorted by start then end", call)
	}
	sorted := slices.Clone(got)
	sortEvents(sorted)
	if len(sorted) != len(want) {
		t.errorf("%s: %d items, want %d (%s)", call, len(sorted), len(want), describe(sorted, want))
		return
	}
	for i := range want {
		if !same(sorted[i], want[i]) {
			t.errorf("%s: item %d is %s, want %s", call, i, format(sorted[i]), format(want[i]))
			return
		}
	}
}

// same compares events field by field, instants with Equal.
func same(a, b calendar.Event) bool {
	if !a.Start.Equal(b.Start) || !a.End.Equal(b.End) {
		return false
	}
	a.Start, a.End, b.Start, b.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

func format(e calendar.Event) string {
	return fmt.Sprintf("{%s–%s %s %q id=%q}", e.Start.UTC().Format(time.RFC3339), e.End.UTC().Format(time.RFC3339), e.BusyType, e.Subject, e.ID)
}

// describe names the first item only one of got and want has.
func describe(got, want []calendar.Event) string {
	for _, g := range got {
		if !slices.ContainsFunc(want, func(w calendar.Event) bool { return same(g, w) }) {
			return "unexpected " + format(g)
		}
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g calendar.Event) bool { return same(g, w) }) {
			return "missing " + format(w)
		}
	}
	return "duplicates"
}

// checkUnknown: an unknown mailbox is ErrMailboxNotFound from both methods.
// (The default Autodiscover directory takes WorkingHours' answer as the
// list of mailboxes: (nil, nil) there would make every address exist.)
func (t *tester) checkUnknown(addr string) {
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if got, err := t.src.Events(t.ctx, addr, now, now.AddDate(0, 0, 7)); !errors.Is(err, calendar.ErrMailboxNotFound) {
		t.errorf("Events(%q) of an unknown mailbox = %d items, %v; want calendar.ErrMailboxNotFound", addr, len(got), err)
	}
	if wh, err := t.src.WorkingHours(t.ctx, addr); !errors.Is(err, calendar.ErrMailboxNotFound) {
		t.errorf("WorkingHours(%q) of an unknown mailbox = %v, %v; want calendar.ErrMailboxNotFound", addr, wh, err)
	}
}

// checkCancelled: a cancelled context is an error wrapping its cause, from
// both methods, even for a known mailbox.
func (t *tester) checkCancelled(addr string) {
	ctx, cancel := context.WithCancel(t.ctx)
	cancel()
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if _, err := t.src.Events(ctx, addr, now, now.AddDate(0, 0, 7)); !errors.Is(err, context.Canceled) {
		t.errorf("Events(%s) with a cancelled context: %v, want an error wrapping context.Canceled", addr, err)
	}
	if _, err := t.src.WorkingHours(ctx, addr); !errors.Is(err, context.Canceled) {
		t.errorf("WorkingHours(%s) with a cancelled context: %v, want an error wrapping context.Canceled", addr, err)
	}
}

// checkConcurrent asks for every mailbox's span from several goroutines at
// once; the answers must agree with the serial ones.
func (t *tester) checkConcurrent(mailboxes []Mailbox) {
	const goroutines, rounds = 8, 4
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				mb := mailboxes[(g+r)%len(mailboxes)]
				span := windows(mb.Events)[0]
				want := overlapping(mb.Events, span)
				got, err := t.src.Events(t.ctx, mb.Address, span.start, span.end)
				switch {
				case len(want) > t.limit:
					var tm *calendar.TooManyEventsError
					if !errors.As(err, &tm) {
						t.errorf("concurrent Events(%s, %s): %v, want a *calendar.TooManyEventsError", mb.Address, span, err)
					}
				case err != nil:
					t.errorf("concurrent Events(%s, %s): %v", mb.Address, span, err)
				default:
					t.compare(fmt.Sprintf("concurrent Events(%s, %s)", mb.Address, span), got, want)
				}
				if _, err := t.src.WorkingHours(t.ctx, mb.Address); err != nil {
					t.errorf("concurrent WorkingHours(%s): %v", mb.Address, err)
				}
			}
		}()
	}
	wg.Wait()
}
