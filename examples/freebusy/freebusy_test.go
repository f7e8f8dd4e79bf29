package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/sharing"
)

// world federates contoso.test (a fedadmin state directory, the side
// freebusy runs as) with fabrikam.test, which shows Contoso subjects where
// the mailbox owner opted in, and tailspin.test, which has no relationship
// for Contoso and so refuses. Contoso has no relationship with
// northwind.test at all.
func world(t *testing.T) (*loopback.World, string) {
	t.Helper()
	w := loopback.New(t)
	contosoRel := sharing.OrganizationRelationship{Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessLimitedDetails}
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{})
	if err := fabrikam.Sharing.Replace(sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{contosoRel},
		Mailboxes:                 []sharing.Mailbox{{Address: "dana@fabrikam.test", CalendarPermission: sharing.PermissionLimitedDetails}},
	}); err != nil {
		t.Fatal(err)
	}
	tailspin := w.AddOrg(t, "tailspin.test", loopback.OrgOptions{})

	mon := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) // London is on UTC in winter
	at := func(day, hour int) time.Time { return mon.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }
	fabrikam.Calendars.Add("dana@fabrikam.test",
		calendar.Event{Start: at(0, 9), End: at(0, 10), BusyType: calendar.Busy, Subject: "Design review", Location: "Room 1"},
		calendar.Event{Start: at(2, 13), End: at(2, 15), BusyType: calendar.Tentative, Subject: "Maybe lunch"},
		calendar.Event{Start: at(3, 14), End: at(3, 15), BusyType: calendar.Busy, Subject: "Doctor", IsPrivate: true},
	)
	fabrikam.Calendars.Add("erin@fabrikam.test",
		calendar.Event{Start: at(1, 0), End: at(2, 0), BusyType: calendar.OOF, Subject: "Holiday"},
		calendar.Event{Start: at(4, 11), End: at(4, 12), BusyType: calendar.Busy, Subject: "1:1"},
	)
	tailspin.Calendars.Add("tom@tailspin.test", calendar.Event{Start: at(0, 9), End: at(0, 10), BusyType: calendar.Busy})

	contoso := w.AdminOrg(t, "contoso.test")
	for _, r := range []sharing.OrganizationRelationship{loopback.Relationship("Fabrikam", fabrikam), loopback.Relationship("Tailspin", tailspin)} {
		if err := contoso.AddRelationship(r); err != nil {
			t.Fatal(err)
		}
	}
	return w, contoso.Dir()
}

func TestRun(t *testing.T) {
	w, dir := world(t)
	a := &app{httpClient: w.HTTP, resolver: w.DNS.Resolver(), now: w.Now}
	query := []string{"-dir", dir, "-from", "alice@contoso.test", "-start", "2026-11-30", "-days", "5", "-tz", "Europe/London"}
	attendees := []string{"dana@fabrikam.test", "erin@fabrikam.test", "tom@tailspin.test", "frank@northwind.test"}

	tests := []struct {
		name   string
		args   []string
		status int
		golden string // stdout's golden file
		stdout []string
		stderr string
	}{
		{name: "grid", args: append(query, attendees...), status: exitNoData, golden: "grid.txt"},
		{name: "json", args: append(append(query, "-json"), attendees...), status: exitNoData, golden: "answer.json"},
		{name: "all answer", args: append(query, "dana@fabrikam.test", "erin@fabrikam.test"), status: exitOK,
			stdout: []string{"dana@fabrikam.test     ·█········"}},
		{name: "free/busy view only", args: append(query, "-view", "FreeBusy", "-json", "dana@fabrikam.test"), status: exitOK,
			stdout: []string{`"view": "FreeBusy"`}},
		{name: "help", args: []string{"-h"}, status: exitOK, stderr: "usage: freebusy"},
		{name: "no attendee", args: query, status: exitUsage, stderr: "give at least one attendee"},
		{name: "bad view", args: append(query, "-view", "Everything", "x@y.test"), status: exitUsage, stderr: `-view "Everything"`},
		{name: "bad start", args: append(query, "-start", "30/11/2026", "x@y.test"), status: exitUsage, stderr: "want YYYY-MM-DD"},
		{name: "not a state directory", args: []string{"-dir", t.TempDir(), "-from", "a@contoso.test", "x@y.test"}, status: exitNoData,
			stderr: "not a fedadmin state directory"},
		{name: "from outside our domains", args: []string{"-dir", dir, "-from", "mallory@evil.test", "dana@fabrikam.test"}, status: exitNoData,
			stderr: "evil.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := a.run(context.Background(), tt.args, &stdout, &stderr); got != tt.status {
				t.Errorf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.status, &stdout, &stderr)
			}
			if tt.golden != "" {
				golden.Check(t, tt.golden, stdout.Bytes())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, &stdout)
				}
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, &stderr)
			}
		})
	}
}

func TestNextMonday(t *testing.T) {
	for _, tt := range []struct{ day, want string }{
		{"2026-11-23", "2026-11-30"}, // a Monday: the week after
		{"2026-11-27", "2026-11-30"}, // Friday
		{"2026-11-29", "2026-11-30"}, // Sunday: tomorrow
	} {
		d, _ := time.Parse(time.DateOnly, tt.day)
		if got := nextMonday(d.Add(15 * time.Hour)).Format(time.DateOnly); got != tt.want {
			t.Errorf("nextMonday(%s) = %s, want %s", tt.day, got, tt.want)
		}
	}
}
