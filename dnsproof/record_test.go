package dnsproof

import (
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
	if w := NamespaceWarnings("contoso.com"); len(w) != 0 {
		t.Errorf("short domain warned: %q", w)
	}
	long := "a-rather-long-department-name.example.org" // 41 characters
	if w := NamespaceWarnings(long); len(w) != 1 || !strings.Contains(w[0], "unconfirmed") {
		t.Errorf("NamespaceWarnings(%q) = %q, want one warning saying the limit is unconfirmed", long, w)
	}
}
