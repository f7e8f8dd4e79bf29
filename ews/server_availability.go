package ews

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
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
	// server names this server in per-mailbox errors' MessageXml.
	server string
}

// mailboxResult is what was found for one mailbox.
type mailboxResult struct {
	code    ResponseCode // NoError or the per-mailbox error
	message string
	level   fedavail.AccessLevel
	// owner is set when the requester asks about its own mailbox, which
	// shows it its private items (Exchange's FreeBusyPermissionLevel.Owner).
	owner   bool
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
	sc := req.scratch
	if sc == nil || len(in.MailboxData) > scratchMailboxes {
		sc = nil // a large request allocates its structures
	}
	q, fault := h.validateAvailability(in, loc, req.version, sc)
	if fault != nil {
		return nil, fault
	}
	q.server = req.http.Host
	if strings.LastIndexByte(q.server, ':') > strings.LastIndexByte(q.server, ']') {
		// A port to drop (an error, allocated, for a Host without one).
		if host, _, err := net.SplitHostPort(q.server); err == nil {
			q.server = host
		}
	}
	set := distinctMailboxes(in.MailboxData, sc)
	results, fault := h.readMailboxes(req, set, q, sc)
	if fault != nil {
		return nil, fault
	}
	// Repeated mailboxes were read once and share one answer, but each
	// entry of the request still gets its own in the answer, as Exchange
	// gives it; the size cap keeps the copies from amplifying the request.
	budget := answerBudget{left: h.cfg.MaxAnswerBytes}
	var out *availabilityAnswer
	if sc != nil {
		out = &sc.answer
	} else {
		out = &availabilityAnswer{}
	}
	if q.view != "" {
		// Each distinct answer is written once, to be measured, into the
		// bytes the answer is sent with (out.freeBusy, in request order):
		// writing it again at the end was a third of this method.
		first := make([]int, len(results))    // entry of each answer written, +1
		spans := make([][2]int, len(results)) // and where its bytes are
		if sc != nil {
			out.FreeBusyResponses = sc.responses[:len(set.index)]
		} else {
			out.FreeBusyResponses = make([]FreeBusyResponse, len(set.index))
		}
		out.pooled = h.buffers.Get().(*[]byte)
		b := (*out.pooled)[:0]
		for i, k := range set.index {
			start := len(b)
			switch {
			case first[k] == 0:
				fb := h.freeBusyResponse(&results[k], q, sc, k)
				b = appendFreeBusyResponse(b, &fb)
				if budget.take(len(b) - start) {
					out.FreeBusyResponses[i] = fb
					first[k], spans[k] = i+1, [2]int{start, len(b)}
					continue
				}
				b = b[:start]
			case budget.take(spans[k][1] - spans[k][0]):
				out.FreeBusyResponses[i] = out.FreeBusyResponses[first[k]-1]
				b = append(b, b[spans[k][0]:spans[k][1]]...)
				continue
			}
			out.FreeBusyResponses[i] = tooBig(q.server)
			b = appendFreeBusyResponse(b, &out.FreeBusyResponses[i])
		}
		out.freeBusy = b
	}
	if q.suggest != nil {
		out.SuggestionsResponse = h.suggestions(req, set, results, q, &budget)
	}
	return out, nil
}

// scratchMailboxes is how many mailboxes a request may have for its
// answer's structures to come from an availabilityScratch: most requests
// ask about one to a few.
const scratchMailboxes = 4

// availabilityScratch holds the structures of one availability answer
// for a request of at most scratchMailboxes mailboxes, so that they are
// not allocated per request. It lives in the handler's pooled call state
// and is cleared when the call ends.
type availabilityScratch struct {
	q         availabilityQuery
	answer    availabilityAnswer
	index     [scratchMailboxes]int
	addrs     [scratchMailboxes]string
	exclude   [scratchMailboxes]bool
	results   [scratchMailboxes]mailboxResult
	responses [scratchMailboxes]FreeBusyResponse
	views     [scratchMailboxes]freeBusyParts
	// events and periods back the answers' CalendarEvent and
	// WorkingPeriod lists; kept, emptied, across requests (see reset).
	events  []CalendarEvent
	periods []WorkingPeriod
}

// freeBusyParts are the structures of one mailbox's FreeBusyResponse.
type freeBusyParts struct {
	view    FreeBusyView
	events  CalendarEvents
	hours   WorkingHours
	message ResponseMessage
}

// reset empties the scratch for the pool, keeping the capacity of its
// event and period lists (cleared: they hold strings of the answer).
func (sc *availabilityScratch) reset() {
	events, periods := sc.events[:0], sc.periods[:0]
	clear(events[:cap(events)])
	clear(periods[:cap(periods)])
	if cap(events) > maxScratchEvents {
		events = nil // the rare large answer's list is not kept
	}
	*sc = availabilityScratch{events: events, periods: periods}
}

// maxScratchEvents caps the event list a pooled scratch keeps.
const maxScratchEvents = 256

// parts returns the k-th mailbox's structures, or nil (to allocate them)
// for a nil scratch.
func (sc *availabilityScratch) parts(k int) *freeBusyParts {
	if sc == nil {
		return nil
	}
	return &sc.views[k]
}

// availabilityAnswer is a GetUserAvailability answer with its free/busy
// responses already written.
type availabilityAnswer struct {
	GetUserAvailabilityResponse
	// freeBusy is the FreeBusyResponse elements, in order, as
	// appendFreeBusyResponse writes them; pooled is its buffer, which
	// the handler's write returns to the pool.
	freeBusy []byte
	pooled   *[]byte
}

// answerBudget is what is left of the answer's size cap.
type answerBudget struct{ left int }

// take reports whether n more bytes fit in the answer, and counts them.
func (b *answerBudget) take(n int) bool {
	if n > b.left {
		b.left = 0 // nothing after a refusal: the answer stays in request order
		return false
	}
	b.left -= n
	return true
}

// tooBig is the answer for a mailbox past the answer size cap.
func tooBig(server string) FreeBusyResponse {
	return FreeBusyResponse{
		ResponseMessage: errorMessage(ErrorResultSetTooBig, tooBigText, server),
		FreeBusyView:    &FreeBusyView{FreeBusyViewType: ViewNone},
	}
}

// exceptions are the .NET exception and availability error number behind
// each per-mailbox code (InfoWorker Availability/ErrorConstants.cs and the
// exception classes), which Exchange reports in MessageXml.
var exceptions = map[ResponseCode]struct {
	typ  string
	code string
}{
	ErrorResultSetTooBig:                   {"ResultSetTooBigException", "5006"},
	ErrorMailboxLogonFailed:                {"MailboxLogonFailedException", "5008"},
	ErrorMailRecipientNotFound:             {"MailRecipientNotFoundException", "5009"},
	ErrorNoFreeBusyAccess:                  {"NoFreeBusyAccessException", "5037"},
	ErrorMeetingSuggestionGenerationFailed: {"AvailabilityException", "5040"},
	ErrorFreeBusyGenerationFailed:          {"AvailabilityException", "5041"},
}

// errorMessage is an error ResponseMessage shaped like Exchange's
// (ResponseMessageBuilder.ResponseMessageFromExchangeException): the code,
// the text, and in MessageXml the exception's type, number and message and
// the server's name.
func errorMessage(code ResponseCode, text, server string) *ResponseMessage {
	m := &ResponseMessage{ResponseClass: Error, MessageText: text, ResponseCode: code}
	if e, ok := exceptions[code]; ok {
		m.MessageXML = &MessageXML{ExceptionType: e.typ, ExceptionCode: e.code, ExceptionMessage: text, ExceptionServerName: server}
	}
	return m
}

const tooBigText = "The answer would be larger than this server returns; ask for fewer mailboxes or a shorter window."

// mailboxSet is a request's mailboxes with repeats collapsed: the
// addresses to read, and for each request entry the index of its address.
type mailboxSet struct {
	addrs []string
	index []int
	// exclude is set when any entry of the address asks ExcludeConflicts.
	exclude []bool
}

// distinctMailboxes collapses repeated addresses (compared as Exchange
// compares SMTP addresses, without regard to case or surrounding space),
// so that each mailbox is read, checked and rated once per request.
func distinctMailboxes(mailboxes []MailboxData, sc *availabilityScratch) mailboxSet {
	n := len(mailboxes)
	var set mailboxSet
	if sc != nil && n <= scratchMailboxes {
		set = mailboxSet{index: sc.index[:n], addrs: sc.addrs[:0], exclude: sc.exclude[:0]}
	} else {
		set = mailboxSet{index: make([]int, n), addrs: make([]string, 0, n), exclude: make([]bool, 0, n)}
	}
	var seen map[string]int
	if n > 1 { // a single entry repeats nothing
		seen = make(map[string]int, n)
	}
	for i := range mailboxes {
		addr := strings.TrimSpace(mailboxes[i].Email.Address)
		k, ok := 0, false
		if seen != nil {
			key := strings.ToLower(addr)
			if k, ok = seen[key]; !ok {
				seen[key] = len(set.addrs)
			}
		}
		if !ok {
			k = len(set.addrs)
			set.addrs = append(set.addrs, addr)
			set.exclude = append(set.exclude, false)
		}
		set.index[i] = k
		if x := mailboxes[i].ExcludeConflicts; x != nil && *x {
			set.exclude[k] = true
		}
	}
	return set
}

// validateAvailability checks the request the way Exchange does, answering
// whole-request problems with a SOAP fault carrying the response code.
func (h *Handler) validateAvailability(in *GetUserAvailabilityRequest, loc *time.Location, v Version, sc *availabilityScratch) (*availabilityQuery, *fedavail.Fault) {
	switch n := len(in.MailboxData); {
	case n == 0:
		return nil, clientFault(ErrorMailboxDataArrayEmpty, "The MailboxDataArray is empty.")
	case n > h.cfg.MaxMailboxes:
		return nil, clientFault(ErrorMailboxDataArrayTooBig, fmt.Sprintf("The MailboxDataArray has %d entries; at most %d are allowed.", n, h.cfg.MaxMailboxes))
	}
	if in.FreeBusyViewOptions == nil && in.SuggestionsViewOptions == nil {
		return nil, clientFault(ErrorInvalidRequest, "Either FreeBusyViewOptions or SuggestionsViewOptions is required.")
	}
	var q *availabilityQuery
	if sc != nil {
		q = &sc.q
	} else {
		q = new(availabilityQuery)
	}
	*q = availabilityQuery{loc: loc, workingElsewhereOK: newSchema(v)}
	if o := in.FreeBusyViewOptions; o != nil {
		switch o.RequestedView {
		case "":
			q.view = ViewFreeBusy // Exchange's default (FreeBusyViewOptions.Init)
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
		// Exchange checks the interval against the window whatever the view
		// (FreeBusyViewOptions.Validate).
		if q.fbEnd.Sub(q.fbStart) < q.interval {
			return nil, clientFault(ErrorInvalidMergedFreeBusyInterval, "MergedFreeBusyIntervalInMinutes is longer than the time window.")
		}
		q.fetchStart, q.fetchEnd = q.fbStart, q.fbEnd
	}
	if o := in.SuggestionsViewOptions; o != nil {
		s, f := h.suggestionOptions(o, loc)
		if f != nil {
			return nil, f
		}
		if q.view != "" && (s.Start.Before(q.fbStart) || s.End.After(q.fbEnd)) {
			// AvailabilityQuery.ValidateSpecificInputData: with both views,
			// the suggestions window lies within the free/busy window.
			return nil, clientFault(ErrorInvalidRequest, "SuggestionsViewOptions: the suggestions window must lie within the free/busy window.")
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
	case end.Sub(start).Truncate(24*time.Hour) > h.cfg.MaxWindow:
		// Whole days, as Exchange compares TimeSpan.Days with the limit.
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
	case o.MeetingDurationInMinutes < 0 || o.MeetingDurationInMinutes > 1440,
		o.MeetingDurationInMinutes > 0 && o.MeetingDurationInMinutes < 30: // absent is 60
		// SuggestionsViewOptions.Validate: DurationTooSmall, DurationTooLarge.
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

// readMailboxes reads every distinct mailbox in two passes, a few at a
// time: the access policy for all of them, then, once the work they make
// has been charged to the requester's throttling budget, the calendars of
// those the requester may see. A mailbox it may not see costs a policy
// look-up and nothing else.
func (h *Handler) readMailboxes(req *request, set mailboxSet, q *availabilityQuery, sc *availabilityScratch) ([]mailboxResult, *fedavail.Fault) {
	ctx := req.http.Context()
	var results []mailboxResult
	if sc != nil && len(set.addrs) <= scratchMailboxes {
		results = sc.results[:len(set.addrs)]
	} else {
		results = make([]mailboxResult, len(set.addrs))
	}
	// One mailbox is read in line: the closures each takes escape (into
	// its goroutines) and would be allocated for nothing.
	if len(results) == 1 {
		results[0] = h.checkMailbox(ctx, req.requester, set.addrs[0])
	} else {
		h.each(len(results), func(i int) { results[i] = h.checkMailbox(ctx, req.requester, set.addrs[i]) })
	}
	if fault := h.charge(req.requester, mailboxWork(results, q)); fault != nil {
		return nil, fault
	}
	if len(results) == 1 {
		if results[0].code == NoError {
			h.readCalendar(ctx, set.addrs[0], q, &results[0])
		}
	} else {
		h.each(len(results), func(i int) {
			if results[i].code == NoError {
				h.readCalendar(ctx, set.addrs[i], q, &results[i])
			}
		})
	}
	return results, nil
}

// mailboxWork is what a request costs in throttling units: one per
// calendar read, and one more per mailbox rated for suggestions.
func mailboxWork(results []mailboxResult, q *availabilityQuery) int {
	n := 0
	for i := range results {
		if results[i].code == NoError {
			n++
		}
	}
	if q.suggest != nil {
		n *= 2
	}
	return n
}

// each calls f for 0…n-1, at most Concurrency at once.
func (h *Handler) each(n int, f func(int)) {
	if n == 1 {
		f(0)
		return
	}
	sem := make(chan struct{}, h.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

// generationFailed is the answer for a mailbox whose policy or store failed.
var generationFailed = mailboxResult{code: ErrorFreeBusyGenerationFailed, message: "Free/busy information could not be generated."}

// checkMailbox applies the access policy to one mailbox; the result's
// code is NoError when its calendar is to be read.
func (h *Handler) checkMailbox(ctx context.Context, who *fedavail.Requester, addr string) (res mailboxResult) {
	defer func() {
		// An AccessPolicy that panics fails its mailbox, not the server.
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "ews: panic in the access policy", "mailbox", addr, "panic", p)
			res = generationFailed
		}
	}()
	if addr == "" || !strings.Contains(addr, "@") {
		return mailboxResult{code: ErrorMailRecipientNotFound, message: "The mailbox address is not valid."}
	}
	level, err := h.cfg.Policy.Access(ctx, *who, addr)
	if err != nil {
		h.log.ErrorContext(ctx, "ews: access policy failed", "mailbox", addr, "err", err)
		return generationFailed
	}
	if level <= fedavail.AccessNone {
		return mailboxResult{code: ErrorNoFreeBusyAccess, message: "The requester does not have permission to see this mailbox's free/busy information."}
	}
	owner := !who.Federated && strings.EqualFold(strings.TrimSpace(who.Address), addr)
	return mailboxResult{code: NoError, level: level, owner: owner}
}

// readCalendar reads what the granted level allows of one mailbox into res.
func (h *Handler) readCalendar(ctx context.Context, addr string, q *availabilityQuery, res *mailboxResult) {
	defer func() {
		// A Source that panics fails its mailbox, not the server.
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "ews: panic reading a mailbox", "mailbox", addr, "panic", p)
			*res = generationFailed
		}
	}()
	if !grantedView(q.view, res.level).Detailed() {
		// Sources that read from a remote store ask it for free/busy alone.
		ctx = calendar.WithFreeBusyOnly(ctx)
	}
	events, err := h.cfg.Calendars.Events(ctx, addr, q.fetchStart, q.fetchEnd)
	var hours *calendar.WorkingHours
	if err == nil {
		hours, err = h.cfg.Calendars.WorkingHours(ctx, addr)
	}
	if err != nil {
		*res = h.calendarFailed(ctx, addr, err)
		return
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
	res.events, res.hours = events, hours
}

// calendarFailed is the result for a mailbox whose source failed with
// err. (A function of its own: the targets of errors.As escape, and would
// cost every successful read two allocations.)
func (h *Handler) calendarFailed(ctx context.Context, addr string, err error) mailboxResult {
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
		// Exchange's ResultSetTooBigException: the mailbox has more items
		// in the window than one query returns.
		return mailboxResult{code: ErrorResultSetTooBig, message: fmt.Sprintf("The mailbox has more than %d calendar items in the requested window.", tooMany.Limit)}
	}
	h.log.ErrorContext(ctx, "ews: calendar source failed", "mailbox", addr, "err", err)
	return generationFailed
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

// freeBusyResponse is the answer for one mailbox's result, the k-th; its
// structures come from sc when it is not nil.
func (h *Handler) freeBusyResponse(res *mailboxResult, q *availabilityQuery, sc *availabilityScratch, k int) FreeBusyResponse {
	if res.code != NoError {
		rm := errorMessage(res.code, res.message, q.server)
		if res.backOff > 0 {
			bx := backOffXML(res.backOff)
			if rm.MessageXML == nil {
				rm.MessageXML = bx
			} else {
				rm.MessageXML.Values = bx.Values
			}
		}
		return FreeBusyResponse{ResponseMessage: rm, FreeBusyView: &FreeBusyView{FreeBusyViewType: ViewNone}}
	}
	view := grantedView(q.view, res.level)
	parts := sc.parts(k)
	if parts == nil {
		parts = new(freeBusyParts)
	}
	fb := &parts.view
	*fb = FreeBusyView{FreeBusyViewType: view}
	inWindow := eventsIn(res.events, q.fbStart, q.fbEnd)
	if view.Merged() {
		merged, err := calendar.MergedFreeBusy(inWindow, q.fbStart, q.fbEnd, q.interval)
		if err != nil { // the window was validated: cannot happen
			return FreeBusyResponse{ResponseMessage: errorMessage(ErrorFreeBusyGenerationFailed, "Free/busy information could not be generated.", q.server), FreeBusyView: &FreeBusyView{FreeBusyViewType: ViewNone}}
		}
		fb.MergedFreeBusy = merged
	}
	if view != ViewMergedOnly {
		if len(inWindow) > 0 {
			// The list is cut from the scratch's (three-index: an append
			// to one mailbox's must not write over the next one's).
			var events []CalendarEvent
			if sc != nil {
				start := len(sc.events)
				sc.events = slices.Grow(sc.events, len(inWindow))
				events = sc.events[start:start:cap(sc.events)]
			} else {
				events = make([]CalendarEvent, 0, len(inWindow))
			}
			for i := range inWindow {
				events = append(events, wireEvent(&inWindow[i], view.Detailed(), res.owner, q.loc))
			}
			if sc != nil {
				events = events[:len(events):len(events)]
				sc.events = sc.events[:len(sc.events)+len(events)]
			}
			parts.events = CalendarEvents{Events: events}
			fb.CalendarEvents = &parts.events
		}
	}
	// Every view has the working hours, MergedOnly included
	// (CalendarQuery.InternalGetCalendarData reads them whatever the view).
	if res.hours != nil {
		var periods *[]WorkingPeriod
		if sc != nil {
			periods = &sc.periods
		}
		h.wireWorkingHours(&parts.hours, periods, res.hours, q.fbStart.Year())
		fb.WorkingHours = &parts.hours
	}
	parts.message = ResponseMessage{ResponseClass: Success, ResponseCode: NoError}
	return FreeBusyResponse{ResponseMessage: &parts.message, FreeBusyView: fb}
}

// eventsIn returns the events that overlap [start, end): events itself
// when they all do, as they do unless suggestions widened the window read,
// else a copy of those that do (events is read again for suggestions).
func eventsIn(events []calendar.Event, start, end time.Time) []calendar.Event {
	for i := range events {
		if events[i].Overlaps(start, end) {
			continue
		}
		in := append(make([]calendar.Event, 0, len(events)-1), events[:i]...)
		for _, e := range events[i+1:] {
			if e.Overlaps(start, end) {
				in = append(in, e)
			}
		}
		return in
	}
	return events
}

// wireEvent converts an item as Exchange's CalendarEvent.CreateFromQueryData
// does: times are wall-clock readings in the request's zone, with no offset
// (DateTimeKind.Unspecified); details only when the view has them; and a
// private item (any sensitivity but Normal) shows to anyone but its owner
// as IsPrivate alone, every other flag false and no ID, subject or location.
func wireEvent(e *calendar.Event, detailed, owner bool, loc *time.Location) CalendarEvent {
	ce := CalendarEvent{
		StartTime: Wall(e.Start, loc),
		EndTime:   Wall(e.End, loc),
		BusyType:  BusyType(e.BusyType.String()),
	}
	if !detailed {
		return ce
	}
	ce.Details = &CalendarEventDetails{IsPrivate: e.IsPrivate}
	if !e.IsPrivate || owner {
		*ce.Details = CalendarEventDetails{
			ID: e.ID, Subject: e.Subject, Location: e.Location,
			IsMeeting: e.IsMeeting, IsRecurring: e.IsRecurring, IsException: e.IsException,
			IsReminderSet: e.IsReminderSet, IsPrivate: e.IsPrivate,
		}
	}
	return ce
}

// wireWorkingHours converts working hours into out, with the zone's rules
// of the given year. The periods are appended to *pool, and cut from it,
// when pool is not nil; else allocated.
func (h *Handler) wireWorkingHours(out *WorkingHours, pool *[]WorkingPeriod, wh *calendar.WorkingHours, year int) {
	var periods []WorkingPeriod
	if pool != nil {
		start := len(*pool)
		*pool = slices.Grow(*pool, len(wh.Periods))
		periods = (*pool)[start:start:cap(*pool)]
	} else {
		periods = make([]WorkingPeriod, 0, len(wh.Periods))
	}
	for _, p := range wh.Periods {
		periods = append(periods, WorkingPeriod{
			DayOfWeek:          dayNames(p.Days),
			StartTimeInMinutes: p.StartMinute,
			EndTimeInMinutes:   p.EndMinute,
		})
	}
	periods = periods[:len(periods):len(periods)]
	if pool != nil {
		*pool = (*pool)[:len(*pool)+len(periods)]
	}
	*out = WorkingHours{TimeZone: h.timeZoneFor(wh.Location, year), WorkingPeriods: periods}
}

// dayNames writes weekdays as a DayOfWeek list, "Monday Tuesday …". The
// usual list, distinct days in order, comes from a table; any other is
// written as given.
func dayNames(days []time.Weekday) string {
	set := 0
	for i, d := range days {
		if d < time.Sunday || d > time.Saturday || i > 0 && d <= days[i-1] {
			return joinDays(days)
		}
		set |= 1 << d
	}
	return dayLists[set]
}

// dayLists holds dayNames of every set of distinct weekdays in order,
// indexed by the set's bits.
var dayLists = func() (lists [1 << 7]string) {
	for set := range lists {
		var days []time.Weekday
		for d := time.Sunday; d <= time.Saturday; d++ {
			if set&(1<<d) != 0 {
				days = append(days, d)
			}
		}
		lists[set] = joinDays(days)
	}
	return lists
}()

func joinDays(days []time.Weekday) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String()
	}
	return strings.Join(names, " ")
}

// suggestions rates meeting times across the request's mailboxes, each
// distinct mailbox once. A mailbox that could not be read counts as
// unknown: it neither blocks a time nor makes it better. With no mailbox
// the requester may see, nothing is rated: suggestions over nobody's
// calendar would be every time of the window.
func (h *Handler) suggestions(req *request, set mailboxSet, results []mailboxResult, q *availabilityQuery, budget *answerBudget) *SuggestionsResponse {
	var atts []calendar.Attendee
	col := make([]int, len(results)) // results index → attendee index, -1 if unread
	var firstErr *mailboxResult
	for k := range results {
		col[k] = -1
		if results[k].code != NoError {
			if firstErr == nil {
				firstErr = &results[k]
			}
			continue
		}
		col[k] = len(atts)
		atts = append(atts, calendar.Attendee{Events: results[k].events, WorkingHours: results[k].hours, ExcludeConflicts: set.exclude[k]})
	}
	if len(atts) == 0 {
		return &SuggestionsResponse{ResponseMessage: errorMessage(firstErr.code, "No mailbox of the request could be read: "+firstErr.message, q.server)}
	}
	days, err := calendar.Suggest(atts, *q.suggest)
	if err != nil {
		h.log.ErrorContext(req.http.Context(), "ews: suggestions failed", "err", err)
		return &SuggestionsResponse{ResponseMessage: errorMessage(ErrorMeetingSuggestionGenerationFailed, "Meeting suggestions could not be generated.", q.server)}
	}
	// Each suggestion lists every entry of the request; count the bytes
	// before building anything.
	perSuggestion := len(`<Suggestion><MeetingTime>2006-01-02T15:04:05</MeetingTime><IsWorkTime>false</IsWorkTime><SuggestionQuality>Excellent</SuggestionQuality><AttendeeConflictDataArray></AttendeeConflictDataArray></Suggestion>`)
	for _, k := range set.index {
		if col[k] < 0 {
			perSuggestion += len(`<UnknownAttendeeConflictData></UnknownAttendeeConflictData>`)
		} else {
			perSuggestion += len(`<IndividualAttendeeConflictData><BusyType>WorkingElsewhere</BusyType></IndividualAttendeeConflictData>`)
		}
	}
	size := len(`<SuggestionsResponse><ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage><SuggestionDayResultArray></SuggestionDayResultArray></SuggestionsResponse>`)
	for _, d := range days {
		size += 256 + perSuggestion*len(d.Suggestions) // 256: the day's own elements
	}
	if !budget.take(size) {
		return &SuggestionsResponse{ResponseMessage: errorMessage(ErrorResultSetTooBig, tooBigText, q.server)}
	}
	out := &SuggestionsResponse{ResponseMessage: &ResponseMessage{ResponseClass: Success, ResponseCode: NoError}, Days: make([]SuggestionDayResult, 0, len(days))}
	for _, d := range days {
		day := SuggestionDayResult{Date: Wall(d.Date, q.loc), DayQuality: Quality(d.Quality.String()), Suggestions: make([]Suggestion, 0, len(d.Suggestions))}
		for _, s := range d.Suggestions {
			ws := Suggestion{MeetingTime: Wall(s.Start, q.loc), IsWorkTime: s.IsWorkTime, SuggestionQuality: Quality(s.Quality.String()), Conflicts: &AttendeeConflicts{Items: make([]AttendeeConflictData, len(set.index))}}
			for i, k := range set.index {
				c := AttendeeConflictData{Kind: ConflictUnknown}
				if a := col[k]; a >= 0 {
					c = AttendeeConflictData{Kind: ConflictIndividual, BusyType: BusyType(s.Status[a].String())}
				}
				ws.Conflicts.Items[i] = c
			}
			day.Suggestions = append(day.Suggestions, ws)
		}
		out.Days = append(out.Days, day)
	}
	return out
}
