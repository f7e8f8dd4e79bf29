package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/sharing"
)

// The window every query asks about: Monday 30 November 2026, UTC.
var (
	day    = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	dayEnd = day.AddDate(0, 0, 1)
)

// calendars are the partner's mailboxes, one .ics file each.
var calendars = map[string]string{
	"dana@fabrikam.test": vevent("20261130T090000Z", "20261130T100000Z", "Design review", "Room 1"),
	"erin@fabrikam.test": vevent("20261130T140000Z", "20261130T150000Z", "Dentist", ""),
}

func vevent(start, end, summary, location string) string {
	ev := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fedavail//partner test//EN", "BEGIN:VEVENT",
		"UID:" + start + "@fabrikam.test", "DTSTAMP:20261101T000000Z", "DTSTART:" + start, "DTEND:" + end, "SUMMARY:" + summary}
	if location != "" {
		ev = append(ev, "LOCATION:"+location)
	}
	return strings.Join(append(ev, "END:VEVENT", "END:VCALENDAR"), "\r\n") + "\r\n"
}

// sharingConfig is fabrikam's sharing file: Contoso sees up to level; dana
// opted in to share subjects and locations, erin kept the default.
func sharingConfig(t *testing.T, level fedavail.AccessLevel) []byte {
	t.Helper()
	data, err := sharing.FormatJSON(sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{{
			Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true,
			FreeBusyAccessEnabled: true, FreeBusyAccessLevel: level,
		}},
		Mailboxes: []sharing.Mailbox{{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// server is a running partner command and what the test needs to reach it.
type server struct {
	world    *loopback.World
	sharing  string // the sharing file
	reload   chan struct{}
	reloaded chan error
	stderr   *fedtest.LogBuffer
	addr     string // 127.0.0.1:port
}

// startPartner runs the command as fabrikam.test, on TLS, with its files in
// a temporary directory, registered with w's broker; w's client reaches it
// as https://fabrikam.test and https://autodiscover.fabrikam.test. Extra
// flags are added to the command line; unless they name another calendar
// source (-caldav, -google-key), -calendars serves the calendars above.
func startPartner(t *testing.T, w *loopback.World, extra ...string) *server {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	org, err := fedtest.NewOrgCert("fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	w.Register(t, "FYDIBOHF25SPDLT.fabrikam.test", "fabrikam.test", org)
	tlsPair, err := w.CA.Issue("fabrikam.test", "autodiscover.fabrikam.test", "127.0.0.1") // the address for clients without the World's DNS
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := func(kp *fedtest.KeyPair) []byte {
		t.Helper()
		b, err := pki.KeyPEM(kp.Key)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cals := filepath.Join(dir, "calendars")
	if err := os.Mkdir(cals, 0o700); err != nil {
		t.Fatal(err)
	}
	for addr, ics := range calendars {
		write(filepath.Join("calendars", addr+".ics"), []byte(ics))
	}
	s := &server{world: w, reload: make(chan struct{}), reloaded: make(chan error), stderr: &fedtest.LogBuffer{}}
	s.sharing = write("sharing.json", sharingConfig(t, fedavail.AccessLimitedDetails))
	args := []string{
		"-listen", "127.0.0.1:0",
		"-tls-cert", write("tls.pem", pki.CertPEM(tlsPair.Cert)), "-tls-key", write("tls.key", keyPEM(tlsPair)),
		"-cert", write("org.pem", pki.CertPEM(org.Cert)), "-key", write("org.key", keyPEM(org)),
		"-ca", write("ca.pem", pki.CertPEM(w.CA.Cert)),
		"-domain", "fabrikam.test", "-broker-metadata", w.MetadataURL(),
		"-sharing", s.sharing,
		"-basic", "carol:s3cret", "-basic", "@" + write("users", []byte("# internal users\nbob@fabrikam.test:hunter2\n")),
		"-ews-url", "https://fabrikam.test/EWS/Exchange.asmx",
		"-metrics", "127.0.0.1:0",
	}
	if !slices.Contains(extra, "-caldav") && !slices.Contains(extra, "-google-key") {
		args = append(args, "-calendars", cals)
	}
	args = append(args, extra...)
	ready := make(chan net.Addr, 1)
	a := &app{reload: s.reload, ready: func(addr net.Addr) { ready <- addr }, reloaded: func(err error) { s.reloaded <- err }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stdout fedtest.LogBuffer
	go func() { done <- a.run(ctx, args, &stdout, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("partner exited with %d after SIGINT:\n%s", code, s.stderr)
		}
	})
	select {
	case addr := <-ready:
		s.addr = addr.String()
		w.Route("fabrikam.test:443", addr.String())
		w.Route("autodiscover.fabrikam.test:443", addr.String())
	case code := <-done:
		t.Fatalf("partner exited with %d:\n%s", code, s.stderr)
	}
	if !strings.Contains(stdout.String(), "FYDIBOHF25SPDLT.fabrikam.test ([fabrikam.test]) answering on https://127.0.0.1:") {
		t.Errorf("start-up line: %q", stdout.String())
	}
	return s
}

// setSharing rewrites the sharing file and reloads it, as SIGHUP does.
func (s *server) setSharing(t *testing.T, data []byte) error {
	t.Helper()
	if err := os.WriteFile(s.sharing, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s.reload <- struct{}{}
	return <-s.reloaded
}

// TestBasic asks as an internal user with ews.Client, as any EWS client
// would: the plain path, Basic credentials, no delegation token.
func TestBasic(t *testing.T) {
	t.Parallel()
	s := startPartner(t, loopback.New(t))
	ask := func(user, pass string) (*ews.AvailabilityResult, error) {
		c := &ews.Client{URL: "https://fabrikam.test/EWS/Exchange.asmx", HTTPClient: s.world.HTTP, Auth: ews.BasicAuth{Username: user, Password: pass}}
		return c.GetUserAvailability(context.Background(), &ews.AvailabilityRequest{
			Mailboxes: []ews.Mailbox{{Address: "erin@fabrikam.test"}},
			Start:     day, End: dayEnd, FreeBusy: &ews.FreeBusyOptions{View: ews.ViewDetailed},
		})
	}
	tests := []struct {
		name, user, pass string
		subjects         []string // nil: refused
	}{
		{"user name at the first domain", "carol", "s3cret", []string{"Dentist"}},
		{"address from the users file", "bob@fabrikam.test", "hunter2", []string{"Dentist"}},
		{"wrong password", "carol", "hunter2", nil},
		{"unknown user", "mallory", "s3cret", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ask(tt.user, tt.pass)
			if tt.subjects == nil {
				if !errors.Is(err, fedavail.ErrUnauthorized) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := subjects(res.Mailboxes[0].Events); !cmp.Equal(got, tt.subjects) {
				t.Errorf("subjects %q, want %q", got, tt.subjects)
			}
		})
	}
	// Nothing the server logged holds a password.
	for _, secret := range []string{"s3cret", "hunter2"} {
		if strings.Contains(s.stderr.String(), secret) {
			t.Errorf("the log holds the password %q", secret)
		}
	}
}

// TestRawSOAP posts what a script would hand-write: SOAPAction and the
// envelope, no WS-Addressing headers, to the plain path.
func TestRawSOAP(t *testing.T) {
	t.Parallel()
	body := postRaw(t, startPartner(t, loopback.New(t)))
	for _, want := range []string{"GetUserAvailabilityResponse", "<ResponseCode>NoError</ResponseCode>", "Design review"} {
		if !strings.Contains(body, want) {
			t.Errorf("response lacks %q:\n%s", want, body)
		}
	}
}

// postRaw posts rawRequest to s as the internal user carol and returns the
// answer's body.
func postRaw(t *testing.T, s *server) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://fabrikam.test/EWS/Exchange.asmx", strings.NewReader(rawRequest))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability"`)
	req.SetBasicAuth("carol", "s3cret")
	resp, err := s.world.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s:\n%s", resp.Status, &body)
	}
	return body.String()
}

const rawRequest = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
  xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
 <soap:Header><t:RequestServerVersion Version="Exchange2010_SP1"/></soap:Header>
 <soap:Body>
  <m:GetUserAvailabilityRequest>
   <t:TimeZone><t:Bias>0</t:Bias>
    <t:StandardTime><t:Bias>0</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>5</t:DayOrder><t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime>
    <t:DaylightTime><t:Bias>0</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime>
   </t:TimeZone>
   <m:MailboxDataArray><t:MailboxData><t:Email><t:Address>dana@fabrikam.test</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData></m:MailboxDataArray>
   <t:FreeBusyViewOptions>
    <t:TimeWindow><t:StartTime>2026-11-30T00:00:00</t:StartTime><t:EndTime>2026-12-01T00:00:00</t:EndTime></t:TimeWindow>
    <t:MergedFreeBusyIntervalInMinutes>60</t:MergedFreeBusyIntervalInMinutes>
    <t:RequestedView>DetailedMerged</t:RequestedView>
   </t:FreeBusyViewOptions>
  </m:GetUserAvailabilityRequest>
 </soap:Body>
</soap:Envelope>`

// TestFederated asks as Contoso through federation.NewClient, with tokens
// from the World's broker: what Contoso sees is what the sharing file says,
// and a reload changes it.
func TestFederated(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{Relationships: []sharing.OrganizationRelationship{{
		Name: "Fabrikam", DomainNames: []string{"fabrikam.test"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}})
	s := startPartner(t, w)
	client := w.Client(t, contoso)
	ask := func(t *testing.T) map[string][]string {
		t.Helper()
		res, err := client.Availability(context.Background(), federation.Query{
			From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test", "erin@fabrikam.test", "nobody@fabrikam.test"},
			Start: day, End: dayEnd, View: ews.ViewDetailed,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, a := range res.Attendees {
			if a.Err != nil {
				got[a.Address] = []string{"error"}
				continue
			}
			if a.Partner.EWSURL != "https://fabrikam.test/EWS/Exchange.asmx" {
				t.Errorf("%s answered at %s, want the -ews-url", a.Address, a.Partner.EWSURL)
			}
			got[a.Address] = append([]string{string(a.View)}, subjects(a.Events)...)
		}
		return got
	}

	// dana opted in: Contoso sees her subject; erin's stays hidden.
	want := map[string][]string{
		"dana@fabrikam.test":   {"Detailed", "Design review"},
		"erin@fabrikam.test":   {"FreeBusy", ""},
		"nobody@fabrikam.test": {"error"},
	}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("LimitedDetails (-want +got):\n%s", d)
	}
	// -metrics: the requests show by operation, partner and outcome, and no
	// mailbox address appears anywhere on the page.
	page := s.scrape(t)
	for _, want := range []string{
		`fedavail_requests_total{operation="GetUserAvailability",outcome="ok",partner="contoso.test"}`,
		`fedavail_token_validations_total{result="ok"}`,
		`fedavail_calendar_reads_total{method="Events",result="ok"}`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(page, "@fabrikam.test") || strings.Contains(page, "Design review") {
		t.Error("/metrics shows a mailbox address or a subject")
	}

	// The administrator lowers Contoso to AvailabilityOnly and sends SIGHUP.
	if err := s.setSharing(t, sharingConfig(t, fedavail.AccessAvailabilityOnly)); err != nil {
		t.Fatalf("reload: %v", err)
	}
	want["dana@fabrikam.test"] = []string{"FreeBusy", ""}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("after the reload to AvailabilityOnly (-want +got):\n%s", d)
	}

	// A broken file is refused and the configuration in force stays.
	if err := s.setSharing(t, []byte(`{"OrganizationRelationships": [{"Name": ""}]}`)); err == nil {
		t.Error("reload of an invalid sharing file succeeded")
	}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("after a failed reload (-want +got):\n%s", d)
	}
	if !strings.Contains(s.stderr.String(), "the previous configuration stays in force") {
		t.Errorf("the failed reload is not logged:\n%s", s.stderr)
	}
}

// TestAutodiscover checks what partners discover: federation information
// and the capability probe.
func TestAutodiscover(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	startPartner(t, w)
	ac := &autodiscover.Client{HTTPClient: w.HTTP, Resolver: w.DNS.Resolver(), CacheTTL: -1}
	fi, err := ac.GetFederationInformation(context.Background(), "fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{fi.ApplicationURI, strings.Join(fi.Domains, ","), fi.TokenIssuers[0].URI}
	if d := cmp.Diff([]string{"FYDIBOHF25SPDLT.fabrikam.test", "fabrikam.test", loopback.BrokerURI}, got); d != "" {
		t.Errorf("federation information (-want +got):\n%s", d)
	}
	resp, err := w.HTTP.Get("https://autodiscover.fabrikam.test/autodiscover/autodiscover.xml")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{"X-SOAP-Enabled", "X-WSSecurity-Enabled"} {
		if resp.Header.Get(h) != "True" {
			t.Errorf("capability probe: %s = %q, want True", h, resp.Header.Get(h))
		}
	}
}

func subjects(evs []ews.Event) []string {
	var out []string
	for _, e := range evs {
		s := ""
		if e.Details != nil {
			s = e.Details.Subject
		}
		out = append(out, s)
	}
	return out
}

// scrape returns the partner's /metrics page, from the address its log
// announced, after checking /healthz.
func (s *server) scrape(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`metrics at (http://[0-9.:]+)/metrics`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("the partner did not announce its metrics address:\n%s", s.stderr)
	}
	get := func(path string) string {
		resp, err := http.Get(m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		return string(body)
	}
	if h := get("/healthz"); strings.TrimSpace(h) != "ok" {
		t.Errorf("/healthz = %q", h)
	}
	return get("/metrics")
}
