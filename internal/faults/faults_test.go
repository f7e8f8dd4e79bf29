package faults

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/testorg"
)

// call is one client's request to a partner at base.
type call struct {
	name string
	do   func(ctx context.Context, t *testing.T, hc *http.Client, base string) error
}

const responseLimit = 1 << 20

// newOrgKey creates the requesting organization's key once per test binary.
var newOrgKey = sync.OnceValues(func() (*fedtest.KeyPair, error) { return fedtest.NewOrgCert("fabrikam federation") })

func orgRing(t *testing.T) *keyring.Ring {
	t.Helper()
	kp, err := newOrgKey()
	if err != nil {
		t.Fatal(err)
	}
	r, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// staticToken hands out one opaque token: the partners under test never
// look at it.
var staticToken = fedavail.TokenSourceFunc(func(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) {
	return &fedavail.Token{EncryptedData: []byte(`<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">opaque</xenc:EncryptedData>`)}, nil
})

func ewsClient(hc *http.Client, base string, tokens fedavail.TokenSource) *ews.Client {
	return &ews.Client{
		URL: base + "/EWS/Exchange.asmx", HTTPClient: hc, Version: ews.Exchange2013,
		Auth: ews.FederatedAuth{Tokens: tokens, Audience: testorg.ApplicationURI, Requester: "frank@" + testorg.AvailabilityPartner},
	}
}

func dayRequest(mailbox string) *ews.AvailabilityRequest {
	return &ews.AvailabilityRequest{
		Mailboxes: []ews.Mailbox{{Address: mailbox}},
		Start:     testorg.Day, End: testorg.Day.Add(24 * time.Hour),
		FreeBusy: &ews.FreeBusyOptions{View: ews.ViewFreeBusy},
	}
}

var calls = []call{
	{"ews.Client", func(ctx context.Context, _ *testing.T, hc *http.Client, base string) error {
		_, err := ewsClient(hc, base, staticToken).GetUserAvailability(ctx, dayRequest(testorg.Alice))
		return err
	}},
	{"autodiscover.Client", func(ctx context.Context, _ *testing.T, hc *http.Client, base string) error {
		c := &autodiscover.Client{HTTPClient: hc, Endpoint: base + "/autodiscover/autodiscover.svc", CacheTTL: -1, MaxResponseBytes: responseLimit}
		_, err := c.GetFederationInformation(ctx, testorg.Domain)
		return err
	}},
	{"wstrust.Client", func(ctx context.Context, t *testing.T, hc *http.Client, base string) error {
		c := &wstrust.Client{
			HTTPClient: hc, Endpoint: base + "/extSTS.srf", ApplicationURI: "FYDIBOHF25SPDLT." + testorg.AvailabilityPartner,
			Keys: orgRing(t), MaxAttempts: 1, Limits: fedavail.Limits{MaxBytes: responseLimit},
		}
		_, err := c.Token(ctx, fedavail.TokenRequest{Requester: "frank@" + testorg.AvailabilityPartner, Audience: testorg.ApplicationURI, Offer: fedavail.OfferFreeBusy})
		return err
	}},
}

// is checks an error against a sentinel, and as checks its type.
func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func as[T error]() func(error) bool {
	return func(err error) bool {
		var e T
		return errors.As(err, &e)
	}
}

// Deadlines: short for faults that only a deadline ends, generous for
// those the client must recognise by itself (the deadline must not be
// what ends them).
const (
	hangDeadline  = 500 * time.Millisecond
	otherDeadline = 20 * time.Second
)

var faultCases = []struct {
	name     string
	partner  partner
	deadline time.Duration
	want     string // what the error must be, for the failure message
	check    func(error) bool
}{
	{"accepts and never answers", hangAccept, hangDeadline, "context.DeadlineExceeded", is(context.DeadlineExceeded)},
	{"reads the request and never answers", hangHTTP, hangDeadline, "context.DeadlineExceeded", is(context.DeadlineExceeded)},
	{"starts answering and stalls", slow, hangDeadline, "context.DeadlineExceeded", is(context.DeadlineExceeded)},
	{"resets connections", reset, otherDeadline, "ECONNRESET or EOF", func(err error) bool {
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	}},
	{"is down", down, otherDeadline, "ECONNREFUSED", is(syscall.ECONNREFUSED)},
	{"answers non-XML", notXML, otherDeadline, "*fedavail.XMLError", as[*fedavail.XMLError]()},
	{"answers truncated XML", truncated, otherDeadline, "*fedavail.XMLError", as[*fedavail.XMLError]()},
	{"answers an HTML error page", htmlError, otherDeadline, "*fedavail.HTTPError", func(err error) bool {
		var he *fedavail.HTTPError
		return errors.As(err, &he) && he.StatusCode == http.StatusInternalServerError
	}},
	{"answers 200 with a SOAP fault", faultOK, otherDeadline, "*fedavail.Fault", as[*fedavail.Fault]()},
	{"answers an endless body", endless, otherDeadline, "*fedavail.LimitError", as[*fedavail.LimitError]()},
}

// TestFaults calls each misbehaving partner with each client. Each call
// must end with the expected typed error; the hanging partners must end
// through the caller's deadline, the others by themselves.
func TestFaults(t *testing.T) {
	for _, fc := range faultCases {
		for _, c := range calls {
			t.Run(c.name+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				base := fc.partner(t)
				ctx, cancel := context.WithTimeout(t.Context(), fc.deadline)
				defer cancel()
				err := c.do(ctx, t, mustCA(t).HTTPClient(nil), base)
				if err == nil || !fc.check(err) {
					t.Fatalf("error = %v (%T), want %s", err, err, fc.want)
				}
				if fc.deadline == otherDeadline && errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("the deadline ended the call: %v", err)
				}
			})
		}
	}
}
