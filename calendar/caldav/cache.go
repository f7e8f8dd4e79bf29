package caldav

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-ical"
	davcal "github.com/emersion/go-webdav/caldav"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
)

// object is one calendar object resource: its ETag and iCalendar text.
type object struct {
	etag string
	data []byte
}

// calEntry is a cached calendar collection at one version.
type calEntry struct {
	path      string
	version   string
	syncToken string
	objects   map[string]object // by href path
	size      int64
	tooBig    bool // the collection at this version is over the budget
	elem      *list.Element
}

// objectCache holds calendar collections, least recently used first out,
// within a byte budget counted over the objects' iCalendar text.
type objectCache struct {
	budget int64

	mu    sync.Mutex
	size  int64
	lru   *list.List // of *calEntry, most recent at the front
	byKey map[string]*calEntry
}

func newObjectCache(budget int64) *objectCache {
	return &objectCache{budget: budget, lru: list.New(), byKey: map[string]*calEntry{}}
}

func (c *objectCache) get(path string) *calEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byKey[path]
	if e != nil {
		c.lru.MoveToFront(e.elem)
	}
	return e
}

// put stores e, replacing the entry of its path, and evicts the least
// recently used entries until the cache is within budget.
func (c *objectCache) put(e *calEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byKey[e.path]; old != nil {
		c.size -= old.size
		c.lru.Remove(old.elem)
	}
	e.elem = c.lru.PushFront(e)
	c.byKey[e.path] = e
	c.size += e.size
	for c.size > c.budget && c.lru.Len() > 1 {
		last := c.lru.Back().Value.(*calEntry)
		c.lru.Remove(last.elem)
		delete(c.byKey, last.path)
		c.size -= last.size
	}
}

// bytes is what the cache holds now, for tests.
func (c *objectCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// multigetBatch is how many objects one calendar-multiget asks for.
const multigetBatch = 100

// errTooBig says a collection does not fit the cache budget.
var errTooBig = errors.New("caldav: calendar over the cache budget")

// objects returns the objects of collection c, from the cache when its
// version (getctag or sync-token) did not change. When it did, a
// sync-collection report (RFC 6578) names what changed since the cached
// sync-token, or, where the server offers none or refuses the token, a
// PROPFIND lists every object's ETag; then a calendar-multiget fetches only
// the new and changed objects.
func (s *Source) objects(ctx context.Context, d *doer, c collection) (map[string]object, error) {
	old := s.cache.get(c.Path)
	if old != nil && c.version != "" && old.version == c.version {
		if old.tooBig {
			return nil, errTooBig
		}
		return old.objects, nil
	}
	objs, changed, err := s.syncChanges(ctx, d, c, old)
	if err != nil {
		var ue *fedavail.UnavailableError
		if errors.As(err, &ue) {
			return nil, err
		}
		s.log.DebugContext(ctx, "caldav: sync-collection refused; listing ETags", "calendar", c.Path, "err", err)
		objs, changed = nil, nil
	}
	if objs == nil {
		if objs, changed, err = s.listETags(ctx, d, c, old); err != nil {
			return nil, err
		}
	}
	for _, h := range changed {
		delete(objs, h) // an object gone by the time it is fetched must not stay
	}
	for len(changed) > 0 {
		batch := changed[:min(len(changed), multigetBatch)]
		changed = changed[len(batch):]
		ms, err := s.xmlRequest(ctx, d, "REPORT", c.Path, "1", multigetBody(batch))
		if err != nil {
			return nil, fmt.Errorf("caldav: calendar-multiget on %s: %w", c.Path, err)
		}
		for i := range ms.Responses {
			r := &ms.Responses[i]
			p := r.props()
			if p.CalendarData == nil {
				continue // gone since the listing
			}
			h, err := hrefPath(c.Path, r.Href)
			if err != nil {
				return nil, err
			}
			objs[h] = object{etag: p.ETag, data: []byte(*p.CalendarData)}
		}
	}
	e := &calEntry{path: c.Path, version: c.version, syncToken: c.syncToken, objects: objs}
	for _, o := range objs {
		e.size += int64(len(o.data))
	}
	if s.cache.budget > 0 && e.size > s.cache.budget {
		s.log.WarnContext(ctx, "caldav: calendar larger than the cache budget; reading windows with calendar-query", "calendar", c.Path, "bytes", e.size, "budget", s.cache.budget)
		s.cache.put(&calEntry{path: c.Path, version: c.version, tooBig: true})
		return objs, nil
	}
	// Kept even without a version: the next read then lists ETags and
	// fetches only what changed.
	s.cache.put(e)
	return objs, nil
}

// syncChanges asks what changed in c since the cached entry's sync-token:
// the objects still valid and the hrefs to fetch. Nil objects (and no
// error) mean sync-collection does not apply: nothing cached, or no token.
func (s *Source) syncChanges(ctx context.Context, d *doer, c collection, old *calEntry) (map[string]object, []string, error) {
	if old == nil || old.tooBig || old.syncToken == "" || c.syncToken == "" {
		return nil, nil, nil
	}
	ms, err := s.xmlRequest(ctx, d, "REPORT", c.Path, "1", syncCollectionBody(old.syncToken))
	if err != nil {
		return nil, nil, fmt.Errorf("caldav: sync-collection on %s: %w", c.Path, err)
	}
	objs := maps.Clone(old.objects)
	var changed []string
	for i := range ms.Responses {
		r := &ms.Responses[i]
		h, err := hrefPath(c.Path, r.Href)
		if err != nil {
			return nil, nil, err
		}
		if h+"/" == c.Path {
			continue
		}
		if f := strings.Fields(r.Status); len(f) >= 2 && f[1] == "404" {
			delete(objs, h) // removed since the token
			continue
		}
		p := r.props()
		if p.ResourceType.isCollection() {
			continue
		}
		if o, ok := objs[h]; ok && p.ETag != "" && o.etag == p.ETag {
			continue
		}
		changed = append(changed, h)
	}
	return objs, changed, nil
}

// listETags lists every object of c with its ETag: the objects still valid
// (from old) and the hrefs to fetch.
func (s *Source) listETags(ctx context.Context, d *doer, c collection, old *calEntry) (map[string]object, []string, error) {
	ms, err := s.xmlRequest(ctx, d, "PROPFIND", c.Path, "1", propfindETags)
	if err != nil {
		return nil, nil, fmt.Errorf("caldav: listing %s: %w", c.Path, err)
	}
	objs := map[string]object{}
	var changed []string
	for i := range ms.Responses {
		r := &ms.Responses[i]
		p := r.props()
		if p.ResourceType.isCollection() {
			continue // the calendar itself, or something nested in it
		}
		h, err := hrefPath(c.Path, r.Href)
		if err != nil {
			return nil, nil, err
		}
		if h+"/" == c.Path {
			continue
		}
		if o, ok := old.lookup(h); ok && p.ETag != "" && o.etag == p.ETag {
			objs[h] = o
			continue
		}
		changed = append(changed, h)
	}
	return objs, changed, nil
}

func (e *calEntry) lookup(h string) (object, bool) {
	if e == nil {
		return object{}, false
	}
	o, ok := e.objects[h]
	return o, ok
}

// calendarEvents returns the items of collection c in [start, end).
func (s *Source) calendarEvents(ctx context.Context, d *doer, mailbox string, c collection, start, end time.Time) ([]calendar.Event, error) {
	if s.cache.budget < 0 {
		return s.queryWindow(ctx, d, mailbox, c, start, end)
	}
	objs, err := s.objects(ctx, d, c)
	if errors.Is(err, errTooBig) {
		return s.queryWindow(ctx, d, mailbox, c, start, end)
	}
	if err != nil {
		return nil, err
	}
	var out []calendar.Event
	for h, o := range objs {
		evs, err := s.parse(ctx, mailbox, h, o.data, start, end)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// queryWindow asks the server for the objects of c with an item in
// [start, end) (a calendar-query with a time-range), for collections the
// cache does not hold.
func (s *Source) queryWindow(ctx context.Context, d *doer, mailbox string, c collection, start, end time.Time) (_ []calendar.Event, err error) {
	defer recoverParse(&err) // go-webdav decodes the objects with go-ical
	cc, err := davcal.NewClient(d, s.base.String())
	if err != nil {
		return nil, err
	}
	q := &davcal.CalendarQuery{
		CompRequest: davcal.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
		CompFilter: davcal.CompFilter{Name: "VCALENDAR", Comps: []davcal.CompFilter{
			{Name: "VEVENT", Start: start.UTC(), End: end.UTC()},
		}},
	}
	objs, err := cc.QueryCalendar(ctx, c.Path, q)
	if err != nil {
		return nil, fmt.Errorf("caldav: calendar-query on %s: %w", c.Path, err)
	}
	var out []calendar.Event
	for _, o := range objs {
		var buf bytes.Buffer
		if err := ical.NewEncoder(&buf).Encode(o.Data); err != nil {
			s.log.WarnContext(ctx, "caldav: skipping an object that cannot be re-encoded", "object", o.Path, "err", err)
			continue
		}
		evs, err := s.parse(ctx, mailbox, o.Path, buf.Bytes(), start, end)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// parse reads one object with the calendar package's iCalendar code. An
// object that cannot be parsed is skipped with a warning naming it (never
// its content): one broken item must not hide a whole mailbox.
func (s *Source) parse(ctx context.Context, mailbox, href string, data []byte, start, end time.Time) ([]calendar.Event, error) {
	evs, err := calendar.ParseICS(data, s.cfg.Location, start, end)
	var tooMany *calendar.TooManyEventsError
	switch {
	case errors.As(err, &tooMany):
		tooMany.Mailbox = mailbox
		return nil, tooMany
	case err != nil:
		s.log.WarnContext(ctx, "caldav: skipping an object that cannot be parsed", "object", href, "err", err)
		return nil, nil
	}
	return evs, nil
}
