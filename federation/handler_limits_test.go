package federation_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/sharing"
)

// TestHandlerEWSLimits: the EWS limits set on federation.HandlerConfig
// reach the EWS handler, each answered as Exchange answers it.
func TestHandlerEWSLimits(t *testing.T) {
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	pol, err := sharing.New(sharing.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC)
	h, err := federation.NewHandler(federation.HandlerConfig{
		ApplicationURI: appURI("fabrikam.test"), Keys: ring(t, k.fabrikam), Domains: []string{"fabrikam.test"},
		Broker: federation.TrustBroker{IssuerURI: brokerURI},
		Policy: pol, Calendars: &calendar.Memory{}, EWSURL: "https://mail.fabrikam.test/EWS/Exchange.asmx",
		Authenticate: func(r *http.Request) (*fedavail.Requester, error) {
			if r.Header.Get("X-Test-User") == "" {
				return nil, errors.New("no user")
			}
			return &fedavail.Requester{Address: r.Header.Get("X-Test-User"), Domain: "fabrikam.test"}, nil
		},
		Now:             func() time.Time { return day },
		MaxEWSBodyBytes: 4 << 10,
		MaxMailboxes:    2,
		MaxWindow:       24 * time.Hour,
		Limiter:         ews.NewPartnerLimiter(0.001, 3),
	})
	if err != nil {
		t.Fatal(err)
	}
	request := func(days int, mailboxes ...string) []byte {
		req := &ews.GetUserAvailabilityRequest{FreeBusyViewOptions: &ews.FreeBusyViewOptions{
			TimeWindow:    ews.Duration{StartTime: ews.At(day), EndTime: ews.At(day.AddDate(0, 0, days))},
			RequestedView: ews.ViewFreeBusy,
		}}
		for _, m := range mailboxes {
			req.MailboxData = append(req.MailboxData, ews.MailboxData{Email: ews.EmailAddress{Address: m}})
		}
		b, err := (&soap.Envelope{Version: soap.V11, Body: req}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	post := func(body []byte) (int, *fedavail.Fault) {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "https://mail.fabrikam.test/EWS/Exchange.asmx", bytes.NewReader(body))
		r.Header.Set("Content-Type", "text/xml; charset=utf-8")
		r.Header.Set("X-Test-User", "alice@fabrikam.test")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var f *fedavail.Fault
		if w.Code == http.StatusInternalServerError {
			if _, err := soap.Decode(w.Body.Bytes(), soap.DecodeOptions{}); !errors.As(err, &f) {
				t.Fatalf("status 500 without a SOAP fault: %v\n%s", err, w.Body)
			}
		}
		return w.Code, f
	}
	tests := []struct {
		name   string
		body   []byte
		status int
		code   ews.ResponseCode
	}{
		{"within the limits", request(1, "a@fabrikam.test", "b@fabrikam.test"), http.StatusOK, ""},
		{"three mailboxes", request(1, "a@fabrikam.test", "b@fabrikam.test", "c@fabrikam.test"), http.StatusInternalServerError, ews.ErrorMailboxDataArrayTooBig},
		{"two days", request(2, "a@fabrikam.test"), http.StatusInternalServerError, ews.ErrorTimeIntervalTooBig},
		{"5 KB body", request(1, strings.Repeat("x", 5<<10)+"@fabrikam.test"), http.StatusRequestEntityTooLarge, ""},
		// Three units of burst: the requests above took them.
		{"over the rate", request(1, "a@fabrikam.test"), http.StatusInternalServerError, ews.ErrorServerBusy},
	}
	for _, tt := range tests {
		status, f := post(tt.body)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.status)
			continue
		}
		if tt.code != "" && (f == nil || f.ResponseCode != string(tt.code)) {
			t.Errorf("%s: fault %v, want %s", tt.name, f, tt.code)
		}
	}
}
