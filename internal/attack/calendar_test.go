package attack

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testorg"
)

// folderSite is an organization whose mailboxes' calendars are .ics files
// in a folder the test fills (issue 12.5, 12.6).
func folderSite(t *testing.T, dir string) *site {
	t.Helper()
	logs := &fedtest.LogBuffer{}
	org, err := testorg.New(testorg.Config{
		Keys:         mustKeys(t),
		Logger:       logs.Logger(),
		MaxBodyBytes: maxBody,
		Calendars:    &calendar.Folder{Dir: dir, Logger: logs.Logger()},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(org.Handler)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &site{Org: org, srv: srv, logs: logs}
}

// ask sends one federated GetUserAvailability for mailboxes, returning
// each mailbox's answer code and the bytes the whole exchange allocated.
func ask(t *testing.T, s *site, mailboxes ...string) ([]ews.ResponseCode, uint64) {
	t.Helper()
	ep := endpoints[0]
	tok := mint(t, s, testorg.Claims(partnerUser, ep.offer), s.Keys.Contoso.Cert)
	body := ep.envelope("", tok, availabilityBody(ews.ViewFreeBusyMerged, mailboxes...))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a := s.post(t, ep.path, body)
	runtime.ReadMemStats(&after)
	if a.status != http.StatusOK {
		t.Fatalf("HTTP %d, want 200\n%.2000s", a.status, a.body)
	}
	var resp ews.GetUserAvailabilityResponse
	if _, err := soap.Decode(a.body, soap.DecodeOptions{Body: &resp}); err != nil {
		t.Fatalf("answer does not decode: %v\n%.2000s", err, a.body)
	}
	var codes []ews.ResponseCode
	for _, r := range resp.FreeBusyResponses {
		codes = append(codes, seenOf(r).Code)
	}
	if len(codes) != len(mailboxes) {
		t.Fatalf("%d answers for %d mailboxes", len(codes), len(mailboxes))
	}
	return codes, after.TotalAlloc - before.TotalAlloc
}

func writeICS(t *testing.T, dir, mailbox, body string) {
	t.Helper()
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//attack//EN\r\n" + strings.ReplaceAll(strings.TrimSpace(body), "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(filepath.Join(dir, mailbox+".ics"), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func seq(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, i)
	}
	return b.String()
}

// answered is a mailbox answer that is no free/busy but a bounded failure:
// a proper per-mailbox EWS error, never a whole-request failure.
func answered(c ews.ResponseCode) bool {
	return c == ews.NoError || c == ews.ErrorFreeBusyGenerationFailed || c == "ErrorResultSetTooBig"
}

// perAskBytes bounds what one mailbox's expansion may allocate: the budget
// of 64 expanded occurrences per returnable item (1,000) at a few hundred
// bytes each in rrule-go, plus one period's occurrence set (BYHOUR ×
// BYMINUTE × BYSECOND = 86,400 times of 24 bytes), plus the answer.
const perAskBytes = 64*1000*400 + 86400*24*2 + 4<<20

// TestRecurrenceAttacks: every frequency with every full BYxxx list, begun
// in 1601 and asked ten times in one request, is answered per mailbox
// within a bounded allocation.
func TestRecurrenceAttacks(t *testing.T) {
	lists := map[string]string{
		"BYMONTH":    seq(1, 12),
		"BYWEEKNO":   seq(1, 53),
		"BYYEARDAY":  seq(1, 366),
		"BYMONTHDAY": seq(1, 31),
		"BYDAY":      "MO,TU,WE,TH,FR,SA,SU",
		"BYHOUR":     seq(0, 23),
		"BYMINUTE":   seq(0, 59),
		"BYSECOND":   seq(0, 59),
		"BYSETPOS":   seq(1, 366),
		"ALL-TIMES":  "", // BYHOUR, BYMINUTE and BYSECOND at once: 86,400 a day
	}
	for _, freq := range []string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"} {
		for name, list := range lists {
			rule := "FREQ=" + freq + ";" + name + "=" + list
			if name == "ALL-TIMES" {
				rule = "FREQ=" + freq + ";BYHOUR=" + seq(0, 23) + ";BYMINUTE=" + seq(0, 59) + ";BYSECOND=" + seq(0, 59)
			}
			t.Run(freq+"/"+name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				writeICS(t, dir, testorg.Alice, "BEGIN:VEVENT\nUID:r\nDTSTART:16010101T000000Z\nDURATION:PT1S\nRRULE:"+rule+"\nEND:VEVENT")
				s := folderSite(t, dir)
				const asks = 10
				mailboxes := make([]string, asks)
				for i := range mailboxes {
					mailboxes[i] = testorg.Alice
				}
				codes, bytes := ask(t, s, mailboxes...)
				for i, c := range codes {
					if !answered(c) {
						t.Errorf("ask %d: %s, want NoError or a per-mailbox error", i, c)
					}
				}
				if bytes > asks*perAskBytes {
					t.Errorf("%s from 1601 asked %d times allocated %d bytes, over %d", rule, asks, bytes, asks*perAskBytes)
				}
			})
		}
	}
}

// TestHourlySeriesFrom1601: the case, an hourly rule from 1601
// asked 100 times in one request, shows each day's 24 occurrences and costs
// what a rule begun the day before costs.
func TestHourlySeriesFrom1601(t *testing.T) {
	cost := func(year int) uint64 {
		dir := t.TempDir()
		writeICS(t, dir, testorg.Alice, fmt.Sprintf("BEGIN:VEVENT\nUID:h\nDTSTART:%04d0101T000000Z\nDURATION:PT30M\nRRULE:FREQ=HOURLY\nEND:VEVENT", year))
		s := folderSite(t, dir)
		mailboxes := make([]string, 100)
		for i := range mailboxes {
			mailboxes[i] = testorg.Alice
		}
		codes, bytes := ask(t, s, mailboxes...)
		for i, c := range codes {
			if c != ews.NoError {
				t.Fatalf("ask %d: %s, want NoError", i, c)
			}
		}
		return bytes
	}
	old, recent := cost(1601), cost(testorg.Day.Year()-1)
	// The request itself (TLS, token, 100 answers) dominates; entering the
	// series near the window leaves the old one within 1.5× of the new.
	if old > recent*3/2 {
		t.Errorf("series from 1601: %d bytes, from last year: %d; want within 1.5×", old, recent)
	}
}

// TestSpecialFileAttacks: FIFOs, devices, directories and symbolic links
// out of the folder fail their own mailbox at once and never hold up
// another mailbox in the same request.
func TestSpecialFileAttacks(t *testing.T) {
	outside := t.TempDir()
	writeICS(t, outside, "secret", "BEGIN:VEVENT\nUID:s\nDTSTART:20300311T090000Z\nDURATION:PT1H\nSUMMARY:outside\nEND:VEVENT")
	cases := map[string]func(t *testing.T, p string) error{
		"FIFO":             func(_ *testing.T, p string) error { return syscall.Mkfifo(p, 0o600) },
		"link to a device": func(_ *testing.T, p string) error { return os.Symlink("/dev/zero", p) },
		"link out":         func(_ *testing.T, p string) error { return os.Symlink(filepath.Join(outside, "secret.ics"), p) },
		"relative link out": func(t *testing.T, p string) error {
			rel, err := filepath.Rel(filepath.Dir(p), filepath.Join(outside, "secret.ics"))
			if err != nil {
				t.Fatal(err)
			}
			return os.Symlink(rel, p)
		},
		"directory": func(_ *testing.T, p string) error { return os.Mkdir(p, 0o700) },
		"device node": func(t *testing.T, p string) error {
			// /dev/zero's numbers; creating a device needs privileges.
			err := syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|5)
			if errors.Is(err, syscall.EPERM) {
				t.Skip("creating a device node needs CAP_MKNOD, which this user lacks")
			}
			return err
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeICS(t, dir, testorg.Alice, "BEGIN:VEVENT\nUID:a\nDTSTART:20300311T090000Z\nDURATION:PT1H\nEND:VEVENT")
			if err := make(t, filepath.Join(dir, testorg.Bob+".ics")); err != nil {
				t.Fatal(err)
			}
			s := folderSite(t, dir)
			codes, _ := ask(t, s, testorg.Bob, testorg.Alice, testorg.Bob)
			want := []ews.ResponseCode{ews.ErrorFreeBusyGenerationFailed, ews.NoError, ews.ErrorFreeBusyGenerationFailed}
			for i := range want {
				if codes[i] != want[i] {
					t.Errorf("answers %v, want %v", codes, want)
					break
				}
			}
			if logs := s.logs.String(); strings.Contains(logs, "outside") {
				t.Errorf("the file outside the folder was read:\n%s", logs)
			}
		})
	}
}
