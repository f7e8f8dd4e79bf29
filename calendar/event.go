package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// BusyType is how an item shows in free/busy: Exchange's LegacyFreeBusyType.
type BusyType int

// Busy types. The zero value is Free, so an Event literal without a BusyType
// does not block time.
const (
	Free BusyType = iota
	Tentative
	Busy
	OOF
	WorkingElsewhere
	NoData
)

var busyNames = [...]string{"Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"}

// String returns the name EWS uses for b (the LegacyFreeBusyType enumeration).
func (b BusyType) String() string { return enumString(busyNames[:], b, "BusyType") }

// ParseBusyType parses an EWS busy type name, ignoring case.
func ParseBusyType(s string) (BusyType, error) {
	return parseEnum[BusyType](busyNames[:], s, "busy type")
}

// Digit returns the character b has in a merged free/busy string: its
// value in Exchange's BusyType enumeration, 0 Free, 1 Tentative, 2 Busy,
// 3 OOF, 4 WorkingElsewhere, 5 NoData (Exchange 2013's BusyType.cs;
// MergedFreeBusy.cs writes (char)(busyType + '0')). Answers to requests for
// schemas before Exchange 2013 know no WorkingElsewhere and write 4 for no
// data. An unknown value is NoData's digit.
func (b BusyType) Digit() byte {
	if b < Free || b > NoData {
		b = NoData
	}
	return byte('0' + b)
}

// rank orders busy types for merging: where items overlap, the one with the
// higher rank is what the merged string shows. See [MergedFreeBusy].
func (b BusyType) rank() int {
	switch b {
	case NoData:
		return 1
	case WorkingElsewhere:
		return 2
	case Tentative:
		return 3
	case Busy:
		return 4
	case OOF:
		return 5
	}
	return 0 // Free and unknown values never block time.
}

// byRank is the inverse of rank.
var byRank = [...]BusyType{Free, NoData, WorkingElsewhere, Tentative, Busy, OOF}

const numRanks = len(byRank)

// Event is one calendar item as free/busy sees it: a single occurrence, with
// recurrences already expanded.
type Event struct {
	// Start and End are the item's instants; End is exclusive.
	Start, End time.Time
	// BusyType is how the item shows in free/busy.
	BusyType BusyType
	// Subject and Location are details that only requesters with
	// LimitedDetails access on a non-private item may see.
	Subject, Location string
	// ID identifies the item (for a recurring item, the occurrence).
	ID string
	// IsPrivate marks an item whose details nobody outside sees.
	IsPrivate bool
	// IsMeeting is true for an item with attendees.
	IsMeeting bool
	// IsRecurring is true for an occurrence of a recurring series.
	IsRecurring bool
	// IsException is true for an occurrence changed from its series.
	IsException bool
	// IsReminderSet is true when the item has a reminder.
	IsReminderSet bool
}

// Overlaps reports whether e overlaps [start, end). An item of zero length
// overlaps when it lies inside the window, the way Exchange reports it.
func (e *Event) Overlaps(start, end time.Time) bool {
	if e.Start.Equal(e.End) {
		return !e.Start.Before(start) && e.Start.Before(end)
	}
	return e.Start.Before(end) && e.End.After(start)
}

// WorkingHours are a mailbox's working hours: weekly periods in one time zone.
type WorkingHours struct {
	// Location is the zone the periods are in; nil means UTC.
	Location *time.Location
	// Periods are the working periods of the week.
	Periods []WorkingPeriod
}

// WorkingPeriod is a span of working time repeated on some weekdays.
type WorkingPeriod struct {
	// Days are the weekdays the period applies to.
	Days []time.Weekday
	// StartMinute and EndMinute are minutes from local midnight; EndMinute
	// is exclusive and at most 1440.
	StartMinute, EndMinute int
}

// DefaultWorkingHours returns Monday to Friday, 08:00 to 17:00 in loc, the
// default of a new Exchange mailbox.
func DefaultWorkingHours(loc *time.Location) *WorkingHours {
	return &WorkingHours{
		Location: loc,
		Periods: []WorkingPeriod{{
			Days:        []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
			StartMinute: 8 * 60,
			EndMinute:   17 * 60,
		}},
	}
}

func (wh *WorkingHours) location() *time.Location {
	if wh == nil || wh.Location == nil {
		return time.UTC
	}
	return wh.Location
}

// Contains reports whether [start, end) lies within one working period of
// one day (a span crossing local midnight never does). Nil working hours
// contain nothing.
func (wh *WorkingHours) Contains(start, end time.Time) bool {
	if wh == nil {
		return false
	}
	loc := wh.location()
	s, e := start.In(loc), end.In(loc)
	// Minutes on the local clock, so that a DST day does not shift the period.
	from := s.Hour()*60 + s.Minute()
	var to int
	switch sy, sm, sd := s.Date(); {
	case sameDate(e, sy, sm, sd):
		to = e.Hour()*60 + e.Minute()
	case sameDate(e.Add(-time.Nanosecond), sy, sm, sd) && e.Hour() == 0 && e.Minute() == 0:
		to = 24 * 60 // ends at the next local midnight
	default:
		return false
	}
	for _, p := range wh.Periods {
		if from >= p.StartMinute && to <= p.EndMinute && hasDay(p.Days, s.Weekday()) {
			return true
		}
	}
	return false
}

func sameDate(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

func hasDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// enumString names v from names, or prints it as type(number).
func enumString[T ~int](names []string, v T, typ string) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, int(v))
}

// parseEnum finds s among names, ignoring case and surrounding space.
func parseEnum[T ~int](names []string, s, what string) (T, error) {
	for i, n := range names {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("calendar: unknown %s %q", what, s)
}

// ErrMailboxNotFound is returned by a [Source] for a mailbox it does not know.
var ErrMailboxNotFound = errors.New("calendar: mailbox not found")

// DefaultMaxEvents is how many items a [Source] returns for one window at
// most: Exchange's MaximumResultSetSize, 1,000 calendar items per mailbox
// and query (Exchange 2013's InfoWorker Availability Configuration.cs
// default; InternalCalendarQuery.cs refuses a calendar view holding more).
const DefaultMaxEvents = 1000

// TooManyEventsError is returned when a window holds more items than the
// source's limit, or when expanding the recurring items near the window
// passes its budget (a bounded multiple of the limit: rules that dense hold
// more than the limit in any window). Exchange answers ErrorResultSetTooBig
// for that mailbox then (ResultSetTooBigException, ErrorConstants
// ResultSetTooBig 5006).
type TooManyEventsError struct {
	// Mailbox is the mailbox queried.
	Mailbox string
	// Limit is the configured maximum.
	Limit int
}

func (e *TooManyEventsError) Error() string {
	return fmt.Sprintf("calendar: %s has more than %d items in the requested window", e.Mailbox, e.Limit)
}

// ParseError is returned for an iCalendar file that cannot be read.
type ParseError struct {
	// File is the file's path, or "" when parsing bytes.
	File string
	// UID is the offending event's UID, if known.
	UID string
	// Err is the cause.
	Err error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("calendar: ")
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.UID != "" {
		fmt.Fprintf(&b, "event %q: ", e.UID)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }
