package calendar

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/teambition/rrule-go"
)

// Years rrule-go handles. Before year 1 its year tables index out of range
// (a panic found by FuzzParseICS); it stops at its MAXYEAR.
const (
	minRuleYear = 1
	maxRuleYear = rrule.MAXYEAR
)

// checkRuleYear refuses a wall time rrule-go cannot expand.
func checkRuleYear(what string, t time.Time) error {
	if y := t.Year(); y < minRuleYear || y > maxRuleYear {
		return fmt.Errorf("%s in year %d: recurrences are expanded for years %d to %d only", what, y, minRuleYear, maxRuleYear)
	}
	return nil
}

// recurrence is an RRULE ready to be expanded near any window. Rules
// without COUNT are entered at the period before the window, so a series
// begun in 1601 costs what a series begun last week costs; a COUNT rule is
// walked from its start, since only that counts its occurrences exactly.
type recurrence struct {
	// opt has every default rrule-go would take from DTSTART written out
	// (BYHOUR, BYMONTHDAY, …), so that moving Dtstart to the start of a
	// later period leaves the occurrences unchanged.
	opt rrule.ROption
	// counted is a COUNT rule, expanded from its first occurrence.
	counted bool

	// rrule-go looks for the next occurrence up to its MAXYEAR: a rule
	// whose filters can no longer match (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30)
	// spins for a tenth of a second each time it is asked. The first time
	// that happens, the series remembers it has nothing at or after
	// deadFrom and is not asked again there.
	mu       sync.Mutex
	deadFrom time.Time
}

// newRecurrence prepares opt (parsed from an RRULE, with Dtstart the first
// occurrence's wall time) for expansion.
func newRecurrence(opt rrule.ROption) (*recurrence, error) {
	if err := checkRuleYear("DTSTART", opt.Dtstart); err != nil {
		return nil, err
	}
	if !opt.Until.IsZero() && opt.Until.Year() > maxRuleYear {
		opt.Until = time.Time{}
	}
	if !opt.Until.IsZero() {
		if err := checkRuleYear("UNTIL", opt.Until); err != nil {
			return nil, err
		}
	}
	if opt.Interval < 1 {
		opt.Interval = 1
	}
	if err := hoursReachable(&opt); err != nil {
		return nil, err
	}
	if err := nthInRange(&opt); err != nil {
		return nil, err
	}
	opt.Dtstart = opt.Dtstart.Truncate(time.Second)
	explicitDefaults(&opt)
	// Validate once; each window builds its own rule, because rrule-go
	// writes to an RRule while iterating it (its length once a COUNT is
	// reached) and a Folder shares a parsed calendar between requests.
	if _, err := rrule.NewRRule(opt); err != nil {
		return nil, err
	}
	return &recurrence{opt: opt, counted: opt.Count > 0}, nil
}

// errNeverMatches is a rule whose BYHOUR the interval never reaches.
var errNeverMatches = errors.New("FREQ=HOURLY: the INTERVAL never reaches a BYHOUR value")

// hoursReachable refuses an hourly rule whose interval steps over every
// BYHOUR value (INTERVAL=2 from an even hour with BYHOUR=9): rrule-go's
// search for the next hour then loops forever.
func hoursReachable(o *rrule.ROption) error {
	if o.Freq != rrule.HOURLY || len(o.Byhour) == 0 {
		return nil
	}
	// From hour h0 the rule visits h0 + k·INTERVAL mod 24, days rolling
	// over: exactly the hours congruent to h0 modulo gcd(INTERVAL, 24).
	g := int(gcd(time.Duration(o.Interval), 24))
	for _, h := range o.Byhour {
		if ((h-o.Dtstart.Hour())%g+g)%g == 0 {
			return nil
		}
	}
	return errNeverMatches
}

// nthInRange refuses BYDAY ordinals past the period they count in
// (BYDAY=10FR in a month): rrule-go indexes out of its tables with them.
func nthInRange(o *rrule.ROption) error {
	limit := 0
	switch {
	case o.Freq == rrule.MONTHLY || o.Freq == rrule.YEARLY && len(o.Bymonth) > 0:
		limit = 5
	case o.Freq == rrule.YEARLY:
		limit = 53
	default:
		return nil // rrule-go ignores ordinals for shorter frequencies
	}
	for _, d := range o.Byweekday {
		if n := d.N(); n > limit || n < -limit {
			return fmt.Errorf("BYDAY ordinal %d outside -%d..%d", n, limit, limit)
		}
	}
	return nil
}

// explicitDefaults writes out the BYxxx values rrule-go (like RFC 5545)
// would otherwise take from DTSTART.
func explicitDefaults(o *rrule.ROption) {
	d := o.Dtstart
	if len(o.Byweekno) == 0 && len(o.Byyearday) == 0 && len(o.Bymonthday) == 0 && len(o.Byweekday) == 0 && len(o.Byeaster) == 0 {
		switch o.Freq {
		case rrule.YEARLY:
			if len(o.Bymonth) == 0 {
				o.Bymonth = []int{int(d.Month())}
			}
			o.Bymonthday = []int{d.Day()}
		case rrule.MONTHLY:
			o.Bymonthday = []int{d.Day()}
		case rrule.WEEKLY:
			o.Byweekday = []rrule.Weekday{weekdays[d.Weekday()]}
		}
	}
	if len(o.Byhour) == 0 && o.Freq < rrule.HOURLY {
		o.Byhour = []int{d.Hour()}
	}
	if len(o.Byminute) == 0 && o.Freq < rrule.MINUTELY {
		o.Byminute = []int{d.Minute()}
	}
	if len(o.Bysecond) == 0 && o.Freq < rrule.SECONDLY {
		o.Bysecond = []int{d.Second()}
	}
}

// weekdays are rrule-go's weekdays indexed by time.Weekday.
var weekdays = [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

// entry returns the start of the latest period of the rule that begins at
// or before from and is a whole number of intervals after the first
// occurrence's period; or the first occurrence itself when from is not
// past its period.
func entry(o *rrule.ROption, from time.Time) time.Time {
	d := o.Dtstart
	if !from.After(d) {
		return d
	}
	n := o.Interval
	var p time.Time
	switch o.Freq {
	case rrule.YEARLY:
		k := (from.Year() - d.Year()) / n
		p = time.Date(d.Year()+k*n, 1, 1, 0, 0, 0, 0, time.UTC)
	case rrule.MONTHLY:
		months := (from.Year()-d.Year())*12 + int(from.Month()) - int(d.Month())
		k := months / n
		p = time.Date(d.Year(), d.Month()+time.Month(k*n), 1, 0, 0, 0, 0, time.UTC)
	case rrule.WEEKLY:
		// Weeks start on WKST (rrule-go counts Monday as 0).
		back := (int(d.Weekday()) + 6 - o.Wkst.Day() + 7) % 7
		w0 := time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, time.UTC)
		k := int(seconds(w0, from) / (7 * 86400) / int64(n))
		p = w0.AddDate(0, 0, 7*k*n)
	case rrule.DAILY:
		d0 := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		k := int(seconds(d0, from) / 86400 / int64(n))
		p = d0.AddDate(0, 0, k*n)
	case rrule.HOURLY:
		h0 := d.Truncate(time.Hour)
		k := seconds(h0, from) / 3600 / int64(n)
		p = time.Unix(h0.Unix()+k*int64(n)*3600, 0).UTC()
	default:
		return d
	}
	if !p.After(d) {
		return d
	}
	return p
}

// seconds returns b-a in seconds; time.Duration cannot hold the centuries
// between an Outlook-era DTSTART and today.
func seconds(a, b time.Time) int64 { return b.Unix() - a.Unix() }

// iterator returns the rule's occurrences from near from onwards (it may
// yield a few earlier ones), and the time from which nothing is left if the
// rule is known to be exhausted there.
func (r *recurrence) iterator(from time.Time) rrule.Next {
	o := r.opt
	if !r.counted {
		o.Dtstart = entry(&o, from)
	}
	rr, err := rrule.NewRRule(o)
	if err != nil { // validated in newRecurrence
		return func() (time.Time, bool) { return time.Time{}, false }
	}
	return rr.Iterator()
}

// dead reports whether the rule is known to have no occurrence at or after t.
func (r *recurrence) dead(t time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.deadFrom.IsZero() && !t.Before(r.deadFrom)
}

// exhausted records that the rule has no occurrence after t.
func (r *recurrence) exhausted(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.deadFrom.IsZero() || t.Before(r.deadFrom) {
		r.deadFrom = t
	}
}
