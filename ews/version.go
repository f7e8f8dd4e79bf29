package ews

import (
	"cmp"
	"strconv"
	"strings"
)

// The unpublished schema names Exchange's own availability proxy sends
// between servers and organizations (with WS-Security): Exchange2009 for
// an old-schema request, Exchange2012 for the Exchange 2013 schema.
const (
	Exchange2009 Version = "Exchange2009"
	Exchange2012 Version = "Exchange2012"
	// Exchange2015 is the name between Exchange2013_SP1's minor versions and
	// Exchange2016 in later builds.
	Exchange2015 Version = "Exchange2015"
)

// versionOrder is ExchangeVersionType in Exchange's order
// (Microsoft.Exchange.Services/Services/Core/Types/ExchangeVersionType.cs,
// build 15.00.1497): Exchange2009 ranks below Exchange2010, Exchange2012
// just below Exchange2013, and the V2_n minor versions sit around
// Exchange2013_SP1. Exchange2015 and Exchange2016 come after V2_23 in
// later builds.
var versionOrder = func() map[Version]int {
	names := []Version{Exchange2007, Exchange2007SP1, Exchange2009, Exchange2010, Exchange2010SP1, Exchange2010SP2, Exchange2012, Exchange2013}
	for n := 1; n <= 7; n++ {
		names = append(names, Version("V2_"+strconv.Itoa(n)))
	}
	names = append(names, Exchange2013SP1)
	for n := 8; n <= 23; n++ {
		names = append(names, Version("V2_"+strconv.Itoa(n)))
	}
	names = append(names, Exchange2015, Exchange2016)
	m := make(map[Version]int, len(names))
	for i, v := range names {
		m[v] = i
	}
	return m
}()

// Compare orders schema versions as Exchange does: -1 if v is older than
// w, 0 if they are the same, +1 if v is newer. A name Exchange does not
// know ranks above every known one (a newer server's name), and two
// unknown names compare as strings.
func (v Version) Compare(w Version) int {
	a, aok := versionOrder[v]
	b, bok := versionOrder[w]
	switch {
	case aok && bok:
		return cmp.Compare(a, b)
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(string(v), string(w))
}

// KnownVersion reports whether v is a schema name Exchange knows.
func (v Version) KnownVersion() bool {
	_, ok := versionOrder[v]
	return ok
}

// newSchema reports whether a request of version v gets Exchange 2013's
// availability schema: WorkingElsewhere and its merged digit. Exchange
// tests RequestSchemaVersion < Exchange2012 (CalendarEvent.cs,
// MergedFreeBusy.cs), so Exchange2009 is old and Exchange2012 new.
func newSchema(v Version) bool { return v.Compare(Exchange2012) >= 0 }
