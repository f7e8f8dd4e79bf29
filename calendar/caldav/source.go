package caldav

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	webdav "github.com/emersion/go-webdav"
	davcal "github.com/emersion/go-webdav/caldav"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
)

// Defaults of [Config]'s zero fields.
const (
	DefaultTimeout          = 15 * time.Second
	DefaultDiscoveryTTL     = 5 * time.Minute
	DefaultMaxResponseBytes = 16 << 20
	// DefaultCacheBytes is calendar.Folder's budget: the sources of one
	// server share a notion of how much memory calendars may take.
	DefaultCacheBytes = calendar.DefaultCacheBytes
	// MaxCalendars is how many calendars of one mailbox may count for
	// free/busy; more is a *fedavail.LimitError.
	MaxCalendars = 100
)

// Config configures [New]. URL and HTTPClient are required; every other
// field has a useful zero value.
type Config struct {
	// URL is the CalDAV server's root, e.g. https://dav.example.com/. Every
	// request goes to its scheme and host; hrefs in answers contribute only
	// their path.
	URL string
	// HTTPClient sends every request; it carries proxy settings, timeouts
	// and, for client certificates, the TLS configuration. Never
	// http.DefaultClient by accident: it is required.
	HTTPClient *http.Client
	// Auth adds credentials to a request made on behalf of mailbox, e.g.
	// [BasicAuth] or [BearerToken]; nil means HTTPClient carries them.
	Auth func(req *http.Request, mailbox string) error

	// Mailboxes maps each mailbox (an SMTP address) to its calendar home
	// path. When set, only these mailboxes exist.
	Mailboxes map[string]string
	// Home is the calendar home of every other mailbox as a template:
	// {mailbox}, {local} and {domain} are replaced by the address, its
	// local part and its domain (lower case, path-escaped), e.g.
	// "/{local}/" for Radicale or "/remote.php/dav/calendars/{local}/" for
	// Nextcloud.
	Home string
	// Principal is the principal URL template used when Home is empty; its
	// calendar-home-set is asked for. Both empty means the
	// current-user-principal of the credentials Auth gives for the mailbox
	// (so Auth must then log in as the mailbox).
	Principal string

	// IncludeCalendar decides which calendar collections count for
	// free/busy; nil means RFC 6638: those whose schedule-calendar-transp
	// is opaque (the default when the property is absent).
	IncludeCalendar func(Calendar) bool
	// Location is the zone of floating times and all-day items; nil means UTC.
	Location *time.Location
	// Hours are every mailbox's working hours (CalDAV has no common way to
	// store them); nil means calendar.DefaultWorkingHours(Location).
	Hours *calendar.WorkingHours
	// MaxEvents caps the items one window may hold; 0 means
	// calendar.DefaultMaxEvents.
	MaxEvents int
	// MaxResponseBytes caps each answer's body; 0 means
	// DefaultMaxResponseBytes. A larger answer is a *fedavail.LimitError.
	MaxResponseBytes int64
	// MaxCacheBytes is the budget for cached calendar data across all
	// mailboxes, as calendar.Folder's of the same name; 0 means
	// DefaultCacheBytes, negative turns the cache off
	// (every window is then a calendar-query with a time-range).
	MaxCacheBytes int64
	// Timeout bounds the work for one mailbox (all its requests); 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// DiscoveryTTL is how long a mailbox's calendar home and calendar list
	// are reused by WorkingHours; 0 means DefaultDiscoveryTTL.
	DiscoveryTTL time.Duration
	// Logger receives warnings about servers and objects; it never sees
	// subjects, locations, calendar data or credentials. Nil discards.
	Logger *slog.Logger
	// Now is the clock of the caches; nil means time.Now.
	Now func() time.Time
}

// Calendar describes a calendar collection, for [Config.IncludeCalendar].
type Calendar struct {
	// Path is the collection's path on the server.
	Path string
	// Name is its display name.
	Name string
	// Transparent is true when schedule-calendar-transp says transparent:
	// the owner asked that its items not block time.
	Transparent bool
}

// Source is a [calendar.Source] reading from a CalDAV server. It is safe for
// concurrent use.
type Source struct {
	cfg  Config
	base *url.URL
	log  *slog.Logger
	now  func() time.Time

	noFreeBusyQuery atomic.Bool // the server answered free-busy-query without a VFREEBUSY

	mu    sync.Mutex
	homes map[string]*homeEntry // by mailbox key
	cache *objectCache
}

var _ calendar.Source = (*Source)(nil)

// homeEntry is what discovery learned about a mailbox.
type homeEntry struct {
	home      string
	calendars []collection
	err       error // ErrMailboxNotFound, cached like a hit
	expires   time.Time
}

// collection is a calendar collection and its version for the cache.
type collection struct {
	Calendar
	version   string // getctag, else sync-token; "" means unknown
	syncToken string // RFC 6578's, for sync-collection; "" when not offered
}

// New returns a Source, or every problem of cfg at once.
func New(cfg Config) (*Source, error) {
	var errs []error
	var base *url.URL
	if cfg.URL == "" {
		errs = append(errs, errors.New("caldav: Config.URL is required"))
	} else if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("caldav: Config.URL %q is not an http(s) URL", cfg.URL))
	} else {
		base = u
		if base.Path == "" {
			base.Path = "/"
		}
	}
	if cfg.HTTPClient == nil {
		errs = append(errs, errors.New("caldav: Config.HTTPClient is required"))
	}
	for name, t := range map[string]string{"Home": cfg.Home, "Principal": cfg.Principal} {
		if t != "" && !strings.Contains(t, "{") {
			errs = append(errs, fmt.Errorf("caldav: Config.%s %q names no {mailbox}, {local} or {domain}: every mailbox would share it", name, t))
		}
	}
	for _, n := range []struct {
		name string
		v    int64
	}{{"MaxEvents", int64(cfg.MaxEvents)}, {"MaxResponseBytes", cfg.MaxResponseBytes}, {"Timeout", int64(cfg.Timeout)}, {"DiscoveryTTL", int64(cfg.DiscoveryTTL)}} {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("caldav: Config.%s is negative", n.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg, base: base, log: cfg.Logger, now: cfg.Now, homes: map[string]*homeEntry{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	budget := cfg.MaxCacheBytes
	if budget == 0 {
		budget = DefaultCacheBytes
	}
	s.cache = newObjectCache(budget)
	return s, nil
}

func (s *Source) maxResponse() int64 {
	if s.cfg.MaxResponseBytes > 0 {
		return s.cfg.MaxResponseBytes
	}
	return DefaultMaxResponseBytes
}

func (s *Source) ttl() time.Duration {
	if s.cfg.DiscoveryTTL > 0 {
		return s.cfg.DiscoveryTTL
	}
	return DefaultDiscoveryTTL
}

func (s *Source) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	t := s.cfg.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	return context.WithTimeout(ctx, t)
}

// mailboxKey folds an address the way Exchange compares SMTP addresses.
func mailboxKey(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// expand fills a Home or Principal template for mailbox.
func expand(tmpl, mailbox string) (string, bool) {
	local, domain, ok := strings.Cut(mailbox, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(mailbox, "/\\\x00") {
		return "", false
	}
	r := strings.NewReplacer("{mailbox}", url.PathEscape(mailbox), "{local}", url.PathEscape(local), "{domain}", url.PathEscape(domain))
	return r.Replace(tmpl), true
}

// BasicAuth returns a [Config.Auth] sending one account's user name and
// password for every mailbox (a service account allowed to read them all).
func BasicAuth(user, password string) func(*http.Request, string) error {
	return func(req *http.Request, _ string) error {
		req.SetBasicAuth(user, password)
		return nil
	}
}

// BearerToken returns a [Config.Auth] sending token as an OAuth 2.0 bearer
// token for every mailbox.
func BearerToken(token string) func(*http.Request, string) error {
	return func(req *http.Request, _ string) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// isNotFound reports whether err is an HTTP 404 or 410 from the server.
func isNotFound(err error) bool {
	var he *fedavail.HTTPError
	return errors.As(err, &he) && (he.StatusCode == http.StatusNotFound || he.StatusCode == http.StatusGone)
}

// findHome returns the calendar home of mailbox, or ErrMailboxNotFound.
func (s *Source) findHome(ctx context.Context, d *doer, mailbox string) (string, error) {
	key := mailboxKey(mailbox)
	if s.cfg.Mailboxes != nil {
		for m, home := range s.cfg.Mailboxes {
			if mailboxKey(m) == key {
				return home, nil
			}
		}
		return "", calendar.ErrMailboxNotFound
	}
	if s.cfg.Home != "" {
		home, ok := expand(s.cfg.Home, key)
		if !ok {
			return "", calendar.ErrMailboxNotFound
		}
		return home, nil
	}
	var principal string
	if s.cfg.Principal != "" {
		p, ok := expand(s.cfg.Principal, key)
		if !ok {
			return "", calendar.ErrMailboxNotFound
		}
		principal = p
	} else {
		wc, err := webdav.NewClient(d, s.base.String())
		if err != nil {
			return "", err
		}
		if principal, err = wc.FindCurrentUserPrincipal(ctx); err != nil {
			return "", fmt.Errorf("caldav: current-user-principal: %w", err)
		}
	}
	cc, err := davcal.NewClient(d, s.base.String())
	if err != nil {
		return "", err
	}
	home, err := cc.FindCalendarHomeSet(ctx, principal)
	if isNotFound(err) {
		return "", calendar.ErrMailboxNotFound
	}
	if err != nil {
		return "", fmt.Errorf("caldav: calendar-home-set: %w", err)
	}
	return home, nil
}

// discover returns mailbox's calendars that count for free/busy, asking the
// server unless fresh is false and a listing younger than DiscoveryTTL is
// at hand. A mailbox whose home is missing or holds no calendar is not
// found.
func (s *Source) discover(ctx context.Context, d *doer, mailbox string, fresh bool) ([]collection, error) {
	key := mailboxKey(mailbox)
	now := s.now()
	s.mu.Lock()
	e := s.homes[key]
	s.mu.Unlock()
	if e != nil && now.Before(e.expires) && (!fresh || e.err != nil) {
		return e.calendars, e.err
	}
	var home string
	if e != nil && e.err == nil && now.Before(e.expires) {
		home = e.home
	} else {
		var err error
		if home, err = s.findHome(ctx, d, mailbox); err != nil {
			if errors.Is(err, calendar.ErrMailboxNotFound) {
				s.remember(key, &homeEntry{err: err, expires: now.Add(s.ttl())})
			}
			return nil, err
		}
	}
	cals, err := s.listCalendars(ctx, d, home)
	if errors.Is(err, calendar.ErrMailboxNotFound) {
		s.remember(key, &homeEntry{err: err, expires: now.Add(s.ttl())})
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	entry := &homeEntry{home: home, calendars: cals, expires: now.Add(s.ttl())}
	if e != nil && e.err == nil && fresh {
		entry.expires = e.expires // the home was reused: keep its age
		if !now.Before(entry.expires) {
			entry.expires = now.Add(s.ttl())
		}
	}
	s.remember(key, entry)
	return cals, nil
}

// maxHomes bounds the discovery cache, which requesters fill with the
// addresses they ask about.
const maxHomes = 10000

func (s *Source) remember(key string, e *homeEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.homes) >= maxHomes {
		clear(s.homes)
	}
	s.homes[key] = e
}

// listCalendars reads the calendar collections under home and keeps those
// holding events that IncludeCalendar accepts.
func (s *Source) listCalendars(ctx context.Context, d *doer, home string) ([]collection, error) {
	ms, err := s.xmlRequest(ctx, d, "PROPFIND", home, "1", propfindCalendars)
	if isNotFound(err) {
		return nil, calendar.ErrMailboxNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("caldav: listing calendars: %w", err)
	}
	var cals []collection
	found := false
	for i := range ms.Responses {
		r := &ms.Responses[i]
		p := r.props()
		if p.ResourceType == nil || p.ResourceType.Calendar == nil {
			continue
		}
		if p.Components != nil && !slices.ContainsFunc(p.Components.Comp, func(c struct {
			Name string `xml:"name,attr"`
		}) bool {
			return strings.EqualFold(c.Name, "VEVENT")
		}) {
			continue // a task list or journal
		}
		pth, err := hrefPath(home, r.Href)
		if err != nil {
			return nil, err
		}
		found = true
		c := collection{
			Calendar: Calendar{Path: pth + "/", Name: p.DisplayName, Transparent: p.Transp.isTransparent()},
			version:  p.CTag, syncToken: p.SyncToken,
		}
		if c.version == "" {
			c.version = p.SyncToken
		}
		include := !c.Transparent
		if s.cfg.IncludeCalendar != nil {
			include = s.cfg.IncludeCalendar(c.Calendar)
		}
		if include {
			if len(cals) == MaxCalendars {
				// Each calendar costs requests: a server listing thousands
				// must not multiply the cost of one mailbox.
				return nil, &fedavail.LimitError{What: "calendars of one mailbox", Limit: MaxCalendars}
			}
			cals = append(cals, c)
		}
	}
	if !found {
		return nil, calendar.ErrMailboxNotFound
	}
	return cals, nil
}

// Events implements [calendar.Source]. Under [calendar.FreeBusyOnly] it asks
// the server for a free-busy-query report, so that no subject or location
// leaves it; servers without one are read as for details. A server that
// fails, times out or answers out of bounds fails this mailbox only, with
// an error wrapping *fedavail.HTTPError, *fedavail.LimitError,
// *fedavail.XMLError, *ContentTypeError or the context's error.
func (s *Source) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	d := &doer{s: s, mailbox: mailbox}
	cals, err := s.discover(ctx, d, mailbox, true)
	if err != nil {
		return nil, err
	}
	var out []calendar.Event
	if calendar.FreeBusyOnly(ctx) && !s.noFreeBusyQuery.Load() {
		out, err = s.freeBusy(ctx, d, cals, start, end)
		if err == nil {
			return s.finish(mailbox, out)
		}
		if !errors.Is(err, errNoFreeBusyQuery) {
			return nil, err
		}
		s.noFreeBusyQuery.Store(true)
		s.log.WarnContext(ctx, "caldav: the server has no free-busy-query report; reading calendar data instead", "url", s.base.Redacted())
		out = out[:0]
	}
	for _, c := range cals {
		evs, err := s.calendarEvents(ctx, d, mailbox, c, start, end)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return s.finish(mailbox, out)
}

// finish sorts the items of all calendars and applies the window limit.
func (s *Source) finish(mailbox string, out []calendar.Event) ([]calendar.Event, error) {
	limit := s.cfg.MaxEvents
	if limit <= 0 {
		limit = calendar.DefaultMaxEvents
	}
	if len(out) > limit {
		return nil, &calendar.TooManyEventsError{Mailbox: mailbox, Limit: limit}
	}
	calendar.SortEvents(out)
	return out, nil
}

// WorkingHours implements [calendar.Source]: [Config.Hours] for every
// mailbox the server has, ErrMailboxNotFound for the others.
func (s *Source) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	if _, err := s.discover(ctx, &doer{s: s, mailbox: mailbox}, mailbox, false); err != nil {
		return nil, err
	}
	if s.cfg.Hours != nil {
		return s.cfg.Hours, nil
	}
	loc := s.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return calendar.DefaultWorkingHours(loc), nil
}
