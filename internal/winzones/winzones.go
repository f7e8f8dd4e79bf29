// Package winzones holds CLDR's mapping between Windows time zone IDs, which
// Exchange uses, and IANA zone names, which Go uses. The table is generated;
// package ews wraps it with lookups and fallbacks, and package calendar
// reads Windows TZIDs in .ics files through [IANA].
package winzones

import (
	"strings"
	"sync"
)

//go:generate go run gen.go

// Zone is one Windows time zone.
type Zone struct {
	// ID is the Windows zone ID ("W. Europe Standard Time").
	ID string
	// Display is Windows' display name ("(UTC+01:00) Amsterdam, Berlin, …"),
	// which some clients send where an ID belongs.
	Display string
	// IANA is CLDR's preferred IANA zone for the ID (territory 001).
	IANA string
	// Others are the other IANA zones CLDR maps to the ID.
	Others []string
}

var byID = sync.OnceValue(func() map[string]*Zone {
	m := make(map[string]*Zone, len(Zones))
	for i := range Zones {
		m[strings.ToLower(Zones[i].ID)] = &Zones[i]
	}
	return m
})

// IANA returns CLDR's preferred IANA zone for a Windows zone ID, ignoring
// case and surrounding space, or "" for an unknown ID.
func IANA(id string) string {
	if z := byID()[strings.ToLower(strings.TrimSpace(id))]; z != nil {
		return z.IANA
	}
	return ""
}
