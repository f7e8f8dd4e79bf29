package attack

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testorg"
)

// suggestionsBody is the amplification attack of issue 12.3: detailed
// free/busy and up to 96 suggestions a day over Exchange's longest window
// (62 days) for mailboxes, typically 100 entries naming a few.
func suggestionsBody(mailboxes ...string) string {
	tz := ews.TimeZoneFor(time.UTC, testorg.Day.Year())
	window := ews.Duration{StartTime: ews.At(testorg.Day), EndTime: ews.At(testorg.Day.AddDate(0, 0, 62))}
	req := ews.GetUserAvailabilityRequest{
		TimeZone:            &tz,
		FreeBusyViewOptions: &ews.FreeBusyViewOptions{TimeWindow: window, MergedFreeBusyIntervalInMinutes: 30, RequestedView: ews.ViewDetailedMerged},
		SuggestionsViewOptions: &ews.SuggestionsViewOptions{
			MeetingDurationInMinutes: 30, MaximumResultsByDay: 48, MaximumNonWorkHourResultsByDay: 48,
			MinimumSuggestionQuality: ews.Poor, DetailedSuggestionsWindow: window,
		},
	}
	return requestBody(req, mailboxes...)
}

// times returns n entries naming mailbox in varying case and spacing.
func times(mailbox string, n int) []string {
	out := make([]string, n)
	for i := range out {
		switch i % 3 {
		case 0:
			out[i] = mailbox
		case 1:
			out[i] = strings.ToUpper(mailbox)
		default:
			out[i] = "  " + mailbox + " "
		}
	}
	return out
}

// TestSuggestionsAmplification sends the 12.3 request with genuine tokens
// over repeated, unknown and forbidden mailboxes. Each mailbox's answer is
// what the policy allows; suggestions are rated only over mailboxes the
// requester may see (none ⇒ an error and no days); the answer stays within
// the handler's size cap (ews.DefaultMaxAnswerBytes, plus a small refusal
// per entry past it); nothing beyond the grant leaks.
func TestSuggestionsAmplification(t *testing.T) {
	unknown := make([]string, 100)
	for i := range unknown {
		unknown[i] = fmt.Sprintf("nobody%d@%s", i, testorg.Domain)
	}
	tests := []struct {
		name      string
		user      string
		mailboxes []string
		codes     []ews.ResponseCode // the distinct per-mailbox codes, in order of first appearance
		suggest   ews.ResponseCode
		maxAnswer int
		allowed   []string // details the requester may see
	}{
		{
			name: "no relationship, 100 × a mailbox", user: "gina@" + testorg.Stranger,
			mailboxes: times(testorg.Alice, 100),
			codes:     []ews.ResponseCode{ews.ErrorNoFreeBusyAccess}, suggest: ews.ErrorNoFreeBusyAccess,
			maxAnswer: 128 << 10,
		},
		{
			name: "LimitedDetails partner, 100 × an out-of-scope mailbox", user: partnerUser,
			mailboxes: times(testorg.Carol, 100),
			codes:     []ews.ResponseCode{ews.ErrorNoFreeBusyAccess}, suggest: ews.ErrorNoFreeBusyAccess,
			maxAnswer: 128 << 10,
		},
		{
			name: "LimitedDetails partner, 100 unknown mailboxes", user: partnerUser,
			mailboxes: unknown,
			// Outside the scope, so refused before the calendar is read.
			codes: []ews.ResponseCode{ews.ErrorNoFreeBusyAccess}, suggest: ews.ErrorNoFreeBusyAccess,
			maxAnswer: 128 << 10,
		},
		{
			name: "LimitedDetails partner, 100 × a visible mailbox", user: partnerUser,
			mailboxes: times(testorg.Alice, 100),
			// Free/busy fits; 62 days × 96 suggestions × 100 conflicts do not.
			codes: []ews.ResponseCode{ews.NoError}, suggest: ews.ErrorResultSetTooBig,
			maxAnswer: ews.DefaultMaxAnswerBytes + 100*1000 + 4<<10,
			allowed:   detailsOf(testorg.Alice),
		},
		{
			name: "LimitedDetails partner, visible mailbox among forbidden ones", user: partnerUser,
			mailboxes: append(append(times(testorg.Carol, 49), testorg.Alice), times(testorg.Carol, 50)...),
			codes:     []ews.ResponseCode{ews.ErrorNoFreeBusyAccess, ews.NoError, ews.ErrorNoFreeBusyAccess},
			suggest:   ews.ErrorResultSetTooBig,
			maxAnswer: ews.DefaultMaxAnswerBytes + 100*1000 + 4<<10,
			allowed:   detailsOf(testorg.Alice),
		},
	}
	ep := endpoints[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t)
			tok := mint(t, s, claimsOf(tt.user, nil), s.Keys.Contoso.Cert)
			a := s.post(t, ep.path, ep.envelope("", tok, suggestionsBody(tt.mailboxes...)))
			if a.status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200\n%.2000s", a.status, a.body)
			}
			var resp ews.GetUserAvailabilityResponse
			if _, err := soap.Decode(a.body, soap.DecodeOptions{Body: &resp}); err != nil {
				t.Fatalf("answer does not decode: %v", err)
			}
			if len(resp.FreeBusyResponses) != len(tt.mailboxes) {
				t.Fatalf("%d free/busy answers for %d entries", len(resp.FreeBusyResponses), len(tt.mailboxes))
			}
			var codes []ews.ResponseCode
			for _, r := range resp.FreeBusyResponses {
				if c := r.ResponseMessage.ResponseCode; len(codes) == 0 || codes[len(codes)-1] != c {
					codes = append(codes, c)
				}
			}
			if fmt.Sprint(codes) != fmt.Sprint(tt.codes) {
				t.Errorf("runs of per-mailbox codes %v, want %v", codes, tt.codes)
			}
			sr := resp.SuggestionsResponse
			if sr == nil || sr.ResponseMessage.ResponseCode != tt.suggest || len(sr.Days) != 0 {
				t.Errorf("suggestions %+v, want %s and no days", sr, tt.suggest)
			}
			if len(a.body) > tt.maxAnswer {
				t.Errorf("answer is %d bytes, want at most %d", len(a.body), tt.maxAnswer)
			}
			assertNoLeak(t, s, a, append(tokenFragments(tok), without(testorg.Secrets(), tt.allowed)...))
		})
	}
}

// TestSuggestionsChargeThrottling: a partner's requests are charged by the
// calendars they make the server read (twice with suggestions), so repeats
// of a visible mailbox cost one read while forbidden mailboxes cost only
// the request; past the budget, Exchange's ErrorServerBusy fault.
func TestSuggestionsChargeThrottling(t *testing.T) {
	s := newSite(t, func(c *testorg.Config) { c.Limiter = ews.NewPartnerLimiter(0.001, 6) })
	ep := endpoints[0]
	tok := mint(t, s, claimsOf(partnerUser, nil), s.Keys.Contoso.Cert)
	send := func(mailboxes ...string) answer {
		return s.post(t, ep.path, ep.envelope("", tok, suggestionsBody(mailboxes...)))
	}
	// 6 units: 100 × alice costs 1 + 1 (one read, rated), 100 × carol 1.
	for i, m := range [][]string{times(testorg.Alice, 100), times(testorg.Carol, 100), times(testorg.Alice, 100), times(testorg.Carol, 100)} {
		if a := send(m...); a.status != http.StatusOK {
			t.Fatalf("request %d: HTTP %d, want 200", i, a.status)
		}
	}
	a := send(testorg.Alice, testorg.Bob)
	if a.status != http.StatusInternalServerError || !strings.Contains(string(a.body), "ErrorServerBusy") {
		t.Errorf("over the budget: HTTP %d %.500s; want an ErrorServerBusy fault", a.status, a.body)
	}
}
