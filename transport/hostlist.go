package transport

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// HostList is a parsed WinHTTP-style host list, the syntax of the proxy
// bypass list in "netsh winhttp set proxy" and Internet Explorer's proxy
// exceptions. The zero value matches nothing.
//
// Entries are separated by semicolons, commas or white space; empty entries
// are ignored. Each entry is one of:
//
//   - "<local>": any host name without a dot ("intranet", "localhost"), but
//     not an IP address.
//   - A host name pattern, where "*" matches any run of characters, dots
//     included, or none: "*.example.org", "mail*.example.org", "*example.org".
//     Patterns match the whole name, case-insensitively, the way WinHTTP
//     does; so "*.example.org" matches "a.example.org" and "a.b.example.org"
//     but not "example.org" itself (list both, or write "*example.org", which
//     also matches "badexample.org"). A leading dot is short for "*.":
//     ".example.org" is "*.example.org".
//   - An IPv4 address or dotted prefix pattern: "10.1.2.3", "192.168.*",
//     "10.*.*.1". Patterns compare with the address as written in the URL.
//   - An IPv6 address, bare or in brackets: "::1", "[fe80::1]". IP addresses
//     compare as addresses, so "[::ffff:10.0.0.1]" and "10.0.0.1" are equal.
//
// Any entry may end in ":port" ("[::1]:8443", "*.example.org:8080"); it then
// matches only that port, where a URL without a port has its scheme's
// default port. Entries with a scheme ("https://...") or a network ("/16")
// are refused rather than guessed at.
type HostList struct {
	rules []hostRule
}

type hostRule struct {
	raw   string     // the entry as written, for String
	local bool       // <local>
	ip    netip.Addr // exact address, when valid
	glob  string     // lower-case pattern, when not local and not ip
	port  string     // "" matches any port
}

// ParseHostList parses a WinHTTP-style host list. An invalid entry is reported
// as a *SyntaxError; the empty string gives an empty list.
func ParseHostList(s string) (HostList, error) {
	var l HostList
	for _, e := range strings.FieldsFunc(s, isListSep) {
		r, err := parseHostRule(e)
		if err != nil {
			return HostList{}, err
		}
		l.rules = append(l.rules, r)
	}
	return l, nil
}

func isListSep(r rune) bool {
	return r == ';' || r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
}

func parseHostRule(e string) (hostRule, error) {
	bad := func(reason string) (hostRule, error) {
		return hostRule{}, &SyntaxError{Entry: e, Reason: reason}
	}
	if strings.EqualFold(e, "<local>") {
		return hostRule{raw: e, local: true}, nil
	}
	if strings.Contains(e, "://") {
		return bad("scheme prefixes are not supported; write the host pattern only")
	}
	if strings.Contains(e, "/") {
		return bad("network prefixes are not supported; use a wildcard such as 192.168.*")
	}
	host, port, hasPort := e, "", false
	if ip, err := netip.ParseAddr(e); err == nil && ip.Is6() {
		host = e // bare IPv6: its colons are not a port separator
	} else if strings.HasPrefix(e, "[") {
		end := strings.IndexByte(e, ']')
		if end < 0 {
			return bad("missing ]")
		}
		host = e[1:end]
		switch rest := e[end+1:]; {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			port, hasPort = rest[1:], true
		default:
			return bad("unexpected text after ]")
		}
		if _, err := netip.ParseAddr(host); err != nil {
			return bad("brackets must hold an IPv6 address")
		}
	} else if i := strings.LastIndexByte(e, ':'); i >= 0 {
		host, port, hasPort = e[:i], e[i+1:], true
	}
	if hasPort {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return bad("invalid port")
		}
		port = strconv.FormatUint(n, 10) // "08080" → "8080"
	}
	r := hostRule{raw: e, port: port}
	if ip, err := netip.ParseAddr(host); err == nil {
		r.ip = ip.Unmap().WithZone("")
		return r, nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if strings.HasPrefix(host, ".") {
		host = "*" + host
	}
	if host == "" {
		return bad("empty host")
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '*') {
			return bad("invalid character " + strconv.QuoteRune(c) + " in host pattern")
		}
	}
	r.glob = host
	return r, nil
}

// Match reports whether host (a name or an IP address, with or without
// brackets) on port matches an entry of the list. Give the port the request
// really uses, the scheme's default port when its URL has none.
func (l HostList) Match(host, port string) bool {
	if len(l.rules) == 0 {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), "."))
	ip, ipErr := netip.ParseAddr(host)
	isIP := ipErr == nil
	if isIP {
		ip = ip.Unmap().WithZone("")
	}
	for _, r := range l.rules {
		if r.port != "" && r.port != port {
			continue
		}
		switch {
		case r.local:
			if !isIP && !strings.Contains(host, ".") {
				return true
			}
		case r.ip.IsValid():
			if isIP && ip == r.ip {
				return true
			}
		case glob(r.glob, host):
			return true
		}
	}
	return false
}

// matchAddr is Match for a dialled "host:port" address.
func (l HostList) matchAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return l.Match(addr, "")
	}
	return l.Match(host, port)
}

// Len returns the number of entries.
func (l HostList) Len() int { return len(l.rules) }

// String returns the entries as written, separated by semicolons.
func (l HostList) String() string {
	s := make([]string, len(l.rules))
	for i, r := range l.rules {
		s[i] = r.raw
	}
	return strings.Join(s, ";")
}

// glob reports whether s matches pattern, in which '*' matches any run of
// bytes, including none. Both are lower case ASCII.
func glob(pattern, s string) bool {
	// Greedy matching with backtracking to the last star: linear in practice,
	// O(len(pattern)*len(s)) at worst, no recursion.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
