// Package winzones holds CLDR's mapping between Windows time zone IDs, which
// Exchange uses, and IANA zone names, which Go uses. The table is generated;
// package ews wraps it with lookups and fallbacks.
package winzones

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
