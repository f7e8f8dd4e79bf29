package federation

import (
	"slices"
	"sync"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
)

// Suggest rates meeting times for the result's attendees together, across
// organizations, the way an EWS server rates them for its own mailboxes
// (calendar.Suggest): each partner only knows its own people, so the
// requesting side combines their answers. Query the window with a view that
// returns items or merged slots (the default does). For a partner's own
// rating of its attendees, ask with Query.Suggestions instead.
//
// An attendee without data (Err set) counts as NoData throughout, which
// does not make a time worse; Suggestion.Status keeps one entry per attendee,
// in the result's order.
func (r *Result) Suggest(opts calendar.SuggestionOptions) ([]calendar.DaySuggestions, error) {
	attendees := make([]calendar.Attendee, len(r.Attendees))
	for i, a := range r.Attendees {
		if a.Err != nil {
			attendees[i].Events = []calendar.Event{{Start: opts.Start, End: opts.End, BusyType: calendar.NoData}}
			continue
		}
		attendees[i] = calendar.Attendee{Events: a.calendarEvents(), WorkingHours: a.calendarHours()}
	}
	return calendar.Suggest(attendees, opts)
}

// calendarEvents returns the attendee's items, or else its merged slots
// that are not free, as calendar events.
func (a *Attendee) calendarEvents() []calendar.Event {
	var out []calendar.Event
	for _, e := range a.Events {
		out = append(out, calendar.Event{Start: e.Start, End: e.End, BusyType: busyType(e.BusyType)})
	}
	if len(out) > 0 {
		return out
	}
	for _, s := range a.Merged {
		if s.BusyType != ews.Free {
			out = append(out, calendar.Event{Start: s.Start, End: s.End, BusyType: busyType(s.BusyType)})
		}
	}
	return out
}

// busyType maps an EWS busy type to the calendar's; one this version does
// not know is NoData.
func busyType(b ews.BusyType) calendar.BusyType {
	t, err := calendar.ParseBusyType(string(b))
	if err != nil {
		return calendar.NoData
	}
	return t
}

// calendarHours converts the partner's working hours, nil when it sent none
// or its zone could not be read.
func (a *Attendee) calendarHours() *calendar.WorkingHours {
	wt := a.WorkingHours
	if wt == nil || wt.Location == nil {
		return nil
	}
	wh := &calendar.WorkingHours{Location: wt.Location}
	for _, p := range wt.Periods {
		wh.Periods = append(wh.Periods, calendar.WorkingPeriod{Days: p.Days, StartMinute: int(p.Start.Minutes()), EndMinute: int(p.End.Minutes())})
	}
	return wh
}

// suggestionSet collects the partners' suggestions for one query from the
// goroutines that ask them.
type suggestionSet struct {
	mu  sync.Mutex
	all []firstSuggestions
}

// firstSuggestions are a partner's suggestions and the index of their
// first attendee in the query, which orders them.
type firstSuggestions struct {
	first int
	PartnerSuggestions
}

func (s *suggestionSet) add(first int, ps PartnerSuggestions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, firstSuggestions{first, ps})
}

// sorted returns the suggestions in the order of their first attendees,
// which does not depend on which partner answered first.
func (s *suggestionSet) sorted() []PartnerSuggestions {
	s.mu.Lock()
	defer s.mu.Unlock()
	slices.SortFunc(s.all, func(a, b firstSuggestions) int { return a.first - b.first })
	var out []PartnerSuggestions
	for _, f := range s.all {
		out = append(out, f.PartnerSuggestions)
	}
	return out
}
