package ews

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
)

// availabilityQuery is a validated GetUserAvailability request.
type availabilityQuery struct {
	loc *time.Location
	// Free/busy part; view is "" when the request asked for none.
	view               ViewType
	fbStart, fbEnd     time.Time
	interval           time.Duration
	suggest            *calendar.SuggestionOptions
	fetchStart         time.Time // union of both windows
	fetchEnd           time.Time
	workingElsewhereOK bool
}

// mailboxResult is what was found for one mailbox.
type mailboxResult struct {
	code    ResponseCode // NoError or the per-mailbox error
	message string
	level   fedavail.AccessLevel
	events  []calendar.Event // over the fetch window
	hours   *calendar.WorkingHours
	backOff time.Duration // for a source that is temporarily unavailable
}

func (h *Handler) getUserAvailability(req *request) (any, *fedavail.Fault) {
	in := req.body.availability
	if in == nil {
		return nil, clientFault(ErrorInvalidRequest, "The body is not a GetUserAvailabilityRequest.")
	}
	loc, fault := h.requestLocation(req, in.TimeZone)
	if fault != nil {
		return nil, fault
	}
	q, fault := h.validateAvailability(in, loc, req.version)
	if fault != nil {
		return nil, fault
	}
	results := h.readMailboxes(req, in.MailboxData, q)
	out := &GetUserAvailabilityResponse{}
	if q.view != "" {
		out.FreeBusyResponses = make([]FreeBusyResponse, len(results))
		for i := range results {
			out.FreeBusyResponses[i] = h.freeBusyResponse(&results[i], q)
		}
	}
	if q.suggest != nil {
		out.SuggestionsResponse = h.suggestions(req, in.MailboxData, results, q)
	}
	return out, nil
}

// validateAvailability checks the request the way Exchange does, answering
// whole-request problems with a SOAP fault carrying the response code.
func (h *Handler) validateAvailability(in *GetUserAvailabilityRequest, loc *time.Location, v Version) (*availabilityQuery, *fedavail.Fault) {
	switch n := len(in.MailboxData); {
	case n == 0:
		return nil, clientFault(ErrorMailboxDataArrayEmpty, "The MailboxDataArray is empty.")
	case n > h.cfg.MaxMailboxes:
		return nil, clientFault(ErrorMailboxDataArrayTooBig, fmt.Sprintf("The MailboxDataArray has %d entries; at most %d are allowed.", n, h.cfg.MaxMailboxes))
	}
	if in.FreeBusyViewOptions == nil && in.SuggestionsViewOptions == nil {
		return nil, clientFault(ErrorInvalidRequest, "Either FreeBusyViewOptions or SuggestionsViewOptions is required.")
	}
	q := &availabilityQuery{loc: loc, workingElsewhereOK: knowsWorkingElsewhere(v)}
	if o := in.FreeBusyViewOptions; o != nil {
		switch o.RequestedView {
		case "":
			q.view = ViewDetailedMerged // the schema's default is Detailed; Exchange merges too
		case ViewMergedOnly, ViewFreeBusy, ViewFreeBusyMerged, ViewDetailed, ViewDetailedMerged:
			q.view = o.RequestedView
		default:
			return nil, clientFault(ErrorInvalidFreeBusyViewType, fmt.Sprintf("The requested view %q is not valid.", o.RequestedView))
		}
		q.interval = DefaultMergedInterval
		if m := o.MergedFreeBusyIntervalInMinutes; m != 0 {
			if m < 5 || m > 1440 {
				return nil, clientFault(ErrorInvalidMergedFreeBusyInterval, "MergedFreeBusyIntervalInMinutes must be between 5 and 1440.")
			}
			q.interval = time.Duration(m) * time.Minute
		}
		var f *fedavail.Fault
		if q.fbStart, q.fbEnd, f = h.window(o.TimeWindow, loc); f != nil {
			return nil, f
		}
		if q.fbEnd.Sub(q.fbStart) < q.interval && q.view.Merged() {
			return nil, clientFault(ErrorInvalidMergedFreeBusyInterval, "MergedFreeBusyIntervalInMinutes is longer than the time window.")
		}
		q.fetchStart, q.fetchEnd = q.fbStart, q.fbEnd
	}
	if o := in.SuggestionsViewOptions; o != nil {
		s, f := h.suggestionOptions(o, loc)
		if f != nil {
			return nil, f
		}
		q.suggest = s
		if q.fetchStart.IsZero() || s.Start.Before(q.fetchStart) {
			q.fetchStart = s.Start
		}
		if s.End.After(q.fetchEnd) {
			q.fetchEnd = s.End
		}
	}
	return q, nil
}

// window reads a time window: times with an offset are instants, times
// without one are wall-clock readings in the request's zone.
func (h *Handler) window(d Duration, loc *time.Location) (start, end time.Time, f *fedavail.Fault) {
	start, end = d.StartTime.In(loc), d.EndTime.In(loc)
	switch {
	case d.StartTime.IsZero() || d.EndTime.IsZero() || !end.After(start):
		return start, end, clientFault(ErrorInvalidTimeInterval, "The time window's end must be after its start.")
	case end.Sub(start) > h.cfg.MaxWindow:
		return start, end, clientFault(ErrorTimeIntervalTooBig, fmt.Sprintf("The time window is longer than %d days.", int(h.cfg.MaxWindow/(24*time.Hour))))
	}
	return start, end, nil
}

func (h *Handler) suggestionOptions(o *SuggestionsViewOptions, loc *time.Location) (*calendar.SuggestionOptions, *fedavail.Fault) {
	start, end, f := h.window(o.DetailedSuggestionsWindow, loc)
	if f != nil {
		return nil, f
	}
	s := &calendar.SuggestionOptions{
		Start: start, End: end, Location: loc,
		GoodThreshold:               o.GoodThreshold,
		MaxResultsPerDay:            o.MaximumResultsByDay,
		MaxNonWorkHourResultsPerDay: o.MaximumNonWorkHourResultsByDay,
		Duration:                    time.Duration(o.MeetingDurationInMinutes) * time.Minute,
		MinQuality:                  calendar.Fair, // EWS's default
	}
	bad := func(what string) (*calendar.SuggestionOptions, *fedavail.Fault) {
		return nil, clientFault(ErrorInvalidRequest, "SuggestionsViewOptions: "+what)
	}
	switch {
	case o.GoodThreshold < 0 || o.GoodThreshold > 49:
		return bad("GoodThreshold must be between 1 and 49.")
	case o.MaximumResultsByDay < 0 || o.MaximumResultsByDay > 48:
		return bad("MaximumResultsByDay must be between 0 and 48.")
	case o.MaximumNonWorkHourResultsByDay < 0 || o.MaximumNonWorkHourResultsByDay > 48:
		return bad("MaximumNonWorkHourResultsByDay must be between 0 and 48.")
	case o.MeetingDurationInMinutes < 0 || o.MeetingDurationInMinutes > 1440:
		return bad("MeetingDurationInMinutes must be between 30 and 1440.")
	}
	if o.MinimumSuggestionQuality != "" {
		mq, err := calendar.ParseQuality(string(o.MinimumSuggestionQuality))
		if err != nil {
			return bad(fmt.Sprintf("MinimumSuggestionQuality %q is not valid.", o.MinimumSuggestionQuality))
		}
		s.MinQuality = mq
	}
	return s, nil
}

// readMailboxes reads every mailbox, a few at a time, keeping request order.
func (h *Handler) readMailboxes(req *request, mailboxes []MailboxData, q *availabilityQuery) []mailboxResult {
	results := make([]mailboxResult, len(mailboxes))
	if len(mailboxes) == 1 {
		results[0] = h.readMailbox(req.http.Context(), req.requester, mailboxes[0].Email.Address, q)
		return results
	}
	sem := make(chan struct{}, h.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range mailboxes {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = h.readMailbox(req.http.Context(), req.requester, mailboxes[i].Email.Address, q)
		}()
	}
	wg.Wait()
	return results
}

// readMailbox applies the access policy to one mailbox and reads what the
// granted level allows.
func (h *Handler) readMailbox(ctx context.Context, who *fedavail.Requester, addr string, q *availabilityQuery) (res mailboxResult) {
	defer func() {
		// A Source or AccessPolicy that panics fails its mailbox, not the server.
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "ews: panic reading a mailbox", "mailbox", addr, "panic", p)
			res = mailboxResult{code: ErrorFreeBusyGenerationFailed, message: "Free/busy information could not be generated."}
		}
	}()
	addr = strings.TrimSpace(addr)
	if addr == "" || !strings.Contains(addr, "@") {
		return mailboxResult{code: ErrorMailRecipientNotFound, message: "The mailbox address is not valid."}
	}
	level, err := h.cfg.Policy.Access(ctx, *who, addr)
	if err != nil {
		h.log.ErrorContext(ctx, "ews: access policy failed", "mailbox", addr, "err", err)
		return mailboxResult{code: ErrorFreeBusyGenerationFailed, message: "Free/busy information could not be generated."}
	}
	if level <= fedavail.AccessNone {
		return mailboxResult{code: ErrorNoFreeBusyAccess, message: "The requester does not have permission to see this mailbox's free/busy information."}
	}
	if !grantedView(q.view, level).Detailed() {
		// Sources that read from a remote store ask it for free/busy alone.
		ctx = calendar.WithFreeBusyOnly(ctx)
	}
	events, err := h.cfg.Calendars.Events(ctx, addr, q.fetchStart, q.fetchEnd)
	if err == nil {
		res.hours, err = h.cfg.Calendars.WorkingHours(ctx, addr)
	}
	var tooMany *calendar.TooManyEventsError
	var unavailable *fedavail.UnavailableError
	switch {
	case errors.Is(err, calendar.ErrMailboxNotFound):
		return mailboxResult{code: ErrorMailRecipientNotFound, message: "No mailbox with this address was found."}
	case errors.As(err, &unavailable):
		// Exchange's answer for a mailbox database it cannot reach
		// (CalendarQuery.HandleConnectionException → ErrorMailboxLogonFailed),
		// with the source's wait when it said one.
		h.log.WarnContext(ctx, "ews: calendar source unavailable", "mailbox", addr, "retry_after", unavailable.RetryAfter, "err", err)
		return mailboxResult{code: ErrorMailboxLogonFailed, message: "Mailbox logon failed.", backOff: unavailable.RetryAfter}
	case errors.As(err, &tooMany):
		return mailboxResult{code: ErrorFreeBusyGenerationFailed, message: fmt.Sprintf("The mailbox has more than %d calendar items in the requested window.", tooMany.Limit)}
	case err != nil:
		h.log.ErrorContext(ctx, "ews: calendar source failed", "mailbox", addr, "err", err)
		return mailboxResult{code: ErrorFreeBusyGenerationFailed, message: "Free/busy information could not be generated."}
	}
	if !q.workingElsewhereOK {
		// Clients of schemas before Exchange2013 do not know WorkingElsewhere;
		// it does not block time, so they see it as free.
		for i := range events {
			if events[i].BusyType == calendar.WorkingElsewhere {
				events[i].BusyType = calendar.Free
			}
		}
	}
	res.code, res.level, res.events = NoError, level, events
	return res
}

// grantedView downgrades a requested view to what the access level allows.
func grantedView(v ViewType, level fedavail.AccessLevel) ViewType {
	if level >= fedavail.AccessLimitedDetails {
		return v
	}
	switch v {
	case ViewDetailed:
		return ViewFreeBusy
	case ViewDetailedMerged:
		return ViewFreeBusyMerged
	}
	return v
}

func (h *Handler) freeBusyResponse(res *mailboxResult, q *availabilityQuery) FreeBusyResponse {
	if res.code != NoError {
		rm := &ResponseMessage{ResponseClass: Error, MessageText: res.message, ResponseCode: res.code}
		if res.backOff > 0 {
			rm.MessageXML = backOffXML(res.backOff)
		}
		return FreeBusyResponse{ResponseMessage: rm, FreeBusyView: &FreeBusyView{FreeBusyViewType: ViewNone}}
	}
	view := grantedView(q.view, res.level)
	fb := &FreeBusyView{FreeBusyViewType: view}
	var inWindow []calendar.Event
	for _, e := range res.events {
		if e.Overlaps(q.fbStart, q.fbEnd) {
			inWindow = append(inWindow, e)
		}
	}
	if view.Merged() {
		merged, err := calendar.MergedFreeBusy(inWindow, q.fbStart, q.fbEnd, q.interval)
		if err != nil { // the window was validated: cannot happen
			return FreeBusyResponse{ResponseMessage: &ResponseMessage{ResponseClass: Error, ResponseCode: ErrorFreeBusyGenerationFailed}, FreeBusyView: &FreeBusyView{FreeBusyViewType: ViewNone}}
		}
		fb.MergedFreeBusy = merged
	}
	if view != ViewMergedOnly {
		fb.CalendarEvents = &CalendarEvents{Events: make([]CalendarEvent, 0, len(inWindow))}
		for i := range inWindow {
			fb.CalendarEvents.Events = append(fb.CalendarEvents.Events, wireEvent(&inWindow[i], view.Detailed(), q.loc))
		}
		if len(inWindow) == 0 {
			fb.CalendarEvents = nil
		}
		fb.WorkingHours = h.wireWorkingHours(res.hours, q.fbStart.Year())
	}
	return FreeBusyResponse{
		ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError},
		FreeBusyView:    fb,
	}
}

// wireEvent converts an item, with details only when the view has them
// and never the subject, location or ID of a private item.
func wireEvent(e *calendar.Event, detailed bool, loc *time.Location) CalendarEvent {
	ce := CalendarEvent{
		StartTime: At(e.Start.In(loc)),
		EndTime:   At(e.End.In(loc)),
		BusyType:  BusyType(e.BusyType.String()),
	}
	if detailed {
		d := &CalendarEventDetails{
			IsMeeting: e.IsMeeting, IsRecurring: e.IsRecurring, IsException: e.IsException,
			IsReminderSet: e.IsReminderSet, IsPrivate: e.IsPrivate,
		}
		if !e.IsPrivate {
			d.ID, d.Subject, d.Location = e.ID, e.Subject, e.Location
		}
		ce.Details = d
	}
	return ce
}

// wireWorkingHours converts working hours, with the zone's rules of the
// given year; nil stays nil.
func (h *Handler) wireWorkingHours(wh *calendar.WorkingHours, year int) *WorkingHours {
	if wh == nil {
		return nil
	}
	out := &WorkingHours{TimeZone: h.timeZoneFor(wh.Location, year)}
	for _, p := range wh.Periods {
		names := make([]string, len(p.Days))
		for i, d := range p.Days {
			names[i] = d.String()
		}
		out.WorkingPeriods = append(out.WorkingPeriods, WorkingPeriod{
			DayOfWeek:          strings.Join(names, " "),
			StartTimeInMinutes: p.StartMinute,
			EndTimeInMinutes:   p.EndMinute,
		})
	}
	return out
}

// suggestions rates meeting times across the request's mailboxes. A
// mailbox that could not be read counts as unknown: it neither blocks a
// time nor makes it better.
func (h *Handler) suggestions(req *request, mailboxes []MailboxData, results []mailboxResult, q *availabilityQuery) *SuggestionsResponse {
	atts := make([]calendar.Attendee, len(results))
	for i := range results {
		if results[i].code != NoError {
			continue
		}
		atts[i] = calendar.Attendee{Events: results[i].events, WorkingHours: results[i].hours}
		if x := mailboxes[i].ExcludeConflicts; x != nil {
			atts[i].ExcludeConflicts = *x
		}
	}
	days, err := calendar.Suggest(atts, *q.suggest)
	if err != nil {
		h.log.ErrorContext(req.http.Context(), "ews: suggestions failed", "err", err)
		return &SuggestionsResponse{ResponseMessage: &ResponseMessage{ResponseClass: Error, MessageText: "Meeting suggestions could not be generated.", ResponseCode: ErrorMeetingSuggestionGenerationFailed}}
	}
	out := &SuggestionsResponse{ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError}}
	for _, d := range days {
		day := SuggestionDayResult{Date: Wall(d.Date, q.loc), DayQuality: Quality(d.Quality.String())}
		for _, s := range d.Suggestions {
			ws := Suggestion{MeetingTime: Wall(s.Start, q.loc), IsWorkTime: s.IsWorkTime, SuggestionQuality: Quality(s.Quality.String()), Conflicts: &AttendeeConflicts{}}
			for i, st := range s.Status {
				c := AttendeeConflictData{Kind: ConflictIndividual, BusyType: BusyType(st.String())}
				if results[i].code != NoError {
					c = AttendeeConflictData{Kind: ConflictUnknown}
				}
				ws.Conflicts.Items = append(ws.Conflicts.Items, c)
			}
			day.Suggestions = append(day.Suggestions, ws)
		}
		out.Days = append(out.Days, day)
	}
	return out
}
