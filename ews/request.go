package ews

import (
	"fmt"
	"strings"
	"time"
)

// Limits of GetUserAvailability that the client checks before sending.
const (
	// MaxMailboxesPerRequest is Exchange's limit per request; the client
	// splits longer free/busy requests into batches of this size.
	MaxMailboxesPerRequest = 100
	// MaxWindow is Exchange's default maximum time window: 62 days
	// (MaximumQueryIntervalDays), compared in whole days, so a window of
	// 62 days and some hours is accepted.
	MaxWindow = 62 * 24 * time.Hour
	// MinSuggestionsWindow is the shortest suggestions window Exchange
	// accepts: suggestions are computed for whole days.
	MinSuggestionsWindow = 24 * time.Hour
)

// AvailabilityRequest is a question about the calendars of some mailboxes.
type AvailabilityRequest struct {
	// Mailboxes are the mailboxes asked about; answers keep this order.
	Mailboxes []Mailbox
	// Start and End are the time window.
	Start, End time.Time
	// Location is the request's time zone: Exchange reads the window in it,
	// derives working-hour and day boundaries from it, and answers times
	// without an offset in it. Nil means Start's location.
	Location *time.Location
	// FreeBusy asks for free/busy views; Suggestions for meeting times. At
	// least one must be set.
	FreeBusy    *FreeBusyOptions
	Suggestions *SuggestionOptions
}

// Mailbox is one mailbox asked about.
type Mailbox struct {
	// Address is the SMTP address.
	Address string
	// Name is an optional display name.
	Name string
	// AttendeeType weighs the mailbox in suggestions; zero means Required.
	AttendeeType AttendeeType
	// ExcludeConflicts leaves the mailbox's conflicts out of suggestions.
	ExcludeConflicts bool
}

// FreeBusyOptions asks for free/busy views.
type FreeBusyOptions struct {
	// View is the view wanted; zero means DetailedMerged. The server answers
	// with at most what the requester may see, and says which view it gave.
	View ViewType
	// MergedInterval is the length of one MergedFreeBusy slot, a whole
	// number of minutes from 5 to 1440; zero means 30 minutes.
	MergedInterval time.Duration
}

// SuggestionOptions asks for meeting-time suggestions. Zero values leave the
// choice to the server.
type SuggestionOptions struct {
	// GoodThreshold is the percentage of attendees (1–49) that may have a
	// conflict for a time to be Good rather than Fair; server default 25.
	GoodThreshold int
	// MaxResultsPerDay is 1–48 suggestions per day.
	MaxResultsPerDay int
	// MaxNonWorkHourResultsPerDay is 1–48 suggestions outside working hours per day.
	MaxNonWorkHourResultsPerDay int
	// MeetingDuration is 30 minutes to 24 hours, in whole minutes.
	MeetingDuration time.Duration
	// MinimumQuality is the worst quality to suggest.
	MinimumQuality Quality
	// Start and End bound the days for which detailed suggestions are
	// wanted: at least 24 hours, at most 62 whole days. Zero means the request's
	// window.
	Start, End time.Time
	// CurrentMeetingTime is the current start of a meeting being moved.
	CurrentMeetingTime time.Time
}

// validate checks r and returns the request zone.
func (r *AvailabilityRequest) validate() (*time.Location, error) {
	bad := func(field, format string, args ...any) error {
		return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if len(r.Mailboxes) == 0 {
		return nil, bad("Mailboxes", "no mailbox")
	}
	for i, m := range r.Mailboxes {
		if strings.TrimSpace(m.Address) == "" {
			return nil, bad(fmt.Sprintf("Mailboxes[%d].Address", i), "empty")
		}
		if m.AttendeeType != "" && !m.AttendeeType.Known() {
			return nil, bad(fmt.Sprintf("Mailboxes[%d].AttendeeType", i), "unknown attendee type %q", m.AttendeeType)
		}
	}
	if r.FreeBusy == nil && r.Suggestions == nil {
		return nil, bad("FreeBusy", "neither free/busy nor suggestions asked for")
	}
	if err := checkWindow("", r.Start, r.End); err != nil {
		return nil, err
	}
	if fb := r.FreeBusy; fb != nil {
		if fb.View != "" && (!fb.View.Known() || fb.View == ViewNone) {
			return nil, bad("FreeBusy.View", "%q is not a view a request may ask for", fb.View)
		}
		if iv := fb.MergedInterval; iv != 0 && (iv < 5*time.Minute || iv > 1440*time.Minute || iv%time.Minute != 0) {
			return nil, bad("FreeBusy.MergedInterval", "%s is not a whole number of minutes from 5 to 1440", iv)
		}
	}
	if s := r.Suggestions; s != nil {
		if len(r.Mailboxes) > MaxMailboxesPerRequest {
			// Suggestions weigh all attendees together; batches cannot.
			return nil, bad("Mailboxes", "%d mailboxes; suggestions consider all attendees in one request, at most %d", len(r.Mailboxes), MaxMailboxesPerRequest)
		}
		if s.GoodThreshold != 0 && (s.GoodThreshold < 1 || s.GoodThreshold > 49) {
			return nil, bad("Suggestions.GoodThreshold", "%d is not from 1 to 49", s.GoodThreshold)
		}
		if s.MaxResultsPerDay < 0 || s.MaxResultsPerDay > 48 {
			return nil, bad("Suggestions.MaxResultsPerDay", "%d is not from 0 to 48", s.MaxResultsPerDay)
		}
		if s.MaxNonWorkHourResultsPerDay < 0 || s.MaxNonWorkHourResultsPerDay > 48 {
			return nil, bad("Suggestions.MaxNonWorkHourResultsPerDay", "%d is not from 0 to 48", s.MaxNonWorkHourResultsPerDay)
		}
		if d := s.MeetingDuration; d != 0 && (d < 30*time.Minute || d > 24*time.Hour || d%time.Minute != 0) {
			return nil, bad("Suggestions.MeetingDuration", "%s is not a whole number of minutes from 30 to 1440", d)
		}
		if q := s.MinimumQuality; q != "" && !q.Known() {
			return nil, bad("Suggestions.MinimumQuality", "unknown quality %q", q)
		}
		if !s.Start.IsZero() || !s.End.IsZero() {
			if err := checkWindow("Suggestions.", s.Start, s.End); err != nil {
				return nil, err
			}
		}
		start, end := s.window(r)
		if end.Sub(start) < MinSuggestionsWindow {
			return nil, bad("Suggestions.End", "the suggestions window is %s; Exchange needs at least 24 hours", end.Sub(start))
		}
	}
	loc := r.Location
	if loc == nil {
		loc = r.Start.Location()
	}
	return loc, nil
}

func checkWindow(prefix string, start, end time.Time) error {
	if start.IsZero() || end.IsZero() {
		return &InputError{Field: prefix + "Start", Reason: "the time window needs a start and an end"}
	}
	if !end.After(start) {
		return &InputError{Field: prefix + "End", Reason: "the time window ends before it starts"}
	}
	if end.Sub(start).Truncate(24*time.Hour) > MaxWindow {
		return &InputError{Field: prefix + "End", Reason: fmt.Sprintf("the time window is %s, longer than 62 days", end.Sub(start))}
	}
	return nil
}

func (s *SuggestionOptions) window(r *AvailabilityRequest) (time.Time, time.Time) {
	if s.Start.IsZero() && s.End.IsZero() {
		return r.Start, r.End
	}
	return s.Start, s.End
}

// wire builds the request for mailboxes[lo:hi].
func (r *AvailabilityRequest) wire(loc *time.Location, lo, hi int) *GetUserAvailabilityRequest {
	tz := TimeZoneFor(loc, r.Start.In(loc).Year())
	w := &GetUserAvailabilityRequest{TimeZone: &tz}
	for _, m := range r.Mailboxes[lo:hi] {
		at := m.AttendeeType
		if at == "" {
			at = Required
		}
		exclude := m.ExcludeConflicts
		w.MailboxData = append(w.MailboxData, MailboxData{
			Email:            EmailAddress{Name: m.Name, Address: strings.TrimSpace(m.Address)},
			AttendeeType:     at,
			ExcludeConflicts: &exclude,
		})
	}
	// The window is written as wall-clock times in the request zone, with
	// the zone alongside, as Microsoft's documentation does.
	window := Duration{StartTime: Wall(r.Start, loc), EndTime: Wall(r.End, loc)}
	if fb := r.FreeBusy; fb != nil {
		view := fb.View
		if view == "" {
			view = ViewDetailedMerged
		}
		w.FreeBusyViewOptions = &FreeBusyViewOptions{
			TimeWindow:                      window,
			MergedFreeBusyIntervalInMinutes: int(r.mergedInterval() / time.Minute),
			RequestedView:                   view,
		}
	}
	if s := r.Suggestions; s != nil {
		start, end := s.window(r)
		o := &SuggestionsViewOptions{
			GoodThreshold:                  s.GoodThreshold,
			MaximumResultsByDay:            s.MaxResultsPerDay,
			MaximumNonWorkHourResultsByDay: s.MaxNonWorkHourResultsPerDay,
			MeetingDurationInMinutes:       int(s.MeetingDuration / time.Minute),
			MinimumSuggestionQuality:       s.MinimumQuality,
			DetailedSuggestionsWindow:      Duration{StartTime: Wall(start, loc), EndTime: Wall(end, loc)},
		}
		if !s.CurrentMeetingTime.IsZero() {
			cm := Wall(s.CurrentMeetingTime, loc)
			o.CurrentMeetingTime = &cm
		}
		w.SuggestionsViewOptions = o
	}
	return w
}

func (r *AvailabilityRequest) mergedInterval() time.Duration {
	if r.FreeBusy != nil && r.FreeBusy.MergedInterval != 0 {
		return r.FreeBusy.MergedInterval
	}
	return 30 * time.Minute
}
