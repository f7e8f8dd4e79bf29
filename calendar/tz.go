package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/fedavail/fedavail/internal/winzones"
	"github.com/teambition/rrule-go"
)

// A zone converts between wall-clock times and instants. Recurrences are
// expanded on the wall clock (represented as time.Time values in UTC), so a
// 09:00 meeting stays at 09:00 across a DST change, whatever kind of zone
// the file uses.
type zone interface {
	// toAbs returns the instant at which the zone's clocks show wall.
	toAbs(wall time.Time) time.Time
	// toWall returns what the zone's clocks show at abs.
	toWall(abs time.Time) time.Time
}

// locZone is a zone backed by a Go location (an IANA zone, UTC, or the
// Folder's default for floating times).
type locZone struct{ loc *time.Location }

func (z locZone) toAbs(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), z.loc)
}

func (z locZone) toWall(t time.Time) time.Time {
	t = t.In(z.loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// ruleZone is a zone defined only by a VTIMEZONE's STANDARD and DAYLIGHT
// observances, for TZIDs that are not IANA names (Outlook writes Windows
// names such as "W. Europe Standard Time").
//
// Outlook's observances recur yearly from 1601. The transitions a request
// needs are those of the years its items fall in, so the rules are expanded
// lazily, zoneChunkYears at a time, when a time in those years is first
// converted; a zone shared by thousands of files (see sharedRuleZone) holds
// only the decades anyone asked about.
type ruleZone struct {
	// initial is the offset before the first onset.
	initial time.Duration
	// fixed are the onsets that need no expansion — observances without an
	// RRULE and RDATEs — sorted.
	fixed []onset
	// rules are the yearly observances, expanded per chunk.
	rules []zoneRule
	// chunks[k] holds the rules' onsets whose wall clock before the
	// transition falls in [zoneEpoch + k·zoneChunkYears, +zoneChunkYears),
	// sorted; nil until first needed. mu serializes their expansion
	// (rrule-go's RRule is not safe for concurrent iteration); reading a
	// chunk already made takes no lock.
	mu     sync.Mutex
	chunks [zoneChunks]atomic.Pointer[[]onset]
}

// zoneRule is one observance's RRULE, ready to be entered near any chunk
// (see recurrence), and the offsets it moves between.
type zoneRule struct {
	rec      *recurrence
	from, to time.Duration
}

type onset struct {
	at     time.Time     // instant of the transition
	wallAt time.Time     // wall clock (new offset) at the transition
	offset time.Duration // offset from UTC after it
}

// Rule-based transitions are expanded from zoneEpoch (Outlook starts its
// rules in 1601; nobody queries those centuries, and rrule-go gives up on
// such spans) up to vtzHorizon, zoneChunkYears at a time.
const (
	zoneEpoch      = 1970
	zoneChunkYears = 16
	zoneChunks     = (2200 - zoneEpoch + zoneChunkYears - 1) / zoneChunkYears
)

// vtzHorizon bounds how far VTIMEZONE rules are expanded.
var vtzHorizon = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

func (z *ruleZone) toAbs(w time.Time) time.Time {
	// The last onset whose new wall clock is not after w decides the offset.
	return w.Add(-z.offsetAt(w, func(o onset) time.Time { return o.wallAt }))
}

func (z *ruleZone) toWall(t time.Time) time.Time {
	t = t.UTC()
	return t.Add(z.offsetAt(t, func(o onset) time.Time { return o.at }))
}

// offsetAt returns the offset after the last onset whose key is not after t.
func (z *ruleZone) offsetAt(t time.Time, key func(onset) time.Time) time.Duration {
	best, ok := lastOnset(z.fixed, t, key)
	if len(z.rules) > 0 {
		// A key differs from the wall clock a chunk is cut by by a day at
		// most, so a t just before a chunk's start may need its first onset.
		for k := min(chunkOf(t.Add(48*time.Hour)), zoneChunks-1); k >= 0; k-- {
			if o, found := lastOnset(z.chunk(k), t, key); found {
				if !ok || !key(o).Before(key(best)) {
					best, ok = o, true
				}
				break
			}
		}
	}
	if !ok {
		return z.initial
	}
	return best.offset
}

// lastOnset returns the last of the sorted onsets whose key is not after t.
func lastOnset(onsets []onset, t time.Time, key func(onset) time.Time) (onset, bool) {
	i, _ := slices.BinarySearchFunc(onsets, t, func(o onset, t time.Time) int { return key(o).Compare(t) })
	for i < len(onsets) && key(onsets[i]).Equal(t) {
		i++
	}
	if i == 0 {
		return onset{}, false
	}
	return onsets[i-1], true
}

// chunkOf is the chunk whose years hold t (negative before zoneEpoch).
func chunkOf(t time.Time) int {
	d := t.Year() - zoneEpoch
	if d < 0 {
		return -1
	}
	return d / zoneChunkYears
}

// chunk returns the rules' onsets of chunk k, expanding them the first time.
func (z *ruleZone) chunk(k int) []onset {
	if p := z.chunks[k].Load(); p != nil {
		return *p
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if p := z.chunks[k].Load(); p != nil {
		return *p
	}
	lo := time.Date(zoneEpoch+k*zoneChunkYears, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := lo.AddDate(zoneChunkYears, 0, 0)
	if hi.After(vtzHorizon) {
		hi = vtzHorizon
	}
	var out []onset
	for _, r := range z.rules {
		out = append(out, r.onsets(lo, hi)...)
	}
	slices.SortFunc(out, func(a, b onset) int { return a.at.Compare(b.at) })
	z.chunks[k].Store(&out)
	return out
}

// onsets returns the rule's transitions whose wall clock before them is in
// [lo, hi), and at vtzHorizon itself. The rule is entered in the year
// before lo, not walked from its start.
func (r zoneRule) onsets(lo, hi time.Time) (out []onset) {
	// newRecurrence refused the rules rrule-go is known to choke on; one
	// that still makes it panic contributes no transitions rather than
	// taking the request down with it.
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	next := r.rec.iterator(lo)
	for {
		s, ok := next()
		if !ok || s.After(hi) || s.Equal(hi) && !hi.Equal(vtzHorizon) {
			return out
		}
		if s.Before(lo) {
			continue
		}
		at := s.Add(-r.from)
		out = append(out, onset{at: at, wallAt: at.Add(r.to), offset: r.to})
	}
}

// newRuleZone builds a zone from a VTIMEZONE component.
func newRuleZone(c *ical.Component) (*ruleZone, error) {
	z := &ruleZone{}
	var first time.Time
	for _, obs := range c.Children {
		if obs.Name != "STANDARD" && obs.Name != "DAYLIGHT" {
			continue
		}
		from, err := utcOffset(obs.Props.Get("TZOFFSETFROM"))
		if err != nil {
			return nil, err
		}
		to, err := utcOffset(obs.Props.Get("TZOFFSETTO"))
		if err != nil {
			return nil, err
		}
		p := obs.Props.Get(ical.PropDateTimeStart)
		if p == nil {
			return nil, fmt.Errorf("%s observance without DTSTART", obs.Name)
		}
		// The observance's DTSTART is local time before the transition.
		start, err := time.ParseInLocation("20060102T150405", p.Value, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("%s observance DTSTART: %w", obs.Name, err)
		}
		if first.IsZero() || start.Before(first) {
			first, z.initial = start, from
		}
		if rp := obs.Props.Get(ical.PropRecurrenceRule); rp != nil {
			if start.Year() < zoneEpoch {
				start = start.AddDate(zoneEpoch-start.Year(), 0, 0)
			}
			opt, err := ruleOption(rp.Value, start, locZone{time.FixedZone("", int(from/time.Second))})
			if err == nil && opt.Freq != rrule.YEARLY {
				// Zones change their offsets yearly at most; a daily or hourly
				// rule would make hundreds of thousands of onsets.
				err = errors.New("RRULE is not yearly")
			}
			var rec *recurrence
			if err == nil {
				rec, err = newRecurrence(*opt)
			}
			if err != nil {
				return nil, fmt.Errorf("%s observance: %w", obs.Name, err)
			}
			z.rules = append(z.rules, zoneRule{rec: rec, from: from, to: to})
		} else {
			at := start.Add(-from)
			z.fixed = append(z.fixed, onset{at: at, wallAt: at.Add(to), offset: to})
		}
		for _, rd := range obs.Props.Values("RDATE") {
			for _, v := range strings.Split(rd.Value, ",") {
				if t, err := time.ParseInLocation("20060102T150405", v, time.UTC); err == nil {
					at := t.Add(-from)
					z.fixed = append(z.fixed, onset{at: at, wallAt: at.Add(to), offset: to})
				}
			}
		}
	}
	if len(z.fixed) == 0 && len(z.rules) == 0 {
		return nil, fmt.Errorf("VTIMEZONE without observances")
	}
	slices.SortFunc(z.fixed, func(a, b onset) int { return a.at.Compare(b.at) })
	return z, nil
}

// utcOffset parses a UTC-OFFSET value: "+0100", "-0500", "+053000".
func utcOffset(p *ical.Prop) (time.Duration, error) {
	if p == nil {
		return 0, fmt.Errorf("observance without TZOFFSETFROM or TZOFFSETTO")
	}
	v := strings.TrimSpace(p.Value)
	if (len(v) != 5 && len(v) != 7) || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("bad UTC offset %q", v)
	}
	var h, m, s int
	if _, err := fmt.Sscanf(v[1:5], "%02d%02d", &h, &m); err != nil || h > 23 || m > 59 {
		return 0, fmt.Errorf("bad UTC offset %q", v)
	}
	if len(v) == 7 {
		if _, err := fmt.Sscanf(v[5:], "%02d", &s); err != nil || s > 59 {
			return 0, fmt.Errorf("bad UTC offset %q", v)
		}
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	if v[0] == '-' {
		d = -d
	}
	return d, nil
}

// ruleOption parses an RRULE value for expansion on the wall clock from
// wallStart. An UNTIL in UTC is converted to z's wall clock.
func ruleOption(value string, wallStart time.Time, z zone) (*rrule.ROption, error) {
	opt, err := rrule.StrToROptionInLocation(value, time.UTC)
	if err != nil {
		return nil, err
	}
	if opt.Freq == rrule.SECONDLY || opt.Freq == rrule.MINUTELY {
		// Exchange has no such recurrences, and they would make a window's
		// expansion cost millions of steps.
		return nil, fmt.Errorf("unsupported RRULE frequency %v", opt.Freq)
	}
	if !opt.Until.IsZero() && untilIsUTC(value) {
		opt.Until = z.toWall(opt.Until)
	}
	opt.Dtstart = wallStart
	return opt, nil
}

func untilIsUTC(rule string) bool {
	for _, part := range strings.Split(strings.ToUpper(rule), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "UNTIL="); ok {
			return strings.HasSuffix(v, "Z")
		}
	}
	return false
}

// zoneSet resolves TZID parameters for one file.
type zoneSet struct {
	floating zone
	vtz      map[string]*ical.Component
	cache    map[string]zone
}

func newZoneSet(cal *ical.Calendar, floating *time.Location) *zoneSet {
	zs := &zoneSet{floating: locZone{floating}, vtz: map[string]*ical.Component{}, cache: map[string]zone{}}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			if id, err := c.Props.Text(ical.PropTimezoneID); err == nil && id != "" {
				zs.vtz[id] = c
			}
		}
	}
	return zs
}

// lookup resolves a TZID: an IANA name (also inside a path, as Mozilla's
// "/mozilla.org/20050126_1/Europe/London"), the VTIMEZONE's
// X-LIC-LOCATION, or else the VTIMEZONE's own rules; without a VTIMEZONE,
// a Windows zone ID through CLDR's table ("W. Europe Standard Time" is
// Europe/Berlin).
func (zs *zoneSet) lookup(tzid string) (zone, error) {
	if z, ok := zs.cache[tzid]; ok {
		return z, nil
	}
	z, err := zs.resolve(tzid)
	if err != nil {
		return nil, err
	}
	zs.cache[tzid] = z
	return z, nil
}

func (zs *zoneSet) resolve(tzid string) (zone, error) {
	if loc := loadIANA(tzid); loc != nil {
		return locZone{loc}, nil
	}
	c := zs.vtz[tzid]
	if c == nil {
		// Outlook and Exchange exports name Windows zones and sometimes
		// leave out the VTIMEZONE: CLDR's table maps them.
		if loc := loadIANA(winzones.IANA(tzid)); loc != nil {
			return locZone{loc}, nil
		}
		return nil, fmt.Errorf("unknown time zone %q and no VTIMEZONE for it", tzid)
	}
	if p := c.Props.Get("X-LIC-LOCATION"); p != nil {
		if loc := loadIANA(p.Value); loc != nil {
			return locZone{loc}, nil
		}
	}
	z, err := sharedRuleZone(c)
	if err != nil {
		return nil, fmt.Errorf("VTIMEZONE %q: %w", tzid, err)
	}
	return z, nil
}

// ruleZones holds every distinct VTIMEZONE definition turned into rules,
// shared by all files: Outlook writes the same few definitions into every
// calendar, and expanding one costs more than parsing the rest of a file.
var ruleZones = struct {
	sync.Mutex
	m map[string]*ruleZone
}{m: map[string]*ruleZone{}}

// maxRuleZones bounds ruleZones (a definition keeps about 1.8 KB of onsets
// per 16 years anyone asked about, 26 KB for all of 1970 to 2200): past it,
// definitions are built per file.
const maxRuleZones = 512

// sharedRuleZone returns the zone of c's definition, built once.
func sharedRuleZone(c *ical.Component) (*ruleZone, error) {
	key := definitionKey(c)
	ruleZones.Lock()
	z := ruleZones.m[key]
	ruleZones.Unlock()
	if z != nil {
		return z, nil
	}
	z, err := newRuleZone(c)
	if err != nil {
		return nil, err
	}
	ruleZones.Lock()
	if len(ruleZones.m) < maxRuleZones {
		ruleZones.m[key] = z
	}
	ruleZones.Unlock()
	return z, nil
}

// definitionKey is what newRuleZone reads of c: the observances' kinds,
// offsets, starts, rules and dates, not the TZID.
func definitionKey(c *ical.Component) string {
	var b strings.Builder
	for _, obs := range c.Children {
		if obs.Name != "STANDARD" && obs.Name != "DAYLIGHT" {
			continue
		}
		b.WriteString(obs.Name)
		for _, name := range []string{"TZOFFSETFROM", "TZOFFSETTO", ical.PropDateTimeStart, ical.PropRecurrenceRule} {
			b.WriteByte(0)
			if p := obs.Props.Get(name); p != nil {
				b.WriteString(p.Value)
			}
		}
		for _, rd := range obs.Props.Values("RDATE") {
			b.WriteByte(1)
			b.WriteString(rd.Value)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func loadIANA(name string) *time.Location {
	name = strings.TrimSpace(name)
	// time.LoadLocation also reads files; keep to what zone names look like.
	if name == "" || strings.Contains(name, "..") || strings.ContainsAny(name, " \\") {
		return nil
	}
	parts := strings.Split(strings.Trim(name, "/"), "/")
	for i := 0; i < len(parts) && i < 3; i++ {
		if loc, err := time.LoadLocation(strings.Join(parts[len(parts)-1-i:], "/")); err == nil && loc != time.Local {
			return loc
		}
	}
	return nil
}
