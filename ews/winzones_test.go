package ews

import (
	"errors"
	"testing"
	"time"
)

func TestWindowsZones(t *testing.T) {
	tests := []struct {
		windows string
		iana    string
	}{
		{"W. Europe Standard Time", "Europe/Berlin"},
		{"w. europe standard time", "Europe/Berlin"},
		{"Pacific Standard Time", "America/Los_Angeles"},
		{"GMT Standard Time", "Europe/London"},
		{"AUS Eastern Standard Time", "Australia/Sydney"},
		{"Tokyo Standard Time", "Asia/Tokyo"},
		{"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"},
		// A display name from another Windows version, arriving as an ID.
		{"(UTC+01:00) Amsterdam, Berlin", "Europe/Berlin"},
		{"  (UTC-08:00)   Pacific Time (US & Canada) ", "America/Los_Angeles"},
	}
	for _, tt := range tests {
		got, ok := IANAZone(tt.windows)
		if !ok || got != tt.iana {
			t.Errorf("IANAZone(%q) = %q, %v; want %q", tt.windows, got, ok, tt.iana)
		}
		loc, err := LoadWindowsLocation(tt.windows)
		if err != nil || loc.String() != tt.iana {
			t.Errorf("LoadWindowsLocation(%q) = %v, %v; want %s", tt.windows, loc, err, tt.iana)
		}
	}
	for iana, want := range map[string]string{
		"Europe/Amsterdam": "W. Europe Standard Time", "America/New_York": "Eastern Standard Time",
		"Asia/Kolkata": "India Standard Time", "UTC": "UTC", "Etc/UTC": "UTC",
	} {
		if got, ok := WindowsZoneID(iana); !ok || got != want {
			t.Errorf("WindowsZoneID(%q) = %q, %v; want %q", iana, got, ok, want)
		}
	}
}

func TestWindowsZoneFallbacks(t *testing.T) {
	loc, err := LoadWindowsLocation("(UTC+05:45) Somewhere New")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2025, 1, 1, 0, 0, 0, 0, loc).Zone(); off != 5*3600+45*60 {
		t.Errorf("offset = %d, want +05:45", off)
	}
	if _, err := LoadWindowsLocation("Nowhere Standard Time"); !errors.Is(err, ErrUnknownZone) {
		t.Errorf("unknown zone: err = %v, want ErrUnknownZone", err)
	}
	// A location CLDR has no name for is matched by its rules.
	custom, err := (&SerializableTimeZone{
		Bias:         0,
		StandardTime: TimeZoneTime{Time: "02:00:00", DayOrder: 5, Month: 10, DayOfWeek: "Sunday"},
		DaylightTime: TimeZoneTime{Bias: -60, Time: "01:00:00", DayOrder: 5, Month: 3, DayOfWeek: "Sunday"},
	}).Location("Custom/Britain")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := WindowsZoneFor(custom, 2025); !ok || id != "GMT Standard Time" {
		t.Errorf("WindowsZoneFor(custom British rules) = %q, %v; want GMT Standard Time", id, ok)
	}
	id, ok := WindowsZoneFor(time.FixedZone("", 9*3600), 2025)
	if !ok {
		t.Fatal("WindowsZoneFor(+09:00) found nothing")
	}
	loc, err = LoadWindowsLocation(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []time.Month{1, 7} {
		if _, off := time.Date(2025, m, 1, 0, 0, 0, 0, loc).Zone(); off != 9*3600 {
			t.Errorf("WindowsZoneFor(+09:00) = %q, whose offset in month %d is %d", id, m, off)
		}
	}
}
