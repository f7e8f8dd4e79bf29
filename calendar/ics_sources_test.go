package calendar

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWindowsTZIDWithoutVTimezone covers issue 13.13: a Windows zone ID
// with no VTIMEZONE maps through CLDR's table instead of failing the file.
func TestWindowsTZIDWithoutVTimezone(t *testing.T) {
	body := ics("BEGIN:VEVENT\nUID:w\nDTSTART;TZID=W. Europe Standard Time:20240710T090000\nDTEND;TZID=W. Europe Standard Time:20240710T100000\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:e\nDTSTART;TZID=\"Eastern Standard Time\":20240110T090000\nDURATION:PT1H\nEND:VEVENT")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	got, err := ParseICS(body, nil, start, start.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []span{
		{"2024-01-10 14:00 UTC", "2024-01-10 15:00 UTC", Busy}, // New York in winter, UTC-5
		{"2024-07-10 07:00 UTC", "2024-07-10 08:00 UTC", Busy}, // Berlin in summer, UTC+2
	}
	if diff := cmp.Diff(want, spans(got, time.UTC)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseICS(ics("BEGIN:VEVENT\nUID:x\nDTSTART;TZID=Nowhere Standard Time:20240710T090000\nEND:VEVENT"), nil, start, start.AddDate(1, 0, 0)); err == nil {
		t.Error("a zone neither IANA, Windows nor defined was accepted")
	}
}

// TestVFreeBusy covers issue 13.14: free/busy exports show their periods.
func TestVFreeBusy(t *testing.T) {
	body := ics(`BEGIN:VFREEBUSY
UID:fb
DTSTART:20240101T000000Z
DTEND:20240201T000000Z
FREEBUSY:20240102T090000Z/20240102T100000Z,20240102T110000Z/PT30M
FREEBUSY;FBTYPE=BUSY-TENTATIVE:20240103T090000Z/PT1H
FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20240104T000000Z/20240105T000000Z
FREEBUSY;FBTYPE=FREE:20240106T090000Z/PT1H
FREEBUSY;FBTYPE=X-ODD:20240107T090000Z/PT1H
END:VFREEBUSY`)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	got, err := ParseICS(body, nil, start, start.AddDate(0, 0, 42))
	if err != nil {
		t.Fatal(err)
	}
	want := []span{
		{"2024-01-02 09:00 UTC", "2024-01-02 10:00 UTC", Busy},
		{"2024-01-02 11:00 UTC", "2024-01-02 11:30 UTC", Busy},
		{"2024-01-03 09:00 UTC", "2024-01-03 10:00 UTC", Tentative},
		{"2024-01-04 00:00 UTC", "2024-01-05 00:00 UTC", OOF},
		{"2024-01-07 09:00 UTC", "2024-01-07 10:00 UTC", Busy},
	}
	if diff := cmp.Diff(want, spans(got, time.UTC)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"20240102T090000Z", "20240102T090000Z/20240101T090000Z", "20240102T090000Z/PXT"} {
		if _, err := ParseICS(ics("BEGIN:VFREEBUSY\nFREEBUSY:"+bad+"\nEND:VFREEBUSY"), nil, start, start.AddDate(0, 0, 42)); err == nil {
			t.Errorf("FREEBUSY %q accepted", bad)
		}
	}
}

// TestFolderWarnsAboutEmptyFile: a file with nothing usable is named in
// one warning each time it is parsed, not on every request.
func TestFolderWarnsAboutEmptyFile(t *testing.T) {
	dir := t.TempDir()
	p := writeCal(t, dir, "todo@example.com", "BEGIN:VTODO\nUID:t\nSUMMARY:not an event\nEND:VTODO")
	var logs bytes.Buffer
	f := &Folder{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3 {
		if got, err := f.Events(t.Context(), "todo@example.com", t0, t0.Add(24*time.Hour)); err != nil || len(got) != 0 {
			t.Fatalf("%v, %v; want no items", got, err)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), p) {
		t.Errorf("%d warnings, want one naming %s:\n%s", n, p, logs.String())
	}
}

// TestVTimezoneShared: files with the same VTIMEZONE definition share one
// set of rules, whatever they call it (issue 15); observance rules must be
// yearly.
func TestVTimezoneShared(t *testing.T) {
	zoneOf := func(tzid string) zone {
		t.Helper()
		vtz := strings.Replace(windowsVTimezone, "TZID:W. Europe Standard Time", "TZID:"+tzid, 1)
		c, err := parseICS(ics(vtz+"\nBEGIN:VEVENT\nUID:1\nDTSTART;TZID="+tzid+":20240710T090000\nDURATION:PT1H\nEND:VEVENT"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c.singles[0].zone
	}
	a, b := zoneOf("Custom A"), zoneOf("Custom B")
	if _, ok := a.(*ruleZone); !ok || a != b {
		t.Errorf("zones %p and %p: want one shared *ruleZone", a, b)
	}
	daily := strings.Replace(windowsVTimezone, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "RRULE:FREQ=DAILY", 1)
	daily = strings.Replace(daily, "TZID:W. Europe Standard Time", "TZID:Daily", 1)
	if _, err := parseICS(ics(daily+"\nBEGIN:VEVENT\nUID:1\nDTSTART;TZID=Daily:20240710T090000\nEND:VEVENT"), nil); err == nil {
		t.Error("a daily observance rule was accepted")
	}
}
