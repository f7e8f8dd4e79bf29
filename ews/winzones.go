package ews

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fedavail/fedavail/internal/winzones"
)

// Exchange names time zones by Windows ID ("W. Europe Standard Time"); Go by
// IANA name ("Europe/Berlin"). The mapping is CLDR's windowsZones table,
// generated into package internal/winzones. Some clients send Windows
// display names ("(UTC+01:00) Amsterdam, Berlin, …") where an ID belongs;
// those are recognized too.

// ErrUnknownZone is returned for a zone name that maps to nothing.
var ErrUnknownZone = errors.New("ews: unknown time zone")

type zoneIndex struct {
	byID      map[string]*winzones.Zone // lower-cased ID
	byDisplay map[string]*winzones.Zone // normalized display name
	byIANA    map[string]*winzones.Zone
}

var index = sync.OnceValue(func() *zoneIndex {
	ix := &zoneIndex{byID: map[string]*winzones.Zone{}, byDisplay: map[string]*winzones.Zone{}, byIANA: map[string]*winzones.Zone{}}
	for i := range winzones.Zones {
		z := &winzones.Zones[i]
		ix.byID[strings.ToLower(z.ID)] = z
		if z.Display != "" {
			ix.byDisplay[normalizeDisplay(z.Display)] = z
		}
		// The preferred zone of an ID wins over a zone that is merely listed.
		ix.byIANA[z.IANA] = z
	}
	for i := range winzones.Zones {
		z := &winzones.Zones[i]
		for _, o := range z.Others {
			if _, ok := ix.byIANA[o]; !ok {
				ix.byIANA[o] = z
			}
		}
	}
	return ix
})

func normalizeDisplay(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// IANAZone returns CLDR's preferred IANA zone name for a Windows zone ID or
// display name, ignoring case and extra white space.
func IANAZone(windows string) (string, bool) {
	z := lookupWindows(windows)
	if z == nil {
		return "", false
	}
	return z.IANA, true
}

func lookupWindows(s string) *winzones.Zone {
	ix := index()
	s = strings.TrimSpace(s)
	if z := ix.byID[strings.ToLower(s)]; z != nil {
		return z
	}
	if z := ix.byDisplay[normalizeDisplay(s)]; z != nil {
		return z
	}
	// A display name from another Windows version: same offset, and the
	// first place named matches ("(UTC+01:00) Amsterdam, Berlin" and
	// "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna").
	prefix, places, ok := strings.Cut(normalizeDisplay(s), ")")
	if !ok || !strings.HasPrefix(prefix, "(utc") {
		return nil
	}
	first, _, _ := strings.Cut(strings.TrimSpace(places), ",")
	if first == "" {
		return nil
	}
	for i := range winzones.Zones {
		z := &winzones.Zones[i]
		zp, zplaces, _ := strings.Cut(normalizeDisplay(z.Display), ")")
		if zp == prefix && strings.Contains(zplaces, first) {
			return z
		}
	}
	return nil
}

// WindowsZoneID returns the Windows zone ID CLDR maps an IANA zone name to.
func WindowsZoneID(iana string) (string, bool) {
	z := index().byIANA[iana]
	if z == nil {
		z = index().byIANA[winzones.Aliases[iana]]
	}
	if z == nil {
		return "", false
	}
	return z.ID, true
}

// LoadWindowsLocation returns the Go location for a Windows zone ID or
// display name. Names CLDR does not know but that state an offset — a
// display name "(UTC+05:45) Somewhere" or an ID like "UTC+13" — give a
// fixed-offset location with that name. Loading uses the system's zone
// database (or time/tzdata, if the program imports it).
func LoadWindowsLocation(windows string) (*time.Location, error) {
	if z := lookupWindows(windows); z != nil {
		loc, err := time.LoadLocation(z.IANA)
		if err != nil {
			return nil, fmt.Errorf("ews: time zone %q (%s): %w", windows, z.IANA, err)
		}
		return loc, nil
	}
	if off, ok := statedOffset(windows); ok {
		return time.FixedZone(strings.TrimSpace(windows), off), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownZone, windows)
}

// statedOffset reads the offset out of "(UTC+05:45) …", "UTC-02" or "UTC".
func statedOffset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "(")
	if !strings.HasPrefix(s, "UTC") && !strings.HasPrefix(s, "GMT") {
		return 0, false
	}
	s = s[3:]
	if end := strings.IndexAny(s, ") "); end >= 0 {
		s = s[:end]
	}
	if s == "" {
		return 0, true
	}
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	hh, mm, _ := strings.Cut(s[1:], ":")
	h, ok1 := digits([]byte(hh))
	m, ok2 := digits([]byte(mm))
	if !ok1 || !ok2 || len(hh) == 0 || len(hh) > 2 || len(mm) > 2 || h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// WindowsZoneFor returns a Windows zone ID for loc: CLDR's mapping of its
// name, or else the first Windows zone whose preferred IANA zone follows the
// same rules as loc in the given year (the fallback by offset for names
// CLDR does not list, such as a time.FixedZone or a renamed zone).
func WindowsZoneFor(loc *time.Location, year int) (string, bool) {
	if loc == nil {
		loc = time.UTC
	}
	if id, ok := WindowsZoneID(loc.String()); ok {
		return id, true
	}
	want := TimeZoneFor(loc, year)
	for _, z := range winzones.Zones {
		cand, err := time.LoadLocation(z.IANA)
		if err != nil {
			continue
		}
		if TimeZoneFor(cand, year) == want {
			return z.ID, true
		}
	}
	return "", false
}
