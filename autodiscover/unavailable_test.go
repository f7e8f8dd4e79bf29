package autodiscover

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
)

// downDirectory is a directory whose server is down for a while (an LDAP
// server restarting): every lookup says "busy, retry later".
type downDirectory struct{}

func (downDirectory) LookupUser(context.Context, *fedavail.Requester, string) (*User, error) {
	return nil, &fedavail.UnavailableError{RetryAfter: time.Second, Err: errors.New("ldap: connection refused")}
}

func (downDirectory) LookupDomain(context.Context, *fedavail.Requester, string) (Settings, error) {
	return nil, &fedavail.UnavailableError{Err: errors.New("ldap: connection refused")}
}

// TestUnavailableDirectory: a directory that is temporarily unavailable is
// answered with Autodiscover's ServerBusy for that user or domain (which
// the client reports as ErrServerBusy), not InternalServerError; the cause
// is not sent.
func TestUnavailableDirectory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := testHandler()
	h.Directory = downDirectory{}
	e.serveTLS(h, "fabrikam.test")
	c := e.client()
	c.TokenSource, c.Audience, c.Endpoint = &tokenSource{}, fabrikamFederation.ApplicationURI, "https://fabrikam.test/autodiscover/autodiscover.svc"
	ctx := t.Context()

	us, err := c.GetUserSettings(ctx, []string{"bob@fabrikam.test"}, UserDisplayName)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.GetDomainSettings(ctx, []string{"fabrikam.test"}, ExternalEwsURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []error{us[0].Err, ds[0].Err} {
		var ae *Error
		if !errors.Is(got, ErrServerBusy) || !errors.As(got, &ae) {
			t.Errorf("answer %v, want ServerBusy", got)
			continue
		}
		if ae.Message != serverBusyMessage {
			t.Errorf("message %q, want %q (and never the directory's error)", ae.Message, serverBusyMessage)
		}
	}
}
