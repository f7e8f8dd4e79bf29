package diag

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
)

// AvailabilityProbe asks a partner's EWS for one mailbox's free/busy with a
// delegation token, the last step of TestOrganizationRelationship. It returns
// the mailbox's response code (ews.NoError when the partner answered with
// free/busy) or the error of a request that failed as a whole: a
// *fedavail.HTTPError (401 when the partner refused the token), a
// *fedavail.Fault, or a transport error.
//
// The default probe is an ews.Client, the same client federation.NewClient
// asks partners with; a program can plug in another.
type AvailabilityProbe func(ctx context.Context, ewsURL string, tok *fedavail.Token, mailbox string) (ews.ResponseCode, error)

// probeWindow is the window of the probe's request: short, so the partner
// does little work, and starting now, so any access level has something to
// show.
const probeWindow = 24 * time.Hour

// defaultProbe returns the built-in AvailabilityProbe: GetUserAvailability
// for one mailbox, free/busy view, at the /WSSecurity variant of ewsURL,
// through ews.Client with tok. A diagnostic reports what the partner says
// the first time, so the client does not retry a busy server.
func defaultProbe(hc *http.Client, now func() time.Time, logger *slog.Logger) AvailabilityProbe {
	return func(ctx context.Context, ewsURL string, tok *fedavail.Token, mailbox string) (ews.ResponseCode, error) {
		c := &ews.Client{
			URL:        ewsURL,
			HTTPClient: hc,
			// The token was issued for the partner already; FederatedAuth
			// only needs to send it.
			Auth:       ews.FederatedAuth{Tokens: givenToken{tok}},
			Version:    ews.Exchange2010SP1,
			Logger:     logger,
			Now:        now,
			MaxRetries: -1,
		}
		start := now().UTC().Truncate(time.Hour)
		res, err := c.GetUserAvailability(ctx, &ews.AvailabilityRequest{
			Mailboxes: []ews.Mailbox{{Address: mailbox}},
			Start:     start, End: start.Add(probeWindow), Location: time.UTC,
			FreeBusy: &ews.FreeBusyOptions{View: ews.ViewFreeBusy},
		})
		if err != nil {
			return "", err
		}
		var me *ews.MailboxError
		if len(res.Mailboxes) > 0 && errors.As(res.Mailboxes[0].Err, &me) && me.Class == ews.Error {
			return me.ResponseCode, nil
		}
		return ews.NoError, nil
	}
}

// givenToken is a fedavail.TokenSource with one token, already issued.
type givenToken struct{ tok *fedavail.Token }

func (g givenToken) Token(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) {
	return g.tok, nil
}

// wsSecurityURL returns the token-authenticated variant of an EWS URL, as
// Exchange posts federated requests to it.
func wsSecurityURL(u string) string {
	if strings.HasSuffix(strings.ToLower(u), "/wssecurity") {
		return u
	}
	return strings.TrimSuffix(u, "/") + "/WSSecurity"
}
