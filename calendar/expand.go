package calendar

import (
	"time"
)

// expandMargin widens the wall-clock search window: wall clocks differ from
// UTC by at most 14 hours, plus a day for DST shifts.
const expandMargin = 38 * time.Hour

// events expands the calendar for [start, end) and returns the occurrences
// overlapping it, sorted. More than limit occurrences is a *TooManyEventsError.
func (c *icsCalendar) events(mailbox string, start, end time.Time, limit int) ([]Event, error) {
	var out []Event
	add := func(s *series, wall time.Time) error {
		e := s.proto
		e.Start = s.zone.toAbs(wall)
		e.End = s.zone.toAbs(wall.Add(s.wallDur))
		if !e.Overlaps(start, end) {
			return nil
		}
		if len(out) == limit {
			return &TooManyEventsError{Mailbox: mailbox, Limit: limit}
		}
		if s.proto.IsRecurring && !s.proto.IsException {
			// Each occurrence gets its own ID, as an Exchange occurrence does.
			e.ID = s.uid + "/" + e.Start.UTC().Format(icsDateTimeUTC)
		}
		out = append(out, e)
		return nil
	}
	for _, s := range c.series {
		if s.rule == nil && len(s.rdates) == 0 {
			if err := add(s, s.wallStart); err != nil {
				return nil, err
			}
			continue
		}
		// The series' own clock bounds the search; an occurrence starting up
		// to its length before the window still overlaps it.
		from := s.zone.toWall(start).Add(-s.wallDur - expandMargin)
		to := s.zone.toWall(end).Add(expandMargin)
		starts := []time.Time{s.wallStart}
		if s.rule != nil {
			s.ruleMu.Lock()
			starts = s.rule.Between(from, to, true)
			s.ruleMu.Unlock()
		}
		starts = append(starts, s.rdates...)
		seen := make(map[time.Time]bool, len(starts))
		for _, w := range starts {
			if w.Before(from) || w.After(to) || seen[w] {
				continue
			}
			seen[w] = true
			abs := s.zone.toAbs(w).UTC()
			if s.exdates[abs] || s.overrides[abs] {
				continue
			}
			if err := add(s, w); err != nil {
				return nil, err
			}
		}
	}
	sortEvents(out)
	return out, nil
}
