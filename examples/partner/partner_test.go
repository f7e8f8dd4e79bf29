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
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/keyring"
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
	org, err := fedtest.NewOrgCert("fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	w.Register(t, "FYDIBOHF25SPDLT.fabrikam.test", "fabrikam.test", org)
	sharingFile := writeFile(t, dir, "sharing.json", sharingConfig(t, fedavail.AccessLimitedDetails))
	identity := []string{
		"-cert", writeFile(t, dir, "org.pem", pki.CertPEM(org.Cert)), "-key", writeFile(t, dir, "org.key", keyPEM(t, org)),
		"-domain", "fabrikam.test", "-broker-metadata", w.MetadataURL(), "-sharing", sharingFile,
	}
	return runPartner(t, w, dir, sharingFile, append(identity, extra...)...)
}

// writeFile writes data to dir/name (0600) and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func keyPEM(t *testing.T, kp *fedtest.KeyPair) []byte {
	t.Helper()
	b, err := pki.KeyPEM(kp.Key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runPartner runs the command with the identity flags in args, TLS, the
// test calendars and internal users, from files in dir.
func runPartner(t *testing.T, w *loopback.World, dir, sharingFile string, args ...string) *server {
	t.Helper()
	tlsPair, err := w.CA.Issue("fabrikam.test", "autodiscover.fabrikam.test", "127.0.0.1") // the address for clients without the World's DNS
	if err != nil {
		t.Fatal(err)
	}
	cals := filepath.Join(dir, "calendars")
	if err := os.Mkdir(cals, 0o700); err != nil {
		t.Fatal(err)
	}
	for addr, ics := range calendars {
		writeFile(t, dir, filepath.Join("calendars", addr+".ics"), []byte(ics))
	}
	s := &server{world: w, sharing: sharingFile, reload: make(chan struct{}), reloaded: make(chan error), stderr: &fedtest.LogBuffer{}}
	args = append([]string{
		"-listen", "127.0.0.1:0",
		"-tls-cert", writeFile(t, dir, "tls.pem", pki.CertPEM(tlsPair.Cert)), "-tls-key", writeFile(t, dir, "tls.key", keyPEM(t, tlsPair)),
		"-ca", writeFile(t, dir, "ca.pem", pki.CertPEM(w.CA.Cert)),
		"-basic", "carol:s3cret", "-basic", "@" + writeFile(t, dir, "users", []byte("# internal users\nbob@fabrikam.test:hunter2\n")),
		"-ews-url", "https://fabrikam.test/EWS/Exchange.asmx",
		"-address-space-account", `FABRIKAM\contoso-fb:fb-pa55@contoso.test`,
		"-metrics", "127.0.0.1:0",
	}, args...)
	if !slices.Contains(args, "-reload-every") {
		// Reloads only when the test asks, so each has one answer.
		args = append(args, "-reload-every", "0")
	}
	if !slices.Contains(args, "-caldav") && !slices.Contains(args, "-google-key") {
		args = append(args, "-calendars", cals) // unless another calendar source is named
	}
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
	client, err := federation.NewClient(federation.Config{
		ApplicationURI: contoso.ApplicationURI, Keys: contoso.Keys, Domains: []string{"contoso.test"},
		Broker:        federation.TrustBroker{MetadataURL: w.MetadataURL()},
		Relationships: contoso.Sharing, HTTPClient: w.HTTP, Resolver: w.DNS.Resolver(),
	})
	if err != nil {
		t.Fatal(err)
	}
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
		`fedavail_broker_metadata_failures 0`,
		`fedavail_broker_metadata_age_seconds `,
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

// TestReloadWithoutSignal: a changed sharing file is picked up without
// SIGHUP, and /readyz reports what is loaded.
func TestReloadWithoutSignal(t *testing.T) {
	t.Parallel()
	s := startPartner(t, loopback.New(t), "-reload-every", "20ms")
	readyz := func() (int, string) {
		t.Helper()
		resp, err := s.world.HTTP.Get("https://fabrikam.test" + readyPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(10 * time.Second)
	code, before := readyz()
	for code != http.StatusOK && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		code, before = readyz()
	}
	if code != http.StatusOK || !strings.Contains(before, "fresh true") || !strings.Contains(before, "organization certificate current: ") {
		t.Fatalf("/readyz = %d:\n%s", code, before)
	}
	// Replaced in one step, as editors and fedadmin do, so the partner never
	// reads half a file.
	tmp := writeFile(t, filepath.Dir(s.sharing), "sharing.json.new", sharingConfig(t, fedavail.AccessAvailabilityOnly))
	if err := os.Rename(tmp, s.sharing); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.reloaded:
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the changed sharing file was not reloaded without a signal")
	}
	code, after := readyz()
	version := func(body string) string {
		_, v, _ := strings.Cut(body, "configuration: version ")
		v, _, _ = strings.Cut(v, " ")
		return v
	}
	if code != http.StatusOK || version(after) == version(before) || version(after) == "" {
		t.Errorf("/readyz after the change = %d:\n%s\nbefore:\n%s", code, after, before)
	}
	// Nothing changed: no further reload.
	select {
	case err := <-s.reloaded:
		t.Errorf("reloaded again without a change (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestCertificateRolloverWithoutSignal runs the partner from a fedadmin
// state directory while the administrator rolls the organization
// certificate over (install next, switch, finish) and Contoso asks for
// free/busy without pause, a new client (so a new token) per query: the
// partner picks every stage up without SIGHUP, /readyz shows the next
// certificate before the switch, and no query fails.
func TestCertificateRolloverWithoutSignal(t *testing.T) {
	t.Parallel()
	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{Relationships: []sharing.OrganizationRelationship{{
		Name: "Fabrikam", DomainNames: []string{"fabrikam.test"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}})
	org := w.AdminOrg(t, "fabrikam.test")
	writeFile(t, org.Dir(), "sharing.json", sharingConfig(t, fedavail.AccessLimitedDetails))
	s := runPartner(t, w, t.TempDir(), org.SharingFile(), "-dir", org.Dir(), "-reload-every", "20ms")

	var (
		mu       sync.Mutex
		queries  int
		failures []error
	)
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for ctx.Err() == nil {
			client, err := federation.NewClient(federation.Config{
				ApplicationURI: contoso.ApplicationURI, Keys: contoso.Keys, Domains: []string{"contoso.test"},
				Broker:        federation.TrustBroker{MetadataURL: w.MetadataURL()},
				Relationships: contoso.Sharing, HTTPClient: w.HTTP, Resolver: w.DNS.Resolver(),
			})
			if err == nil {
				var res *federation.Result
				res, err = client.Availability(ctx, federation.Query{From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: day, End: dayEnd})
				if err == nil {
					err = res.Attendees[0].Err
				}
			}
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			queries++
			if err != nil {
				failures = append(failures, err)
			}
			mu.Unlock()
		}
	}()
	more := func(n int) {
		t.Helper()
		mu.Lock()
		target := queries + n
		mu.Unlock()
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			done := queries >= target
			mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %d more queries", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	readyz := func() string {
		t.Helper()
		resp, err := w.HTTP.Get("https://fabrikam.test" + readyPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	// waitLoaded waits, without sending a signal, until /readyz shows what
	// the stage should have loaded: a stage writes several files, and the
	// partner may reload between them before it reloads the last one.
	waitLoaded := func(stage string, ok func(body string) bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case err := <-s.reloaded:
				if err != nil {
					t.Fatalf("%s: reload: %v", stage, err)
				}
			case <-time.After(20 * time.Millisecond):
			case <-deadline:
				t.Fatalf("%s: the partner did not load it without a signal:\n%s", stage, readyz())
			}
			if ok(readyz()) {
				return
			}
		}
	}

	more(3)
	if st, err := org.Rollover(t.Context(), admin.CertificateOptions{}); err != nil || st != admin.RolloverNextInstalled {
		t.Fatalf("rollover: %v, %v", st, err)
	}
	proofs, err := org.DomainProof("fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range proofs {
		w.DNS.AddTXT("fabrikam.test", p.Proof)
	}
	var next string
	for _, c := range org.Certificates() {
		if c.Slot == keyring.Next {
			next = c.Thumbprint
		}
	}
	if next == "" {
		t.Fatal("no next certificate after the first rollover stage")
	}
	waitLoaded("next installed", func(body string) bool { return strings.Contains(body, "organization certificate next: "+next) })
	more(3)
	if st, err := org.Rollover(t.Context(), admin.CertificateOptions{}); err != nil || st != admin.RolloverSwitched {
		t.Fatalf("rollover: %v, %v", st, err)
	}
	waitLoaded("switched", func(body string) bool { return strings.Contains(body, "organization certificate current: "+next) })
	more(3)
	if st, err := org.Rollover(t.Context(), admin.CertificateOptions{}); err != nil || st != admin.RolloverFinished {
		t.Fatalf("rollover: %v, %v", st, err)
	}
	waitLoaded("finished", func(body string) bool { return !strings.Contains(body, "organization certificate previous") })
	more(3)
	cancel()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d free/busy queries through the organization certificate rollover, %d failed", queries, len(failures))
	for _, err := range failures {
		t.Errorf("failed query: %v", err)
	}
}
