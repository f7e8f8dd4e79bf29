package calendar

import (
	"fmt"
	"time"
)

// Quality is how good a suggested meeting time is.
type Quality int

// Suggestion qualities, worst first, so that a zero MinQuality accepts all.
const (
	Poor Quality = iota
	Fair
	Good
	Excellent
)

var qualityNames = [...]string{"Poor", "Fair", "Good", "Excellent"}

// String returns the EWS name of q (SuggestionQuality).
func (q Quality) String() string { return enumString(qualityNames[:], q, "Quality") }

// ParseQuality parses an EWS suggestion quality name, ignoring case.
func ParseQuality(s string) (Quality, error) {
	return parseEnum[Quality](qualityNames[:], s, "suggestion quality")
}

// Attendee is one participant of a meeting to suggest times for.
type Attendee struct {
	// Events are the attendee's items in the suggestions window (any order).
	Events []Event
	// WorkingHours are the attendee's working hours; nil means unknown, and
	// the attendee then does not decide what is work time.
	WorkingHours *WorkingHours
	// ExcludeConflicts drops every time at which this attendee is not
	// available, instead of merely lowering its quality (EWS ExcludeConflicts,
	// typically set for a room that must be free).
	ExcludeConflicts bool
}

// SuggestionOptions configure [Suggest]. Zero fields take EWS's defaults.
type SuggestionOptions struct {
	// Start and End are the window to suggest times in (EWS
	// DetailedSuggestionsWindow).
	Start, End time.Time
	// Location is the zone that days are counted in; nil means UTC.
	Location *time.Location
	// Duration is the meeting's length; 0 means 60 minutes.
	Duration time.Duration
	// Interval is the step between candidate start times; 0 means 30 minutes.
	Interval time.Duration
	// GoodThreshold is the largest percentage of attendees with a conflict
	// at which a time is still Good (1–49); 0 means 25.
	GoodThreshold int
	// MaxResultsPerDay caps the suggestions in working hours per day; 0
	// means 10.
	MaxResultsPerDay int
	// MaxNonWorkHourResultsPerDay caps the suggestions outside working
	// hours per day; 0 means none.
	MaxNonWorkHourResultsPerDay int
	// MinQuality drops worse suggestions; the zero value, Poor, keeps all.
	MinQuality Quality
}

// DaySuggestions are the suggestions of one day.
type DaySuggestions struct {
	// Date is the day's local midnight in SuggestionOptions.Location.
	Date time.Time
	// Quality is the best quality among the day's suggestions, Poor if none.
	Quality Quality
	// Suggestions are in chronological order.
	Suggestions []Suggestion
}

// Suggestion is one suggested meeting time.
type Suggestion struct {
	// Start is when the meeting would start.
	Start time.Time
	// IsWorkTime is true when the meeting lies in the working hours of every
	// attendee whose working hours are known (and at least one is).
	IsWorkTime bool
	// Quality rates the time; see [Suggest].
	Quality Quality
	// Status holds, per attendee in order, the strongest status of the
	// attendee's items during the meeting (Free if none).
	Status []BusyType
}

// isConflict reports whether an attendee with status b cannot attend.
// WorkingElsewhere and NoData do not count: the person may still join.
func isConflict(b BusyType) bool { return b == Tentative || b == Busy || b == OOF }

// Suggest rates every candidate meeting time in the window (one every
// Interval, each Duration long, not running past End) and returns the best
// ones per day.
//
// Quality follows Exchange's definition from the share of attendees with a
// conflict (Tentative, Busy or OOF) during the meeting: none is Excellent;
// at most GoodThreshold percent is Good; at most 50 percent is Fair; more is
// Poor. Each day keeps at most MaxResultsPerDay work-time suggestions and
// MaxNonWorkHourResultsPerDay others, best quality first, earliest first
// among equals, then lists them chronologically.
//
// The cost is linear in the attendees' items plus the candidate times: each
// attendee's items are swept once into per-status occupancy prefix sums at
// the granularity of gcd(Duration, Interval), after which every candidate's
// strongest status is a constant-time lookup.
func Suggest(attendees []Attendee, opts SuggestionOptions) ([]DaySuggestions, error) {
	o := opts.withDefaults()
	if o.GoodThreshold < 1 || o.GoodThreshold > 49 {
		return nil, fmt.Errorf("calendar: good threshold %d is outside 1–49", o.GoodThreshold)
	}
	if o.Duration%time.Minute != 0 || o.Interval%time.Minute != 0 {
		return nil, fmt.Errorf("calendar: meeting duration and interval must be whole minutes")
	}
	grain := gcd(o.Duration, o.Interval)
	n, err := intervals(o.Start, o.End, grain)
	if err != nil {
		return nil, err
	}
	occupied := make([][numRanks][]int32, len(attendees))
	for i := range attendees {
		occupied[i] = occupancy(statusCounts(attendees[i].Events, o.Start, grain, n), n)
	}
	perMeeting := int(o.Duration / grain)
	step := int(o.Interval / grain)

	days := o.days()
	d := 0
	var cands []Suggestion
	flush := func() {
		days[d].Suggestions, days[d].Quality = pick(cands, o)
		cands = cands[:0]
	}
	for first := 0; first+perMeeting <= n; first += step {
		t := o.Start.Add(time.Duration(first) * grain)
		for d+1 < len(days) && !t.Before(days[d+1].Date) {
			flush()
			d++
		}
		s, ok := rate(attendees, occupied, first, first+perMeeting, t, o)
		if ok {
			cands = append(cands, s)
		}
	}
	flush()
	return days, nil
}

func (o SuggestionOptions) withDefaults() SuggestionOptions {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Duration == 0 {
		o.Duration = time.Hour
	}
	if o.Interval == 0 {
		o.Interval = 30 * time.Minute
	}
	if o.GoodThreshold == 0 {
		o.GoodThreshold = 25
	}
	if o.MaxResultsPerDay == 0 {
		o.MaxResultsPerDay = 10
	}
	return o
}

// days returns one entry per local day the window touches.
func (o SuggestionOptions) days() []DaySuggestions {
	s := o.Start.In(o.Location)
	day := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, o.Location)
	var out []DaySuggestions
	for ; day.Before(o.End); day = day.AddDate(0, 0, 1) {
		out = append(out, DaySuggestions{Date: day})
	}
	return out
}

// occupancy turns difference arrays into prefix sums of occupied slots:
// p[r][j] is how many of the first j slots have an item of rank r.
func occupancy(counts [numRanks][]int, n int) [numRanks][]int32 {
	var p [numRanks][]int32
	for r := 1; r < numRanks; r++ {
		p[r] = make([]int32, n+1)
		active := 0
		for j := 0; j < n; j++ {
			active += counts[r][j]
			p[r][j+1] = p[r][j]
			if active > 0 {
				p[r][j+1]++
			}
		}
	}
	return p
}

// rate computes the suggestion for slots [a, b); ok is false when an
// attendee with ExcludeConflicts has a conflict.
func rate(attendees []Attendee, occ [][numRanks][]int32, a, b int, t time.Time, o SuggestionOptions) (Suggestion, bool) {
	s := Suggestion{Start: t, Status: make([]BusyType, len(attendees))}
	conflicts, known, work := 0, 0, true
	end := t.Add(o.Duration)
	for i := range attendees {
		st := Free
		for r := numRanks - 1; r > 0; r-- {
			if occ[i][r][b]-occ[i][r][a] > 0 {
				st = byRank[r]
				break
			}
		}
		s.Status[i] = st
		if isConflict(st) {
			if attendees[i].ExcludeConflicts {
				return s, false
			}
			conflicts++
		}
		if wh := attendees[i].WorkingHours; wh != nil {
			known++
			work = work && wh.Contains(t, end)
		}
	}
	s.IsWorkTime = work && known > 0
	pct := 0
	if len(attendees) > 0 {
		pct = conflicts * 100 / len(attendees)
	}
	switch {
	case conflicts == 0:
		s.Quality = Excellent
	case pct <= o.GoodThreshold:
		s.Quality = Good
	case pct <= 50:
		s.Quality = Fair
	default:
		s.Quality = Poor
	}
	return s, s.Quality >= o.MinQuality
}

// pick keeps the best candidates of one day within the per-day caps, in
// chronological order, and returns them with the day's quality. Qualities
// are four buckets, so selection is linear.
func pick(cands []Suggestion, o SuggestionOptions) ([]Suggestion, Quality) {
	keep := make([]bool, len(cands))
	work, other := o.MaxResultsPerDay, o.MaxNonWorkHourResultsPerDay
	best := Poor
	for q := Excellent; q >= Poor; q-- {
		for i := range cands {
			c := &cands[i]
			if c.Quality != q {
				continue
			}
			switch {
			case c.IsWorkTime && work > 0:
				work--
			case !c.IsWorkTime && other > 0:
				other--
			default:
				continue
			}
			keep[i] = true
			best = max(best, q)
		}
	}
	var out []Suggestion
	for i, k := range keep {
		if k {
			out = append(out, cands[i])
		}
	}
	return out, best
}

func gcd(a, b time.Duration) time.Duration {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
