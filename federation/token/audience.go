package token

import (
	"net/url"
	"strings"
)

// forAudience reports whether every audience restriction names want, and
// returns the audience that did so first, as written in the token. This is
// WCF's SamlSecurityTokenAuthenticator with AudienceUriMode.Always, which
// Exchange's TokenValidator uses: each AudienceRestrictionCondition must
// hold one matching Audience, and a match is an ordinal string match or
// [sameURI].
func forAudience(restrictions [][]string, want string) (string, bool) {
	matched := ""
	for _, list := range restrictions {
		ok := false
		for _, a := range list {
			if sameURI(a, want) {
				ok = true
				if matched == "" {
					matched = a
				}
				break
			}
		}
		if !ok {
			return "", false
		}
	}
	return matched, matched != ""
}

// sameURI compares two absolute URIs as .NET's Uri.Equals does for the
// values tokens carry: the scheme and host without regard to case, a
// default port equal to none, an empty path equal to "/", the path and
// query exactly; the fragment is ignored. So "http://FYDIBOHF25SPDLT.Contoso.com/"
// is the audience "http://FYDIBOHF25SPDLT.contoso.com". Unlike .NET, user
// information must be equal too.
func sameURI(a, b string) bool {
	if a == b {
		return true
	}
	ua, err := url.Parse(a)
	if err != nil || !ua.IsAbs() {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil || !ub.IsAbs() {
		return false
	}
	if !strings.EqualFold(ua.Scheme, ub.Scheme) || ua.Opaque != ub.Opaque || ua.RawQuery != ub.RawQuery || ua.User.String() != ub.User.String() {
		return false
	}
	return hostPort(ua) == hostPort(ub) && uriPath(ua) == uriPath(ub)
}

// hostPort is u's host, lower-cased, with the scheme's default port dropped.
func hostPort(u *url.URL) string {
	h, p := strings.ToLower(u.Hostname()), u.Port()
	switch {
	case p == "",
		p == "80" && strings.EqualFold(u.Scheme, "http"),
		p == "443" && strings.EqualFold(u.Scheme, "https"):
		return h
	}
	return h + ":" + p
}

// uriPath is u's escaped path; a hierarchical URI's empty path is "/".
func uriPath(u *url.URL) string {
	if p := u.EscapedPath(); p != "" || u.Opaque != "" {
		return p
	}
	return "/"
}
