package ews

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

// The round-trip tests put our Client in front of our Handler over HTTPS on
// 127.0.0.1: whatever one sends, the other must read, and the answer must
// mean to the caller what the handler meant.

// federatedClient is a Client posting to ts with a delegation token the
// stub validator accepts (or refuses, for token = badToken).
func federatedClient(ts *testServer, token string) *Client {
	return &Client{
		URL:        ts.URL + "/EWS/Exchange.asmx",
		HTTPClient: ts.Client(),
		Version:    Exchange2013,
		Auth: FederatedAuth{
			Tokens: fedavail.TokenSourceFunc(func(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) {
				return &fedavail.Token{EncryptedData: []byte(token)}, nil
			}),
			Audience:  "urn:federation:example.com",
			Requester: partnerEmail,
		},
	}
}

// dayRequest asks about the test day, in UTC, hour by hour.
func dayRequest(view ViewType, mailboxes ...string) *AvailabilityRequest {
	req := &AvailabilityRequest{
		Start: testDay, End: testDay.Add(24 * time.Hour), Location: time.UTC,
		FreeBusy: &FreeBusyOptions{View: view, MergedInterval: time.Hour},
	}
	for _, m := range mailboxes {
		req.Mailboxes = append(req.Mailboxes, Mailbox{Address: m})
	}
	return req
}

// mailboxSummary is what the view tests compare for one mailbox.
type mailboxSummary struct {
	Code     ResponseCode // of the *MailboxError, if any
	View     ViewType
	Merged   string // busy types of the slots, one digit each
	Events   int
	Subjects []string // of the events with details
	Private  int      // events marked private
	Hours    bool
}

func summarizeMailbox(m MailboxAvailability) mailboxSummary {
	s := mailboxSummary{View: m.View, Events: len(m.Events), Hours: m.WorkingHours != nil}
	var me *MailboxError
	if errors.As(m.Err, &me) {
		s.Code = me.ResponseCode
	}
	for _, slot := range m.Merged {
		s.Merged += string(rune(slot.BusyType.Digit()))
	}
	for _, e := range m.Events {
		if e.Details == nil {
			continue
		}
		s.Subjects = append(s.Subjects, e.Details.Subject)
		if e.Details.IsPrivate {
			s.Private++
		}
	}
	return s
}

func TestClientRoundTripViewsAndAccessLevels(t *testing.T) {
	ts := newTestServer(t, nil)
	client := federatedClient(ts, goodToken)
	// Alice's day seen in full; the private 11:00 item has no subject.
	subjects := []string{"Flight", "Planning", "", "Lunch", "Home office"}
	tests := []struct {
		view    ViewType
		mailbox string
		want    mailboxSummary
	}{
		{ViewMergedOnly, "alice@example.com", mailboxSummary{View: ViewMergedOnly, Merged: aliceMerged, Hours: true}},
		{ViewFreeBusy, "alice@example.com", mailboxSummary{View: ViewFreeBusy, Events: 5, Hours: true}},
		{ViewFreeBusyMerged, "alice@example.com", mailboxSummary{View: ViewFreeBusyMerged, Merged: aliceMerged, Events: 5, Hours: true}},
		{ViewDetailed, "alice@example.com", mailboxSummary{View: ViewDetailed, Events: 5, Subjects: subjects, Private: 1, Hours: true}},
		{ViewDetailedMerged, "alice@example.com", mailboxSummary{View: ViewDetailedMerged, Merged: aliceMerged, Events: 5, Subjects: subjects, Private: 1, Hours: true}},
		// AvailabilityOnly: detailed views come back downgraded, and say so.
		{ViewMergedOnly, "avail@example.com", mailboxSummary{View: ViewMergedOnly, Merged: aliceMerged, Hours: true}},
		{ViewFreeBusy, "avail@example.com", mailboxSummary{View: ViewFreeBusy, Events: 5, Hours: true}},
		{ViewFreeBusyMerged, "avail@example.com", mailboxSummary{View: ViewFreeBusyMerged, Merged: aliceMerged, Events: 5, Hours: true}},
		{ViewDetailed, "avail@example.com", mailboxSummary{View: ViewFreeBusy, Events: 5, Hours: true}},
		{ViewDetailedMerged, "avail@example.com", mailboxSummary{View: ViewFreeBusyMerged, Merged: aliceMerged, Events: 5, Hours: true}},
		// None: that mailbox fails, whatever the view.
		{ViewMergedOnly, "none@example.com", mailboxSummary{Code: ErrorNoFreeBusyAccess, View: ViewNone}},
		{ViewDetailed, "none@example.com", mailboxSummary{Code: ErrorNoFreeBusyAccess, View: ViewNone}},
		{ViewDetailedMerged, "none@example.com", mailboxSummary{Code: ErrorNoFreeBusyAccess, View: ViewNone}},
		// Unknown mailboxes and broken addresses fail alone too.
		{ViewFreeBusy, "nobody@example.com", mailboxSummary{Code: ErrorMailRecipientNotFound, View: ViewNone}},
		{ViewFreeBusy, "not-an-address", mailboxSummary{Code: ErrorMailRecipientNotFound, View: ViewNone}},
	}
	for _, tt := range tests {
		t.Run(string(tt.view)+"/"+tt.mailbox, func(t *testing.T) {
			res, err := client.GetUserAvailability(t.Context(), dayRequest(tt.view, tt.mailbox))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Mailboxes) != 1 {
				t.Fatalf("%d mailboxes answered, want 1", len(res.Mailboxes))
			}
			if diff := cmp.Diff(tt.want, summarizeMailbox(res.Mailboxes[0])); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if res.Suggestions != nil || res.SuggestionsErr != nil {
				t.Error("suggestions answered though none were asked for")
			}
			for _, e := range res.Mailboxes[0].Events {
				if d := e.Details; d != nil && d.IsPrivate && (d.Subject != "" || d.Location != "" || d.ID != "") {
					t.Errorf("private item carries details: %+v", *d)
				}
			}
		})
	}
}

// TestClientRoundTripManyMailboxes asks about mailboxes of every kind in
// one request: the answers come back in request order, each with its own
// outcome.
func TestClientRoundTripManyMailboxes(t *testing.T) {
	ts := newTestServer(t, nil)
	res, err := federatedClient(ts, goodToken).GetUserAvailability(t.Context(),
		dayRequest(ViewDetailed, "none@example.com", "alice@example.com", "nobody@example.com", "avail@example.com", "policyfails@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range res.Mailboxes {
		s := summarizeMailbox(m)
		got = append(got, m.Mailbox.Address+" "+string(s.Code)+" "+string(s.View))
	}
	want := []string{
		"none@example.com ErrorNoFreeBusyAccess None",
		"alice@example.com  Detailed",
		"nobody@example.com ErrorMailRecipientNotFound None",
		"avail@example.com  FreeBusy",
		"policyfails@example.com ErrorFreeBusyGenerationFailed None",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestClientRoundTripSuggestions(t *testing.T) {
	ts := newTestServer(t, nil)
	req := dayRequest(ViewFreeBusy, "alice@example.com", "empty@example.com", "none@example.com")
	req.Suggestions = &SuggestionOptions{MeetingDuration: time.Hour, MinimumQuality: Poor}
	res, err := federatedClient(ts, goodToken).GetUserAvailability(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.SuggestionsErr != nil {
		t.Fatal(res.SuggestionsErr)
	}
	if len(res.Suggestions) == 0 || len(res.Suggestions[0].Suggestions) == 0 {
		t.Fatalf("no suggestions: %+v", res.Suggestions)
	}
	for _, day := range res.Suggestions {
		for _, s := range day.Suggestions {
			if len(s.Conflicts) != 3 {
				t.Fatalf("%v: %d conflict entries, want one per mailbox", s.Start, len(s.Conflicts))
			}
			// Alice is busy 09:00–10:00: no suggestion may say she is free then.
			if s.Start.Equal(at(9, 0)) && s.Conflicts[0].BusyType == Free {
				t.Errorf("09:00 suggested with alice free: %+v", s.Conflicts[0])
			}
			// The mailbox the requester may not see is unknown, never free or busy.
			if s.Conflicts[2].Kind != ConflictUnknown {
				t.Errorf("%v: none@'s conflict is %+v, want unknown", s.Start, s.Conflicts[2])
			}
		}
	}
}

func TestClientRoundTripRequestErrors(t *testing.T) {
	// Two mailboxes at most, so the client (which batches by 100) sends
	// the three below in one request and the handler refuses it whole.
	ts := newTestServer(t, func(c *HandlerConfig) { c.MaxMailboxes = 2; c.MaxWindow = 7 * 24 * time.Hour })
	client := federatedClient(ts, goodToken)
	week := dayRequest(ViewFreeBusy, "alice@example.com")
	week.End = testDay.AddDate(0, 0, 8)
	tests := []struct {
		name string
		req  *AvailabilityRequest
		want ResponseCode
	}{
		{"too many mailboxes", dayRequest(ViewFreeBusy, "alice@example.com", "avail@example.com", "empty@example.com"), ErrorMailboxDataArrayTooBig},
		{"window too long", week, ErrorTimeIntervalTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.GetUserAvailability(t.Context(), tt.req)
			var f *fedavail.Fault
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want a SOAP fault", err)
			}
			if f.ResponseCode != string(tt.want) {
				t.Errorf("response code %s, want %s", f.ResponseCode, tt.want)
			}
		})
	}
}

func TestClientRoundTripAuthentication(t *testing.T) {
	ts := newTestServer(t, nil)
	req := dayRequest(ViewFreeBusy, "alice@example.com")
	tests := []struct {
		name     string
		client   *Client
		wantHTTP int // 0: success
	}{
		{"federated token", federatedClient(ts, goodToken), 0},
		{"forged token", federatedClient(ts, badToken), 401},
		{"Basic, internal user", &Client{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client(), Auth: BasicAuth{"carol@example.com", "secret"}}, 0},
		{"Basic, wrong password", &Client{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client(), Auth: BasicAuth{"carol@example.com", "guess"}}, 401},
		{"no credentials", &Client{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client()}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.client.GetUserAvailability(t.Context(), req)
			if tt.wantHTTP == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := summarizeMailbox(res.Mailboxes[0]); got.Code != "" || got.Events != 5 {
					t.Errorf("answer %+v, want alice's five items", got)
				}
				return
			}
			var he *fedavail.HTTPError
			if !errors.As(err, &he) || he.StatusCode != tt.wantHTTP {
				t.Fatalf("err = %v, want HTTP %d", err, tt.wantHTTP)
			}
		})
	}
	if logs := ts.logs.String(); strings.Contains(logs, "forged") || strings.Contains(logs, "secret") || strings.Contains(logs, "guess") {
		t.Errorf("the log carries a token or a password:\n%s", logs)
	}
}

// scriptedLimiter refuses the first refusals calls with a 1 ms back-off and
// allows the rest, counting what it was asked.
type scriptedLimiter struct {
	mu       sync.Mutex
	refusals int
	domains  []string
}

func (l *scriptedLimiter) Allow(domain string, _ time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.domains = append(l.domains, domain)
	if len(l.domains) <= l.refusals {
		return false, time.Millisecond
	}
	return true, 0
}

func TestClientRoundTripServerBusy(t *testing.T) {
	tests := []struct {
		name       string
		refusals   int
		maxRetries int
		wantCalls  int
		wantBusy   bool
	}{
		{"waits out one back-off", 1, 3, 2, false},
		{"waits out three back-offs", 3, 3, 4, false},
		{"gives up after its retries", 100, 2, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := &scriptedLimiter{refusals: tt.refusals}
			ts := newTestServer(t, func(c *HandlerConfig) { c.Limiter = lim })
			client := federatedClient(ts, goodToken)
			client.MaxRetries = tt.maxRetries
			// The client's clock only decides whether a back-off fits the
			// context's deadline; a fixed one keeps the test deterministic.
			client.Now = func() time.Time { return testNow }
			res, err := client.GetUserAvailability(t.Context(), dayRequest(ViewMergedOnly, "alice@example.com"))
			var busy *ServerBusyError
			switch {
			case tt.wantBusy && !errors.As(err, &busy):
				t.Fatalf("err = %v, want a *ServerBusyError", err)
			case tt.wantBusy:
				if busy.Attempts != tt.wantCalls || busy.BackOff != time.Millisecond {
					t.Errorf("busy after %d attempts, back-off %v; want %d, 1ms", busy.Attempts, busy.BackOff, tt.wantCalls)
				}
			case err != nil:
				t.Fatal(err)
			case summarizeMailbox(res.Mailboxes[0]).Merged != aliceMerged:
				t.Errorf("merged %q after the back-off, want %q", summarizeMailbox(res.Mailboxes[0]).Merged, aliceMerged)
			}
			lim.mu.Lock()
			defer lim.mu.Unlock()
			if len(lim.domains) != tt.wantCalls {
				t.Errorf("limiter asked %d times, want %d", len(lim.domains), tt.wantCalls)
			}
			for _, d := range lim.domains {
				if d != "partner.example" {
					t.Errorf("limited by %q, want the requester's domain", d)
				}
			}
		})
	}
}
