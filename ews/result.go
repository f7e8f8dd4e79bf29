package ews

import (
	"strings"
	"time"
)

// AvailabilityResult is the answer to an [AvailabilityRequest].
type AvailabilityResult struct {
	// Mailboxes has one entry per requested mailbox, in request order.
	Mailboxes []MailboxAvailability
	// Suggestions are the suggested days, when suggestions were asked for
	// and the server could make them.
	Suggestions []SuggestionDay
	// SuggestionsErr is the server's error for the suggestions part (a
	// *ResponseError), if any; free/busy results are still valid.
	SuggestionsErr error
}

// MailboxAvailability is the free/busy answer for one mailbox.
type MailboxAvailability struct {
	Mailbox Mailbox
	// Err is a *MailboxError when the server answered Error for this
	// mailbox, or Warning (then the data below is present too).
	Err error
	// View is the view the server granted.
	View ViewType
	// Merged is the MergedFreeBusy string as slots, for merged views.
	Merged []Slot
	// Events are the calendar items, for non-merged-only views.
	Events []Event
	// WorkingHours is the mailbox's working time, if the server sent it.
	WorkingHours *WorkingTime
}

// Slot is one interval of merged free/busy.
type Slot struct {
	Start, End time.Time
	BusyType   BusyType
}

// Event is one calendar item on free/busy.
type Event struct {
	Start, End time.Time
	BusyType   BusyType
	// Details are present in detailed views.
	Details *CalendarEventDetails
}

// WorkingTime is a mailbox's working hours.
type WorkingTime struct {
	// Location is Zone as a Go location, or nil when Zone is unusable
	// (ZoneErr says why).
	Location *time.Location
	ZoneErr  error
	// Zone is the zone as the server sent it.
	Zone SerializableTimeZone
	// Periods are the working periods.
	Periods []WorkPeriod
}

// WorkPeriod is a span of working time on some days.
type WorkPeriod struct {
	// Days are the weekdays named; Raw is the server's list, which may also
	// hold names that are not single days ("Weekday", "WeekendDay", "Day").
	Days []time.Weekday
	Raw  string
	// Start and End are offsets from local midnight.
	Start, End time.Duration
}

// ParseDays reads a DaysOfWeekType list ("Monday Tuesday", "Weekday") into
// weekdays, expanding Day, Weekday and WeekendDay. Unknown names are skipped.
func ParseDays(list string) []time.Weekday {
	var out []time.Weekday
	add := func(ds ...time.Weekday) {
		for _, d := range ds {
			dup := false
			for _, o := range out {
				dup = dup || o == d
			}
			if !dup {
				out = append(out, d)
			}
		}
	}
	for _, f := range strings.Fields(list) {
		if wd, ok := parseWeekday(f); ok {
			add(wd)
			continue
		}
		switch strings.ToLower(f) {
		case "day":
			add(time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)
		case "weekday":
			add(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
		case "weekendday":
			add(time.Saturday, time.Sunday)
		}
	}
	return out
}

// SuggestionDay is the suggestions for one day.
type SuggestionDay struct {
	Date        time.Time
	Quality     Quality
	Suggestions []MeetingSuggestion
}

// MeetingSuggestion is one suggested meeting time.
type MeetingSuggestion struct {
	Start      time.Time
	IsWorkTime bool
	Quality    Quality
	// Conflicts has one entry per requested mailbox, in request order.
	Conflicts []AttendeeConflictData
}

// decoder turns wire values into results, reading times without an offset
// in the request zone.
type decoder struct {
	loc      *time.Location
	start    time.Time
	interval time.Duration
	// oldSchema is a request for a schema before Exchange2013, whose
	// answers write 4 for no data in MergedFreeBusy.
	oldSchema bool
}

func (d *decoder) mailbox(m Mailbox, fr *FreeBusyResponse) MailboxAvailability {
	out := MailboxAvailability{Mailbox: m}
	if rm := fr.ResponseMessage; rm != nil && (rm.ResponseClass != Success || (rm.ResponseCode != "" && rm.ResponseCode != NoError)) {
		out.Err = &MailboxError{Mailbox: m.Address, Class: rm.ResponseClass, ResponseCode: rm.ResponseCode, Message: rm.MessageText, Values: rm.MessageXML.Map()}
	}
	v := fr.FreeBusyView
	if v == nil {
		return out
	}
	out.View = v.FreeBusyViewType
	if v.MergedFreeBusy != "" {
		s := strings.TrimSpace(v.MergedFreeBusy)
		out.Merged = make([]Slot, len(s))
		for i := range len(s) {
			start := d.start.Add(time.Duration(i) * d.interval)
			out.Merged[i] = Slot{Start: start, End: start.Add(d.interval), BusyType: busyTypeFromDigit(s[i], !d.oldSchema)}
		}
	}
	if v.CalendarEvents != nil {
		out.Events = make([]Event, len(v.CalendarEvents.Events))
		for i, e := range v.CalendarEvents.Events {
			out.Events[i] = Event{Start: e.StartTime.In(d.loc), End: e.EndTime.In(d.loc), BusyType: e.BusyType, Details: e.Details}
		}
	}
	if wh := v.WorkingHours; wh != nil {
		wt := &WorkingTime{Zone: wh.TimeZone}
		wt.Location, wt.ZoneErr = wh.TimeZone.Location("")
		for _, p := range wh.WorkingPeriods {
			wt.Periods = append(wt.Periods, WorkPeriod{
				Days:  ParseDays(p.DayOfWeek),
				Raw:   p.DayOfWeek,
				Start: time.Duration(p.StartTimeInMinutes) * time.Minute,
				End:   time.Duration(p.EndTimeInMinutes) * time.Minute,
			})
		}
		out.WorkingHours = wt
	}
	return out
}

func (d *decoder) suggestions(sr *SuggestionsResponse, res *AvailabilityResult) {
	if rm := sr.ResponseMessage; rm != nil && (rm.ResponseClass == Error || (rm.ResponseCode != "" && rm.ResponseCode != NoError)) {
		res.SuggestionsErr = &ResponseError{ResponseCode: rm.ResponseCode, Message: rm.MessageText, Values: rm.MessageXML.Map()}
	}
	for _, day := range sr.Days {
		sd := SuggestionDay{Date: day.Date.In(d.loc), Quality: day.DayQuality}
		for _, s := range day.Suggestions {
			ms := MeetingSuggestion{Start: s.MeetingTime.In(d.loc), IsWorkTime: s.IsWorkTime, Quality: s.SuggestionQuality}
			if s.Conflicts != nil {
				ms.Conflicts = s.Conflicts.Items
			}
			sd.Suggestions = append(sd.Suggestions, ms)
		}
		res.Suggestions = append(res.Suggestions, sd)
	}
}
