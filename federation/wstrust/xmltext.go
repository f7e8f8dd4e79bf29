package wstrust

import (
	"time"

	"github.com/fedavail/fedavail/internal/wssec"
)

// text escapes s for element content.
func text(s string) string { return wssec.Escape(s) }

// attr escapes s for a double-quoted attribute value.
func attr(s string) string { return text(s) } // xml.EscapeText escapes '"' too

// timeFormat is how Exchange writes WS-Security and SAML instants: UTC with
// milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads an xs:dateTime; a missing zone means UTC, as WS-Security says.
func parseTime(s string) (time.Time, error) { return wssec.ParseTime(s) }
