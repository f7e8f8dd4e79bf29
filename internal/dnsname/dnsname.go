// Package dnsname validates and normalizes the domain names fedavail compares:
// SMTP domains of organization relationships and sharing policies, and the
// domains whose ownership package dnsproof checks in DNS.
//
// Comparisons elsewhere in the SDK are plain string equality on the
// normalized form, so every name that enters through configuration or the
// network goes through [Normalize] first.
package dnsname

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// Limits from RFC 1035 section 2.3.4, in octets of the ASCII (punycode) form.
const (
	MaxLabel = 63
	MaxName  = 253
)

// Error says why a string is not a usable domain name.
type Error struct {
	Name   string // the input, as given
	Reason string // for example "empty label"
}

func (e *Error) Error() string { return fmt.Sprintf("%q: not a domain name: %s", e.Name, e.Reason) }

// ErrInvalid is matched by every *Error.
var ErrInvalid = errors.New("not a domain name")

// Is lets errors.Is(err, ErrInvalid) match.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// lookup maps Unicode names to their punycode form with the rules browsers
// and mail systems use (UTS #46 non-transitional), and rejects what those
// rules reject. Hyphen rules are checked here by hand so the reason is clear.
var lookup = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// Normalize trims white space and a single trailing dot, lower-cases, maps a
// Unicode (IDN) name to its punycode form, and checks the result: labels of
// 1–63 octets made of letters, digits and hyphens (not at either end), at
// most 253 octets in all, at least two labels. Punycode ("xn--") labels are
// accepted as they are.
func Normalize(name string) (string, error) {
	if plain(name) {
		return name, nil // the usual case, and the one the checks below would return unchanged
	}
	s := strings.TrimSpace(name)
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", &Error{name, "empty"}
	}
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '@' || r == '/' || r == ':' || r == '_' {
			return "", &Error{name, fmt.Sprintf("character %q is not allowed", r)}
		}
	}
	ascii, err := lookup.ToASCII(s)
	if err != nil {
		// idna's messages are good but long; keep ours short and stable, and
		// still check the structure so the reason names the worst problem.
		if r := structure(strings.ToLower(s)); r != "" {
			return "", &Error{name, r}
		}
		return "", &Error{name, "not a valid internationalized name"}
	}
	ascii = strings.ToLower(ascii)
	if r := structure(ascii); r != "" {
		return "", &Error{name, r}
	}
	return ascii, nil
}

// plain reports whether s is already a normal name that IDNA maps to itself
// and accepts: at most 253 octets, two or more labels of 1–63 lower-case
// letters, digits and hyphens, none at either end of a label nor in its
// third and fourth octets (where "xn--" and other reserved prefixes are).
// Normalize returns such a name as it is, without the IDNA work (and its
// allocations), which the access policy paid for every mailbox asked for.
func plain(s string) bool {
	if len(s) > MaxName {
		return false
	}
	labels, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := s[start:i]
		if len(l) == 0 || len(l) > MaxLabel || l[0] == '-' || l[len(l)-1] == '-' || len(l) >= 4 && l[2] == '-' && l[3] == '-' {
			return false
		}
		labels++
		start = i + 1
	}
	return labels >= 2
}

// structure checks labels and lengths of an ASCII name; it returns "" when
// the name is well formed, else the reason.
func structure(s string) string {
	if len(s) > MaxName {
		return fmt.Sprintf("%d octets, more than %d", len(s), MaxName)
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return "a single label; want a name such as contoso.com"
	}
	for i, l := range labels {
		switch {
		case l == "":
			return fmt.Sprintf("empty label at position %d", i+1)
		case len(l) > MaxLabel:
			return fmt.Sprintf("label %q has %d octets, more than %d", l, len(l), MaxLabel)
		case l[0] == '-' || l[len(l)-1] == '-':
			return fmt.Sprintf("label %q starts or ends with a hyphen", l)
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c >= 0x80) {
				return fmt.Sprintf("character %q is not allowed", c)
			}
		}
	}
	return ""
}
