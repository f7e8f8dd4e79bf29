package caldav_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/caldav"
)

// homeListing is dana's home as a server lists it: one calendar.
const homeListing = `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">` +
	`<D:response><D:href>/dana/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>` +
	`<D:response><D:href>http://elsewhere.example/dana/work/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype>` +
	`<CS:getctag>v1</CS:getctag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`

const freeBusyAnswer = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VFREEBUSY\r\nDTSTART:20260330T000000Z\r\nDTEND:20260404T000000Z\r\n" +
	"FREEBUSY:20260330T090000Z/20260330T100000Z,20260331T090000Z/PT30M\r\n" +
	"FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260401T120000Z/20260401T130000Z\r\n" +
	"FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260402T000000Z/20260403T000000Z\r\n" +
	"FREEBUSY;FBTYPE=FREE:20260403T080000Z/20260403T090000Z\r\n" +
	"END:VFREEBUSY\r\nEND:VCALENDAR\r\n"

// fakeServer answers dana's home listing and sends REPORTs to report,
// recording the kind of every request.
type fakeServer struct {
	report func(w http.ResponseWriter, body string)
	home   func() string // the home listing; nil means homeListing
	mu     sync.Mutex
	seen   []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	kind := r.Method + " " + r.URL.Path
	for _, k := range []string{"free-busy-query", "calendar-multiget", "calendar-query", "sync-collection", "getetag"} {
		if strings.Contains(string(body), k) {
			kind += " " + k
			break
		}
	}
	f.mu.Lock()
	f.seen = append(f.seen, kind)
	f.mu.Unlock()
	switch {
	case r.Method == "PROPFIND" && r.URL.Path == "/dana/":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		if f.home != nil {
			io.WriteString(w, f.home())
			return
		}
		io.WriteString(w, homeListing)
	case r.Method == "PROPFIND" && r.URL.Path == "/dana/work/":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		io.WriteString(w, `<D:multistatus xmlns:D="DAV:"><D:response><D:href>/dana/work/a.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
	case r.Method == "REPORT" && f.report != nil:
		f.report(w, string(body))
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeServer) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.seen
	f.seen = nil
	return out
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// TestFreeBusyQuery: under calendar.WithFreeBusyOnly only a free-busy-query
// leaves for the server, and its periods become items without details.
func TestFreeBusyQuery(t *testing.T) {
	t.Parallel()
	f := &fakeServer{report: func(w http.ResponseWriter, body string) {
		if !strings.Contains(body, `start="20260330T000000Z" end="20260404T000000Z"`) {
			http.Error(w, "wrong time-range: "+body, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		io.WriteString(w, freeBusyAnswer)
	}}
	src := newSource(t, caldav.Config{URL: serve(t, f)})
	got, err := src.Events(calendar.WithFreeBusyOnly(t.Context()), "Dana@fabrikam.test", week, weekEnd)
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time {
		return week.AddDate(0, 0, d).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	want := []calendar.Event{
		{Start: at(0, 9, 0), End: at(0, 10, 0), BusyType: calendar.Busy},
		{Start: at(1, 9, 0), End: at(1, 9, 30), BusyType: calendar.Busy},
		{Start: at(2, 12, 0), End: at(2, 13, 0), BusyType: calendar.Tentative},
		{Start: at(3, 0, 0), End: at(4, 0, 0), BusyType: calendar.OOF},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	// The href naming another host was followed on this server only.
	if d := cmp.Diff([]string{"PROPFIND /dana/", "REPORT /dana/work/ free-busy-query"}, f.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// TestFreeBusyQueryUnsupported: a server answering free-busy-query with a
// multistatus (Radicale 3.1) is read object by object, and not asked again.
func TestFreeBusyQueryUnsupported(t *testing.T) {
	t.Parallel()
	f := &fakeServer{report: func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusMultiStatus)
		if strings.Contains(body, "calendar-multiget") {
			io.WriteString(w, `<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/dana/work/a.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag>`+
				"<C:calendar-data>BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Secret\r\nDTSTART:20260330T090000Z\r\nDTEND:20260330T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n</C:calendar-data>"+
				`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`)
			return
		}
		io.WriteString(w, `<D:multistatus xmlns:D="DAV:"/>`)
	}}
	src := newSource(t, caldav.Config{URL: serve(t, f)})
	for i, want := range [][]string{
		{"PROPFIND /dana/", "REPORT /dana/work/ free-busy-query", "PROPFIND /dana/work/ getetag", "REPORT /dana/work/ calendar-multiget"},
		{"PROPFIND /dana/"}, // not asked again; the cache holds the calendar
	} {
		got, err := src.Events(calendar.WithFreeBusyOnly(t.Context()), "dana@fabrikam.test", week, weekEnd)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].BusyType != calendar.Busy {
			t.Errorf("read %d: %+v, want one busy item", i, got)
		}
		if d := cmp.Diff(want, f.requests()); d != "" {
			t.Errorf("read %d requests (-want +got):\n%s", i, d)
		}
	}
}

// TestServerAnswers maps what servers answer to the errors of both methods.
// Every case fails the mailbox, and only the unknown ones as not found.
func TestServerAnswers(t *testing.T) {
	t.Parallel()
	multistatus := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMultiStatus)
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(error) bool
	}{
		{"404 is not found", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			func(err error) bool { return errors.Is(err, calendar.ErrMailboxNotFound) }},
		{"410 is not found", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) },
			func(err error) bool { return errors.Is(err, calendar.ErrMailboxNotFound) }},
		{"a home without calendars is not found", multistatus(`<D:multistatus xmlns:D="DAV:"><D:response><D:href>/dana/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`),
			func(err error) bool { return errors.Is(err, calendar.ErrMailboxNotFound) }},
		{"401", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) },
			func(err error) bool { return errors.Is(err, fedavail.ErrUnauthorized) }},
		{"503 is unavailable, with Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, func(err error) bool {
			var ue *fedavail.UnavailableError
			var he *fedavail.HTTPError
			return errors.As(err, &ue) && ue.RetryAfter == 30*time.Second && errors.As(err, &he) && he.StatusCode == 503
		}},
		{"429 is unavailable", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) },
			func(err error) bool { var ue *fedavail.UnavailableError; return errors.As(err, &ue) }},
		{"500 is a failure", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) },
			func(err error) bool {
				var ue *fedavail.UnavailableError
				var he *fedavail.HTTPError
				return !errors.As(err, &ue) && errors.As(err, &he) && he.StatusCode == 500
			}},
		{"huge answer", multistatus(`<D:multistatus xmlns:D="DAV:">` + strings.Repeat("<D:response/>", 1<<15) + `</D:multistatus>`),
			func(err error) bool { var le *fedavail.LimitError; return errors.As(err, &le) }},
		{"endless answer", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMultiStatus)
			chunk := []byte(strings.Repeat("<x>", 4096))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, func(err error) bool { var le *fedavail.LimitError; return errors.As(err, &le) }},
		{"entity bomb", multistatus(`<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><D:multistatus xmlns:D="DAV:">&b;</D:multistatus>`),
			func(err error) bool { return errors.Is(err, fedavail.ErrDTD) }},
		{"deep nesting", multistatus(strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000)),
			func(err error) bool { var le *fedavail.LimitError; return errors.As(err, &le) }},
		{"a thousand calendars", multistatus(`<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` + strings.Repeat(
			`<D:response><D:href>/dana/c/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`, 1000) + `</D:multistatus>`),
			func(err error) bool {
				var le *fedavail.LimitError
				return errors.As(err, &le) && le.Limit == caldav.MaxCalendars
			}},
		{"malformed XML", multistatus(`<D:multistatus xmlns:D="DAV:"><D:response>`),
			func(err error) bool { var xe *fedavail.XMLError; return errors.As(err, &xe) }},
		{"an HTML login page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>log in</html>")
		}, func(err error) bool { var ce *caldav.ContentTypeError; return errors.As(err, &ce) }},
		{"a redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "redirects") }},
		{"a slow drip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMultiStatus)
			for i := 0; r.Context().Err() == nil && i < 500; i++ {
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		}, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newSource(t, caldav.Config{URL: serve(t, tt.handler), MaxResponseBytes: 1 << 18, Timeout: 2 * time.Second})
			_, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
			if !tt.check(err) {
				t.Errorf("Events: %v (%T)", err, err)
			}
			src = newSource(t, caldav.Config{URL: serve(t, tt.handler), MaxResponseBytes: 1 << 18, Timeout: 2 * time.Second})
			if _, err := src.WorkingHours(t.Context(), "dana@fabrikam.test"); !tt.check(err) {
				t.Errorf("WorkingHours: %v (%T)", err, err)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := caldav.New(caldav.Config{Home: "/calendars/", MaxEvents: -1})
	if err == nil {
		t.Fatal("New accepted an empty Config")
	}
	for _, want := range []string{"URL is required", "HTTPClient is required", "Home", "MaxEvents is negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := caldav.New(caldav.Config{URL: "ftp://x/", HTTPClient: &http.Client{}}); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("ftp URL: %v", err)
	}
}

// TestSyncTokenRefused: a server refusing the cached sync-token (RFC 6578
// says 403 valid-sync-token) is listed by ETag instead.
func TestSyncTokenRefused(t *testing.T) {
	t.Parallel()
	var token atomic.Int32
	f := &fakeServer{
		home: func() string {
			return strings.Replace(homeListing, "<CS:getctag>v1</CS:getctag>", fmt.Sprintf("<D:sync-token>t%d</D:sync-token>", token.Load()), 1)
		},
		report: func(w http.ResponseWriter, body string) {
			if strings.Contains(body, "sync-collection") {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, `<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>`)
				return
			}
			answerObjects(w, body)
		},
	}
	src := newSource(t, caldav.Config{URL: serve(t, f)})
	for i, want := range [][]string{
		{"PROPFIND /dana/", "PROPFIND /dana/work/ getetag", "REPORT /dana/work/ calendar-multiget"},
		{"PROPFIND /dana/", "REPORT /dana/work/ sync-collection", "PROPFIND /dana/work/ getetag"}, // unchanged ETag: nothing fetched
	} {
		token.Add(1)
		evs, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
		if err != nil || len(evs) != 1 {
			t.Fatalf("read %d: %+v, %v", i, evs, err)
		}
		if d := cmp.Diff(want, f.requests()); d != "" {
			t.Errorf("read %d requests (-want +got):\n%s", i, d)
		}
	}
}
