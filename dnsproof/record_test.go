package dnsproof

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestZoneLine(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		domain, value string
		ttl           time.Duration
		want          string
	}{
		{"Contoso.com", "gNqjMetUf19e==", 0, `contoso.com. 3600 IN TXT "gNqjMetUf19e=="`},
		{"contoso.com.", AppIDRecord(" 0000000040004F5A "), 5 * time.Minute, `contoso.com. 300 IN TXT "AppID=0000000040004F5A"`},
		{"contoso.com", `say "hi" \o/`, time.Hour, `contoso.com. 3600 IN TXT "say \"hi\" \\o/"`},
		{"contoso.com", long, time.Hour, `contoso.com. 3600 IN TXT "` + long[:255] + `" "` + long[255:] + `"`},
	}
	for _, tt := range tests {
		got, err := ZoneLine(tt.domain, tt.value, tt.ttl)
		if err != nil || got != tt.want {
			t.Errorf("ZoneLine(%q, %q, %v) = %q, %v; want %q", tt.domain, tt.value, tt.ttl, got, err, tt.want)
		}
	}
	if _, err := ZoneLine("not a domain", "v", 0); err == nil {
		t.Error("ZoneLine accepted an invalid domain")
	}
}

func TestNamespace(t *testing.T) {
	got, err := AccountNamespace(" Contoso.COM ")
	if err != nil || got != "FYDIBOHF25SPDLT.contoso.com" {
		t.Errorf("AccountNamespace = %q, %v", got, err)
	}
	if got, _ := ApplicationURI("contoso.com"); got != "FYDIBOHF25SPDLT.contoso.com" {
		t.Errorf("ApplicationURI = %q", got)
	}
	if _, err := AccountNamespace("contoso..com"); err == nil || !strings.HasPrefix(err.Error(), "dnsproof: ") {
		t.Errorf("AccountNamespace(contoso..com) error = %v, want a dnsproof error", err)
	}
	for _, tc := range []struct {
		domain string
		ok     bool
	}{
		{"contoso.com", true},
		{"abcdefghijklmnopqrstuvwxyz12.com", true}, // 32 characters
		{"abcdefghijklmnopqrstuvwxyz123.com", false},
		{"a-rather-long-department-name.example.org", false},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ12.COM.", true}, // normalized first
	} {
		_, err := FederatedDomain(tc.domain)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrDomainTooLong)) {
			t.Errorf("FederatedDomain(%q) = %v", tc.domain, err)
		}
	}
}
