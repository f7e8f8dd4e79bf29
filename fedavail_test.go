package fedavail

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAccessLevelText(t *testing.T) {
	for _, l := range []AccessLevel{AccessNone, AccessAvailabilityOnly, AccessLimitedDetails} {
		b, _ := l.MarshalText()
		var back AccessLevel
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("%v: round trip gave %v, %v", l, back, err)
		}
	}
	if l, err := ParseAccessLevel(" limiteddetails "); err != nil || l != AccessLimitedDetails {
		t.Errorf("case-insensitive parse = %v, %v", l, err)
	}
	if _, err := ParseAccessLevel("Reviewer"); err == nil {
		t.Error("unknown level accepted")
	}
	if !(AccessNone < AccessAvailabilityOnly && AccessAvailabilityOnly < AccessLimitedDetails) {
		t.Error("levels are not ordered")
	}
}

func TestOffers(t *testing.T) {
	if OfferFreeBusy.MaxAge() != 5*time.Minute || OfferAutodiscover.MaxAge() != 8*time.Hour {
		t.Errorf("max ages: %v %v", OfferFreeBusy.MaxAge(), OfferAutodiscover.MaxAge())
	}
	if Offer("MSExchange.Unknown").Known() || Offer("MSExchange.Unknown").MaxAge() != 0 {
		t.Error("unknown offer reported as known")
	}
}

func TestHTTPErrorIs(t *testing.T) {
	e401 := fmt.Errorf("wrapped: %w", &HTTPError{Method: "POST", URL: "https://x.test/EWS", StatusCode: 401, Body: []byte("  no\n access ")})
	if !errors.Is(e401, ErrUnauthorized) || errors.Is(e401, ErrForbidden) {
		t.Error("401 does not match ErrUnauthorized only")
	}
	if !strings.Contains(e401.Error(), "HTTP 401 Unauthorized: no access") {
		t.Errorf("Error() = %q", e401.Error())
	}
	if !errors.Is(&HTTPError{StatusCode: http.StatusForbidden}, ErrForbidden) {
		t.Error("403 does not match ErrForbidden")
	}
}

func TestFault(t *testing.T) {
	f := &Fault{Code: "Server", ResponseCode: "ErrorServerBusy", Reason: "busy", Values: map[string]string{"BackOffMilliseconds": " 250 "}}
	if f.BackOff() != 250*time.Millisecond || !f.IsReceiver() {
		t.Errorf("BackOff %v, IsReceiver %v", f.BackOff(), f.IsReceiver())
	}
	if got := f.Error(); got != "fedavail: SOAP fault Server (ErrorServerBusy): busy" {
		t.Errorf("Error() = %q", got)
	}
	for _, v := range []string{"-5", "x", ""} {
		if d := BackOffFromValues(map[string]string{"BackOffMilliseconds": v}); d != 0 {
			t.Errorf("BackOffFromValues(%q) = %v", v, d)
		}
	}
}

func TestNamespaceErrorHint(t *testing.T) {
	e := &NamespaceError{Element: "Envelope", Got: "https://schemas.microsoft.com/exchange/2010/Autodiscover", Want: "http://schemas.microsoft.com/exchange/2010/Autodiscover"}
	if !strings.Contains(e.Error(), "misprint") {
		t.Errorf("no hint: %v", e)
	}
	e.Got = "urn:other"
	if strings.Contains(e.Error(), "misprint") {
		t.Errorf("hint for an unrelated namespace: %v", e)
	}
}

func TestAddressDomain(t *testing.T) {
	for in, want := range map[string]string{"Bob@Fabrikam.COM": "fabrikam.com", "a@b@c.test": "c.test", "nobody": ""} {
		if got := AddressDomain(in); got != want {
			t.Errorf("AddressDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

type detailed struct{ reason string }

func (d *detailed) Error() string  { return "validation failed" }
func (d *detailed) Detail() string { return d.reason }

func TestErrorDetail(t *testing.T) {
	wrapped := fmt.Errorf("handler: %w", &detailed{"InvalidOffer: action claim MSExchange.MailTips"})
	if got := ErrorDetail(wrapped); got != "InvalidOffer: action claim MSExchange.MailTips" {
		t.Errorf("ErrorDetail = %q", got)
	}
	if got := ErrorDetail(errors.New("plain")); got != "plain" {
		t.Errorf("ErrorDetail(plain) = %q", got)
	}
	if ErrorDetail(nil) != "" {
		t.Error("ErrorDetail(nil) not empty")
	}
}

func TestHTTPErrorRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 7 ", 7 * time.Second},
		{"-5", 0},
		{"Mon, 02 Mar 2026 10:00:30 GMT", 30 * time.Second},
		{"Mon, 02 Mar 2026 09:00:00 GMT", 0}, // in the past
		{"soon", 0},
		{"99999999999", 0}, // overflows: ignored, not a negative or huge wait
	}
	for _, tt := range tests {
		e := &HTTPError{StatusCode: 503, Header: http.Header{}}
		if tt.header != "" {
			e.Header.Set("Retry-After", tt.header)
		}
		if got := e.RetryAfter(now); got != tt.want {
			t.Errorf("Retry-After %q: RetryAfter = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestUnavailableError(t *testing.T) {
	cause := &HTTPError{StatusCode: 503}
	var err error = fmt.Errorf("caldav: %w", &UnavailableError{RetryAfter: 2 * time.Second, Err: cause})
	var ue *UnavailableError
	if !errors.As(err, &ue) || ue.RetryAfter != 2*time.Second {
		t.Fatalf("errors.As(%v) = %v", err, ue)
	}
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Error("the cause is not reachable through Unwrap")
	}
	if got, want := ue.Error(), "fedavail: temporarily unavailable, retry after 2s: "+cause.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := (&UnavailableError{}).Error(); got != "fedavail: temporarily unavailable" {
		t.Errorf("Error() without cause = %q", got)
	}
}
