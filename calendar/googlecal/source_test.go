package googlecal_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/googlecal"
)

// fakeGoogle answers the Calendar API's documented JSON
// (developers.google.com/calendar/api/v3/reference) for the mailboxes in
// events; a mailbox is told by the X-Test-Mailbox header the test's
// clients add, as Google tells it by the token's subject.
type fakeGoogle struct {
	events map[string][]string // mailbox → pages of items (JSON arrays' contents)
	busy   map[string]string   // mailbox → freeBusy "busy" array

	mu   sync.Mutex
	seen []string
}

func (f *fakeGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	mb := r.Header.Get("X-Test-Mailbox")
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	notFound := func() {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"code":404,"message":"Not Found","errors":[{"domain":"global","reason":"notFound","message":"Not Found"}]}}`)
	}
	switch {
	case r.URL.Path == "/calendar/v3/freeBusy" && r.Method == http.MethodPost:
		var req struct {
			TimeMin, TimeMax string
			Items            []struct{ ID string }
		}
		json.NewDecoder(r.Body).Decode(&req)
		id := req.Items[0].ID
		cal := `{"errors":[{"domain":"global","reason":"notFound"}]}`
		if b, ok := f.busy[id]; ok {
			cal = `{"busy":[` + b + `]}`
		}
		fmt.Fprintf(w, `{"kind":"calendar#freeBusy","timeMin":%q,"timeMax":%q,"calendars":{%q:%s}}`, req.TimeMin, req.TimeMax, id, cal)
	case r.URL.Path == "/calendar/v3/users/me/settings/timezone":
		if _, ok := f.events[mb]; !ok {
			notFound()
			return
		}
		io.WriteString(w, `{"kind":"calendar#setting","etag":"\"1\"","id":"timezone","value":"Europe/London"}`)
	case strings.HasPrefix(r.URL.Path, "/calendar/v3/calendars/") && strings.HasSuffix(r.URL.Path, "/events"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/calendar/v3/calendars/"), "/events")
		pages, ok := f.events[id]
		if !ok || id != mb {
			notFound()
			return
		}
		if r.URL.Query().Get("singleEvents") != "true" {
			http.Error(w, `{"error":{"code":400,"message":"want singleEvents"}}`, http.StatusBadRequest)
			return
		}
		page := 0
		fmt.Sscan(r.URL.Query().Get("pageToken"), &page)
		next := ""
		if page+1 < len(pages) {
			next = fmt.Sprintf(`,"nextPageToken":"%d"`, page+1)
		}
		fmt.Fprintf(w, `{"kind":"calendar#events","summary":%q,"timeZone":"Europe/London","items":[%s]%s}`, id, pages[page], next)
	default:
		notFound()
	}
}

func (f *fakeGoogle) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.seen
	f.seen = nil
	return out
}

// week is Monday 30 March 2026, the first week of British Summer Time.
var (
	week    = time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	weekEnd = week.AddDate(0, 0, 5)
)

var danaPages = []string{
	`{"id":"standup_20260330","status":"confirmed","summary":"Standup","location":"Room 1","recurringEventId":"standup",
	  "start":{"dateTime":"2026-03-30T09:00:00+01:00","timeZone":"Europe/London"},"end":{"dateTime":"2026-03-30T09:30:00+01:00"},
	  "attendees":[{"email":"dana@fabrikam.test","self":true,"responseStatus":"accepted"},{"email":"erin@fabrikam.test"}],"reminders":{"useDefault":true}},
	 {"id":"doctor","summary":"Doctor","visibility":"private","start":{"dateTime":"2026-03-31T14:00:00Z"},"end":{"dateTime":"2026-03-31T15:00:00Z"}},
	 {"id":"cancelled","status":"cancelled","summary":"Gone","start":{"dateTime":"2026-03-31T16:00:00Z"},"end":{"dateTime":"2026-03-31T17:00:00Z"}}`,
	`{"id":"holiday","summary":"Holiday","eventType":"outOfOffice","transparency":"opaque","start":{"date":"2026-04-01"},"end":{"date":"2026-04-02"}},
	 {"id":"home","summary":"Home","eventType":"workingLocation","transparency":"transparent","visibility":"public",
	  "workingLocationProperties":{"type":"homeOffice","homeOffice":{}},"start":{"date":"2026-04-02"},"end":{"date":"2026-04-03"}},
	 {"id":"office","summary":"Office","eventType":"workingLocation","transparency":"transparent",
	  "workingLocationProperties":{"type":"officeLocation","officeLocation":{"label":"HQ"}},"start":{"date":"2026-03-31"},"end":{"date":"2026-04-01"}},
	 {"id":"focus","summary":"Focus","transparency":"transparent","start":{"dateTime":"2026-04-02T10:00:00Z"},"end":{"dateTime":"2026-04-02T11:00:00Z"}},
	 {"id":"maybe","summary":"Maybe","confidential":true,"visibility":"confidential","start":{"dateTime":"2026-04-03T12:00:00Z"},"end":{"dateTime":"2026-04-03T13:00:00Z"},
	  "attendees":[{"email":"dana@fabrikam.test","self":true,"responseStatus":"tentative"}]},
	 {"id":"declined","summary":"No","start":{"dateTime":"2026-04-03T15:00:00Z"},"end":{"dateTime":"2026-04-03T16:00:00Z"},
	  "attendees":[{"email":"dana@fabrikam.test","self":true,"responseStatus":"declined"}]}`,
}

// tagged marks each request with the mailbox its client acts as.
type tagged struct {
	mailbox string
	base    http.RoundTripper
}

func (t tagged) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Mailbox", t.mailbox)
	return t.base.RoundTrip(r)
}

func newSource(t *testing.T, h http.Handler, cfg googlecal.Config) *googlecal.Source {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.Endpoint = srv.URL + "/calendar/v3/"
	cfg.Client = func(_ context.Context, mailbox string) (*http.Client, error) {
		return &http.Client{Transport: tagged{mailbox, http.DefaultTransport}}, nil
	}
	s, err := googlecal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type item struct {
	Start, End string
	Busy       string
	Subject    string
	Private    bool
}

func items(evs []calendar.Event) []item {
	var out []item
	for _, e := range evs {
		out = append(out, item{e.Start.UTC().Format("Mon 15:04"), e.End.UTC().Format("Mon 15:04"), e.BusyType.String(), e.Subject, e.IsPrivate})
	}
	return out
}

func TestEvents(t *testing.T) {
	t.Parallel()
	f := &fakeGoogle{events: map[string][]string{"dana@fabrikam.test": danaPages}}
	src := newSource(t, f, googlecal.Config{})
	got, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
	if err != nil {
		t.Fatal(err)
	}
	want := []item{
		{"Mon 08:00", "Mon 08:30", "Busy", "Standup", false}, // 09:00 BST
		{"Tue 14:00", "Tue 15:00", "Busy", "Doctor", true},
		{"Tue 23:00", "Wed 23:00", "OOF", "Holiday", false},           // all day in the calendar's zone
		{"Wed 23:00", "Thu 23:00", "WorkingElsewhere", "Home", false}, // working from home
		{"Thu 10:00", "Thu 11:00", "Free", "Focus", false},            // transparent
		{"Fri 12:00", "Fri 13:00", "Tentative", "Maybe", true},        // confidential, tentatively accepted
	}
	if d := cmp.Diff(want, items(got)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if got[0].ID != "standup_20260330" || !got[0].IsMeeting || !got[0].IsRecurring || !got[0].IsReminderSet {
		t.Errorf("standup details: %+v", got[0])
	}
	if d := cmp.Diff([]string{"GET /calendar/v3/calendars/dana@fabrikam.test/events", "GET /calendar/v3/calendars/dana@fabrikam.test/events"}, f.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	wh, err := src.WorkingHours(t.Context(), "dana@fabrikam.test")
	if err != nil || wh.Location.String() != "Europe/London" {
		t.Errorf("WorkingHours = %+v, %v; want the user's zone Europe/London", wh, err)
	}
	for _, call := range []func() error{
		func() error { _, err := src.Events(t.Context(), "nobody@fabrikam.test", week, weekEnd); return err },
		func() error { _, err := src.WorkingHours(t.Context(), "nobody@fabrikam.test"); return err },
		func() error {
			_, err := src.Events(calendar.WithFreeBusyOnly(t.Context()), "nobody@fabrikam.test", week, weekEnd)
			return err
		},
	} {
		if err := call(); !errors.Is(err, calendar.ErrMailboxNotFound) {
			t.Errorf("unknown mailbox: %v, want ErrMailboxNotFound", err)
		}
	}
}

// TestFreeBusyOnly: only freeBusy.query is asked; no event leaves Google.
func TestFreeBusyOnly(t *testing.T) {
	t.Parallel()
	f := &fakeGoogle{
		events: map[string][]string{"dana@fabrikam.test": danaPages},
		busy:   map[string]string{"dana@fabrikam.test": `{"start":"2026-03-30T08:00:00Z","end":"2026-03-30T08:30:00Z"},{"start":"2026-03-31T14:00:00Z","end":"2026-03-31T15:00:00Z"}`},
	}
	src := newSource(t, f, googlecal.Config{})
	got, err := src.Events(calendar.WithFreeBusyOnly(t.Context()), "dana@fabrikam.test", week, weekEnd)
	if err != nil {
		t.Fatal(err)
	}
	want := []item{{"Mon 08:00", "Mon 08:30", "Busy", "", false}, {"Tue 14:00", "Tue 15:00", "Busy", "", false}}
	if d := cmp.Diff(want, items(got)); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"POST /calendar/v3/freeBusy"}, f.requests()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// TestHostileAnswers: what a broken or hostile endpoint answers fails the
// mailbox with a typed error, at bounded cost.
func TestHostileAnswers(t *testing.T) {
	t.Parallel()
	json := func(status int, body func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			body(w, r)
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(error) bool
	}{
		{"503 is unavailable", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(503)
			io.WriteString(w, `{"error":{"code":503,"message":"Backend Error"}}`)
		}, func(err error) bool {
			var ue *fedavail.UnavailableError
			var ge *googleapi.Error
			return errors.As(err, &ue) && ue.RetryAfter == 7*time.Second && errors.As(err, &ge) && ge.Code == 503
		}},
		{"403 rate limit is a failure", json(403, func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"error":{"code":403,"message":"Forbidden","errors":[{"reason":"forbidden"}]}}`)
		}), func(err error) bool {
			var ue *fedavail.UnavailableError
			var ge *googleapi.Error
			return !errors.As(err, &ue) && errors.As(err, &ge) && ge.Code == 403
		}},
		{"huge answer", json(200, func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"items":[`+strings.Repeat(`{"id":"x"},`, 1<<16)+`{}]}`)
		}), func(err error) bool { var le *fedavail.LimitError; return errors.As(err, &le) }},
		{"endless answer", json(200, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"items":[`)
			for r.Context().Err() == nil {
				if _, err := io.WriteString(w, `{"id":"x"},`); err != nil {
					return
				}
			}
		}), func(err error) bool { var le *fedavail.LimitError; return errors.As(err, &le) }},
		{"deep nesting", json(200, func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"items":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}`)
		}), func(err error) bool { return err != nil }},
		{"endless empty pages", json(200, func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"items":[],"nextPageToken":"again"}`)
		}), func(err error) bool { var te *calendar.TooManyEventsError; return errors.As(err, &te) }},
		{"a redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "redirects") }},
		{"an HTML page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>sign in</html>")
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "want application/json") }},
		{"slow drip", json(200, func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 500 && r.Context().Err() == nil; i++ {
				io.WriteString(w, " ")
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
		}), func(err error) bool {
			var ue *fedavail.UnavailableError
			return errors.Is(err, context.DeadlineExceeded) && errors.As(err, &ue)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newSource(t, tt.handler, googlecal.Config{MaxResponseBytes: 1 << 18, MaxEvents: 100, Timeout: 2 * time.Second})
			if _, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd); !tt.check(err) {
				t.Errorf("Events: %v (%T)", err, err)
			}
		})
	}
}

// TestDelegated: each mailbox's requests carry a token issued for a JWT
// whose subject is that mailbox (domain-wide delegation), from the token
// endpoint the key file names, here a local one.
func TestDelegated(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var tokens, seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			r.ParseForm()
			parts := strings.Split(r.PostForm.Get("assertion"), ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var claims struct{ Sub, Scope string }
			json.Unmarshal(payload, &claims)
			mu.Lock()
			tokens = append(tokens, claims.Sub+" "+claims.Scope)
			mu.Unlock()
			fmt.Fprintf(w, `{"access_token":"token-for-%s","token_type":"Bearer","expires_in":3600}`, claims.Sub)
			return
		}
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		io.WriteString(w, `{"kind":"calendar#setting","id":"timezone","value":"UTC"}`)
	}))
	t.Cleanup(srv.Close)
	keyFile, _ := json.Marshal(map[string]string{
		"type": "service_account", "client_email": "fedavail@project.iam.gserviceaccount.test", "private_key_id": "1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": srv.URL + "/token",
	})
	clientFor, err := googlecal.Delegated(keyFile, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	src, err := googlecal.New(googlecal.Config{Client: clientFor, Endpoint: srv.URL + "/calendar/v3/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, mb := range []string{"dana@fabrikam.test", "erin@fabrikam.test", "Dana@fabrikam.test"} {
		if _, err := src.WorkingHours(t.Context(), mb); err != nil {
			t.Fatal(err)
		}
	}
	// One token per mailbox, reused; the read-only scope only.
	if d := cmp.Diff([]string{"dana@fabrikam.test " + googlecal.Scope, "erin@fabrikam.test " + googlecal.Scope}, tokens); d != "" {
		t.Errorf("token requests (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"Bearer token-for-dana@fabrikam.test", "Bearer token-for-erin@fabrikam.test", "Bearer token-for-dana@fabrikam.test"}, seen); d != "" {
		t.Errorf("API requests' credentials (-want +got):\n%s", d)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := googlecal.New(googlecal.Config{Endpoint: "http://x", MaxEvents: -1})
	for _, want := range []string{"Client is required", "must not be negative", "must end with /"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

// TestUntrustedServer: a server whose certificate the client does not
// trust is an error for the mailbox, not an answer.
func TestUntrustedServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(&fakeGoogle{events: map[string][]string{"dana@fabrikam.test": danaPages}})
	t.Cleanup(srv.Close)
	src, err := googlecal.New(googlecal.Config{
		Endpoint: srv.URL + "/calendar/v3/",
		Client:   func(context.Context, string) (*http.Client, error) { return &http.Client{}, nil }, // system roots only
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Events from an untrusted server: %v, want a certificate error", err)
	}
}

// TestServerDown: an endpoint that refuses connections is "retry later"
// for the mailbox, never not found.
func TestServerDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	src, err := googlecal.New(googlecal.Config{
		Endpoint: srv.URL + "/calendar/v3/",
		Client:   func(context.Context, string) (*http.Client, error) { return &http.Client{}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	var ue *fedavail.UnavailableError
	if _, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd); !errors.As(err, &ue) || errors.Is(err, calendar.ErrMailboxNotFound) {
		t.Errorf("Events with the server down: %v, want a *fedavail.UnavailableError", err)
	}
	if _, err := src.WorkingHours(t.Context(), "dana@fabrikam.test"); !errors.As(err, &ue) {
		t.Errorf("WorkingHours with the server down: %v, want a *fedavail.UnavailableError", err)
	}
}
