package dnsproof

import (
	"strings"
	"unicode"
)

// Expect is what a domain's TXT records are compared with. A record matches
// when it carries any one of the values.
type Expect struct {
	// AppID is the organization's application identifier; a record
	// "AppID=<AppID>" matches (legacy form). Compared without regard to case.
	AppID string
	// Proofs are proof strings as [Proof] or [ProofFromSignature] make them
	// (current form). Base64 is case-sensitive, so they are compared exactly
	// apart from white space.
	Proofs []string
}

func (e Expect) empty() bool {
	if strings.TrimSpace(e.AppID) != "" {
		return false
	}
	for _, p := range e.Proofs {
		if normalize(p) != "" {
			return false
		}
	}
	return true
}

// Match returns the first of records that carries a value of want, and
// whether there is one. Each record is one TXT record with its strings
// already joined, as [Resolver] returns it. White space around and inside a
// record is ignored, as is one pair of enclosing double quotes (a common
// result of pasting a zone-file value into a DNS provider's web form).
func Match(records []string, want Expect) (string, bool) {
	appID := strings.TrimSpace(want.AppID)
	proofs := make([]string, 0, len(want.Proofs))
	for _, p := range want.Proofs {
		if p = normalize(p); p != "" {
			proofs = append(proofs, p)
		}
	}
	for _, rec := range records {
		v := normalize(rec)
		if appID != "" {
			if id, ok := cutAppID(v); ok && strings.EqualFold(id, squeeze(appID)) {
				return rec, true
			}
		}
		for _, p := range proofs {
			if v == p {
				return rec, true
			}
		}
	}
	return "", false
}

// cutAppID returns the value of a white-space-free "AppID=<id>" record.
func cutAppID(v string) (string, bool) {
	const prefix = "appid="
	if len(v) <= len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return "", false
	}
	return v[len(prefix):], true
}

// normalize is how records and expected proofs are compared: white space
// and one pair of enclosing double quotes do not count, on either side (a
// proof copied from a zone file may carry its quotes too).
func normalize(s string) string { return squeeze(unquote(strings.TrimSpace(s))) }

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// squeeze removes all white space.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
