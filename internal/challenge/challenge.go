// Package challenge writes the HTTP authentication challenge Exchange's
// IIS sends with a 401 on the paths that take passwords, so that clients
// which wait for a challenge before sending credentials (the EWS Managed
// API, many HTTP libraries) send them.
package challenge

import (
	"net"
	"net/http"
	"strings"
)

// Basic sets `WWW-Authenticate: Basic realm="<host>"` on h: the realm is
// the request's host name, as IIS names it by default. Characters that
// cannot be in a host name are dropped, so a hostile Host header cannot
// break out of the quoted realm.
func Basic(h http.Header, r *http.Request) {
	host := r.Host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		host = hn
	}
	host = strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':':
			return c
		}
		return -1
	}, host)
	h.Set("WWW-Authenticate", `Basic realm="`+host+`"`)
}
