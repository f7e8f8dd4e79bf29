package caldav_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar/caldav"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/realparts"
	"github.com/fedavail/fedavail/sharing"
)

// put stores one event (the lines of its VEVENT) as its own object.
func put(t *testing.T, rad *realparts.Radicale, user, cal, uid string, lines ...string) {
	t.Helper()
	rad.Put(t, user, cal, uid, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fedavail//test//EN\r\nBEGIN:VEVENT\r\nUID:"+uid+"\r\nDTSTAMP:20260101T000000Z\r\n"+
		strings.Join(lines, "\r\n")+"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

// fill gives dana and erin the calendars the tests read. The week asked
// about is Monday 30 March 2026, the first after London moved to BST.
func fill(t *testing.T, rad *realparts.Radicale) {
	rad.MakeCalendar(t, "dana", "work", false)
	rad.MakeCalendar(t, "dana", "holidays", true)
	rad.MakeCalendar(t, "erin", "work", false)
	// A weekly 09:00 London meeting started in GMT: 08:00 UTC after the change.
	put(t, rad, "dana", "work", "weekly", "SUMMARY:Standup", "LOCATION:Room 1", "DTSTART;TZID=Europe/London:20260316T090000",
		"DTEND;TZID=Europe/London:20260316T093000", "RRULE:FREQ=WEEKLY;COUNT=6", "ATTENDEE:mailto:erin@fabrikam.test")
	put(t, rad, "dana", "work", "private", "SUMMARY:Doctor", "CLASS:PRIVATE", "DTSTART:20260331T140000Z", "DTEND:20260331T150000Z")
	put(t, rad, "dana", "work", "allday", "SUMMARY:Offsite", "DTSTART;VALUE=DATE:20260401", "DTEND;VALUE=DATE:20260402",
		"X-MICROSOFT-CDO-BUSYSTATUS:OOF")
	put(t, rad, "dana", "work", "transp", "SUMMARY:Focus time", "TRANSP:TRANSPARENT", "DTSTART:20260402T100000Z", "DTEND:20260402T110000Z")
	put(t, rad, "dana", "holidays", "easter", "SUMMARY:Easter", "DTSTART:20260403T000000Z", "DTEND:20260404T000000Z")
	put(t, rad, "erin", "work", "review", "SUMMARY:Review", "STATUS:TENTATIVE", "DTSTART:20260330T130000Z", "DTEND:20260330T140000Z")
}

var (
	week    = time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	weekEnd = week.AddDate(0, 0, 5)
)

func newSource(t *testing.T, cfg caldav.Config) *caldav.Source {
	t.Helper()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Auth == nil {
		cfg.Auth = caldav.BasicAuth("fedavail", "secret")
	}
	if cfg.Home == "" && cfg.Mailboxes == nil {
		cfg.Home = "/{local}/"
	}
	s, err := caldav.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type item struct {
	Start   string
	Busy    string
	Subject string
	Private bool
}

func items(evs []ews.Event) []item {
	var out []item
	for _, e := range evs {
		it := item{Start: e.Start.UTC().Format("Mon 15:04"), Busy: string(e.BusyType)}
		if e.Details != nil {
			it.Subject, it.Private = e.Details.Subject, e.Details.IsPrivate
		}
		out = append(out, it)
	}
	return out
}

// TestFederatedFromRadicale answers partners from a real Radicale through
// federation.NewHandler: contoso asks fabrikam, whose calendars live there.
func TestFederatedFromRadicale(t *testing.T) {
	t.Parallel()
	rad := realparts.StartRadicale(t)
	fill(t, rad)

	// A proxy in front of Radicale that stalls erin's requests: a slow
	// server for one mailbox must not hold up or fail the others.
	target, _ := url.Parse(rad.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	var fbQueries atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "free-busy-query") {
			fbQueries.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasPrefix(r.URL.Path, "/slow/") {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	src := newSource(t, caldav.Config{
		URL: proxy.URL, Timeout: 3 * time.Second, // sam's server takes 10s
		Mailboxes: map[string]string{
			"dana@fabrikam.test": "/dana/", "erin@fabrikam.test": "/erin/", "sam@fabrikam.test": "/slow/sam/",
			"nobody@fabrikam.test": "/nobody/",
		},
	})
	w := loopback.New(t)
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Calendars: src})
	// Contoso goes straight to fabrikam's EWS, so that each mailbox's answer
	// is the EWS handler's (Autodiscover would refuse unknown mailboxes first).
	direct := loopback.Relationship("Fabrikam", fabrikam)
	direct.TargetSharingEpr = fabrikam.EWSURL()
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{Relationships: []sharing.OrganizationRelationship{direct}})
	setLevel := func(level fedavail.AccessLevel) {
		t.Helper()
		rel := loopback.Relationship("Contoso", contoso)
		rel.FreeBusyAccessLevel = level
		if err := fabrikam.Sharing.Replace(sharing.Config{
			OrganizationRelationships: []sharing.OrganizationRelationship{rel},
			Mailboxes:                 []sharing.Mailbox{{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	client := w.Client(t, contoso)
	ask := func(t *testing.T) map[string][]item {
		t.Helper()
		res, err := client.Availability(t.Context(), federation.Query{
			From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test", "erin@fabrikam.test", "sam@fabrikam.test", "nobody@fabrikam.test"},
			Start: week, End: weekEnd, View: ews.ViewDetailed,
		})
		if err != nil {
			t.Fatalf("the whole request failed: %v", err)
		}
		got := map[string][]item{}
		for _, a := range res.Attendees {
			if a.Err != nil {
				var me *ews.MailboxError
				if !errors.As(a.Err, &me) {
					t.Errorf("%s: %v, want an EWS mailbox error", a.Address, a.Err)
					continue
				}
				got[a.Address] = []item{{Busy: string(me.ResponseCode)}}
				continue
			}
			got[a.Address] = items(a.Events)
		}
		return got
	}

	// A server too slow to answer is unavailable: "retry later", as
	// Exchange says of a mailbox database it cannot reach.
	failed := []item{{Busy: string(ews.ErrorMailboxLogonFailed)}}
	notFound := []item{{Busy: string(ews.ErrorMailRecipientNotFound)}}
	setLevel(fedavail.AccessLimitedDetails)
	want := map[string][]item{
		// The holidays calendar is transparent: Easter does not show.
		"dana@fabrikam.test": {
			{Start: "Mon 08:00", Busy: "Busy", Subject: "Standup"},
			{Start: "Tue 14:00", Busy: "Busy", Private: true},
			{Start: "Wed 00:00", Busy: "OOF", Subject: "Offsite"},
			{Start: "Thu 10:00", Busy: "Free", Subject: "Focus time"},
		},
		// erin did not opt in to LimitedDetails.
		"erin@fabrikam.test":   {{Start: "Mon 13:00", Busy: "Tentative"}},
		"sam@fabrikam.test":    failed,
		"nobody@fabrikam.test": notFound,
	}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("LimitedDetails (-want +got):\n%s", d)
	}

	// erin did not opt in, so the EWS server shows her free/busy only and
	// tells the source so, which asks for a free-busy-query (dana's
	// detailed view never does). Radicale 3.1 has none: it is not asked again.
	if n := fbQueries.Load(); n != 1 {
		t.Errorf("%d free-busy-query reports, want 1 (for erin)", n)
	}

	// AvailabilityOnly: the source reads the objects and the server strips
	// the details.
	setLevel(fedavail.AccessAvailabilityOnly)
	for _, mb := range []string{"dana@fabrikam.test", "erin@fabrikam.test"} {
		for i := range want[mb] {
			want[mb][i].Subject, want[mb][i].Private = "", false
		}
	}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("AvailabilityOnly (-want +got):\n%s", d)
	}
	if n := fbQueries.Load(); n != 1 {
		t.Errorf("%d free-busy-query reports in all, want 1", n)
	}

	// A change on the server shows at once: the collection's getctag moved.
	put(t, rad, "erin", "work", "late", "SUMMARY:Late", "DTSTART:20260331T170000Z", "DTEND:20260331T180000Z")
	want["erin@fabrikam.test"] = append(want["erin@fabrikam.test"], item{Start: "Tue 17:00", Busy: "Busy"})
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("after a new item (-want +got):\n%s", d)
	}
}

// TestRadicaleDown: a server that refuses connections is unavailable for
// each mailbox (the asker retries later), never "free", never not found.
func TestRadicaleDown(t *testing.T) {
	t.Parallel()
	l := httptest.NewServer(http.NotFoundHandler())
	down := l.URL
	l.Close()
	src := newSource(t, caldav.Config{URL: down})
	_, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
	var ue *fedavail.UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Events on a closed port: %v, want a *fedavail.UnavailableError", err)
	}
	if _, err := src.WorkingHours(t.Context(), "dana@fabrikam.test"); !errors.As(err, &ue) {
		t.Fatalf("WorkingHours on a closed port: %v, want a *fedavail.UnavailableError", err)
	}
}

// TestRadicaleCache: an unchanged calendar is not fetched again (one
// PROPFIND per window); after a change, sync-collection names what changed
// and only that is fetched; a removed item goes.
func TestRadicaleCache(t *testing.T) {
	t.Parallel()
	rad := realparts.StartRadicale(t)
	fill(t, rad)
	var mu sync.Mutex
	var reqs []string
	counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		kind := r.Method + " " + r.URL.Path
		if r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			for _, k := range []string{"sync-collection", "calendar-multiget", "getetag"} {
				if strings.Contains(string(body), k) {
					kind += " " + k
					break
				}
			}
		}
		mu.Lock()
		reqs = append(reqs, kind)
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	src := newSource(t, caldav.Config{URL: rad.URL, HTTPClient: counting})
	read := func() ([]string, []string) {
		t.Helper()
		mu.Lock()
		reqs = nil
		mu.Unlock()
		evs, err := src.Events(context.Background(), "dana@fabrikam.test", week, weekEnd)
		if err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, e := range evs {
			subjects = append(subjects, e.Subject)
		}
		mu.Lock()
		defer mu.Unlock()
		return reqs, subjects
	}
	first, subjects := read()
	if d := cmp.Diff([]string{"PROPFIND /dana/", "PROPFIND /dana/work/ getetag", "REPORT /dana/work/ calendar-multiget"}, first); d != "" {
		t.Errorf("first read (-want +got):\n%s", d)
	}
	again, subjects2 := read()
	if d := cmp.Diff([]string{"PROPFIND /dana/"}, again); d != "" {
		t.Errorf("second read of an unchanged calendar (-want +got):\n%s", d)
	}
	if d := cmp.Diff(subjects, subjects2); d != "" {
		t.Errorf("the cached read differs (-first +second):\n%s", d)
	}
	put(t, rad, "dana", "work", "new", "SUMMARY:New", "DTSTART:20260331T170000Z", "DTEND:20260331T180000Z")
	got, subjects3 := read()
	if d := cmp.Diff([]string{"PROPFIND /dana/", "REPORT /dana/work/ sync-collection", "REPORT /dana/work/ calendar-multiget"}, got); d != "" {
		t.Errorf("read after one new item (-want +got):\n%s", d)
	}
	if len(subjects3) != len(subjects)+1 || !slices.Contains(subjects3, "New") {
		t.Errorf("after the new item: %q, want %q and New", subjects3, subjects)
	}
	rad.Delete(t, "dana", "work", "private")
	got, subjects4 := read()
	if d := cmp.Diff([]string{"PROPFIND /dana/", "REPORT /dana/work/ sync-collection"}, got); d != "" {
		t.Errorf("read after a removal (-want +got):\n%s", d)
	}
	if len(subjects4) != len(subjects) || slices.Contains(subjects4, "Doctor") {
		t.Errorf("after the removal: %q, want the Doctor gone", subjects4)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestRadicaleDiscovery finds calendar homes from the principal (a
// template) and from the current-user-principal of per-mailbox credentials.
func TestRadicaleDiscovery(t *testing.T) {
	t.Parallel()
	rad := realparts.StartRadicale(t)
	fill(t, rad)
	perMailbox := func(req *http.Request, mailbox string) error {
		local, _, _ := strings.Cut(mailbox, "@")
		req.SetBasicAuth(local, "x")
		return nil
	}
	for _, tt := range []struct {
		name string
		cfg  caldav.Config
	}{
		{"principal template", caldav.Config{URL: rad.URL, Principal: "/{local}/", Home: ""}},
		{"current-user-principal", caldav.Config{URL: rad.URL, Auth: perMailbox}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.HTTPClient = &http.Client{}
			if tt.cfg.Auth == nil {
				tt.cfg.Auth = caldav.BasicAuth("fedavail", "x")
			}
			src, err := caldav.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := src.Events(t.Context(), "erin@fabrikam.test", week, weekEnd)
			if err != nil || len(evs) != 1 || evs[0].Subject != "Review" {
				t.Errorf("erin's week: %+v, %v; want the review", evs, err)
			}
		})
	}
}
