package caldav_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/calendar/caldav"
	"github.com/fedavail/fedavail/fedtest"
)

// objectAnswer is a multistatus with one object, for calendar-multiget and
// calendar-query alike.
const objectAnswer = `<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/dana/work/a.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag>` +
	"<C:calendar-data>BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Secret\r\nDTSTART:20260330T090000Z\r\nDTEND:20260330T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n</C:calendar-data>" +
	`</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`

func answerObjects(w http.ResponseWriter, _ string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusMultiStatus)
	io.WriteString(w, objectAnswer)
}

// TestClientCertificate: the caller's *http.Client carries a client
// certificate; without it the server's refusal fails the mailbox, not as
// an unknown one.
func TestClientCertificate(t *testing.T) {
	t.Parallel()
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	serverPair, err := ca.Issue("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	clientPair, err := ca.Issue("fedavail.fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(&fakeServer{report: answerObjects})
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverPair.Cert.Raw}, PrivateKey: serverPair.Key}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool(),
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	withCert := ca.ClientTLSConfig()
	withCert.Certificates = []tls.Certificate{{Certificate: [][]byte{clientPair.Cert.Raw}, PrivateKey: clientPair.Key}}

	for _, tt := range []struct {
		name string
		tls  *tls.Config
		ok   bool
	}{{"with the certificate", withCert, true}, {"without", ca.ClientTLSConfig(), false}} {
		src, err := caldav.New(caldav.Config{URL: srv.URL, Home: "/{local}/", HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: tt.tls}}})
		if err != nil {
			t.Fatal(err)
		}
		evs, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
		switch {
		case tt.ok && (err != nil || len(evs) != 1):
			t.Errorf("%s: %v, %v; want one item", tt.name, evs, err)
		case !tt.ok && (err == nil || errors.Is(err, calendar.ErrMailboxNotFound)):
			t.Errorf("%s: %v; want a TLS error", tt.name, err)
		}
	}
}

// TestBearerToken: the token reaches the server on every request.
func TestBearerToken(t *testing.T) {
	t.Parallel()
	var auth []string
	f := &fakeServer{report: answerObjects}
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		f.ServeHTTP(w, r)
	}))
	src, err := caldav.New(caldav.Config{URL: url, Home: "/{local}/", HTTPClient: &http.Client{}, Auth: caldav.BearerToken("t0k3n")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd); err != nil {
		t.Fatal(err)
	}
	if len(auth) != 3 || strings.Join(auth, ",") != strings.Repeat("Bearer t0k3n,", 2)+"Bearer t0k3n" {
		t.Errorf("Authorization headers %q, want the token on each of 3 requests", auth)
	}
}

// TestCacheBudget: a calendar larger than the cache budget is not kept;
// its windows are then read with calendar-query.
func TestCacheBudget(t *testing.T) {
	t.Parallel()
	f := &fakeServer{report: answerObjects}
	src := newSource(t, caldav.Config{URL: serve(t, f), MaxCacheBytes: 16})
	for i, want := range [][]string{
		{"PROPFIND /dana/", "PROPFIND /dana/work/ getetag", "REPORT /dana/work/ calendar-multiget"},
		{"PROPFIND /dana/", "REPORT /dana/work/ calendar-query"},
	} {
		evs, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
		if err != nil || len(evs) != 1 || evs[0].Subject != "Secret" {
			t.Fatalf("read %d: %+v, %v", i, evs, err)
		}
		if d := cmp.Diff(want, f.requests()); d != "" {
			t.Errorf("read %d requests (-want +got):\n%s", i, d)
		}
	}
}

// TestUntrustedServer: a server whose certificate the caller's client does
// not trust fails the mailbox, never as not found and never as "free".
func TestUntrustedServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(&fakeServer{report: answerObjects})
	t.Cleanup(srv.Close)
	src, err := caldav.New(caldav.Config{URL: srv.URL, Home: "/{local}/", HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := src.Events(t.Context(), "dana@fabrikam.test", week, weekEnd)
	var ue *fedavail.UnavailableError
	if err == nil || errors.Is(err, calendar.ErrMailboxNotFound) || errors.As(err, &ue) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Events from an untrusted server: %v, %v; want a certificate error (not 'retry later')", evs, err)
	}
}
