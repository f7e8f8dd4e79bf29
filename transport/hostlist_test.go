package transport

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHostListMatch(t *testing.T) {
	// The NHSmail partner guide's list, plus ports and IPv6.
	const nhs = "<local>;*.battlecalfed2.co.uk;192.168.*"
	tests := []struct {
		list       string
		host, port string
		want       bool
	}{
		{nhs, "intranet", "443", true},
		{nhs, "localhost", "443", true},
		{nhs, "INTRANET.", "443", true}, // case and a trailing root dot do not matter
		{nhs, "mail.battlecalfed2.co.uk", "443", true},
		{nhs, "a.b.battlecalfed2.co.uk", "443", true}, // * spans dots
		{nhs, "MAIL.BattleCalfed2.CO.UK", "443", true},
		{nhs, "battlecalfed2.co.uk", "443", false}, // WinHTTP: "*." needs something before the dot
		{nhs, "evilbattlecalfed2.co.uk", "443", false},
		{nhs, "battlecalfed2.co.uk.evil.example", "443", false},
		{nhs, "192.168.1.20", "443", true},
		{nhs, "192.169.1.20", "443", false},
		{nhs, "10.0.0.1", "443", false},
		{nhs, "127.0.0.1", "443", false}, // <local> is for names, not addresses
		{nhs, "::1", "443", false},
		{nhs, "outlook.office365.com", "443", false},

		{"*battlecalfed2.co.uk", "battlecalfed2.co.uk", "443", true}, // the guide's netsh form
		{"*battlecalfed2.co.uk", "evilbattlecalfed2.co.uk", "443", true},
		{".example.org", "a.example.org", "443", true},
		{".example.org", "example.org", "443", false},
		{"example.org", "example.org", "443", true},
		{"example.org", "a.example.org", "443", false},
		{"mail*.example.org", "mail01.example.org", "443", true},
		{"mail*.example.org", "webmail.example.org", "443", false},
		{"*", "anything.example", "80", true},
		{"10.*.*.1", "10.20.30.1", "443", true},
		{"10.*.*.1", "10.20.30.2", "443", false},

		{"example.org:8443", "example.org", "8443", true},
		{"example.org:8443", "example.org", "443", false},
		{"*.example.org:08080", "a.example.org", "8080", true},
		{"10.0.0.1:443", "10.0.0.1", "443", true},
		{"10.0.0.1:443", "10.0.0.1", "80", false},

		{"::1", "::1", "443", true},
		{"::1", "[::1]", "443", true},
		{"[0:0::1]:8443", "::1", "8443", true},
		{"[::1]:8443", "::1", "443", false},
		{"10.0.0.1", "::ffff:10.0.0.1", "443", true}, // compared as addresses
		{"fe80::1", "fe80::1%eth0", "443", true},

		{"", "example.org", "443", false},
		{" ; ,, ;", "example.org", "443", false}, // only separators
		{"a.example  b.example,c.example;\td.example", "c.example", "443", true},
		{"a.example  b.example,c.example;\td.example", "d.example", "443", true},
		{"<LOCAL>", "intranet", "80", true},
	}
	for _, tt := range tests {
		l, err := ParseHostList(tt.list)
		if err != nil {
			t.Fatalf("ParseHostList(%q): %v", tt.list, err)
		}
		if got := l.Match(tt.host, tt.port); got != tt.want {
			t.Errorf("ParseHostList(%q).Match(%q, %q) = %v, want %v", tt.list, tt.host, tt.port, got, tt.want)
		}
	}
}

func TestParseHostListEntries(t *testing.T) {
	l, err := ParseHostList(" <local> ;*.Example.org:8443,, 192.168.* [::1] ")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("<local>;*.Example.org:8443;192.168.*;[::1]", l.String()); diff != "" {
		t.Errorf("String() (-want +got):\n%s", diff)
	}
	if l.Len() != 4 {
		t.Errorf("Len() = %d, want 4", l.Len())
	}
}

func TestParseHostListErrors(t *testing.T) {
	tests := []struct {
		list, entry string
	}{
		{"ok.example;https://*.example.org", "https://*.example.org"},
		{"192.168.0.0/16", "192.168.0.0/16"},
		{"example.org:", "example.org:"},
		{"example.org:0", "example.org:0"},
		{"example.org:65536", "example.org:65536"},
		{"example.org:http", "example.org:http"},
		{"[::1", "[::1"},
		{"[::1]x", "[::1]x"},
		{"[example.org]", "[example.org]"},
		{":443", ":443"},
		{"exa$mple.org", "exa$mple.org"},
		{"<loopback>", "<loopback>"},
	}
	for _, tt := range tests {
		_, err := ParseHostList(tt.list)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseHostList(%q) = %v, want a *SyntaxError", tt.list, err)
			continue
		}
		if se.Entry != tt.entry || se.Reason == "" {
			t.Errorf("ParseHostList(%q): entry %q reason %q, want entry %q and a reason", tt.list, se.Entry, se.Reason, tt.entry)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"**", "abc", true},
		{"a*", "a", true},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"*.*.x", "a.b.x", true},
		{"*ab", "aab", true}, // needs backtracking
		{"a*aab", "aaaab", true},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
