package calendar

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
)

// icsCalendar is a parsed iCalendar file, ready to be expanded for any
// window. Items are indexed by time, so that a window costs what the items
// near it cost, not what the whole calendar holds.
type icsCalendar struct {
	// singles are the items that do not recur (overrides included) and
	// last at most longItem, sorted by start.
	singles []*series
	// long are the other single items, tested one by one.
	long []*series
	// recurring are the series, each bounded by its first and last instant.
	recurring []*series
	// size estimates the bytes the calendar keeps alive (see [Folder]).
	size int64
	// empty is a file with neither VEVENT nor VFREEBUSY: nothing to show.
	empty bool
}

// longItem is the length above which a single item is kept out of the
// sorted index: the index looks back this far before a window's start.
const longItem = 7 * 24 * time.Hour

// series is one VEVENT: a recurring series, a single item, or an override
// of one occurrence. Times are on the wall clock of zone (see [zone]).
type series struct {
	proto     Event // everything but the times
	uid       string
	zone      zone
	wallStart time.Time
	wallDur   time.Duration
	// absStart and absEnd are the instants of a single item, and for a
	// series the first start and the last end (zero when unbounded).
	absStart, absEnd time.Time
	rule             *recurrence // nil unless recurring
	rdates           []time.Time // extra wall-clock starts (RDATE)
	exdates          map[time.Time]bool
	// overrides are the occurrences a RECURRENCE-ID replaced, keyed by the
	// original occurrence's instant in UTC. The override itself is a series
	// of its own in icsCalendar.series (unless cancelled).
	overrides map[time.Time]bool
	cancelled bool
	// recurrenceID is the replaced occurrence's instant for an override.
	recurrenceID time.Time
}

// parseICS parses an iCalendar stream. floating is the zone of times without
// TZID and of all-day items; nil means UTC.
func parseICS(data []byte, floating *time.Location) (cal *icsCalendar, err error) {
	// go-ical and rrule-go are robust, but the input is a file anyone with
	// write access to the folder controls: a panic must not take the server
	// down with it.
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, &ParseError{Err: fmt.Errorf("invalid iCalendar data (%v)", r)}
		}
	}()
	if floating == nil {
		floating = time.UTC
	}
	ic, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, &ParseError{Err: err}
	}
	zs := newZoneSet(ic, floating)
	var all []*series
	masters := map[string]*series{}
	var overrides []*series
	usable := 0
	for _, c := range ic.Children {
		if c.Name == ical.CompFreeBusy {
			usable++
			periods, err := parseFreeBusy(c, zs)
			if err != nil {
				uid, _ := c.Props.Text(ical.PropUID)
				return nil, &ParseError{UID: uid, Err: err}
			}
			all = append(all, periods...)
			continue
		}
		if c.Name != ical.CompEvent {
			continue
		}
		usable++
		s, err := parseEvent(c, zs)
		if err != nil {
			return nil, &ParseError{UID: s.uid, Err: err}
		}
		switch {
		case !s.recurrenceID.IsZero():
			overrides = append(overrides, s)
			continue
		case s.rule != nil || len(s.rdates) > 0:
			if s.uid != "" {
				masters[s.uid] = s
			}
		}
		if !s.cancelled {
			all = append(all, s)
		}
	}
	// An override replaces its master's occurrence; one without a master in
	// the file stands alone, as Exchange shows an orphaned exception.
	for _, o := range overrides {
		if m := masters[o.uid]; m != nil {
			if m.overrides == nil {
				m.overrides = map[time.Time]bool{}
			}
			m.overrides[o.recurrenceID] = true
			o.proto.IsRecurring, o.proto.IsException = true, true
		}
		if !o.cancelled {
			all = append(all, o)
		}
	}
	cal = index(all, len(data))
	cal.empty = usable == 0
	return cal, nil
}

// parseFreeBusy reads a VFREEBUSY component (Google's and CalDAV servers'
// free/busy exports) as one item per FREEBUSY period: FBTYPE BUSY (the
// default, and any unknown type, as RFC 5545 asks) is Busy, BUSY-TENTATIVE
// Tentative, BUSY-UNAVAILABLE ("cannot be scheduled") OOF, the nearest
// Exchange status; FREE is left out.
func parseFreeBusy(c *ical.Component, zs *zoneSet) ([]*series, error) {
	var out []*series
	for _, p := range c.Props.Values(ical.PropFreeBusy) {
		var b BusyType
		switch fb := strings.ToUpper(strings.TrimSpace(p.Params.Get(ical.ParamFreeBusyType))); fb {
		case "", "BUSY":
			b = Busy
		case "BUSY-TENTATIVE":
			b = Tentative
		case "BUSY-UNAVAILABLE":
			b = OOF
		case "FREE":
			continue
		default:
			// RFC 5545: an unknown FBTYPE is to be treated as BUSY.
			b = Busy
		}
		for _, v := range strings.Split(p.Value, ",") {
			from, to, ok := strings.Cut(strings.TrimSpace(v), "/")
			if !ok {
				return nil, fmt.Errorf("FREEBUSY %q is not a period", v)
			}
			one := p
			one.Value = from
			w, z, _, err := wallTime(&one, zs)
			if err != nil {
				return nil, fmt.Errorf("FREEBUSY: %w", err)
			}
			s := &series{zone: z, wallStart: w}
			s.proto.BusyType = b
			if strings.HasPrefix(to, "P") || strings.HasPrefix(to, "+P") {
				dur := ical.NewProp(ical.PropDuration)
				dur.Value = to
				if s.wallDur, err = dur.Duration(); err != nil {
					return nil, fmt.Errorf("FREEBUSY: %w", err)
				}
			} else {
				one.Value = to
				we, ze, _, err := wallTime(&one, zs)
				if err != nil {
					return nil, fmt.Errorf("FREEBUSY: %w", err)
				}
				s.wallDur = ze.toAbs(we).Sub(z.toAbs(w))
			}
			if s.wallDur < 0 {
				return nil, fmt.Errorf("FREEBUSY period %q ends before it starts", v)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// parseEvent reads one VEVENT. The returned series is never nil, so that
// errors can name its UID.
func parseEvent(c *ical.Component, zs *zoneSet) (*series, error) {
	s := &series{}
	s.uid, _ = c.Props.Text(ical.PropUID)
	startProp := c.Props.Get(ical.PropDateTimeStart)
	if startProp == nil {
		return s, fmt.Errorf("no DTSTART")
	}
	var err error
	var allDay bool
	s.wallStart, s.zone, allDay, err = wallTime(startProp, zs)
	if err != nil {
		return s, fmt.Errorf("DTSTART: %w", err)
	}
	switch endProp, durProp := c.Props.Get(ical.PropDateTimeEnd), c.Props.Get(ical.PropDuration); {
	case endProp != nil:
		wallEnd, endZone, _, err := wallTime(endProp, zs)
		if err != nil {
			return s, fmt.Errorf("DTEND: %w", err)
		}
		// DTEND may be in another zone than DTSTART: compare as instants,
		// then keep the length on DTSTART's wall clock.
		s.wallDur = endZone.toAbs(wallEnd).Sub(s.zone.toAbs(s.wallStart))
	case durProp != nil:
		if s.wallDur, err = durProp.Duration(); err != nil {
			return s, fmt.Errorf("DURATION: %w", err)
		}
	case allDay:
		s.wallDur = 24 * time.Hour
	}
	if s.wallDur < 0 {
		return s, fmt.Errorf("ends before it starts")
	}
	if rp := c.Props.Get(ical.PropRecurrenceRule); rp != nil {
		opt, err := ruleOption(rp.Value, s.wallStart, s.zone)
		if err == nil {
			s.rule, err = newRecurrence(*opt)
		}
		if err != nil {
			return s, fmt.Errorf("RRULE: %w", err)
		}
	}
	for _, p := range c.Props.Values(ical.PropRecurrenceDates) {
		ts, err := wallTimes(&p, zs, s.zone)
		if err != nil {
			return s, fmt.Errorf("RDATE: %w", err)
		}
		s.rdates = append(s.rdates, ts...)
	}
	for _, p := range c.Props.Values(ical.PropExceptionDates) {
		ts, err := wallTimes(&p, zs, s.zone)
		if err != nil {
			return s, fmt.Errorf("EXDATE: %w", err)
		}
		if s.exdates == nil {
			s.exdates = map[time.Time]bool{}
		}
		for _, t := range ts {
			s.exdates[s.zone.toAbs(t).UTC()] = true
		}
	}
	if p := c.Props.Get(ical.PropRecurrenceID); p != nil {
		w, z, _, err := wallTime(p, zs)
		if err != nil {
			return s, fmt.Errorf("RECURRENCE-ID: %w", err)
		}
		s.recurrenceID = z.toAbs(w).UTC()
	}
	s.cancelled, s.proto.BusyType, err = busyType(c)
	if err != nil {
		return s, err
	}
	s.proto.ID = s.uid
	s.proto.Subject, _ = c.Props.Text(ical.PropSummary)
	s.proto.Location, _ = c.Props.Text(ical.PropLocation)
	if class, _ := c.Props.Text(ical.PropClass); strings.EqualFold(class, "PRIVATE") || strings.EqualFold(class, "CONFIDENTIAL") {
		s.proto.IsPrivate = true
	}
	s.proto.IsMeeting = len(c.Props.Values(ical.PropAttendee)) > 0
	s.proto.IsRecurring = s.rule != nil || len(s.rdates) > 0
	for _, child := range c.Children {
		if child.Name == ical.CompAlarm {
			s.proto.IsReminderSet = true
		}
	}
	return s, nil
}

// busyType maps STATUS, TRANSP and Outlook's X-MICROSOFT-CDO-BUSYSTATUS
// (which carries OOF and WorkingElsewhere, unknown to iCalendar) to a busy type.
func busyType(c *ical.Component) (cancelled bool, b BusyType, err error) {
	status, _ := c.Props.Text(ical.PropStatus)
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "CANCELLED":
		return true, Free, nil
	case "TENTATIVE":
		b = Tentative
	case "", "CONFIRMED":
		b = Busy
	default:
		return false, 0, fmt.Errorf("unknown STATUS %q", status)
	}
	if transp, _ := c.Props.Text(ical.PropTransparency); strings.EqualFold(strings.TrimSpace(transp), "TRANSPARENT") {
		b = Free
	}
	if cdo, _ := c.Props.Text("X-MICROSOFT-CDO-BUSYSTATUS"); cdo != "" {
		switch strings.ToUpper(strings.TrimSpace(cdo)) {
		case "FREE":
			b = Free
		case "TENTATIVE":
			b = Tentative
		case "BUSY":
			b = Busy
		case "OOF":
			b = OOF
		case "WORKINGELSEWHERE":
			b = WorkingElsewhere
		}
	}
	return false, b, nil
}

const (
	icsDate        = "20060102"
	icsDateTime    = "20060102T150405"
	icsDateTimeUTC = "20060102T150405Z"
	valueTypeDate  = "DATE"
)

// wallTime reads a DATE or DATE-TIME property as a wall-clock time and the
// zone it is in. UTC times are wall times of the UTC zone.
func wallTime(p *ical.Prop, zs *zoneSet) (time.Time, zone, bool, error) {
	v := strings.TrimSpace(p.Value)
	if strings.EqualFold(p.Params.Get(ical.ParamValue), valueTypeDate) || len(v) == len(icsDate) {
		t, err := time.ParseInLocation(icsDate, v, time.UTC)
		return t, zs.floating, true, err
	}
	if strings.HasSuffix(v, "Z") {
		t, err := time.ParseInLocation(icsDateTimeUTC, v, time.UTC)
		return t, locZone{time.UTC}, false, err
	}
	t, err := time.ParseInLocation(icsDateTime, v, time.UTC)
	if err != nil {
		return t, nil, false, err
	}
	if tzid := p.Params.Get(ical.PropTimezoneID); tzid != "" {
		z, err := zs.lookup(tzid)
		return t, z, false, err
	}
	return t, zs.floating, false, nil
}

// wallTimes reads a comma-separated EXDATE or RDATE list as wall times of
// want's clock, converting values given in another zone.
func wallTimes(p *ical.Prop, zs *zoneSet, want zone) ([]time.Time, error) {
	var out []time.Time
	for _, v := range strings.Split(p.Value, ",") {
		if strings.Contains(v, "/") {
			return nil, fmt.Errorf("periods are not supported")
		}
		one := *p
		one.Value = v
		w, z, _, err := wallTime(&one, zs)
		if err != nil {
			return nil, err
		}
		if z != want {
			w = want.toWall(z.toAbs(w))
		}
		out = append(out, w)
	}
	return out, nil
}
