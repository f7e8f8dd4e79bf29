package main

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fedavail/fedavail/calendar"
)

// soonDays is how close to its end a certificate draws a warning at start.
const soonDays = 30

// checkTLSCertificate warns when the TLS certificate partners see has
// expired or expires within soonDays: partners' Exchange servers refuse an
// expired one, and nothing else would say so until they do.
func checkTLSCertificate(log *slog.Logger, file string, leaf *x509.Certificate, now time.Time) {
	switch left := leaf.NotAfter.Sub(now); {
	case left <= 0:
		log.Error("partner: the TLS certificate has expired: partners will refuse to connect; renew it", "file", file, "not_after", leaf.NotAfter)
	case left < soonDays*24*time.Hour:
		log.Warn(fmt.Sprintf("partner: the TLS certificate expires in %d days: renew it before partners refuse it", int(left.Hours()/24)),
			"file", file, "not_after", leaf.NotAfter)
	}
}

// checkCalendars reads every .ics file of dir once at start and warns, file
// by file, about those that cannot be read or parsed, so an administrator
// learns of a broken export now rather than from a partner's "no data".
// It returns how many files it read and how many were bad.
func checkCalendars(log *slog.Logger, dir string, loc *time.Location, now time.Time) (read, bad int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Error("partner: cannot list the calendars folder", "dir", dir, "err", err)
		return 0, 0
	}
	for _, e := range entries {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".ics") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !regularInside(dir, path) {
			log.Warn("partner: not a regular file in the folder, so never read (FIFOs, devices and links leaving the folder are refused)", "file", path)
			bad++
			continue
		}
		read++
		data, err := os.ReadFile(path)
		if err != nil {
			log.Warn("partner: calendar file cannot be read", "file", path, "err", err)
			bad++
			continue
		}
		if _, err := calendar.ParseICS(data, loc, now, now.AddDate(0, 0, 1)); err != nil {
			log.Warn("partner: calendar file cannot be parsed: its mailbox will answer with an error", "file", path, "err", icsProblem(data, err))
			bad++
		}
	}
	return read, bad
}

// regularInside reports whether path is a regular file, or a link to one
// that stays inside dir, as calendar.Folder reads them; it never opens it.
func regularInside(dir, path string) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	st, err := os.Stat(real)
	return err == nil && st.Mode().IsRegular()
}

// icsProblem adds to a parse error what the parser's words leave out: that
// a file ending before END:VCALENDAR was most likely cut short.
func icsProblem(data []byte, err error) string {
	if !strings.Contains(strings.ToUpper(string(data)), "END:VCALENDAR") {
		return fmt.Sprintf("%v (the file has no END:VCALENDAR: it was cut short, %d bytes, %d lines)", err, len(data), strings.Count(string(data), "\n"))
	}
	return err.Error()
}
