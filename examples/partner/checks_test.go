package main

import (
	"crypto/x509"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fedavail/fedavail/fedtest"
)

func TestCheckCalendars(t *testing.T) {
	dir := t.TempDir()
	good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261207T000000Z\r\nDTSTART:20261207T090000Z\r\nDTEND:20261207T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	files := map[string]string{
		"alice@contoso.test.ics": good,
		"bob@contoso.test.ics":   good[:70], // cut short
		"carol@contoso.test.ics": strings.Replace(good, "DTSTART:20261207T090000Z", "DTSTART:2026-12-07", 1),
		"notes.txt":              "not a calendar",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "dave@contoso.test.ics"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A link inside the folder is read; one leaving it is not.
	if err := os.Symlink("alice@contoso.test.ics", filepath.Join(dir, "al@contoso.test.ics")); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "x.ics")
	os.WriteFile(outside, []byte(good), 0o600)
	if err := os.Symlink(outside, filepath.Join(dir, "eve@contoso.test.ics")); err != nil {
		t.Fatal(err)
	}
	var out fedtest.LogBuffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	read, bad := checkCalendars(log, dir, time.UTC, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) // must not block on the FIFO
	if read != 4 || bad != 4 {
		t.Errorf("read %d, bad %d; want 4 read (3 files and the link inside) and 4 bad (two broken, the FIFO, the link out)", read, bad)
	}
	logs := out.String()
	for _, want := range []string{"bob@contoso.test.ics", "cut short", "carol@contoso.test.ics", "DTSTART", "dave@contoso.test.ics", "not a regular file", "eve@contoso.test.ics"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the warnings do not say %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "alice@contoso.test.ics") || strings.Contains(logs, "al@contoso.test.ics") || strings.Contains(logs, "notes.txt") {
		t.Errorf("a good file or a non-calendar file is warned about:\n%s", logs)
	}
}

func TestCheckTLSCertificate(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		notAfter time.Time
		want     string
	}{
		{now.Add(-time.Hour), "has expired"},
		{now.AddDate(0, 0, 10), "expires in 10 days"},
		{now.AddDate(1, 0, 0), ""},
	} {
		var out fedtest.LogBuffer
		checkTLSCertificate(slog.New(slog.NewTextHandler(&out, nil)), "tls.pem", &x509.Certificate{NotAfter: tt.notAfter}, now)
		if got := out.String(); tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("NotAfter %v: logged %q, want %q", tt.notAfter, got, tt.want)
		}
	}
}
