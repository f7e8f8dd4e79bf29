package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCommandLine checks the command line is refused, with a reason, before
// anything is served.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, exitOK, "usage: partner (-calendars DIR | -caldav URL)"},
		{"no calendars", []string{"-dir", "x"}, exitUsage, "-calendars DIR or -caldav URL is required"},
		{"both calendar sources", []string{"-dir", "x", "-calendars", "c", "-caldav", "http://dav.test/"}, exitUsage, "give -calendars or -caldav, not both"},
		{"ldap without base", []string{"-dir", "x", "-calendars", "c", "-ldap", "ldap://dc.test"}, exitUsage, "-ldap-base is required with -ldap"},
		{"bind without password", []string{"-dir", "x", "-calendars", "c", "-ldap", "ldap://dc.test", "-ldap-base", "dc=test", "-ldap-bind", "cn=x"}, exitUsage, "-ldap-password-file is required"},
		{"no identity", []string{"-calendars", "c"}, exitUsage, "-dir STATE, or -cert FILE -key FILE"},
		{"half TLS", []string{"-calendars", "c", "-dir", "x", "-tls-cert", "a.pem"}, exitUsage, "give both -tls-cert and -tls-key"},
		{"files without domain", []string{"-calendars", "c", "-cert", "a", "-key", "b"}, exitUsage, "-domain is required without -dir"},
		{"bad access level", []string{"-internal-access", "Everything"}, exitUsage, "invalid value"},
		{"not a state directory", []string{"-calendars", t.TempDir(), "-dir", t.TempDir()}, exitFail, "not a fedadmin state directory"},
		{"missing certificate file", []string{"-calendars", t.TempDir(), "-cert", "testdata/none.pem", "-key", "k", "-domain", "d.test", "-broker-metadata", "https://b", "-sharing", "s"}, exitFail, "-cert: open testdata/none.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := (&app{}).run(context.Background(), tt.args, &stdout, &stderr); got != tt.status {
				t.Errorf("status %d, want %d\n%s", got, tt.status, &stderr)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, &stderr)
			}
		})
	}
}
