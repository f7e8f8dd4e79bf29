package googlecal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	gcal "google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
)

// Defaults of [Config]'s zero fields.
const (
	DefaultTimeout          = 15 * time.Second
	DefaultMaxResponseBytes = 8 << 20
	// Scope is the one OAuth scope this package needs: read-only calendars,
	// which covers freeBusy.query, events.list and settings.get.
	Scope = gcal.CalendarReadonlyScope
)

// Config configures [New]. Client is required; every other field has a
// useful zero value.
type Config struct {
	// Client returns the HTTP client that acts as mailbox: for Google
	// Workspace, a service account with domain-wide delegation
	// impersonating it ([Delegated]). Its transport carries the proxy and
	// TLS settings.
	Client func(ctx context.Context, mailbox string) (*http.Client, error)
	// Endpoint is the API's base URL; empty means Google's
	// (https://www.googleapis.com/calendar/v3/). Tests give a local server.
	Endpoint string
	// Location is the zone of all-day items when the calendar names none;
	// nil means UTC.
	Location *time.Location
	// Hours are every mailbox's working hours, in the zone of the user's
	// timezone setting when Hours.Location is nil; nil means Monday to
	// Friday 08:00–17:00 in that zone (the API has no working hours).
	Hours *calendar.WorkingHours
	// MaxEvents caps the items one window may hold; 0 means
	// calendar.DefaultMaxEvents.
	MaxEvents int
	// MaxResponseBytes caps each answer's body; 0 means
	// DefaultMaxResponseBytes. A larger answer is a *fedavail.LimitError.
	MaxResponseBytes int64
	// Timeout bounds the work for one mailbox; 0 means DefaultTimeout.
	Timeout time.Duration
	// Logger receives warnings; never subjects, locations or tokens. Nil
	// discards.
	Logger *slog.Logger
}

// Source is a [calendar.Source] reading Google Calendar. It is safe for
// concurrent use.
type Source struct {
	cfg Config
	log *slog.Logger
}

var _ calendar.Source = (*Source)(nil)

// New returns a Source, or every problem of cfg at once.
func New(cfg Config) (*Source, error) {
	var errs []error
	if cfg.Client == nil {
		errs = append(errs, errors.New("googlecal: Config.Client is required"))
	}
	if cfg.MaxEvents < 0 || cfg.MaxResponseBytes < 0 || cfg.Timeout < 0 {
		errs = append(errs, errors.New("googlecal: Config.MaxEvents, MaxResponseBytes and Timeout must not be negative"))
	}
	if cfg.Endpoint != "" && !strings.HasSuffix(cfg.Endpoint, "/") {
		errs = append(errs, fmt.Errorf("googlecal: Config.Endpoint %q must end with /", cfg.Endpoint))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = calendar.DefaultMaxEvents
	}
	s := &Source{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Delegated returns a [Config.Client] for a Google Workspace service account
// with domain-wide delegation: each mailbox gets a client impersonating it
// (the JWT's subject), with its tokens cached and refreshed. serviceAccountJSON
// is the key file Google issues; base carries proxy and TLS settings for
// both the token and the API requests (nil is refused: never
// http.DefaultClient by accident).
func Delegated(serviceAccountJSON []byte, base *http.Client) (func(context.Context, string) (*http.Client, error), error) {
	if base == nil {
		return nil, errors.New("googlecal: Delegated needs an *http.Client")
	}
	jwt, err := google.JWTConfigFromJSON(serviceAccountJSON, Scope)
	if err != nil {
		return nil, fmt.Errorf("googlecal: service account key: %w", err)
	}
	var mu sync.Mutex
	clients := map[string]*http.Client{}
	return func(_ context.Context, mailbox string) (*http.Client, error) {
		key := strings.ToLower(strings.TrimSpace(mailbox))
		mu.Lock()
		defer mu.Unlock()
		if c := clients[key]; c != nil {
			return c, nil
		}
		if len(clients) >= 10000 { // requesters choose the addresses
			clear(clients)
		}
		j := *jwt
		j.Subject = key
		// The token source outlives any one request: it gets its own context.
		ts := j.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, base))
		c := &http.Client{Transport: &oauth2.Transport{Source: ts, Base: base.Transport}, Timeout: base.Timeout, CheckRedirect: base.CheckRedirect}
		clients[key] = c
		return c, nil
	}, nil
}

// service builds the API client for mailbox, its answers capped.
func (s *Source) service(ctx context.Context, mailbox string) (*gcal.Service, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hc, err := s.cfg.Client(ctx, mailbox)
	if err != nil {
		return nil, fmt.Errorf("googlecal: client for %s: %w", mailbox, err)
	}
	capped := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	capped.Transport = &capTransport{base: base, max: s.cfg.MaxResponseBytes}
	opts := []option.ClientOption{option.WithHTTPClient(&capped)}
	if s.cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(s.cfg.Endpoint))
	}
	return gcal.NewService(ctx, opts...)
}

// capTransport refuses answers that are not JSON and ends bodies at max
// bytes with a *fedavail.LimitError, so that a huge or endless answer costs
// at most max bytes.
type capTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
			resp.Body.Close()
			return nil, fmt.Errorf("googlecal: %s %s: answer is %q, want application/json", req.Method, req.URL.Redacted(), resp.Header.Get("Content-Type"))
		}
	}
	resp.Body = &capBody{rc: resp.Body, left: t.max, max: t.max}
	return resp, nil
}

type capBody struct {
	rc        io.ReadCloser
	left, max int64
}

func (b *capBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, &fedavail.LimitError{What: "body size", Limit: b.max}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *capBody) Close() error { return b.rc.Close() }

// apiError maps the API's errors: 404 (and freeBusy's notFound) is
// ErrMailboxNotFound; 429 and 503 are *fedavail.UnavailableError with the
// Retry-After Google sent, and so are an unreachable or too slow server;
// API errors keep their *googleapi.Error reachable.
func apiError(what, mailbox string, err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch ge.Code {
		case http.StatusNotFound, http.StatusGone:
			return calendar.ErrMailboxNotFound
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			he := &fedavail.HTTPError{StatusCode: ge.Code, Header: ge.Header}
			return &fedavail.UnavailableError{RetryAfter: he.RetryAfter(time.Now()), Err: fmt.Errorf("googlecal: %s for %s: %w", what, mailbox, err)}
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded) {
		// Unreachable or too slow: the asker should retry later.
		return &fedavail.UnavailableError{Err: fmt.Errorf("googlecal: %s for %s: %w", what, mailbox, err)}
	}
	return fmt.Errorf("googlecal: %s for %s: %w", what, mailbox, err)
}

// Events implements [calendar.Source]. Under [calendar.FreeBusyOnly] it asks
// freeBusy.query, which returns busy periods only (no subjects leave
// Google, and no tentative or out-of-office either: every period is Busy);
// otherwise events.list with singleEvents (Google expands recurrences).
func (s *Source) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	mailbox = strings.ToLower(strings.TrimSpace(mailbox)) // Google compares addresses so
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	svc, err := s.service(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	var out []calendar.Event
	if calendar.FreeBusyOnly(ctx) {
		out, err = s.freeBusy(ctx, svc, mailbox, start, end)
	} else {
		out, err = s.list(ctx, svc, mailbox, start, end)
	}
	if err != nil {
		return nil, err
	}
	calendar.SortEvents(out)
	return out, nil
}

func (s *Source) freeBusy(ctx context.Context, svc *gcal.Service, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	resp, err := svc.Freebusy.Query(&gcal.FreeBusyRequest{
		TimeMin: start.UTC().Format(time.RFC3339), TimeMax: end.UTC().Format(time.RFC3339),
		Items: []*gcal.FreeBusyRequestItem{{Id: mailbox}},
	}).Context(ctx).Do()
	if err != nil {
		return nil, apiError("freeBusy.query", mailbox, err)
	}
	var fc *gcal.FreeBusyCalendar
	for id, c := range resp.Calendars {
		if strings.EqualFold(id, mailbox) {
			fc = &c
		}
	}
	if fc == nil {
		return nil, fmt.Errorf("googlecal: freeBusy.query for %s: the answer has no such calendar", mailbox)
	}
	for _, e := range fc.Errors {
		if e.Reason == "notFound" {
			return nil, calendar.ErrMailboxNotFound
		}
		return nil, fmt.Errorf("googlecal: freeBusy.query for %s: %s in %s", mailbox, e.Reason, e.Domain)
	}
	if len(fc.Busy) > s.cfg.MaxEvents {
		return nil, &calendar.TooManyEventsError{Mailbox: mailbox, Limit: s.cfg.MaxEvents}
	}
	out := make([]calendar.Event, 0, len(fc.Busy))
	for _, p := range fc.Busy {
		st, err1 := time.Parse(time.RFC3339, p.Start)
		en, err2 := time.Parse(time.RFC3339, p.End)
		if err := errors.Join(err1, err2); err != nil || en.Before(st) {
			return nil, fmt.Errorf("googlecal: freeBusy.query for %s: bad period %q–%q", mailbox, p.Start, p.End)
		}
		out = append(out, calendar.Event{Start: st, End: en, BusyType: calendar.Busy})
	}
	return out, nil
}

// pageSize is events.list's maxResults: Google's largest page.
const pageSize = 2500

func (s *Source) list(ctx context.Context, svc *gcal.Service, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	var out []calendar.Event
	call := svc.Events.List(mailbox).SingleEvents(true).ShowDeleted(false).MaxResults(pageSize).
		TimeMin(start.UTC().Format(time.RFC3339)).TimeMax(end.UTC().Format(time.RFC3339)).Context(ctx)
	for pages := 0; ; pages++ {
		evs, err := call.Do()
		if err != nil {
			return nil, apiError("events.list", mailbox, err)
		}
		loc := s.cfg.Location
		if l, err := time.LoadLocation(evs.TimeZone); evs.TimeZone != "" && err == nil {
			loc = l
		}
		for _, ge := range evs.Items {
			e, ok, err := convert(ge, loc)
			if err != nil {
				s.log.WarnContext(ctx, "googlecal: skipping an event with unreadable times", "mailbox", mailbox, "event", ge.Id, "err", err)
				continue
			}
			if !ok || !e.Overlaps(start, end) {
				continue
			}
			if len(out) == s.cfg.MaxEvents {
				return nil, &calendar.TooManyEventsError{Mailbox: mailbox, Limit: s.cfg.MaxEvents}
			}
			out = append(out, e)
		}
		if evs.NextPageToken == "" {
			return out, nil
		}
		if pages*pageSize > s.cfg.MaxEvents {
			// A server handing out pages without items must not keep us here.
			return nil, &calendar.TooManyEventsError{Mailbox: mailbox, Limit: s.cfg.MaxEvents}
		}
		call.PageToken(evs.NextPageToken)
	}
}

// convert maps one Google event; ok is false for events that do not show
// (cancelled, declined, a working location at the office).
func convert(ge *gcal.Event, loc *time.Location) (e calendar.Event, ok bool, err error) {
	if ge.Status == "cancelled" {
		return e, false, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if e.Start, err = when(ge.Start, loc); err != nil {
		return e, false, err
	}
	if e.End, err = when(ge.End, loc); err != nil {
		return e, false, err
	}
	if e.End.Before(e.Start) {
		return e, false, fmt.Errorf("ends before it starts")
	}
	e.ID, e.Subject, e.Location = ge.Id, ge.Summary, ge.Location
	e.IsPrivate = ge.Visibility == "private" || ge.Visibility == "confidential"
	e.IsMeeting = len(ge.Attendees) > 0
	e.IsRecurring = ge.RecurringEventId != ""
	e.IsReminderSet = ge.Reminders != nil && (ge.Reminders.UseDefault || len(ge.Reminders.Overrides) > 0)
	e.BusyType = calendar.Busy
	if ge.Status == "tentative" {
		e.BusyType = calendar.Tentative
	}
	for _, a := range ge.Attendees {
		if !a.Self {
			continue
		}
		switch a.ResponseStatus {
		case "declined":
			return e, false, nil // Exchange removes declined meetings
		case "tentative", "needsAction":
			e.BusyType = calendar.Tentative
		}
	}
	switch ge.EventType {
	case "outOfOffice":
		e.BusyType = calendar.OOF
	case "workingLocation":
		if p := ge.WorkingLocationProperties; p != nil && p.Type == "officeLocation" {
			return e, false, nil // at the usual place: nothing to show
		}
		e.BusyType = calendar.WorkingElsewhere
	}
	if ge.Transparency == "transparent" && ge.EventType != "workingLocation" && ge.EventType != "outOfOffice" {
		e.BusyType = calendar.Free
	}
	return e, true, nil
}

// when reads a start or end: a dateTime, or an all-day date at midnight in loc.
func when(dt *gcal.EventDateTime, loc *time.Location) (time.Time, error) {
	switch {
	case dt == nil:
		return time.Time{}, errors.New("no time")
	case dt.DateTime != "":
		return time.Parse(time.RFC3339, dt.DateTime)
	case dt.Date != "":
		if dt.TimeZone != "" {
			if l, err := time.LoadLocation(dt.TimeZone); err == nil {
				loc = l
			}
		}
		return time.ParseInLocation(time.DateOnly, dt.Date, loc)
	}
	return time.Time{}, errors.New("neither date nor dateTime")
}

// WorkingHours implements [calendar.Source]: [Config.Hours] (or Monday to
// Friday 08:00–17:00) in the zone of the user's timezone setting; the
// settings call also tells an unknown mailbox.
func (s *Source) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	mailbox = strings.ToLower(strings.TrimSpace(mailbox)) // Google compares addresses so
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	svc, err := s.service(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	set, err := svc.Settings.Get("timezone").Context(ctx).Do()
	if err != nil {
		return nil, apiError("settings.get timezone", mailbox, err)
	}
	loc := s.cfg.Location
	if l, err := time.LoadLocation(set.Value); set.Value != "" && err == nil {
		loc = l
	}
	if loc == nil {
		loc = time.UTC
	}
	if s.cfg.Hours != nil {
		wh := *s.cfg.Hours
		if wh.Location == nil {
			wh.Location = loc
		}
		return &wh, nil
	}
	return calendar.DefaultWorkingHours(loc), nil
}
