package loopback_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

// TestWorld: two organizations that relate to each other answer a query
// through the World's broker, with the client ClientConfig gives; Close
// stops every server.
func TestWorld(t *testing.T) {
	w, err := loopback.Start()
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			w.Close()
		}
	}()
	fabrikam := w.AddOrg(t, "fabrikam.test", loopback.OrgOptions{Mailboxes: []string{"bob"}})
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{})
	if err := fabrikam.Relate(contoso); err != nil {
		t.Fatal(err)
	}
	if err := contoso.Relate(fabrikam); err != nil {
		t.Fatal(err)
	}
	client, err := federation.NewClient(contoso.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	day := w.Tomorrow()
	res, err := client.Availability(t.Context(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"bob@fabrikam.test"},
		Start: day, End: day.Add(24 * time.Hour), MergedInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Attendees[0]
	if a.Err != nil || len(a.Merged) != 24 || a.Merged[10].BusyType != "Busy" || a.Merged[9].BusyType != "Free" {
		t.Fatalf("bob: err %v, %d slots %+v; want Busy 10:00–11:00 only", a.Err, len(a.Merged), a.Merged)
	}

	w.Close()
	closed = true
	_, err = w.HTTP.Get(fabrikam.URL + "/autodiscover/autodiscover.svc")
	if !errors.Is(err, syscall.ECONNREFUSED) && (err == nil || !strings.Contains(err.Error(), "refused")) {
		t.Errorf("after Close, GET %s: %v; want connection refused", fabrikam.URL, err)
	}
	// An unknown host is refused at once, never looked up.
	if _, err := w.HTTP.Get("https://unknown.example/"); err == nil {
		t.Error("an unknown host answered")
	}
}

// TestRequireDomainProofs: the World's broker takes every domain until
// RequireDomainProofs, then only proven ones; Advance moves the clock.
func TestRequireDomainProofs(t *testing.T) {
	w := loopback.New(t)
	if _, err := w.NewOrg("before.test", loopback.OrgOptions{}); err != nil {
		t.Fatalf("before RequireDomainProofs: %v", err)
	}
	w.RequireDomainProofs()
	if _, err := w.NewOrg("after.test", loopback.OrgOptions{}); err == nil {
		t.Error("after RequireDomainProofs, a domain without a proof in DNS was registered")
	}
	before := w.Now()
	w.Advance(time.Hour)
	if d := w.Now().Sub(before); d < time.Hour || d > time.Hour+time.Minute {
		t.Errorf("Advance(1h) moved the clock by %s", d)
	}
}
