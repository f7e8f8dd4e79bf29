package calendar

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unsafe"
)

// expandMargin widens the wall-clock search window: wall clocks differ from
// UTC by at most 14 hours, plus a day for DST shifts.
const expandMargin = 38 * time.Hour

// stepsPerEvent bounds the occurrences expanded near a window, per item the
// window may hold: rules dense enough to exceed it (FREQ=DAILY with every
// BYHOUR, BYMINUTE and BYSECOND) put far more than the limit in any window.
const stepsPerEvent = 64

// ctxEvery is how many expanded occurrences pass between context checks.
const ctxEvery = 256

// index sorts parsed items into a calendar's time index. dataLen is the
// file's size, part of the memory estimate.
func index(all []*series, dataLen int) *icsCalendar {
	c := &icsCalendar{}
	for _, s := range all {
		s.absStart = s.zone.toAbs(s.wallStart)
		c.size += int64(unsafe.Sizeof(*s)) + int64(len(s.uid)+len(s.proto.Subject)+len(s.proto.Location)+len(s.proto.ID))
		if s.rule == nil && len(s.rdates) == 0 {
			s.absEnd = s.zone.toAbs(s.wallStart.Add(s.wallDur))
			if s.absEnd.Sub(s.absStart) > longItem {
				c.long = append(c.long, s)
			} else {
				c.singles = append(c.singles, s)
			}
			continue
		}
		c.size += 1024 + int64(len(s.rdates))*24 + int64(len(s.exdates)+len(s.overrides))*64
		c.recurring = append(c.recurring, s)
		// The series' span: from its earliest start to its last end, when
		// UNTIL bounds it (a COUNT rule's end is not known without walking
		// it, so it stays open).
		bounded := s.rule == nil || !s.rule.counted && !s.rule.opt.Until.IsZero()
		first, last := s.wallStart, s.wallStart
		if s.rule != nil && bounded && s.rule.opt.Until.After(last) {
			last = s.rule.opt.Until
		}
		for _, w := range s.rdates {
			first, last = minTime(first, w), maxTime(last, w)
		}
		s.absStart = s.zone.toAbs(first).Add(-expandMargin)
		if bounded {
			s.absEnd = s.zone.toAbs(last.Add(s.wallDur)).Add(expandMargin)
		}
	}
	slices.SortFunc(c.singles, func(a, b *series) int { return a.absStart.Compare(b.absStart) })
	c.size += int64(len(all)) * int64(unsafe.Sizeof(all[0])) // the index slices
	c.size += int64(dataLen) / 4                             // strings and maps, roughly
	return c
}

// expansion gathers one window's items within its budgets.
type expansion struct {
	ctx        context.Context
	mailbox    string
	start, end time.Time
	limit      int
	steps      int
	out        []Event
}

func (x *expansion) tooMany() error { return &TooManyEventsError{Mailbox: x.mailbox, Limit: x.limit} }

// step counts one expanded occurrence against the budget and checks the
// context now and then.
func (x *expansion) step() error {
	x.steps++
	if x.steps > stepsPerEvent*x.limit {
		return x.tooMany()
	}
	if x.steps%ctxEvery == 0 {
		return x.ctx.Err()
	}
	return nil
}

// add appends the occurrence of s starting at wall if it overlaps the window.
func (x *expansion) add(s *series, wall time.Time) error {
	e := s.proto
	e.Start = s.zone.toAbs(wall)
	e.End = s.zone.toAbs(wall.Add(s.wallDur))
	return x.addEvent(s, e)
}

func (x *expansion) addEvent(s *series, e Event) error {
	if !e.Overlaps(x.start, x.end) {
		return nil
	}
	if len(x.out) == x.limit {
		return x.tooMany()
	}
	if s.proto.IsRecurring && !s.proto.IsException {
		// Each occurrence gets its own ID, as an Exchange occurrence does.
		e.ID = s.uid + "/" + e.Start.UTC().Format(icsDateTimeUTC)
	}
	x.out = append(x.out, e)
	return nil
}

// events expands the calendar for [start, end) and returns the occurrences
// overlapping it, sorted. More than limit occurrences, or a window whose
// expansion passes its budget, is a *TooManyEventsError; ctx's error is
// returned when it is done.
func (c *icsCalendar) events(ctx context.Context, mailbox string, start, end time.Time, limit int) ([]Event, error) {
	x := &expansion{ctx: ctx, mailbox: mailbox, start: start, end: end, limit: limit}
	single := func(s *series) error {
		e := s.proto
		e.Start, e.End = s.absStart, s.absEnd
		return x.addEvent(s, e)
	}
	// Singles are sorted by start and none is longer than longItem.
	i, _ := slices.BinarySearchFunc(c.singles, start.Add(-longItem), func(s *series, t time.Time) int { return s.absStart.Compare(t) })
	for ; i < len(c.singles) && c.singles[i].absStart.Before(end); i++ {
		if err := single(c.singles[i]); err != nil {
			return nil, err
		}
	}
	for _, s := range c.long {
		if err := single(s); err != nil {
			return nil, err
		}
	}
	for _, s := range c.recurring {
		if !s.absStart.Before(end) || !s.absEnd.IsZero() && !s.absEnd.After(start) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := x.series(s); err != nil {
			return nil, err
		}
	}
	sortEvents(x.out)
	return x.out, nil
}

// series adds the occurrences of a recurring item near the window.
func (x *expansion) series(s *series) (err error) {
	// rrule-go has panicked on rules it accepted (fuzzing found two); a
	// rule that still does is the file's fault, not the server's.
	defer func() {
		if r := recover(); r != nil {
			err = &ParseError{UID: s.uid, Err: fmt.Errorf("RRULE cannot be expanded (%v)", r)}
		}
	}()
	// The series' own clock bounds the search; an occurrence starting up
	// to its length before the window still overlaps it.
	from := s.zone.toWall(x.start).Add(-s.wallDur - expandMargin)
	to := s.zone.toWall(x.end).Add(expandMargin)
	var seen map[time.Time]bool
	if len(s.rdates) > 0 {
		seen = map[time.Time]bool{}
	}
	emit := func(w time.Time) error {
		if w.Before(from) || w.After(to) || seen[w] {
			return nil
		}
		if seen != nil {
			seen[w] = true
		}
		abs := s.zone.toAbs(w).UTC()
		if s.exdates[abs] || s.overrides[abs] {
			return nil
		}
		return x.add(s, w)
	}
	switch {
	case s.rule == nil:
		if err := emit(s.wallStart); err != nil {
			return err
		}
	case !s.rule.dead(from):
		next := s.rule.iterator(from)
		var last time.Time
		for {
			w, ok := next()
			if !ok {
				if last.IsZero() {
					last = from
				}
				s.rule.exhausted(last.Add(time.Second))
				break
			}
			last = w
			if err := x.step(); err != nil {
				return err
			}
			if w.After(to) {
				break
			}
			if err := emit(w); err != nil {
				return err
			}
		}
	}
	for _, w := range s.rdates {
		if err := emit(w); err != nil {
			return err
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
