package ews

import (
	"fmt"
	"strings"
	"time"
)

// SerializableTimeZone is the legacy time zone of availability requests and
// working hours (t:SerializableTimeZone): a bias and, for zones with daylight
// saving time, two yearly transition rules in the style of Windows'
// TIME_ZONE_INFORMATION. All biases are minutes to add to local time to get
// UTC, so zones east of Greenwich have negative biases.
type SerializableTimeZone struct {
	// Bias is the standard offset: UTC = local + Bias (Pacific: 480).
	Bias int `xml:"Bias"`
	// StandardTime is when daylight saving time ends; its Bias is added to
	// Bias during standard time (normally 0).
	StandardTime TimeZoneTime `xml:"StandardTime"`
	// DaylightTime is when daylight saving time starts; its Bias is added to
	// Bias during daylight saving time (normally -60).
	DaylightTime TimeZoneTime `xml:"DaylightTime"`
}

// TimeZoneTime is a yearly transition rule (t:SerializableTimeZoneTime):
// "the DayOrder-th DayOfWeek of Month at Time", local time before the
// transition. Month 0 means the zone has no such transition.
type TimeZoneTime struct {
	Bias int `xml:"Bias"`
	// Time is "hh:mm:ss".
	Time string `xml:"Time"`
	// DayOrder is 1–4 for the first to fourth, 5 for the last.
	DayOrder int `xml:"DayOrder"`
	Month    int `xml:"Month"`
	// DayOfWeek is an English day name ("Sunday").
	DayOfWeek string `xml:"DayOfWeek"`
	// Year, if set, limits the rule to one year (rarely sent).
	Year string `xml:"Year,omitempty"`
}

// HasDST reports whether the zone has daylight saving time.
func (z *SerializableTimeZone) HasDST() bool {
	return z.StandardTime.Month != 0 && z.DaylightTime.Month != 0 && z.DaylightTime.Bias != z.StandardTime.Bias
}

// TimeZoneFor describes loc's rules in force during the given year as a
// SerializableTimeZone. Zones whose rules cannot be written as two yearly
// transitions (a one-off change of standard offset, several changes a year)
// are described by their offset at the start of the year, or of the first
// period of daylight saving time. A nil loc means UTC.
func TimeZoneFor(loc *time.Location, year int) SerializableTimeZone {
	if loc == nil {
		loc = time.UTC
	}
	start := time.Date(year, time.January, 1, 0, 0, 0, 0, loc)
	end := time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc)
	trans := transitions(start, end)
	_, off0 := start.Zone()
	noDST := SerializableTimeZone{
		Bias:         -off0 / 60,
		StandardTime: TimeZoneTime{Time: "00:00:00", DayOfWeek: "Sunday"},
		DaylightTime: TimeZoneTime{Time: "00:00:00", DayOfWeek: "Sunday"},
	}
	if len(trans) != 2 {
		return noDST
	}
	// Daylight saving time is the period with the larger offset, whatever
	// the zone database calls it: Europe/Dublin's winter time is flagged as
	// daylight saving (a negative save), but Windows and Exchange see it as
	// standard time.
	a, b := trans[0], trans[1]
	toDST, toStd := a, b
	if a.offAfter < b.offAfter {
		toDST, toStd = b, a
	}
	std, dst := toStd.offAfter, toDST.offAfter
	if toDST.offBefore != std || toStd.offBefore != dst {
		return noDST
	}
	return SerializableTimeZone{
		Bias:         -std / 60,
		StandardTime: ruleAt(toStd.at, dst, 0),
		DaylightTime: ruleAt(toDST.at, std, -(dst-std)/60),
	}
}

// transition is one change of UTC offset.
type transition struct {
	at                  time.Time
	offBefore, offAfter int
}

// transitions finds the offset changes in [start, end) by probing every 12
// hours and bisecting to the second. Go does not expose a zone's rules, but
// every real-world zone keeps an offset for far longer than 12 hours.
func transitions(start, end time.Time) []transition {
	var out []transition
	const step = 12 * time.Hour
	_, prev := start.Zone()
	for t := start; t.Before(end); {
		next := t.Add(step)
		if next.After(end) {
			next = end
		}
		_, off := next.Zone()
		if off != prev {
			lo, hi := t.Unix(), next.Unix() // offset at lo is prev, at hi is off
			for hi-lo > 1 {
				mid := lo + (hi-lo)/2
				if _, o := time.Unix(mid, 0).In(start.Location()).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, transition{at: time.Unix(hi, 0).UTC(), offBefore: prev, offAfter: off})
			if len(out) > 2 {
				return out
			}
			prev = off
		}
		t = next
	}
	return out
}

// ruleAt expresses the instant at (UTC) as a yearly rule in the local time
// of offset offBefore (seconds east of UTC) that was in force before it.
func ruleAt(at time.Time, offBefore, bias int) TimeZoneTime {
	local := at.Add(time.Duration(offBefore) * time.Second)
	order := (local.Day()-1)/7 + 1
	if local.Day()+7 > daysIn(local.Month(), local.Year()) {
		order = 5 // the last such weekday of the month, which is how rules say it
	}
	return TimeZoneTime{
		Bias:      bias,
		Time:      fmt.Sprintf("%02d:%02d:%02d", local.Hour(), local.Minute(), local.Second()),
		DayOrder:  order,
		Month:     int(local.Month()),
		DayOfWeek: local.Weekday().String(),
	}
}

// Transition returns when, in the given year, the rule r takes effect, as a
// UTC instant, given the offset (seconds east of UTC) in force before it.
// ok is false for a rule without a transition or with invalid fields.
func (r TimeZoneTime) Transition(year, offBefore int) (t time.Time, ok bool) {
	if r.Month < 1 || r.Month > 12 || r.DayOrder < 1 || r.DayOrder > 5 {
		return time.Time{}, false
	}
	wd, ok := parseWeekday(r.DayOfWeek)
	if !ok {
		return time.Time{}, false
	}
	secs, ok := parseClock(r.Time)
	if !ok {
		return time.Time{}, false
	}
	if r.Year != "" {
		var y int
		if _, err := fmt.Sscanf(r.Year, "%d", &y); err == nil && y != year {
			return time.Time{}, false
		}
	}
	m := time.Month(r.Month)
	first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	day := 1 + (int(wd)-int(first.Weekday())+7)%7 + 7*(r.DayOrder-1)
	for day > daysIn(m, year) {
		day -= 7
	}
	local := time.Date(year, m, day, 0, 0, 0, 0, time.UTC).Add(time.Duration(secs) * time.Second)
	return local.Add(-time.Duration(offBefore) * time.Second), true
}

// parseClock reads "hh:mm" or "hh:mm:ss" (with optional fraction) as seconds.
func parseClock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	total := 0
	for i, p := range parts {
		n, ok := digits([]byte(p))
		if !ok || len(p) == 0 || len(p) > 2 || (i == 0 && n > 24) || (i > 0 && n > 59) {
			return 0, false
		}
		total = total*60 + n
	}
	if len(parts) == 2 {
		total *= 60
	}
	return total, true
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

func parseWeekday(s string) (time.Weekday, bool) {
	wd, ok := weekdays[strings.ToLower(strings.TrimSpace(s))]
	return wd, ok
}

// Offset returns the UTC offset, in seconds east of UTC, that the zone has at
// the instant t, and whether daylight saving time is in force.
func (z *SerializableTimeZone) Offset(t time.Time) (offset int, dst bool) {
	std := -(z.Bias + z.StandardTime.Bias) * 60
	if !z.HasDST() {
		return -z.Bias * 60, false
	}
	dstOff := -(z.Bias + z.DaylightTime.Bias) * 60
	y := t.UTC().Year()
	start, ok1 := z.DaylightTime.Transition(y, std)
	end, ok2 := z.StandardTime.Transition(y, dstOff)
	if !ok1 || !ok2 {
		return std, false
	}
	u := t.UTC()
	var in bool
	if start.Before(end) { // northern hemisphere: DST inside the year
		in = !u.Before(start) && u.Before(end)
	} else { // southern hemisphere: DST across the new year
		in = !u.Before(start) || u.Before(end)
	}
	if in {
		return dstOff, true
	}
	return std, false
}
