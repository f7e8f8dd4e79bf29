package dnsproof

import (
	"fmt"
	"strings"
	"time"
)

// DefaultTTL is the TTL [ZoneLine] writes when given zero: an hour, short
// enough that a corrected record is seen soon during setup.
const DefaultTTL = time.Hour

// AppIDRecord returns the legacy TXT value "AppID=<appID>" that Exchange 2010
// RTM asked administrators to publish, with the application identifier the
// trust broker assigned at registration.
func AppIDRecord(appID string) string { return "AppID=" + strings.TrimSpace(appID) }

// ZoneLine renders a TXT record as the line an administrator pastes into a
// zone file, for example
//
//	contoso.com. 3600 IN TXT "yVb1…=="
//
// The value is split into strings of at most 255 octets, as DNS requires,
// and quotes and backslashes in it are escaped. A ttl of zero means
// [DefaultTTL].
func ZoneLine(domain, value string, ttl time.Duration) (string, error) {
	d, err := ValidateDomain(domain)
	if err != nil {
		return "", err
	}
	if ttl == 0 {
		ttl = DefaultTTL
	}
	var parts []string
	for len(value) > 255 {
		parts = append(parts, quote(value[:255]))
		value = value[255:]
	}
	parts = append(parts, quote(value))
	return fmt.Sprintf("%s. %d IN TXT %s", d, int64(ttl/time.Second), strings.Join(parts, " ")), nil
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
