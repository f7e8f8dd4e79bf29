package ews

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/internal/soap"
)

// countingSource counts the calendar reads that reach the store.
type countingSource struct {
	calendar.Source
	events, hours atomic.Int64
}

func (c *countingSource) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	c.events.Add(1)
	return c.Source.Events(ctx, mailbox, start, end)
}

func (c *countingSource) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	c.hours.Add(1)
	return c.Source.WorkingHours(ctx, mailbox)
}

// countingPolicy counts the access look-ups.
type countingPolicy struct {
	fedavail.AccessPolicy
	calls atomic.Int64
}

func (p *countingPolicy) Access(ctx context.Context, who fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	p.calls.Add(1)
	return p.AccessPolicy.Access(ctx, who, mailbox)
}

// suggestionsRequest asks for free/busy and for up to 96 suggestions a day
// over days days for mailboxes: the shape of the amplification attack.
func suggestionsRequest(days int, mailboxes ...string) *GetUserAvailabilityRequest {
	req := availability(ViewDetailedMerged, mailboxes...)
	req.FreeBusyViewOptions.TimeWindow.EndTime = At(testDay.AddDate(0, 0, days))
	req.SuggestionsViewOptions = &SuggestionsViewOptions{
		MeetingDurationInMinutes:       30,
		MaximumResultsByDay:            48,
		MaximumNonWorkHourResultsByDay: 48,
		MinimumSuggestionQuality:       Poor,
		DetailedSuggestionsWindow:      Duration{StartTime: At(testDay), EndTime: At(testDay.AddDate(0, 0, days))},
	}
	return req
}

func repeat(addr string, n int) []string {
	out := make([]string, n)
	for i := range out {
		// Case and space differ: still one mailbox.
		switch i % 3 {
		case 0:
			out[i] = addr
		case 1:
			out[i] = strings.ToUpper(addr)
		default:
			out[i] = " " + addr + " "
		}
	}
	return out
}

// TestRepeatedMailboxesReadOnce: 100 entries naming one mailbox cost one
// policy look-up and one calendar read, and each entry still gets its
// answer, in request order, as from Exchange.
func TestRepeatedMailboxesReadOnce(t *testing.T) {
	src := &countingSource{Source: testCalendars()}
	pol := &countingPolicy{AccessPolicy: stubPolicy{}}
	ts := newTestServer(t, func(c *HandlerConfig) { c.Calendars, c.Policy = src, pol })
	req := availability(ViewFreeBusy, repeat("alice@example.com", 100)...)
	var out GetUserAvailabilityResponse
	if r := ts.do(t, call{body: req}, &out); r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.data)
	}
	if n := len(out.FreeBusyResponses); n != 100 {
		t.Fatalf("%d answers, want 100", n)
	}
	for i := range out.FreeBusyResponses {
		if diff := cmp.Diff(out.FreeBusyResponses[0], out.FreeBusyResponses[i]); diff != "" {
			t.Fatalf("entry %d differs from entry 0 (-0 +%d):\n%s", i, i, diff)
		}
	}
	if got := [3]int64{pol.calls.Load(), src.events.Load(), src.hours.Load()}; got != [3]int64{1, 1, 1} {
		t.Errorf("policy, events, working hours calls = %v, want one each", got)
	}
}

// TestForbiddenMailboxesCostNothing: for a requester that may see none of
// the mailboxes (no organization relationship), no calendar is read and no
// suggestion is rated: each mailbox is ErrorNoFreeBusyAccess and the
// suggestions answer carries that code with no days.
func TestForbiddenMailboxesCostNothing(t *testing.T) {
	src := &countingSource{Source: testCalendars()}
	ts := newTestServer(t, func(c *HandlerConfig) { c.Calendars = src })
	mailboxes := append(repeat("none@example.com", 98), "NONE@example.com", "none@example.com")
	var out GetUserAvailabilityResponse
	r := ts.do(t, call{body: suggestionsRequest(62, mailboxes...)}, &out)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.data)
	}
	for i, fb := range out.FreeBusyResponses {
		if c := fb.ResponseMessage.ResponseCode; c != ErrorNoFreeBusyAccess {
			t.Fatalf("entry %d: %s, want ErrorNoFreeBusyAccess", i, c)
		}
	}
	s := out.SuggestionsResponse
	if s == nil || s.ResponseMessage.ResponseClass != Error || s.ResponseMessage.ResponseCode != ErrorNoFreeBusyAccess || len(s.Days) != 0 {
		t.Errorf("suggestions = %+v, want an ErrorNoFreeBusyAccess error and no days", s)
	}
	if n := src.events.Load() + src.hours.Load(); n != 0 {
		t.Errorf("%d calendar reads for mailboxes the requester may not see", n)
	}
	if len(r.data) > 128<<10 {
		t.Errorf("answer is %d bytes for a refusal of 100 mailboxes", len(r.data))
	}
}

// TestAnswerSizeCap: past MaxAnswerBytes, the remaining mailboxes and the
// suggestions are answered ErrorResultSetTooBig, in request order, and the
// answer stays near the cap.
func TestAnswerSizeCap(t *testing.T) {
	const maxAnswer = 64 << 10
	ts := newTestServer(t, func(c *HandlerConfig) { c.MaxAnswerBytes = maxAnswer })
	var out GetUserAvailabilityResponse
	r := ts.do(t, call{body: suggestionsRequest(62, repeat("alice@example.com", 100)...), validate: true}, &out)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.data)
	}
	var codes []ResponseCode
	for _, fb := range out.FreeBusyResponses {
		if len(codes) == 0 || codes[len(codes)-1] != fb.ResponseMessage.ResponseCode {
			codes = append(codes, fb.ResponseMessage.ResponseCode)
		}
	}
	if diff := cmp.Diff([]ResponseCode{NoError, ErrorResultSetTooBig}, codes); diff != "" {
		t.Errorf("runs of codes in request order (-want +got):\n%s", diff)
	}
	if s := out.SuggestionsResponse; s == nil || s.ResponseMessage.ResponseCode != ErrorResultSetTooBig || len(s.Days) != 0 {
		t.Errorf("suggestions = %+v, want ErrorResultSetTooBig", s)
	}
	// The cap counts the FreeBusyResponse elements; 100 refusals and the
	// envelope come on top.
	if limit := maxAnswer + 100*1000 + 2000; len(r.data) > limit {
		t.Errorf("answer is %d bytes, want at most %d", len(r.data), limit)
	}

	// One mailbox fits: its suggestions come back whole.
	out = GetUserAvailabilityResponse{}
	ts.do(t, call{body: suggestionsRequest(3, "alice@example.com")}, &out)
	if s := out.SuggestionsResponse; s == nil || s.ResponseMessage.ResponseCode != NoError || len(s.Days) != 3 {
		t.Errorf("small request's suggestions = %+v", s)
	}
}

// TestTooManyItemsIsResultSetTooBig: a mailbox with more items in the
// window than the source returns is Exchange's ErrorResultSetTooBig, for
// that mailbox alone.
func TestTooManyItemsIsResultSetTooBig(t *testing.T) {
	cal := testCalendars()
	cal.MaxEvents = 2
	ts := newTestServer(t, func(c *HandlerConfig) { c.Calendars = cal })
	var out GetUserAvailabilityResponse
	ts.do(t, call{body: availability(ViewFreeBusy, "alice@example.com", "empty@example.com")}, &out)
	var got []ResponseCode
	for _, fb := range out.FreeBusyResponses {
		got = append(got, fb.ResponseMessage.ResponseCode)
	}
	if diff := cmp.Diff([]ResponseCode{ErrorResultSetTooBig, NoError}, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}

// TestWorkCountsAgainstThrottling: a CostLimiter is charged one unit per
// calendar read (two with suggestions), so a partner's budget measures the
// server's work; mailboxes it may not see cost nothing beyond the request.
func TestWorkCountsAgainstThrottling(t *testing.T) {
	ts := newTestServer(t, func(c *HandlerConfig) { c.Limiter = NewPartnerLimiter(0.001, 10) })
	four := []string{"alice@example.com", "avail@example.com", "empty@example.com", "alice@example.com", "nobody@example.com"}
	// alice, avail, empty and nobody are read (nobody is not found), with
	// suggestions: 8 units of 10.
	if r := ts.do(t, call{body: suggestionsRequest(1, four...)}, nil); r.status != http.StatusOK {
		t.Fatalf("first request: status %d: %s", r.status, r.data)
	}
	r := ts.do(t, call{body: suggestionsRequest(1, four...)}, nil)
	if r.fault == nil || r.fault.ResponseCode != string(ErrorServerBusy) {
		t.Fatalf("second request: status %d, fault %v; want ErrorServerBusy", r.status, r.fault)
	}
	// The refused charge took nothing: one request for forbidden
	// mailboxes (one unit) still fits in what is left.
	if r := ts.do(t, call{body: suggestionsRequest(1, repeat("none@example.com", 100)...)}, nil); r.status != http.StatusOK {
		t.Errorf("forbidden mailboxes: status %d, fault %v; want an answer", r.status, r.fault)
	}
}

// TestAmplificationAllocations measures the bytes the handler allocates for
// the attack of issue 12.3 — suggestions and detailed free/busy over 100
// entries naming one mailbox, for 62 days, 96 suggestions a day — with the
// mailbox visible and forbidden.
//
// Before the fix, the same request over 42 days answered 32 MB and
// allocated 266 MB (visible), 26 MB and 219 MB (forbidden). The bounds:
//   - visible: 6 × MaxAnswerBytes. The answer (the cap plus the refusals
//     past it) is appended into one buffer whose doublings allocate about
//     twice its final size; rating the window (about 1.6 MB for 62 days of
//     30-minute candidates) is done once for the repeats, so it does not
//     grow with them. Measured: 3.6 MB for a 1 MiB cap.
//   - forbidden: 64 × the request size: decoding the request and writing
//     100 refusals (each with Exchange's MessageXml), no calendar read
//     and no rating. Measured: 33 ×.
func TestAmplificationAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a large request; skipped in -short")
	}
	const maxAnswer = 1 << 20
	h, err := NewHandler(HandlerConfig{
		Calendars: testCalendars(), Policy: stubPolicy{"none@example.com": fedavail.AccessNone},
		Authenticate: func(*http.Request) (*fedavail.Requester, error) {
			return &fedavail.Requester{Address: "carol@example.com", Domain: "example.com"}, nil
		},
		Now: func() time.Time { return testNow }, MaxAnswerBytes: maxAnswer,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		mailbox string
		bound   func(request int) uint64
	}{
		{"visible", "alice@example.com", func(int) uint64 { return 6 * maxAnswer }},
		{"forbidden", "none@example.com", func(n int) uint64 { return 64 * uint64(n) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := soap.Envelope{Version: soap.V11, Body: suggestionsRequest(62, repeat(tt.mailbox, 100)...)}
			body, err := env.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			serve := func() *httptest.ResponseRecorder {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/EWS/Exchange.asmx", bytes.NewReader(body)))
				return w
			}
			if w := serve(); w.Code != http.StatusOK { // warm the pools and caches
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			w := serve()
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("request %d bytes, answer %d bytes, allocated %d bytes", len(body), w.Body.Len(), alloc)
			if limit := tt.bound(len(body)); alloc > limit {
				t.Errorf("allocated %d bytes, more than the bound of %d", alloc, limit)
			}
		})
	}
}
