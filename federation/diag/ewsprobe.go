package diag

import (
	"context"
	"encoding/xml"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/internal/soap"
)

// AvailabilityProbe asks a partner's EWS for one mailbox's free/busy with a
// delegation token, the last step of TestOrganizationRelationship. It returns
// the mailbox's response code (ews.NoError when the partner answered with
// free/busy) or the error of a request that failed as a whole: a
// *fedavail.HTTPError (401 when the partner refused the token), a
// *fedavail.Fault, or a transport error.
//
// The default probe sends one small GetUserAvailability itself; a program
// that has an ews.Client can plug that in instead.
type AvailabilityProbe func(ctx context.Context, ewsURL string, tok *fedavail.Token, mailbox string) (ews.ResponseCode, error)

// probeWindow is the window of the probe's request: short, so the partner
// does little work, and starting now, so any access level has something to
// show.
const probeWindow = 24 * time.Hour

// defaultProbe returns the built-in AvailabilityProbe: GetUserAvailability
// for one mailbox, free/busy view, at the /WSSecurity variant of ewsURL.
func defaultProbe(hc *http.Client, now func() time.Time, logger *slog.Logger) AvailabilityProbe {
	caller := &soap.Caller{HTTPClient: hc, Logger: logger}
	return func(ctx context.Context, ewsURL string, tok *fedavail.Token, mailbox string) (ews.ResponseCode, error) {
		start := now().UTC().Truncate(time.Hour)
		body := &ews.GetUserAvailabilityRequest{
			TimeZone:    ptr(ews.TimeZoneFor(time.UTC, start.Year())),
			MailboxData: []ews.MailboxData{{Email: ews.EmailAddress{Address: mailbox}, AttendeeType: ews.Required}},
			FreeBusyViewOptions: &ews.FreeBusyViewOptions{
				TimeWindow:                      ews.Duration{StartTime: ews.At(start), EndTime: ews.At(start.Add(probeWindow))},
				MergedFreeBusyIntervalInMinutes: 30,
				RequestedView:                   ews.ViewFreeBusy,
			},
		}
		var resp ews.GetUserAvailabilityResponse
		_, err := caller.Do(ctx, &soap.Call{
			URL:    wsSecurityURL(ewsURL),
			Action: ews.ActionGetUserAvailability,
			Envelope: &soap.Envelope{Version: soap.V11, Headers: []any{
				soap.RequestServerVersion{Version: string(ews.Exchange2010SP1)},
				soap.Security(soap.V11, tok.EncryptedData),
			}, Body: body},
			Response:     &resp,
			ResponseName: xml.Name{Space: ews.MessagesNS, Local: "GetUserAvailabilityResponse"},
		})
		if err != nil {
			return "", err
		}
		if len(resp.FreeBusyResponses) == 0 || resp.FreeBusyResponses[0].ResponseMessage == nil {
			return ews.NoError, nil
		}
		rm := resp.FreeBusyResponses[0].ResponseMessage
		if rm.ResponseCode == "" {
			return ews.NoError, nil
		}
		return rm.ResponseCode, nil
	}
}

// wsSecurityURL returns the token-authenticated variant of an EWS URL, as
// Exchange posts federated requests to it.
func wsSecurityURL(u string) string {
	if strings.HasSuffix(strings.ToLower(u), "/wssecurity") {
		return u
	}
	return strings.TrimSuffix(u, "/") + "/WSSecurity"
}

func ptr[T any](v T) *T { return &v }
