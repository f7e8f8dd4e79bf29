package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/realparts"
	"github.com/fedavail/fedavail/internal/testshared"
)

// ewsjsAttendee is what availability.js prints per attendee: what
// ews-javascript-api, a port of Microsoft's EWS Managed API, understood.
type ewsjsAttendee struct {
	Attendee string   `json:"attendee"`
	Error    string   `json:"error"`
	View     string   `json:"view"`
	Merged   []string `json:"merged"`
	Events   []struct {
		Start, End, Status string
		Subject            *string
	} `json:"events"`
}

// TestInteropEWSJavaScriptAPI asks the partner command for free/busy with
// ews-javascript-api over HTTPS and Basic authentication, as an Exchange
// client library would, and checks what that library read: the view, the
// merged free/busy digits decoded as Microsoft's client decodes them, the
// items and their details. The calendars are the folder of .ics files, then
// the same items on a CalDAV server.
func TestInteropEWSJavaScriptAPI(t *testing.T) {
	node := realparts.Require(t, "node", "nodejs")
	dir := filepath.Join("..", "..", "internal", "interop", "ewsjs")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ews-javascript-api")); err != nil {
		testshared.Unavailable(t, "ews-javascript-api is not installed: (cd internal/interop/ewsjs && npm ci)")
	}
	t.Run("folder", func(t *testing.T) { interopEWSJS(t, node, dir) })
	t.Run("CalDAV", func(t *testing.T) {
		rad := radicaleWithCalendars(t)
		cred := filepath.Join(t.TempDir(), "dav")
		if err := os.WriteFile(cred, []byte("fedavail:x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		interopEWSJS(t, node, dir, "-caldav", rad.URL, "-caldav-credentials", cred)
	})
}

// interopEWSJS runs availability.js against a partner started with sources.
func interopEWSJS(t *testing.T, node, dir string, sources ...string) {
	w := loopback.New(t)
	s := startPartner(t, w, sources...)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pki.CertPEM(w.CA.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, "availability.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"NODE_EXTRA_CA_CERTS="+ca,
		"EWS_URL=https://"+s.addr+"/EWS/Exchange.asmx",
		"EWS_USER=carol", "EWS_PASSWORD=s3cret",
		"EWS_ATTENDEES=dana@fabrikam.test,erin@fabrikam.test,nobody@fabrikam.test",
		"EWS_START="+day.Format("2006-01-02T15:04:05Z"), "EWS_END="+dayEnd.Format("2006-01-02T15:04:05Z"),
		"EWS_VIEW=DetailedMerged")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("availability.js: %v\n%s\npartner log:\n%s", err, stderr, s.stderr)
	}
	var got []ewsjsAttendee
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("availability.js printed %q: %v", out, err)
	}
	if len(got) != 3 {
		t.Fatalf("%d attendees back, want 3: %s", len(got), out)
	}
	busyAt := func(a ewsjsAttendee, hour int) string {
		if hour >= len(a.Merged) {
			return "(none)"
		}
		return a.Merged[hour]
	}
	for _, c := range []struct {
		a       ewsjsAttendee
		hour    int
		subject string
	}{{got[0], 9, "Design review"}, {got[1], 14, "Dentist"}} {
		if c.a.Error != "NoError" || c.a.View != "DetailedMerged" {
			t.Errorf("%s: error %s, view %s; want NoError, DetailedMerged", c.a.Attendee, c.a.Error, c.a.View)
		}
		if len(c.a.Merged) != 24 || busyAt(c.a, c.hour) != "Busy" || busyAt(c.a, c.hour-1) != "Free" {
			t.Errorf("%s: merged %v; want 24 hourly slots, Busy at %02d:00 and Free before", c.a.Attendee, c.a.Merged, c.hour)
		}
		if len(c.a.Events) != 1 || c.a.Events[0].Status != "Busy" || c.a.Events[0].Subject == nil || *c.a.Events[0].Subject != c.subject {
			t.Errorf("%s: events %s; want one Busy item %q", c.a.Attendee, mustJSON(c.a.Events), c.subject)
		}
	}
	if diff := cmp.Diff("ErrorMailRecipientNotFound", got[2].Error); diff != "" {
		t.Errorf("an unknown mailbox, as the library read its error (-want +got):\n%s", diff)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
